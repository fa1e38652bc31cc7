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
  /** NOERROR, NXDOMAIN, NODATA, TIMEOUT, SERVFAIL, REFUSED or another c-ares code */
  outcome: string
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
  resourceGroup: string
  name: string
  exists: boolean
  provisioningState?: string
  /** the records its private DNS zone groups wrote */
  records: EndpointRecord[]
}

export interface DrainRecord {
  drainedAt: string
  runId?: string
}

export interface LockRecord {
  holder: string
  runId: string
  action: string
  since: string
  expires: string
  etag?: string
}

export interface RegionState {
  region: string
  resolver: string
  /** enabled at every steering layer the runbook names, and not reported unhealthy */
  serving: boolean
  trafficManager?: SteeringEndpoint
  frontDoor?: {name: string; enabledState: string; provisioningState?: string}
  names: NameCheck[]
  endpoints?: EndpointState[]
  /** when azfail drained it, as recorded in Azure (absent when not drained by azfail) */
  drain?: DrainRecord
}

export interface PostgresServerState {
  region: string
  name: string
  resourceGroup: string
  role: string
  replicationState?: string
  state?: string
  fqdn?: string
}

export interface LiveState {
  observedAt: string
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
  lock?: LockRecord
}

/** An A record set of a private DNS zone, as listed for the stale-record check. */
export interface ZoneARecord {
  zoneId: string
  zone: string
  name: string
  ips: string[]
}

/** What a step reads of the estate; an action reads the union of its steps' needs, so a large estate reads only those. */
export interface Reads {
  /** the private endpoints (and zone-group records) of the region the action is about */
  endpoints?: boolean
  /** ask every region's resolver for its expected names */
  resolution?: boolean
  /** the data tier and the CNAME */
  data?: boolean
}

/** A deep copy to project changes onto without touching the observed state. */
export const copyState = (s: LiveState): LiveState => structuredClone(s)
