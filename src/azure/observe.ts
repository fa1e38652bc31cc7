// Reads the estate's live state through the SDK clients and the regional resolvers. Read-only: plans and guards
// are computed from what this returns. Callers name the parts they need, so a large estate reads only those.
import type {NetworkManagementClient} from '@azure/arm-network'
import {isServing, normalizeLocation, parseZoneId, privateFqdn, sameName} from '../estate/predicates.ts'
import type {DrainRecord, EndpointRecord, EndpointState, LiveState, NameCheck, RegionState, SteeringEndpoint, Unobserved, ZoneARecord} from '../estate/state.ts'
import type {Estate} from '../runbook/estate.ts'
import {steeringWritesSince} from './activity.ts'
import type {Clients} from './clients.ts'
import {resolveName, resolverFor} from './resolve.ts'
import {readStateRecords} from './state-records.ts'
import type {AzureTarget} from './target.ts'

export interface ObserveOptions {
  /** regions whose private endpoints and zone-group records to read (default none) */
  endpointsOf?: string[]
  /** ask the resolvers (default true) */
  resolution?: boolean
  /** read the data tier and the CNAME (default true) */
  data?: boolean
  /** read the CNAME (default: with the data tier, or with endpoints, whose TTL window includes the CNAME's TTL) */
  cname?: boolean
}

/** The resolver to ask for each region, as the target provides it (the runbook's address, or the sandbox's own). */
export function regionResolvers(estate: Estate, target: AzureTarget): Record<string, string> {
  return Object.fromEntries(Object.entries(estate.regions).map(([region, spec]) => [region, target.resolverFor(region, spec.resolver)]))
}

export async function observeEstate(estate: Estate, target: AzureTarget, clients: Clients, options: ObserveOptions = {}): Promise<LiveState> {
  const resolvers = regionResolvers(estate, target)
  const regions = Object.keys(estate.regions)
  const withData = options.data !== false
  const endpointsOf = options.endpointsOf ?? []
  const withCname = options.cname ?? (withData || endpointsOf.length > 0)
  const recordsRead = readStateRecords(estate, clients)
  // The Activity Log is asked about a drained region as soon as its drain record is read.
  const driftRead = recordsRead.then((rec) => Promise.all(regions.map((r) => writesAfterDrain(estate, clients, r, rec.drains[r]))))
  const [tm, fd, names, data, cname, endpoints, records, drift] = await Promise.all([
    observeTrafficManager(estate, clients),
    observeFrontDoor(estate, clients),
    options.resolution === false ? regions.map(() => []) : Promise.all(regions.map((r) => checkNames(resolvers[r], estate.regions[r].expect))),
    withData ? observeData(estate, clients) : ({} as LiveState['data']),
    withCname ? observeCname(estate, clients) : undefined,
    observeEndpointsOf(estate, clients, endpointsOf),
    recordsRead,
    driftRead,
  ])
  const endpointsByRegion = new Map(endpoints.byRegion)
  const state: LiveState = {
    observedAt: new Date().toISOString(),
    target: target.kind,
    steering: {
      ...(tm ? {trafficManager: tm.profile} : {}),
      ...(fd ? {frontDoor: fd.group} : {}),
    },
    regions: {},
    data,
    ...(endpointsOf.length > 0 ? {zoneRecords: endpoints.zoneRecords} : {}),
    ...(records.lock ? {lock: records.lock} : {}),
  }
  const unobserved = drift.flatMap((d) => d.unobserved ?? [])
  if (unobserved.length > 0) state.unobserved = [...(state.unobserved ?? []), ...unobserved]
  regions.forEach((region, i) => {
    const tmEp = tm?.endpoints[region]
    const origin = fd?.origins[region]
    const r: RegionState = {
      region,
      resolver: resolvers[region],
      serving: false,
      ...(tmEp ? {trafficManager: tmEp} : {}),
      ...(origin ? {frontDoor: origin} : {}),
      names: names[i],
      ...(endpointsByRegion.has(region) ? {endpoints: endpointsByRegion.get(region)} : {}),
      ...(records.drains[region] ? {drain: records.drains[region]} : {}),
      ...(records.teardowns[region] ? {teardown: records.teardowns[region]} : {}),
      ...(drift[i].steeringWrites ? {steeringWrites: drift[i].steeringWrites} : {}),
    }
    r.serving = isServing(r)
    state.regions[region] = r
  })
  if (cname) {
    const pg = data.postgres?.servers.find((s) => cname.target && sameName(privateFqdn(s, estate.cname?.zone), cname.target))
    state.cname = {...cname, ...(pg ? {targetRegion: pg.region} : {})}
  }
  return state
}

