// Pure helpers over live state and names: what "serving", "drained", "a replica" and "the same name" mean, once.
import type {LiveState, NameAnswer, RegionState, SteeringWrite, Unobserved, UnobservedPart} from './state.ts'

// Allow-lists of the values Azure documents: a value azfail has never seen is neither healthy nor unhealthy, it is
// unknown (never a false green).
/** Traffic Manager endpoint monitor statuses under which the endpoint takes traffic */
const MONITOR_SERVING = ['Online', 'CheckingEndpoint', 'Unmonitored']
/** ... and under which it does not */
const MONITOR_NOT_SERVING = ['Degraded', 'Stopped', 'Inactive', 'Disabled']
const ENABLED_STATES = ['Enabled', 'Disabled']
export const MONITOR_STATUSES = [...MONITOR_SERVING, ...MONITOR_NOT_SERVING]
/** a PostgreSQL flexible server replica's replication states (only Active is healthy) */
export const REPLICATION_STATES = ['Active', 'Catchup', 'Provisioning', 'Updating', 'Broken', 'Reconfiguring']

/** A value Azure gave that is none of those azfail knows for the field: said as "unknown value 'X'". */
export const unknownValue = (value: string | undefined, known: readonly string[]): value is string => value !== undefined && value !== UNKNOWN && !known.includes(value)
export const describeValue = (value: string | undefined, known: readonly string[]): string => (unknownValue(value, known) ? `unknown value '${value}'` : (value ?? '?'))

/** The values of a region's steering azfail has never seen, in words ("TM monitor status: unknown value 'X'"); empty when all are known. */
export function unknownSteeringValues(r: Pick<RegionState, 'trafficManager' | 'frontDoor'>): string[] {
  return [
    ...(unknownValue(r.trafficManager?.status, ENABLED_STATES) ? [`Traffic Manager endpoint status: unknown value '${r.trafficManager!.status}'`] : []),
    ...(unknownValue(r.trafficManager?.monitorStatus, MONITOR_STATUSES) ? [`Traffic Manager monitor status: unknown value '${r.trafficManager!.monitorStatus}'`] : []),
    ...(unknownValue(r.frontDoor?.enabledState, ENABLED_STATES) ? [`Front Door origin state: unknown value '${r.frontDoor!.enabledState}'`] : []),
  ]
}

/** Enabled at every steering layer the runbook names, and reported healthy (or not probed) by Traffic Manager. */
export function isServing(r: RegionState): boolean {
  const monitor = r.trafficManager?.monitorStatus
  const tmOk = !r.trafficManager || (r.trafficManager.status === 'Enabled' && (monitor === undefined || MONITOR_SERVING.includes(monitor)))
  const fdOk = !r.frontDoor || r.frontDoor.enabledState === 'Enabled'
  return Boolean(r.trafficManager || r.frontDoor) && tmOk && fdOk
}

/** What could not be read of a part (and region), as observed: empty when it was read. */
export const unobservedOf = (state: Pick<LiveState, 'unobserved'>, part: UnobservedPart, region?: string): Unobserved[] =>
  (state.unobserved ?? []).filter((u) => u.part === part && (region === undefined || u.region === undefined || u.region === region))

/** "Traffic Manager profile tm-app (no answer within 10s)", for messages that name what is unknown. */
export const describeUnobserved = (u: Unobserved): string => `${u.what} (${u.why})`

/** A steering status azfail could not read: the region is neither serving nor drained, it is unknown. */
export const UNKNOWN = 'Unknown'

/**
 * Serving, not serving, or unknown: a steering layer azfail could not read makes it unknown, never either answer.
 * (isServing and isDrained are both false for an unknown region.)
 */
export function servingState(r: RegionState): 'serving' | 'not serving' | 'unknown' {
  if (r.trafficManager?.status === UNKNOWN || r.frontDoor?.enabledState === UNKNOWN || unknownSteeringValues(r).length > 0) return 'unknown'
  return isServing(r) ? 'serving' : 'not serving'
}

