// The emulated Azure Resource Manager operations: exactly those azfail uses, with the api-versions Azure serves for
// them, one module per provider, each inside a subscription and resource group the world holds. Anything else answers
// ARM's 404 shape, loudly, never a silent 200.
import type {Route} from '../http.ts'
import {authorizationRoutes} from './authorization.ts'
import {type ArmContext, scoped} from './common.ts'
import {computeRoutes} from './compute.ts'
import {containerServiceRoutes} from './container-service.ts'
import {cosmosRoutes} from './cosmos.ts'
import {frontDoorRoutes} from './front-door.ts'
import {monitorRoutes} from './monitor.ts'
import {networkRoutes} from './network.ts'
import {operationRoutes} from './operations.ts'
import {postgresRoutes} from './postgres.ts'
import {privateDnsRoutes} from './private-dns.ts'
import {sqlRoutes} from './sql.ts'
import {subscriptionRoutes} from './subscriptions.ts'
import {trafficManagerRoutes} from './traffic-manager.ts'

export {lockRefusal} from './authorization.ts'
export {API_VERSIONS, type ArmContext} from './common.ts'

/** Every route, in match order: the first route whose template matches a path serves it. */
export function armRoutes(ctx: ArmContext): Route[] {
  const routes = [
    ...subscriptionRoutes(ctx),
    ...authorizationRoutes(ctx),
    ...trafficManagerRoutes(ctx),
    ...frontDoorRoutes(ctx),
    ...privateDnsRoutes(ctx),
    ...networkRoutes(ctx),
    ...postgresRoutes(ctx),
    ...sqlRoutes(ctx),
    ...cosmosRoutes(ctx),
    ...computeRoutes(ctx),
    ...containerServiceRoutes(ctx),
    ...operationRoutes(ctx),
    ...monitorRoutes(ctx),
  ]
  return routes.map((r) => scoped(ctx, r))
}
