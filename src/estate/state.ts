// The estate's live state, as azfail observes it: what guards, steps, status and game days all read. The Azure layer
// fills it; nothing here imports anything.

export interface SteeringEndpoint {
  name: string
  status: string
  monitorStatus?: string
}

export interface NameAnswer {
  name: string
  /** A records at the end of the chain (empty when none) */
  addresses: string[]
  /** smallest TTL among the answers */
  ttl?: number
  /** NOERROR, NXDOMAIN, NODATA, SERVFAIL, REFUSED or another c-ares code; UNREACHABLE when the resolver gave no answer at all */
  outcome: string
  /** why there is no answer, for UNREACHABLE ('connection refused', 'no reply before the timeout') */
  detail?: string
  /** the region's vantage that answered (e.g. 'VM vm-probe-eus2'); absent: the region's resolver, asked over DNS from here */
  via?: string
}

export interface NameCheck extends NameAnswer {
  expected: string
  ok: boolean
}

export interface EndpointRecord {
  zoneId: string
  recordType: string
  recordSetName: string
  fqdn: string
  ttl: number
  ips: string[]
}

export interface EndpointState {
  /** its subscription, where it is not the estate's default */
  subscription?: string
  resourceGroup: string
  name: string
  exists: boolean
  provisioningState?: string
  /** the records its private DNS zone groups wrote */
  records: EndpointRecord[]
}

/** A private endpoint as teardown found it, enough to create it again: kept in Azure beside the drain record. */
export interface EndpointDefinition {
  /** its subscription, where it is not the estate's default: a restore re-creates it there */
  subscription?: string
  resourceGroup: string
  name: string
  location: string
  subnetId: string
  privateLinkServiceConnections: Array<{name: string; privateLinkServiceId: string; groupIds: string[]; requestMessage?: string}>
  manualPrivateLinkServiceConnections?: Array<{name: string; privateLinkServiceId: string; groupIds: string[]; requestMessage?: string}>
  customDnsConfigs: Array<{fqdn: string; ipAddresses: string[]}>
  zoneGroups: Array<{name: string; configs: Array<{name: string; privateDnsZoneId: string}>}>
}

/** What a teardown deleted, recorded before it deleted it, so `restore` can create it again from any machine. */
export interface TeardownRecord {
  at: string
  runId?: string
  endpoints: EndpointDefinition[]
}

/** The steering layers azfail drains a region at. */
export const STEERING_LAYERS = ['trafficManager', 'frontDoor'] as const
export type SteeringLayer = (typeof STEERING_LAYERS)[number]

export interface DrainRecord {
  /** when the last of its layers was drained: the TTL window runs from here */
  drainedAt: string
  runId?: string
  /** the layers the region is drained at (absent in records written before layers were recorded: every layer) */
  layers?: SteeringLayer[]
  /** not observed: a plan's projection of what the steps before it will do (a dry run's drain and wait, not yet done) */
  projected?: true
}

/** What a run asked for, kept beside its lock in Azure so any operator can take the run over. */
export interface RunRequestRecord {
  action: string
  region?: string
  to?: string
  forced?: boolean
  standalone?: boolean
  teardown?: boolean
  overrides: Array<{guard: string; by: string; reason: string}>
}

export interface LockRecord {
  holder: string
  runId: string
  action: string
  since: string
  /** the lease: the holder renews it while it runs; past it, the lock can be taken over */
  expires: string
  /** where the holder runs, so a resume on the same machine can tell a dead holder from a live one */
  host?: string
  pid?: number
  request?: RunRequestRecord
  /** what the lock governs: hashes of the lower-cased ids of the estate's steering profiles, data tier and CNAME */
  keys?: string[]
  /** 'pending' while its run looks for another run's lock over the same resources; absent (older azfail): held */
  state?: 'pending' | 'held'
  etag?: string
}

/** A hand release of the lock, recorded in Azure with who and why. */
export interface LockReleaseRecord {
  by: string
  reason: string
  at: string
  runId: string
  holder: string
}

export interface RegionState {
  region: string
  resolver: string
  /** the vantage the region's names were resolved through (e.g. 'VM vm-probe-eus2'), where the runbook gives one */
  vantage?: string
  /** enabled at every steering layer the runbook names, and not reported unhealthy */
  serving: boolean
  trafficManager?: SteeringEndpoint
  frontDoor?: {name: string; enabledState: string; provisioningState?: string}
  names: NameCheck[]
  endpoints?: EndpointState[]
  /** when azfail drained it, as recorded in Azure (absent when not drained by azfail) */
  drain?: DrainRecord
  /** the private endpoints azfail tore down in this region, as recorded in Azure (absent when none) */
  teardown?: TeardownRecord
  /**
   * Writes Azure's Activity Log records on the region's steering (its Traffic Manager endpoint and profile, its Front
   * Door origin) after its drain, oldest first. Read only where there is a drain record; absent then means the log could
   * not be read (see unobserved), and a drain record is then unproven. Azure's log lags by minutes: empty means "none
   * listed yet", which the guards say.
   */
  steeringWrites?: SteeringWrite[]
  /**
   * When the Activity Log was asked for steeringWrites (the earliest Azure's time could be then): a write after it may
   * be missing from them, however late the rest of the read ended. A window is proven passed only if it had passed by
   * then.
   */
  steeringWritesAskedAt?: string
}