/** Disabled at every steering layer in live state. */
export function isDrained(r: Pick<RegionState, 'trafficManager' | 'frontDoor'>): boolean {
  return (!r.trafficManager || r.trafficManager.status === 'Disabled') && (!r.frontDoor || r.frontDoor.enabledState === 'Disabled')
}

/** Which region's private endpoint wrote each address, as their zone groups wrote it (observed endpoints only). */
export function addressOwners(state: Pick<LiveState, 'regions'>): Map<string, {region: string; endpoint: string}> {
  const owner = new Map<string, {region: string; endpoint: string}>()
  for (const r of Object.values(state.regions)) for (const e of r.endpoints ?? []) for (const rec of e.records) for (const ip of rec.ips) owner.set(ip, {region: r.region, endpoint: e.name})
  return owner
}

/**
 * The addresses the region's own zone groups wrote for a name (kv-app-wus2.vault.azure.net is the record set
 * kv-app-wus2 in privatelink.vaultcore.azure.net): what its DNS should answer. Undefined when its endpoints were not
 * read or none of them wrote the name.
 */
export function zoneGroupAddresses(r: Pick<RegionState, 'endpoints'>, name: string): string[] | undefined {
  const label = bareName(name).split('.')[0]
  const ips = (r.endpoints ?? []).flatMap((e) => e.records.filter((rec) => bareName(rec.recordSetName) === label || bareName(rec.fqdn).split('.')[0] === label).flatMap((rec) => rec.ips))
  return ips.length > 0 ? [...new Set(ips)] : undefined
}

/** The last write on the region's steering after its drain, as the Activity Log lists it. */
export const lastSteeringWrite = (r: Pick<RegionState, 'steeringWrites'>): SteeringWrite | undefined => r.steeringWrites?.at(-1)

/**
 * When the region's steering last changed since azfail drained it: the drain, or a later write the Activity Log lists
 * (someone re-enabled it and disabled it again), from which the TTL window starts over.
 */
export function effectiveDrainAt(r: Pick<RegionState, 'drain' | 'steeringWrites'>): string | undefined {
  if (!r.drain) return undefined
  const last = lastSteeringWrite(r)
  return last && Date.parse(last.at) > Date.parse(r.drain.drainedAt) ? last.at : r.drain.drainedAt
}

/** "ep-eus2 .../write by alice at T": a steering write, for messages. */
export const describeWrite = (w: SteeringWrite): string => `${w.operation} on ${w.resourceId.split('/').slice(-1)[0]} by ${w.caller || 'an unnamed caller'} at ${w.at}`


/** A PostgreSQL flexible server's replication role that makes it a read-only replica. */
export const isReplica = (role: string | undefined): boolean => role === 'AsyncReplica' || role === 'GeoAsyncReplica'
/** The PostgreSQL flexible server replication roles Azure documents; any other is unknown, never "not a replica". */
export const POSTGRES_ROLES = ['None', 'Primary', 'AsyncReplica', 'GeoAsyncReplica']
/** A PostgreSQL server's role under which it takes writes (a primary, or a server with no replication). */
export const isWritable = (role: string | undefined): boolean => role === 'Primary' || role === 'None'
/** The SQL failover group partner roles Azure documents. */
export const FAILOVER_GROUP_ROLES = ['Primary', 'Secondary']

/** A DNS name compared the way DNS does: case-insensitive, with or without the trailing dot. */
export const bareName = (name: string | undefined): string => (name ?? '').toLowerCase().replace(/\.$/, '')

export const sameName = (a: string | undefined, b: string | undefined): boolean => bareName(a) === bareName(b)

/** Azure location names in either spelling ('eastus2', 'East US 2') compare equal. */
export const normalizeLocation = (location: string): string => location.toLowerCase().replace(/\s+/g, '')

/** The resource group and name in a private DNS zone's resource id, or undefined when it is not one. */
/** The subscription an ARM resource id names. */
export const subscriptionOfId = (id: string): string | undefined => /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1]

export function parseZoneId(zoneId: string): {subscription?: string; resourceGroup: string; zone: string} | undefined {
  const m = /^(?:\/subscriptions\/([^/]+))?.*\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i.exec(zoneId)
  return m ? {...(m[1] ? {subscription: m[1]} : {}), resourceGroup: m[2], zone: m[3]} : undefined
}

