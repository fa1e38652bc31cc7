// A regional outage as Azure has them: the region's resource providers answer 5xx, hang or drop the connection, its
// resolvers fall silent or refuse, while the global services (Traffic Manager, Front Door reads, Private DNS,
// Microsoft.Authorization, Entra ID) keep answering. Front Door's control plane can also refuse changes on its own, as
// it did on 29 Oct 2025. The outage is part of the world, so every process serving the state dir agrees on it.
import {ArmError, type ArmRequest, controlFields} from './http.ts'
import {type ArmResource, type Outage, type RegionOutage, type World, key, locationKey, resourcesOfType} from './world.ts'

export const ARM_OUTAGES = ['error', 'hang', 'drop', 'none'] as const
export const RESOLVER_OUTAGES = ['silent', 'refuse', 'none'] as const
export const FRONT_DOOR_OUTAGES = ['refuse', 'none'] as const

/** What `POST /_sandbox/outage` takes. `none` ends that part of an outage. */
export interface OutageSpec {
  region?: string
  arm?: (typeof ARM_OUTAGES)[number]
  /** the status of `arm: 'error'` answers (default 503) */
  status?: number
  resolver?: (typeof RESOLVER_OUTAGES)[number]
  frontDoor?: (typeof FRONT_DOOR_OUTAGES)[number]
}

/** A held request waits at most this long, then answers as ARM does when a resource provider never answers. */
export const HANG_CAP_MS = 10 * 60_000

const FIELDS = ['region', 'arm', 'status', 'resolver', 'frontDoor']

/** Checks an outage request against the world's regions; a region may be named by key (eus2) or location (eastus2, East US 2). */
export function validateOutage(input: unknown, world: World): OutageSpec {
  const {o, problems} = controlFields(input, FIELDS, 'InvalidOutage', 'an outage')
  let region: string | undefined
  if (o.region !== undefined) {
    region = typeof o.region === 'string' ? regionNamed(world, o.region) : undefined
    if (!region) problems.push(`'region' must name one of the sandbox's regions: ${Object.keys(world.regions).join(', ')}`)
  }
  const oneOf = (field: string, values: readonly string[]) => {
    if (o[field] !== undefined && !values.includes(o[field] as string)) problems.push(`'${field}' must be one of ${values.join(', ')}`)
  }
  oneOf('arm', ARM_OUTAGES)
  oneOf('resolver', RESOLVER_OUTAGES)
  oneOf('frontDoor', FRONT_DOOR_OUTAGES)
  if (o.status !== undefined) {
    if (!(Number.isInteger(o.status) && (o.status as number) >= 500 && (o.status as number) <= 599)) problems.push("'status' must be a 5xx HTTP status")
    else if (o.arm !== 'error') problems.push("'status' goes with arm 'error'")
  }
  if (o.region === undefined && (o.arm !== undefined || o.resolver !== undefined)) problems.push("'arm' and 'resolver' need the 'region' they take down")
  if (o.region === undefined && o.frontDoor === undefined) problems.push("name a 'region' to take down, or 'frontDoor'")
  if (problems.length > 0) throw new ArmError(400, 'InvalidOutage', `Invalid outage: ${problems.join('; ')}.`)
  const spec: OutageSpec = {}
  if (region) spec.region = region
  for (const f of ['arm', 'status', 'resolver', 'frontDoor'] as const) if (o[f] !== undefined) (spec as any)[f] = o[f]
  return spec
}

/**
 * Sets what the spec names and keeps the rest. A region named with neither `arm` nor `resolver` goes fully down: its
 * resource providers answer 503 and its resolver is silent.
 */
export function applyOutage(world: World, spec: OutageSpec): Outage {
  const outage: Outage = (world.outage ??= {regions: {}})
  if (spec.region) {
    const full = spec.arm === undefined && spec.resolver === undefined
    const next: RegionOutage = {...outage.regions[spec.region]}
    const arm = full ? 'error' : spec.arm
    if (arm === 'none') {
      delete next.arm
      delete next.status
    } else if (arm) {
      next.arm = arm
      if (arm === 'error') next.status = spec.status ?? 503
      else delete next.status
    }
    const resolver = full ? 'silent' : spec.resolver
    if (resolver === 'none') delete next.resolver
    else if (resolver) next.resolver = resolver
    if (next.arm || next.resolver) outage.regions[spec.region] = next
    else delete outage.regions[spec.region]
  }
  if (spec.frontDoor === 'refuse') outage.frontDoor = 'refuse'
  if (spec.frontDoor === 'none') delete outage.frontDoor
  return outage
}

/** The outage in force, as `GET /_sandbox/outage` shows it: the regions that are down and Front Door's control plane. */
export interface OutageState {
  regions: Outage['regions']
  frontDoor: 'refuse' | 'none'
}