/** A write on a steering resource, as Azure's Activity Log records it. */
export interface SteeringWrite {
  /** eventTimestamp: when ARM received it */
  at: string
  /** who: the principal's UPN or client id */
  caller?: string
  /** the operation, e.g. Microsoft.Network/trafficManagerProfiles/azureEndpoints/write */
  operation: string
  resourceId: string
  /** Succeeded, Accepted, Started */
  status: string
}

export interface PostgresServerState {
  region: string
  name: string
  /** its subscription, where it is not the estate's default */
  subscription?: string
  resourceGroup: string
  role: string
  replicationState?: string
  /** how far a replica lags its primary, in seconds, where the target reports it (the sandbox does; see README) */
  replicationLagSeconds?: number
  state?: string
  fqdn?: string
}

/**
 * A part of the estate azfail asked about and got no answer for: its ARM calls failed or timed out, or its resolver
 * was silent. It is a state guards, steps, status and game days judge explicitly ("unknown"), never a pass.
 */
export interface Unobserved {
  /** what could not be read, in words: "PostgreSQL server pg-app-eus2", "eus2's resolver 127.0.20.1:53" */
  what: string
  /** which part of live state it leaves unknown, for the predicates that judge it */
  part?: UnobservedPart
  /** the region it belongs to, where it belongs to one (steering and Private DNS are global) */
  region?: string
  /** why: the status or error, or "no answer within 5s" */
  why: string
}

/** The parts of live state an observation reads independently; each can be unknown on its own. */
export type UnobservedPart = 'trafficManager' | 'frontDoor' | 'resolver' | 'endpoints' | 'zoneRecords' | 'postgres' | 'sqlFailoverGroup' | 'cosmos' | 'cname' | 'stateRecords' | 'activityLog'

export interface LiveState {
  observedAt: string
  /** what this observation could not read: every entry is unknown, not healthy (empty or absent: everything was read) */
  unobserved?: Unobserved[]
  target: 'azure' | 'sandbox'
  steering: {
    trafficManager?: {profile: string; ttl: number; monitorStatus?: string}
    frontDoor?: {profile: string; originGroup: string}
  }
  regions: Record<string, RegionState>
  data: {
    postgres?: {primaryRegion?: string; servers: PostgresServerState[]}
    sqlFailoverGroup?: {name: string; primaryRegion?: string; replicationState?: string; servers: Array<{region: string; name: string; role: string}>}
    cosmos?: {account: string; writeRegion?: string; locations: Array<{name: string; failoverPriority: number}>}
  }
  cname?: {fqdn: string; target?: string; ttl?: number; etag?: string; targetRegion?: string}
  /** the A record sets of the zones the observed endpoints' zone groups write to, as those zones serve them */
  zoneRecords?: ZoneARecord[]
  lock?: LockRecord
}

/** An A record set of a private DNS zone, as the zone serves it (the stale-record check, the TTL window). */
export interface ZoneARecord {
  zoneId: string
  zone: string
  name: string
  ips: string[]
  /** the record set's TTL: what a resolver hands out, whatever a zone group's copy says */
  ttl?: number
  /** the region whose expected address it serves, where it was read for one (the TTL window without its endpoints) */
  region?: string
}

/** What a step reads of the estate; an action reads the union of its steps' needs, so a large estate reads only those. */
export interface Reads {
  /** the private endpoints (and zone-group records) of the region the action is about: its regional provider */
  endpoints?: boolean
  /** the A records the private DNS zones (global) serve for the region's expected addresses, with their TTLs */
  zones?: boolean
  /** ask every region's resolver for its expected names */
  resolution?: boolean
  /** the data tier and the CNAME */
  data?: boolean
}

/**
 * A copy to project changes onto without touching the observed state. The names each region resolved and the zones'
 * record sets are what was observed: a projection replaces them, never changes them in place, so the copy shares them
 * (on a 1,000-name estate they are most of the state, and a game day projects it for every plan); the rest is deep.
 */
export function copyState(s: LiveState): LiveState {
  const {zoneRecords, regions, ...rest} = s
  const copy: LiveState = structuredClone({...rest, regions: Object.fromEntries(Object.entries(regions).map(([region, r]) => [region, {...r, names: []}]))})
  for (const [region, r] of Object.entries(regions)) copy.regions[region].names = r.names
  if (zoneRecords) copy.zoneRecords = zoneRecords
  return copy
}
