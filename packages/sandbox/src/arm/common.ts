// What every provider's routes share: the api-versions, the request's world, ARM's conventions for reading and updating
// it, and how a resource is presented to clients.
import {type ArmRequest, type ArmResponse, type Params, type Route, ArmError, badRequest, notFound, page, parentNotFound, resourceGroupNotFound, subscriptionNotFound} from '../http.ts'
import {operationInFlight} from '../lro.ts'
import type {RequestLogEntry} from '../client.ts'
import type {Principal} from '../rbac.ts'
import type {Vantages} from '../vantage.ts'
import {type ArmResource, type World, ancestorsOf, getResource, hasResourceGroup, isIn, key, mergePatch, resourceGroupOf, resourcesOfType, servesSubscription} from '../world.ts'

export {API_VERSIONS} from './api-versions.ts'

export interface ArmContext {
  world: World
  /** set by a `fail-lro` fault matching this request */
  failLro?: {code: string; message: string}
  /** the world changed: persist it */
  dirty: boolean
  /** who is calling: its role and assignments (Microsoft.Authorization/permissions answers from them) */
  principal?: Principal
  /** the request log (D/requests.jsonl), which the activity log is served from */
  requestLog?: () => RequestLogEntry[]
  /** the commands VMs, scale-set instances and AKS clusters run (vantage.ts), once the resolvers they ask are up */
  vantages?: Vantages
}

export const SUB = '/subscriptions/{sub}'
export const RG = `${SUB}/resourceGroups/{rg}`

export const idOf = (req: ArmRequest) => req.path.replace(/\/+$/, '')
export const ok = (body: unknown, status = 200): ArmResponse => ({status, body})

/** The helpers a provider's handlers use, bound to the world of the request being served. */
export function provider(ctx: ArmContext) {
  const w = () => ctx.world
  const changed = () => (ctx.dirty = true)

  /** Throws ARM's ParentResourceNotFound when a resource the id is nested under does not exist. */
  const parentsExist = (id: string) => {
    const missing = ancestorsOf(id).find((a) => !getResource(w(), a))
    if (missing) throw parentNotFound(missing.split('/').pop()!)
  }
  const get = (id: string, type: string): ArmResource => {
    const r = getResource(w(), id)
    if (r && r.type.toLowerCase() === type.toLowerCase()) return r
    parentsExist(id)
    throw notFound(type, id.split('/').pop()!, resourceGroupOf(id))
  }
  /** The resource a nested route lives under: a missing one is a missing parent, not a missing resource. */
  const parent = (id: string, type: string): ArmResource => {
    parentsExist(id)
    const r = getResource(w(), id)
    if (!r || r.type.toLowerCase() !== type.toLowerCase()) throw parentNotFound(id.split('/').pop()!)
    return r
  }
  const inGroup = (p: Params, r: ArmResource) => (p.sub === undefined ? !p.rg || resourceGroupOf(r.id).toLowerCase() === p.rg.toLowerCase() : isIn(r.id, p.sub, p.rg))
  const list = (req: ArmRequest, p: Params, type: string, pageSize = 100) =>
    page(req, resourcesOfType(w(), type).filter((r) => inGroup(p, r)).map((r) => present(w(), r)), pageSize)
  const busy = (r: ArmResource) => {
    const op = operationInFlight(w(), r.id)
    if (op) throw new ArmError(409, 'AnotherOperationInProgress', `Another operation (${op.id}) is in progress on '${r.name}'; retry when it completes.`)
  }

  return {w, changed, get, parent, parentsExist, list, busy}
}

/** ARM answers for the subscription and resource group before any provider sees the request: both must exist. */
export function scoped(ctx: ArmContext, r: Route): Route {
  return {
    ...r,
    handler: (req, p) => {
      if (p.sub !== undefined && !servesSubscription(ctx.world, p.sub)) throw subscriptionNotFound(p.sub)
      if (p.rg !== undefined && !hasResourceGroup(ctx.world, p.sub ?? ctx.world.subscriptionId, p.rg)) throw resourceGroupNotFound(p.rg)
      return r.handler(req, p)
    },
  }
}

/** Checks one property's value; returns what is wrong with it, or nothing. */
export type Check = (value: any) => string | undefined

export const is = {
  string: ((v) => (typeof v === 'string' ? undefined : 'must be a string')) as Check,
  boolean: ((v) => (typeof v === 'boolean' ? undefined : 'must be true or false')) as Check,
  object: ((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? undefined : 'must be an object')) as Check,
  strings: ((v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'must be an array of strings')) as Check,
  int: (min: number, max: number): Check => (v) => (Number.isInteger(v) && v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`),
  oneOf: (...values: string[]): Check => (v) => (values.includes(v) ? undefined : `must be one of ${values.join(', ')}`),
}

/** The properties one resource type accepts in an update, from its spec's update model. */
export interface UpdateModel {
  type: string
  /** writable properties, each with its check */
  writable: Record<string, Check>
  /** read-only properties a client may echo back from a GET; Azure ignores them */
  readOnly: string[]
}

/** An update's properties, checked against the model: writable ones kept, read-only ones dropped, anything else refused. */
export function updatable(model: UpdateModel, props: unknown): Record<string, any> {
  if (props === undefined) return {}
  if (props === null || typeof props !== 'object' || Array.isArray(props)) throw badRequest("'properties' must be an object.", 'InvalidRequestContent')
  const out: Record<string, any> = {}
  for (const [name, value] of Object.entries(props)) {
    if (model.readOnly.includes(name)) continue
    const check = model.writable[name]
    if (!check) {
      throw badRequest(`'${name}' is not a property of ${model.type} that can be updated. Updatable properties: ${Object.keys(model.writable).join(', ')}.`, 'InvalidRequestContent')
    }
    const wrong = value === null ? undefined : check(value)
    if (wrong) throw badRequest(`The value '${JSON.stringify(value)}' of property '${name}' is not valid: it ${wrong}.`)
    out[name] = value
  }
  return out
}

/** An LRO's first answer for an update, as Azure's examples show it: the resource as requested, still Updating. */
export function asRequested(view: Record<string, any>, props: Record<string, any>, provisioning: Record<string, unknown>): Record<string, any> {
  return {...view, properties: {...mergePatch(view.properties, props), ...provisioning}}
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
      // Each partner lists its own copies of the group's databases.
      databases: ((fog.properties.databases ?? []) as string[]).map((db) => `${server?.id ?? serverId}/databases/${db.split('/').pop()}`),
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
