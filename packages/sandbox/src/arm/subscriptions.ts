// Microsoft.Resources' list of subscriptions, `GET /subscriptions`: what `az login` and `Connect-AzAccount` read after
// signing in, to learn which subscriptions the principal may use. As Azure answers it: only the subscriptions in which
// the caller holds a role assignment (at the subscription or anywhere under it), each in the shape of
// specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/examples/GetSubscriptions.json
// (2020-01-01 and older versions send the same fields; clients ignore the `count` they do not model).
import {type Route, page, route} from '../http.ts'
import {covers} from '../rbac.ts'
import {subscriptionsOf} from '../world.ts'
import type {ArmContext} from './common.ts'

const API_VERSIONS = ['2022-12-01', '2021-01-01', '2020-01-01', '2019-11-01', '2019-06-01', '2018-06-01', '2016-06-01']

export function subscriptionRoutes(ctx: ArmContext): Route[] {
  return [
    route('GET', '/subscriptions', API_VERSIONS, (req) => {
      const scopes = ctx.principal?.scopes ?? []
      // a role at the subscription or above it (covers), or anywhere inside it, makes the subscription visible
      const visible = subscriptionsOf(ctx.world).filter((sub) => {
        const at = `/subscriptions/${sub}`
        return scopes.some((s) => covers(s, at) || s.toLowerCase().startsWith(`${at.toLowerCase()}/`))
      })
      const items = visible.map((sub) => ({
        id: `/subscriptions/${sub}`,
        authorizationSource: 'RoleBased',
        managedByTenants: [],
        subscriptionId: sub,
        tenantId: ctx.world.tenantId,
        displayName: sub === ctx.world.subscriptionId ? 'azfail sandbox' : `azfail sandbox ${sub.slice(0, 8)}`,
        state: 'Enabled',
        subscriptionPolicies: {locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off'},
      }))
      const answer = page(req, items, 100)
      return {...answer, body: {...(answer.body as object), count: {type: 'Total', value: items.length}}}
    }),
  ]
}
