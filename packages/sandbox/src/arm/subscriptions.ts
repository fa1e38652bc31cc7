// Microsoft.Resources' subscription list (GET /subscriptions), as Azure answers it: the subscriptions the caller holds
// a role assignment in, at the subscription or anywhere inside it. azfail reads it to find every state zone a run of
// another runbook may hold a lock in.
import {type Route, route} from '../http.ts'
import {covers} from '../rbac.ts'
import {subscriptionsOf} from '../world.ts'
import type {ArmContext} from './common.ts'

const VERSIONS = ['2022-12-01', '2021-01-01', '2020-01-01', '2016-06-01'] as const

export function subscriptionRoutes(ctx: ArmContext): Route[] {
  return [
    route('GET', '/subscriptions', VERSIONS, () => {
      const scopes = ctx.principal?.scopes ?? []
      const visible = subscriptionsOf(ctx.world).filter((sub) => {
        const at = `/subscriptions/${sub}`
        return scopes.some((s) => covers(s, at) || s.toLowerCase().startsWith(`${at.toLowerCase()}/`))
      })
      const value = visible.map((sub) => ({
        id: `/subscriptions/${sub}`,
        authorizationSource: 'RoleBased',
        subscriptionId: sub,
        tenantId: ctx.world.tenantId,
        displayName: sub === ctx.world.subscriptionId ? 'azfail sandbox' : `azfail sandbox ${sub.slice(0, 8)}`,
        state: 'Enabled',
        subscriptionPolicies: {locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off'},
      }))
      return {status: 200, body: {count: {type: 'Total', value: value.length}, value}}
    }),
  ]
}
