// SQL failover groups, seen from either partner server, and their two failover actions.
import {type ArmRequest, type Params, type Route, notFound, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {type ArmResource, getResource, key, resourcesOfType} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, idOf, ok, presentFailoverGroup, provider} from './common.ts'

const SQL = `${RG}/providers/Microsoft.Sql/servers`
const fogType = 'Microsoft.Sql/servers/failoverGroups'

export function sqlRoutes(ctx: ArmContext): Route[] {
  const {w, changed, parent, busy} = provider(ctx)
  const serverOf = (p: Params) => parent(`${SQL.replace('{sub}', p.sub).replace('{rg}', p.rg)}/${p.server}`, 'Microsoft.Sql/servers').id
  const fogOf = (p: Params): {fog: ArmResource; serverId: string} => {
    const serverId = serverOf(p)
    const fog = resourcesOfType(w(), fogType).find(
      (f) => f.name.toLowerCase() === p.fog.toLowerCase() && [f.sandbox?.primaryId, f.sandbox?.secondaryId].some((s) => key(s ?? '') === key(serverId)),
    )
    if (!fog) throw notFound(fogType, `${p.server}/${p.fog}`, p.rg)
    return {fog, serverId}
  }
  const fogFailover = (allowDataLoss: boolean) => (req: ArmRequest, p: Params) => {
    const {fog, serverId} = fogOf(p)
    busy(fog)
    changed()
    const viewId = idOf(req).replace(/\/(failover|forceFailoverAllowDataLoss)$/i, '')
    return startOperation(w(), req, {
      namespace: 'Microsoft.Sql', location: getResource(w(), serverId)?.location ?? fog.location ?? 'global', resourceId: viewId,
      effect: {kind: 'failoverGroup', id: fog.id, toServerId: serverId, allowDataLoss}, result: 'resource', status: 202, failWith: ctx.failLro,
    })
  }
  return [
    route('GET', `${SQL}/{server}/failoverGroups`, API_VERSIONS.sql, (req, p) => {
      const serverId = serverOf(p)
      const fogs = resourcesOfType(w(), fogType).filter((f) => [f.sandbox?.primaryId, f.sandbox?.secondaryId].some((s) => key(s ?? '') === key(serverId)))
      return page(req, fogs.map((f) => presentFailoverGroup(w(), f, serverId)), 100)
    }),
    route('GET', `${SQL}/{server}/failoverGroups/{fog}`, API_VERSIONS.sql, (_req, p) => {
      const {fog, serverId} = fogOf(p)
      return ok(presentFailoverGroup(w(), fog, serverId))
    }),
    route('POST', `${SQL}/{server}/failoverGroups/{fog}/failover`, API_VERSIONS.sql, fogFailover(false)),
    route('POST', `${SQL}/{server}/failoverGroups/{fog}/forceFailoverAllowDataLoss`, API_VERSIONS.sql, fogFailover(true)),
  ]
}