export function outageOf(world: World): OutageState {
  return {regions: structuredClone(world.outage?.regions ?? {}), frontDoor: world.outage?.frontDoor ?? 'none'}
}

/** The outage for people: one line per region that is down, and Front Door's control plane. */
export function outageLines(outage: OutageState): string[] {
  const lines = Object.entries(outage.regions).map(([region, o]) => {
    const arm = o.arm === 'error' ? `ARM answers ${o.status}` : o.arm === 'hang' ? 'ARM hangs' : o.arm === 'drop' ? 'ARM drops connections' : 'ARM answers'
    const resolver = o.resolver === 'silent' ? 'resolver silent' : o.resolver === 'refuse' ? 'resolver refuses' : 'resolver answers'
    return `${region}: ${arm}, ${resolver}`
  })
  if (outage.frontDoor === 'refuse') lines.push('Front Door: control plane refuses changes (reads answered)')
  return lines.length > 0 ? lines : ['none: every region and Front Door answer']
}

/**
 * How the region's resolver behaves now: answering, silent, or refusing. An outage is of a location, as ARM's is (see
 * regionOfTarget): on the fleet estate, whose every copy has its own eus2, the outage of one eus2 is every copy's.
 */
export function resolverOutage(world: World, region: string): RegionOutage['resolver'] {
  const regions = world.outage?.regions ?? {}
  if (regions[region]) return regions[region].resolver
  const location = world.regions[region]?.location
  return location ? Object.entries(regions).find(([down]) => sameLocation(world, down, location))?.[1].resolver : undefined
}

/** What an outage does to an ARM request: answer an error, hang, or drop the connection. */
export type OutageEffect = {kind: 'error'; error: ArmError; label: string} | {kind: 'hang' | 'drop'; label: string}

/** The outage this request meets, if any; undefined when it is served as usual. */
export function outageEffect(world: World, req: ArmRequest): OutageEffect | undefined {
  const outage = world.outage
  if (!outage) return undefined
  const target = targetOf(req)
  if (!target) return undefined
  if (outage.frontDoor === 'refuse' && target.namespace === 'microsoft.cdn' && req.method !== 'GET') {
    return {kind: 'error', label: 'outage:front-door', error: new ArmError(409, 'Conflict', "Azure Front Door is not accepting configuration changes at this time: create, update and delete operations on Microsoft.Cdn profiles are blocked while its control plane recovers; reads are answered and traffic is still routed with the current configuration (azfail sandbox outage of Front Door's control plane).")}
  }
  const down = Object.entries(outage.regions).filter(([, o]) => o.arm)
  if (down.length === 0) return undefined
  const region = regionOfTarget(world, req, target, down.map(([r]) => r))
  if (!region) return undefined
  const o = outage.regions[region]
  const label = `outage:${region}`
  if (o.arm === 'error') return {kind: 'error', label, error: providerUnavailable(o.status ?? 503, target.providerName, world.regions[region].location, region)}
  return {kind: o.arm as 'hang' | 'drop', label}
}

/** ARM's answer when a held request's resource provider never answered. */
export function gatewayTimeout(req: ArmRequest): ArmError {
  return new ArmError(504, 'GatewayTimeout', `The gateway did not receive a response from '${targetOf(req)?.providerName ?? 'the resource provider'}' within the specified time period.`)
}

function providerUnavailable(status: number, provider: string, location: string, region: string): ArmError {
  const code = status === 503 ? 'ServiceUnavailable' : status === 502 ? 'BadGateway' : status === 504 ? 'GatewayTimeout' : 'InternalServerError'
  return new ArmError(status, code, `The resource provider '${provider}' in location '${location}' is not available; try again later (azfail sandbox outage of ${region}).`)
}

interface Target {
  subscription: string
  resourceGroup?: string
  /** the provider that serves the request, lower case, e.g. microsoft.sql (microsoft.authorization for a lock on a server) */
  namespace: string
  /** the provider of the resource the path names, as written, e.g. Microsoft.Sql */
  providerName: string
  /** the path's segments after the namespace */
  rest: string[]
}

const PROVIDER_PATH = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/([^/]+)\/?(.*)$/i

function targetOf(req: ArmRequest): Target | undefined {
  const m = PROVIDER_PATH.exec(req.path)
  if (!m) return undefined
  // An extension resource (a lock, the permissions at a server's scope) is served by the last provider the path names.
  const served = [...req.path.matchAll(/\/providers\/([^/]+)/gi)].at(-1)![1]
  return {subscription: m[1], resourceGroup: m[2], namespace: served.toLowerCase(), providerName: m[3], rest: m[4].split('/').filter(Boolean)}
}

/**
 * Global services: a regional outage leaves them answering. Cosmos DB's account is global metadata too (reads, and
 * offlineRegion, Azure's path out of a dead write region); only its graceful failover needs the write region.
 */