/** The name a server has in the CNAME's private zone, e.g. pg-app-eus2.private.postgres.database.azure.com. */
export const privateFqdn = (server: {name: string}, cnameZone: string | undefined): string => (cnameZone ? `${server.name}.${cnameZone}` : server.name)

/** The outcome of a query that got no DNS answer at all: the resolver could not be reached (refused, timed out). */
export const UNREACHABLE = 'UNREACHABLE'

export const isUnreachable = (answer: NameAnswer): boolean => answer.outcome === UNREACHABLE

/** "wus2's resolver 127.0.10.2:53" or "wus2's vantage VM vm-probe-wus2": what answered (or was asked for) a region's names. */
export const answeringFor = (r: Pick<RegionState, 'region' | 'resolver' | 'vantage'>): string => (r.vantage ? `${r.region}'s vantage ${r.vantage}` : `${r.region}'s resolver ${r.resolver}`)

/** "wus2's resolver 127.0.10.2:53 is unreachable (connection refused)", when it gave a name no answer at all. */
export function unreachableResolver(r: Pick<RegionState, 'region' | 'resolver' | 'vantage' | 'names'>): string | undefined {
  const none = r.names.find(isUnreachable)
  return none ? `${answeringFor(r)} ${r.vantage ? 'did not answer' : 'is unreachable'}${none.detail ? ` (${none.detail})` : ''}` : undefined
}

/** What a resolver said about a name: its addresses, or the DNS outcome (NXDOMAIN, ...). Never used for no answer. */
export const answerOf = (n: NameAnswer): string => n.addresses.join(',') || n.outcome

export interface TtlWindow {
  steeringTtl: number
  /** the longest TTL a record on the path is served with: the region's zone-group records as their zones serve them, and the survivors' answers */
  recordTtl: number
  /** the CNAME's TTL, where the estate has one */
  cnameTtl?: number
  drain: number
  total: number
}

/**
 * The longest TTL a client may cache on the resolution path (steering, every record involved as served, the CNAME),
 * plus the connection drain. waitOutTtl waits it out and drained-before-teardown demands it: one figure for both.
 */
export function ttlWindowSeconds(state: LiveState, region: string, connectionDrainSeconds: number): TtlWindow {
  const steeringTtl = state.steering.trafficManager?.ttl ?? 0
  const served = new Map((state.zoneRecords ?? []).map((z) => [`${z.zoneId.toLowerCase()}|${bareName(z.name)}`, z.ttl]))
  // A zone group's copy of a TTL is only a fallback: the record set's own TTL is what resolvers hand out.
  const own = [
    ...(state.regions[region]?.endpoints ?? []).flatMap((e) => e.records.map((r) => served.get(`${r.zoneId.toLowerCase()}|${bareName(r.recordSetName)}`) ?? r.ttl)),
    // read from the zones (global) by the addresses the region expects, where its endpoints were not read
    ...(state.zoneRecords ?? []).filter((z) => z.region === region).map((z) => z.ttl ?? 0),
  ]
  const survivors = Object.values(state.regions)
    .filter((r) => r.region !== region)
    .flatMap((r) => r.names.map((n) => n.ttl ?? 0))
  const recordTtl = Math.max(0, ...own, ...survivors)
  const cnameTtl = state.cname ? (state.cname.ttl ?? 0) : undefined
  return {steeringTtl, recordTtl, ...(cnameTtl === undefined ? {} : {cnameTtl}), drain: connectionDrainSeconds, total: Math.max(steeringTtl, recordTtl, cnameTtl ?? 0) + connectionDrainSeconds}
}

/** "max(steering TTL 10s, record TTL 10s, CNAME TTL 10s) + connection drain 3s": the parts of a TTL window. */
export const describeTtlWindow = (w: TtlWindow): string =>
  `max(steering TTL ${w.steeringTtl}s, record TTL ${w.recordTtl}s${w.cnameTtl === undefined ? '' : `, CNAME TTL ${w.cnameTtl}s`}) + connection drain ${w.drain}s`
