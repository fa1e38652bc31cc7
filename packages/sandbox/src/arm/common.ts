// What every provider's routes share: the api-versions, the request's world, ARM's conventions for reading it, and
// how a resource is presented to clients.
import {type ArmRequest, type ArmResponse, type Params, ArmError, notFound, page} from '../http.ts'
import {operationInFlight} from '../lro.ts'
import {type ArmResource, type World, getResource, key, resourceGroupOf, resourcesOfType} from '../world.ts'

/** Supported api-versions per provider: the version the installed SDK sends first. */
export const API_VERSIONS = {
  trafficManager: ['2022-04-01', '2018-08-01'],
  cdn: ['2024-02-01', '2023-05-01'],
  privateDns: ['2024-06-01', '2020-06-01', '2018-09-01'],
  network: ['2026-01-01', '2024-05-01', '2023-09-01'],
  postgres: ['2025-08-01', '2024-08-01', '2022-12-01'],
  sql: ['2020-11-01-preview', '2021-11-01'],
  cosmos: ['2026-03-15', '2024-11-15'],
} as const

export interface ArmContext {
  world: World
  /** set by a `fail-lro` fault matching this request */
  failLro?: {code: string; message: string}
  /** the world changed: persist it */
  dirty: boolean
}

export const SUB = '/subscriptions/{sub}'
export const RG = `${SUB}/resourceGroups/{rg}`

export const idOf = (req: ArmRequest) => req.path.replace(/\/+$/, '')
export const ok = (body: unknown, status = 200): ArmResponse => ({status, body})

/** The helpers a provider's handlers use, bound to the world of the request being served. */
export function provider(ctx: ArmContext) {
  const w = () => ctx.world
  const changed = () => (ctx.dirty = true)

  const get = (id: string, type: string): ArmResource => {
    const r = getResource(w(), id)
    if (!r || r.type.toLowerCase() !== type.toLowerCase()) throw notFound(type, id.split('/').pop()!, resourceGroupOf(id))
    return r
  }
  const subscriptionOk = (p: Params) => {
    if (p.sub.toLowerCase() !== w().subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${p.sub}' could not be found.`)
    }
  }
  const inGroup = (p: Params, r: ArmResource) => !p.rg || resourceGroupOf(r.id).toLowerCase() === p.rg.toLowerCase()
  const list = (req: ArmRequest, p: Params, type: string, pageSize = 100) => {
    subscriptionOk(p)
    return page(req, resourcesOfType(w(), type).filter((r) => inGroup(p, r)).map((r) => present(w(), r)), pageSize)
  }
  const busy = (r: ArmResource) => {
    const op = operationInFlight(w(), r.id)
    if (op) throw new ArmError(409, 'AnotherOperationInProgress', `Another operation (${op.id}) is in progress on '${r.name}'; retry when it completes.`)
  }

  return {w, changed, get, subscriptionOk, list, busy}
}

/** The resource as ARM returns it: no sandbox bookkeeping, and computed views where Azure computes them. */
export function present(world: World, r: ArmResource): Record<string, unknown> {
  const {sandbox: _s, ...out} = r
  if (r.type === 'Microsoft.Network/trafficManagerProfiles') {
    const endpoints = Object.values(world.resources)
      .filter((e) => e.type.startsWith('Microsoft.Network/trafficManagerProfiles/') && key(e.id).startsWith(key(r.id) + '/'))
      .map((e) => present(world, e))
    return {...out, properties: {...r.properties, endpoints}}
  }
  if (r.type === 'Microsoft.Sql/servers/failoverGroups') return presentFailoverGroup(world, r, r.sandbox?.primaryId)
  return structuredClone(out)
}

/** A failover group seen from one partner server: its own role, the partner's role, and an id under that server. */
export function presentFailoverGroup(world: World, fog: ArmResource, serverId: string): Record<string, unknown> {
  const {primaryId, secondaryId} = fog.sandbox as {primaryId: string; secondaryId: string}
  const isPrimary = key(serverId) === key(primaryId)
  const partnerId = isPrimary ? secondaryId : primaryId
  const server = getResource(world, serverId)
  const partner = getResource(world, partnerId)
  return {
    id: `${server?.id ?? serverId}/failoverGroups/${fog.name}`,
    name: fog.name,
    type: fog.type,
    location: server?.location,
    tags: fog.tags ?? {},
    properties: {
      ...structuredClone(fog.properties),
      replicationRole: isPrimary ? 'Primary' : 'Secondary',
      partnerServers: [{id: partner?.id ?? partnerId, location: partner?.location, replicationRole: isPrimary ? 'Secondary' : 'Primary'}],
    },
  }
}

export function presentById(world: World, id: string): Record<string, unknown> {
  const direct = getResource(world, id)
  if (direct) return present(world, direct)
  const m = /^(.*\/servers\/[^/]+)\/failoverGroups\/([^/]+)$/i.exec(id)
  if (m) {
    const fog = resourcesOfType(world, 'Microsoft.Sql/servers/failoverGroups').find((f) => f.name.toLowerCase() === m[2].toLowerCase())
    if (fog) return presentFailoverGroup(world, fog, m[1])
  }
  throw new ArmError(404, 'ResourceNotFound', `The resource '${id}' was not found.`)
}