/** The writes on a drained region's steering since its drain (none read without a drain record); a failed read is unknown. */
async function writesAfterDrain(estate: Estate, clients: Clients, region: string, drain: DrainRecord | undefined, signal?: AbortSignal): Promise<{steeringWrites?: RegionState['steeringWrites']; unobserved?: Unobserved[]}> {
  if (!drain) return {}
  try {
    return {steeringWrites: await steeringWritesSince(estate, clients, region, drain.drainedAt, signal)}
  } catch (error: any) {
    return {unobserved: [{what: `the Activity Log of ${region}'s steering since its drain at ${drain.drainedAt}`, region, why: String(error?.message ?? error).split('\n')[0]}]}
  }
}

/** One region's steering, and the writes on it since its drain: what the TTL wait watches while it counts down. */
export async function observeSteeringOf(
  estate: Estate,
  clients: Clients,
  region: string,
  drain: DrainRecord | undefined,
  signal?: AbortSignal,
): Promise<Pick<RegionState, 'trafficManager' | 'frontDoor' | 'steeringWrites'> & {unobserved?: Unobserved[]}> {
  const [tm, fd, drift] = await Promise.all([observeTrafficManager(estate, clients), observeFrontDoor(estate, clients), writesAfterDrain(estate, clients, region, drain, signal)])
  const tmEp = tm?.endpoints[region]
  const origin = fd?.origins[region]
  return {...(tmEp ? {trafficManager: tmEp} : {}), ...(origin ? {frontDoor: origin} : {}), ...drift}
}

const QUERIES_IN_FLIGHT = 32

/** Asks one region's resolver for every expected name, a bounded number at a time. */
export async function checkNames(resolver: string, expect: Record<string, string>): Promise<NameCheck[]> {
  const r = resolverFor(resolver)
  const entries = Object.entries(expect)
  const out: NameCheck[] = new Array(entries.length)
  let next = 0
  await Promise.all(
    Array.from({length: Math.min(QUERIES_IN_FLIGHT, entries.length)}, async () => {
      for (let i = next++; i < entries.length; i = next++) {
        const [name, expected] = entries[i]
        const answer = await resolveName(r, name)
        out[i] = {...answer, expected, ok: answer.addresses.length > 0 && answer.addresses.every((a) => a === expected)}
      }
    }),
  )
  return out
}

async function observeTrafficManager(estate: Estate, clients: Clients) {
  const spec = estate.steering.trafficManager
  if (!spec) return undefined
  const client = await clients.for(spec.subscription).trafficManager()
  const profile = await client.profiles.get(spec.resourceGroup, spec.profile)
  const endpoints: Record<string, SteeringEndpoint> = {}
  for (const [region, name] of Object.entries(spec.endpoints)) {
    const ep = profile.endpoints?.find((e) => e.name?.toLowerCase() === name.toLowerCase())
    endpoints[region] = ep ? {name, status: ep.endpointStatus ?? 'Unknown', monitorStatus: ep.endpointMonitorStatus} : {name, status: 'Missing'}
  }
  return {
    profile: {profile: spec.profile, ttl: profile.dnsConfig?.ttl ?? 0, monitorStatus: profile.monitorConfig?.profileMonitorStatus},
    endpoints,
  }
}

async function observeFrontDoor(estate: Estate, clients: Clients) {
  const spec = estate.steering.frontDoor
  if (!spec) return undefined
  const client = await clients.for(spec.subscription).frontDoor()
  const origins: Record<string, {name: string; enabledState: string; provisioningState?: string}> = {}
  for await (const o of client.afdOrigins.listByOriginGroup(spec.resourceGroup, spec.profile, spec.originGroup)) {
    const region = Object.entries(spec.origins).find(([, n]) => n.toLowerCase() === o.name?.toLowerCase())?.[0]
    if (region) origins[region] = {name: o.name!, enabledState: o.enabledState ?? 'Unknown', provisioningState: o.provisioningState}
  }
  for (const [region, name] of Object.entries(spec.origins)) origins[region] ??= {name, enabledState: 'Missing'}
  return {group: {profile: spec.profile, originGroup: spec.originGroup}, origins}
}