const GLOBAL_NAMESPACES = new Set(['microsoft.authorization', 'microsoft.cdn', 'microsoft.documentdb', 'microsoft.insights', 'microsoft.resources', 'microsoft.features'])
const GLOBAL_TYPES = new Set(['microsoft.network/trafficmanagerprofiles', 'microsoft.network/privatednszones', 'microsoft.network/trafficmanagergeographichierarchies', 'microsoft.network/frontdoors'])

/** The down region whose resource provider serves this request, if any. */
function regionOfTarget(world: World, req: ArmRequest, t: Target, down: string[]): string | undefined {
  const within = (location: string | undefined) => (location ? down.find((r) => sameLocation(world, r, location)) : undefined)
  // Long-running operations are polled at the region that runs them: `…/locations/{location}/operationStatuses/{id}`.
  if (t.rest[0]?.toLowerCase() === 'locations') return GLOBAL_NAMESPACES.has(t.namespace) ? undefined : within(t.rest[1])
  if (t.namespace === 'microsoft.documentdb') return cosmosWriteRegion(world, req, t, down)
  const type = `${t.providerName.toLowerCase()}/${t.rest[0]?.toLowerCase() ?? ''}`
  if (GLOBAL_NAMESPACES.has(t.namespace) || GLOBAL_TYPES.has(type) || t.rest.length === 0) return undefined
  if (t.rest.length >= 2) {
    const top = `/subscriptions/${t.subscription}${t.resourceGroup ? `/resourceGroups/${t.resourceGroup}` : ''}/providers/${t.providerName}/${t.rest[0]}/${t.rest[1]}`
    const r = world.resources[key(top)]
    if (r?.location) return within(r.location)
    const requested = req.method === 'PUT' ? bodyLocation(req) : undefined
    if (requested) return within(requested)
    return t.resourceGroup ? within(resourceGroupLocation(world, t.subscription, t.resourceGroup)) : undefined
  }
  // A list: by resource group, that group's region; across the subscription, any region holding one of its resources.
  if (t.resourceGroup) return within(resourceGroupLocation(world, t.subscription, t.resourceGroup))
  const inSubscription = resourcesOfType(world, `${t.providerName}/${t.rest[0]}`).filter((r) => key(r.id).startsWith(key(`/subscriptions/${t.subscription}/`)))
  return down.find((region) => inSubscription.some((r) => r.location && sameLocation(world, region, r.location)))
}

/** Cosmos DB's graceful failover (failoverPriorityChange) needs the current write region to hand writes over. */
function cosmosWriteRegion(world: World, req: ArmRequest, t: Target, down: string[]): string | undefined {
  if (req.method !== 'POST' || t.rest[0]?.toLowerCase() !== 'databaseaccounts' || t.rest[2]?.toLowerCase() !== 'failoverprioritychange') return undefined
  const account = world.resources[key(`/subscriptions/${t.subscription}/resourceGroups/${t.resourceGroup}/providers/${t.providerName}/${t.rest[0]}/${t.rest[1]}`)]
  const writeRegion = account?.properties.writeLocations?.[0]?.locationName as string | undefined
  return writeRegion ? down.find((r) => sameLocation(world, r, writeRegion)) : undefined
}

function sameLocation(world: World, region: string, location: string): boolean {
  const info = world.regions[region]
  const l = locationKey(location)
  return !!info && (locationKey(info.location) === l || locationKey(info.displayName) === l || key(region) === l)
}

/** The region a resource group's regional resources live in (the most of them); none for a group of global ones. */
function resourceGroupLocation(world: World, subscription: string, group: string): string | undefined {
  const prefix = key(`/subscriptions/${subscription}/resourceGroups/${group}/`)
  const counts = new Map<string, number>()
  for (const r of Object.values(world.resources) as ArmResource[]) {
    if (!r.location || locationKey(r.location) === 'global' || !key(r.id).startsWith(prefix)) continue
    const l = locationKey(r.location)
    counts.set(l, (counts.get(l) ?? 0) + 1)
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
}

function bodyLocation(req: ArmRequest): string | undefined {
  try {
    const location = JSON.parse(req.rawBody)?.location
    return typeof location === 'string' ? location : undefined
  } catch {
    return undefined
  }
}

/** A region by its key (eus2), location (eastus2) or display name (East US 2). */
export function regionNamed(world: World, name: string): string | undefined {
  // the fleet estate's regions are `eus2@<subscription>`, one per copy: `eus2` names the first (its outage is every copy's, by location)
  return Object.keys(world.regions).find((r) => namesRegion(world, r, name))
}

/** Whether `name` (a key, a location or a display name) names the world's region `region`. */
export const namesRegion = (world: World, region: string, name: string): boolean => key(region) === key(name) || key(region.split('@')[0]) === key(name) || sameLocation(world, region, name)