/**
 * The regions' private endpoints and their zone-group records, and the A record sets of the zones those write to (one
 * paged list per zone). A zone's list starts as soon as the first endpoint writing into it is read, so its pages,
 * which must follow one another, overlap the other endpoints' reads.
 */
async function observeEndpointsOf(estate: Estate, clients: Clients, regions: string[]): Promise<{byRegion: Array<[string, EndpointState[]]>; zoneRecords: ZoneARecord[]}> {
  const lists = new Map<string, Promise<ZoneARecord[]>>()
  const zoneWritten = (zoneId: string) => {
    if (lists.has(zoneId.toLowerCase())) return
    const listed = listZoneARecords(clients, zoneId)
    listed.catch(() => {}) // awaited below, once every endpoint is read; until then a failure must not go unhandled
    lists.set(zoneId.toLowerCase(), listed)
  }
  const groups = new Map<string, Promise<Map<string, string | undefined>>>()
  const endpointsIn = (subscription: string | undefined, resourceGroup: string) => {
    const k = `${subscription ?? ''}/${resourceGroup}`.toLowerCase()
    if (!groups.has(k)) groups.set(k, listEndpoints(clients, subscription, resourceGroup))
    return groups.get(k)!
  }
  const byRegion = await Promise.all(regions.map(async (r) => [r, await observeEndpoints(estate, clients, r, endpointsIn, zoneWritten)] as [string, EndpointState[]]))
  return {byRegion, zoneRecords: (await Promise.all(lists.values())).flat()}
}

/** The private endpoints of a resource group (lower-case name → provisioning state): one paged list, not one read each. */
async function listEndpoints(clients: Clients, subscription: string | undefined, resourceGroup: string): Promise<Map<string, string | undefined>> {
  const network = await clients.for(subscription).network()
  const out = new Map<string, string | undefined>()
  try {
    for await (const pe of network.privateEndpoints.list(resourceGroup)) out.set((pe.name ?? '').toLowerCase(), pe.provisioningState)
  } catch (error: any) {
    if (error.statusCode !== 404) throw error // a resource group that does not exist holds no endpoint
  }
  return out
}

async function observeEndpoints(
  estate: Estate,
  clients: Clients,
  region: string,
  endpointsIn: (subscription: string | undefined, resourceGroup: string) => Promise<Map<string, string | undefined>>,
  zoneWritten: (zoneId: string) => void,
): Promise<EndpointState[]> {
  const refs = estate.regions[region]?.privateEndpoints ?? []
  if (refs.length === 0) return []
  return Promise.all(
    refs.map(async (ref): Promise<EndpointState> => {
      const network = await clients.for(ref.subscription).network()
      // The zone groups are read alongside the resource group's list of endpoints, not after it: an endpoint that
      // does not exist has none (ARM answers 404), and one round trip less leads to the zone lists.
      const groups = zoneGroupRecords(network, ref, zoneWritten)
      groups.catch(() => {})
      const listed = await endpointsIn(ref.subscription, ref.resourceGroup)
      if (!listed.has(ref.name.toLowerCase())) return {...ref, exists: false, records: []}
      const provisioningState = listed.get(ref.name.toLowerCase())
      const records = await groups
      return {...ref, exists: true, provisioningState, records}
    }),
  )
}

/** The records an endpoint's zone groups write, each zone announced as soon as they are read. */
async function zoneGroupRecords(network: NetworkManagementClient, ref: {resourceGroup: string; name: string}, zoneWritten: (zoneId: string) => void): Promise<EndpointRecord[]> {
  const records: EndpointRecord[] = []
  for await (const group of network.privateDnsZoneGroups.list(ref.resourceGroup, ref.name)) {
    for (const config of group.privateDnsZoneConfigs ?? []) {
      for (const rs of config.recordSets ?? []) {
        records.push({
          zoneId: config.privateDnsZoneId ?? '',
          recordType: rs.recordType ?? 'A',
          recordSetName: rs.recordSetName ?? '',
          fqdn: rs.fqdn ?? '',
          ttl: rs.ttl ?? 0,
          ips: rs.ipAddresses ?? [],
        })
      }
    }
  }
  for (const rec of records) zoneWritten(rec.zoneId)
  return records
}

async function observeData(estate: Estate, clients: Clients): Promise<LiveState['data']> {
  const {postgres, sqlFailoverGroup, cosmos} = estate.data
  const [pg, sql, cdb] = await Promise.all([
    postgres
      ? (async () => {
          const servers = await Promise.all(
            Object.entries(postgres.servers).map(async ([region, ref]) => {
              // Azure's server model has no lag, so the SDK's model drops it; the sandbox reports it beside
              // replicationState (README: replica lag), read here from the response body as sent.
              let lag: number | undefined
              const s = await (await clients.for(ref.subscription).postgres()).servers.get(ref.resourceGroup, ref.name, {onResponse: (raw) => (lag = replicaLagOf(raw.bodyAsText))})
              return {
                region,
                name: ref.name,
                ...(ref.subscription ? {subscription: ref.subscription} : {}),
                resourceGroup: ref.resourceGroup,
                role: s.replica?.role ?? s.replicationRole ?? 'None',
                replicationState: s.replica?.replicationState,
                ...(lag !== undefined ? {replicationLagSeconds: lag} : {}),
                state: s.state,
                fqdn: s.fullyQualifiedDomainName,
              }
            }),
          )
          return {primaryRegion: servers.find((s) => s.role === 'Primary')?.region ?? servers.find((s) => s.role === 'None')?.region, servers}
        })()
      : undefined,
    sqlFailoverGroup
      ? (async () => {
          const [first] = Object.entries(sqlFailoverGroup.servers)
          const client = await clients.for(first[1].subscription).sql()
          const fog = await client.failoverGroups.get(first[1].resourceGroup, first[1].name, sqlFailoverGroup.name)
          const servers = Object.entries(sqlFailoverGroup.servers).map(([region, ref]) => {
            const role =
              region === first[0]
                ? fog.replicationRole
                : fog.partnerServers?.find((p) => p.id?.toLowerCase().endsWith(`/servers/${ref.name.toLowerCase()}`))?.replicationRole
            return {region, name: ref.name, role: role ?? 'Unknown'}
          })
          return {name: sqlFailoverGroup.name, primaryRegion: servers.find((s) => s.role === 'Primary')?.region, replicationState: fog.replicationState, servers}
        })()
      : undefined,
    cosmos
      ? (async () => {
          const client = await clients.for(cosmos.subscription).cosmos()
          const account = await client.databaseAccounts.get(cosmos.resourceGroup, cosmos.account)
          const locations = (account.failoverPolicies ?? []).map((p) => ({name: p.locationName ?? '', failoverPriority: p.failoverPriority ?? 0}))
          const write = account.writeLocations?.[0]?.locationName
          const writeRegion = Object.entries(estate.regions).find(([, r]) => normalizeLocation(r.location) === normalizeLocation(write ?? ''))?.[0]
          return {account: cosmos.account, writeRegion, locations}
        })()
      : undefined,
  ])
  return {...(pg ? {postgres: pg} : {}), ...(sql ? {sqlFailoverGroup: sql} : {}), ...(cdb ? {cosmos: cdb} : {})}
}

async function observeCname(estate: Estate, clients: Clients): Promise<LiveState['cname']> {
  const spec = estate.cname
  if (!spec) return undefined
  const client = await clients.for(spec.subscription).privateDns()
  const fqdn = `${spec.name}.${spec.zone}`
  try {
    const rs = await client.recordSets.get(spec.resourceGroup, spec.zone, 'CNAME', spec.name)
    return {fqdn, target: rs.cnameRecord?.cname, ttl: rs.ttl, etag: rs.etag}
  } catch (error: any) {
    if (error.statusCode === 404) return {fqdn}
    throw error
  }
}

/** The A record sets of the private DNS zone with this id, with the TTLs they are served with. */
async function listZoneARecords(clients: Clients, zoneId: string): Promise<ZoneARecord[]> {
  const out: ZoneARecord[] = []
  const zone = parseZoneId(zoneId)
  if (!zone) return out
  const dns = await clients.for(zone.subscription).privateDns()
  for await (const rs of dns.recordSets.listByType(zone.resourceGroup, zone.zone, 'A')) {
    out.push({zoneId, zone: zone.zone, name: rs.name ?? '', ips: (rs.aRecords ?? []).map((a) => a.ipv4Address ?? ''), ...(rs.ttl === undefined ? {} : {ttl: rs.ttl})})
  }
  return out
}

/** `properties.replica.replicationLagSeconds` of a flexible server's body, where the target sends it. */
function replicaLagOf(body: string | null | undefined): number | undefined {
  try {
    const lag = JSON.parse(body ?? '{}')?.properties?.replica?.replicationLagSeconds
    return typeof lag === 'number' ? lag : undefined
  } catch {
    return undefined
  }
}
