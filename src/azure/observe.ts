// Reads the estate's live state through the SDK clients and the regional resolvers. Read-only: plans and guards
// are computed from what this returns. Callers name the parts they need, so a large estate reads only those.
import type {NetworkManagementClient} from '@azure/arm-network'
import type {FailoverGroup} from '@azure/arm-sql'
import {isServing, isUnreachable, normalizeLocation, parseZoneId, privateFqdn, sameName, UNKNOWN, UNREACHABLE} from '../estate/predicates.ts'
import type {DrainRecord, EndpointRecord, EndpointState, LiveState, NameAnswer, NameCheck, PostgresServerState, RegionState, SteeringEndpoint, SteeringWrite, Unobserved, ZoneARecord} from '../estate/state.ts'
import type {Estate} from '../runbook/estate.ts'
import {describeUnreachable, unreachableEndpoint} from '../errors.ts'
import {RequestGivenUp} from './bounded.ts'
import {steeringWritesSince} from './activity.ts'
import type {Clients} from './clients.ts'
import {dnsTimeoutMs, NO_REPLY, resolveName, resolverFor} from './resolve.ts'
import {azureClock} from './clock.ts'
import {runningClock} from './running-time.ts'
import {checkNamesThrough, describeVantage} from './vantage.ts'
import {readStateRecords} from './state-records.ts'
import type {AzureTarget} from './target.ts'
import {privateZonesOf} from './zones.ts'

export interface ObserveOptions {
  /** regions whose private endpoints and zone-group records to read (default none) */
  endpointsOf?: string[]
  /** regions whose records to read from the private DNS zones (global) by the addresses they expect (default none) */
  zonesOf?: string[]
  /** ask the resolvers (default true) */
  resolution?: boolean
  /** read the data tier and the CNAME (default true) */
  data?: boolean
  /** read the CNAME (default: with the data tier, or with endpoints, whose TTL window includes the CNAME's TTL) */
  cname?: boolean
  /** regions whose data-tier servers are not asked (region -> why): their roles are unknown, the partners' read */
  notRead?: Record<string, string>
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
  const zonesOf = options.zonesOf ?? []
  const withCname = options.cname ?? (withData || endpointsOf.length > 0 || zonesOf.length > 0)
  const unobserved: Unobserved[] = []
  // A region the operator declared down (failover --ungraceful) is not asked: its names are unanswered, said as such.
  const declared = clients.declaredDown()
  // Each part is read on its own: one that fails or times out is an entry of `unobserved`, never the whole read's failure.
  const part = <T>(what: Omit<Unobserved, 'why'>, read: () => Promise<T>): Promise<T | undefined> =>
    read().catch((error: unknown) => {
      if (mustPropagate(error)) throw error
      unobserved.push({...what, why: whyUnread(error)})
      return undefined
    })
  const recordsRead = part({what: 'the drain, teardown and lock records in the state zone', part: 'stateRecords'}, () => readStateRecords(estate, clients))
  // The Activity Log is asked about a drained region as soon as its drain record is read; where an earlier read of
  // these clients saw a drain record, it is asked at once from that time, beside the record's read (see earlyDrift).
  const asked = () => new Date(azureClock(target).now()).toISOString()
  const early = earlyDrift(estate, clients, regions, asked)
  const driftRead = recordsRead.then((rec) => Promise.all(regions.map((r, i) => writesAfterDrain(estate, clients, r, rec?.drains[r], clients.signal(), early[i], asked))))
  const [tm, fd, names, data, cname, endpoints, records, served, drift] = await Promise.all([
    estate.steering.trafficManager ? part({what: `Traffic Manager profile ${estate.steering.trafficManager.profile}`, part: 'trafficManager'}, () => observeTrafficManager(estate, clients)) : undefined,
    estate.steering.frontDoor ? part({what: `Front Door origin group ${estate.steering.frontDoor.profile}/${estate.steering.frontDoor.originGroup}`, part: 'frontDoor'}, () => observeFrontDoor(estate, clients)) : undefined,
    options.resolution === false ? regions.map(() => []) : Promise.all(regions.map((r) => resolveRegion(estate, r, resolvers[r], clients))),
    withData ? observeData(estate, clients, part, options.notRead ?? {}) : ({} as LiveState['data']),
    withCname && estate.cname ? part({what: `the CNAME ${estate.cname.name}.${estate.cname.zone}`, part: 'cname'}, () => observeCname(estate, clients)) : undefined,
    observeEndpointsOf(estate, clients, endpointsOf, part),
    recordsRead,
    zonesOf.length > 0 ? part({what: `the private DNS zones' records for ${zonesOf.join(', ')}`, part: 'zoneRecords'}, () => recordsServing(estate, clients, zonesOf)) : undefined,
    driftRead,
  ])
  for (const d of drift) unobserved.push(...(d.unobserved ?? []))
  regions.forEach((region, i) => {
    const silent = names[i].find(isUnreachable)
    const vantage = estate.regions[region].vantage
    if (silent) unobserved.push({what: vantage ? `${region}'s vantage ${describeVantage(vantage)}` : `${region}'s resolver ${resolvers[region]}`, region, part: 'resolver', why: silent.detail ?? 'no answer'})
  })
  const endpointsByRegion = new Map(endpoints.byRegion)
  const state: LiveState = {
    observedAt: new Date().toISOString(),
    ...(unobserved.length > 0 ? {unobserved} : {}),
    target: target.kind,
    steering: {
      ...(tm ? {trafficManager: tm.profile} : {}),
      ...(fd ? {frontDoor: fd.group} : {}),
    },
    regions: {},
    data,
    ...(endpointsOf.length > 0 || served ? {zoneRecords: [...endpoints.zoneRecords, ...(served ?? [])]} : {}),
    ...(records?.lock ? {lock: records.lock} : {}),
  }
  regions.forEach((region, i) => {
    // A steering layer that could not be read leaves the region's status there unknown: neither serving nor drained.
    const tmEp = tm ? tm.endpoints[region] : unknownSteering(estate.steering.trafficManager?.endpoints[region])
    const origin = fd ? fd.origins[region] : unknownOrigin(estate.steering.frontDoor?.origins[region])
    const r: RegionState = {
      region,
      resolver: resolvers[region],
      ...(estate.regions[region].vantage ? {vantage: describeVantage(estate.regions[region].vantage)} : {}),
      serving: false,
      ...(tmEp ? {trafficManager: tmEp} : {}),
      ...(origin ? {frontDoor: origin} : {}),
      names: names[i],
      ...(endpointsByRegion.has(region) ? {endpoints: endpointsByRegion.get(region)} : {}),
      ...(records?.drains[region] ? {drain: records.drains[region]} : {}),
      ...(records?.teardowns[region] ? {teardown: records.teardowns[region]} : {}),
      ...(drift[i].steeringWrites ? {steeringWrites: drift[i].steeringWrites, ...(drift[i].steeringWritesAskedAt ? {steeringWritesAskedAt: drift[i].steeringWritesAskedAt} : {})} : {}),
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

/** The drain time each region's record held when these clients last read it: where a later read may ask the log from. */
const drainSeen = new WeakMap<Clients, Map<string, number>>()

/**
 * A drain record these clients wrote: the next read asks the Activity Log from its time beside the record's read, as
 * after a read that saw it (the record read then still decides: another time asks the log again).
 */
export function drainWritten(clients: Clients, region: string, drainedAt: string): void {
  const at = Date.parse(drainedAt)
  if (!Number.isNaN(at)) seenBy(clients).set(region, at)
}

/** The drain times these clients' reads saw (or wrote), made on first use. */
function seenBy(clients: Clients): Map<string, number> {
  let seen = drainSeen.get(clients)
  if (!seen) drainSeen.set(clients, (seen = new Map()))
  return seen
}

/** A read of the Activity Log started before the drain record is read, from the drain time an earlier read saw. */
interface EarlyRead {
  from: number
  writes: Promise<SteeringWrite[]>
  /** when it was asked (see RegionState.steeringWritesAskedAt) */
  askedAt?: string
}

/**
 * For each region whose drain record an earlier read of these clients saw: the log asked now, from that drain time,
 * beside the read of the record. Its answer stands for the record read now when that record's time is no earlier
 * (the writes after it are a part of the answer); otherwise the log is asked again. Saves a round trip per read.
 */
function earlyDrift(estate: Estate, clients: Clients, regions: string[], asked?: () => string): Array<EarlyRead | undefined> {
  const seen = drainSeen.get(clients)
  return regions.map((region) => {
    const from = seen?.get(region)
    if (from === undefined) return undefined
    const askedAt = asked?.()
    const writes = steeringWritesSince(estate, clients, region, new Date(from).toISOString(), clients.signal())
    writes.catch(() => undefined) // used or not, never unhandled
    return {from, writes, ...(askedAt ? {askedAt} : {})}
  })
}

/** The writes on a drained region's steering since its drain (none read without a drain record); a failed read is unknown. */
async function writesAfterDrain(
  estate: Estate,
  clients: Clients,
  region: string,
  drain: DrainRecord | undefined,
  signal?: AbortSignal,
  early?: EarlyRead,
  asked?: () => string,
): Promise<Pick<RegionState, 'steeringWrites' | 'steeringWritesAskedAt'> & {unobserved?: Unobserved[]}> {
  const seen = seenBy(clients)
  const at = drain ? Date.parse(drain.drainedAt) : Number.NaN
  if (Number.isNaN(at)) seen.delete(region)
  else seen.set(region, at)
  if (!drain) return {}
  // A record anyone can write may hold no time: the log is then not asked, and that is what is said (not a read error).
  if (Number.isNaN(at)) return {unobserved: [{what: `the Activity Log of ${region}'s steering since its drain`, region, part: 'activityLog', why: `not asked: the drain record's time is not a time: '${drain.drainedAt}'`}]}
  try {
    if (early && early.from <= at) return {steeringWrites: (await early.writes).filter((w) => Date.parse(w.at) > at), ...(early.askedAt ? {steeringWritesAskedAt: early.askedAt} : {})}
    const askedAt = asked?.()
    return {steeringWrites: await steeringWritesSince(estate, clients, region, drain.drainedAt, signal), ...(askedAt ? {steeringWritesAskedAt: askedAt} : {})}
  } catch (error: any) {
    if (mustPropagate(error)) throw error
    return {unobserved: [{what: `the Activity Log of ${region}'s steering since its drain at ${drain.drainedAt}`, region, part: 'activityLog', why: whyUnread(error)}]}
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

type Part = <T>(what: Omit<Unobserved, 'why'>, read: () => Promise<T>) => Promise<T | undefined>

const unknownSteering = (name: string | undefined): SteeringEndpoint | undefined => (name ? {name, status: UNKNOWN} : undefined)
const unknownOrigin = (name: string | undefined) => (name ? {name, enabledState: UNKNOWN} : undefined)

/**
 * What an observation does not swallow: an interrupt ends it, and Azure refusing a read (403) goes to the permissions
 * guard, as the plan's first read always did.
 */
function mustPropagate(error: any): boolean {
  return error?.name === 'AbortError' || (error?.statusCode === 403 && /AuthorizationFailed/.test(error?.code ?? ''))
}

/** Why a part could not be read, in a few words: "no answer within 10s", "HTTP 503 ServiceUnavailable", "ECONNRESET". */
export function whyUnread(error: any): string {
  if (error instanceof RequestGivenUp) return error.message.replace(/^\S+ \S+: /, '')
  const unreachable = unreachableEndpoint(error)
  if (unreachable) return describeUnreachable(unreachable)
  if (error?.statusCode) return `HTTP ${error.statusCode}${error.code ? ` ${error.code}` : ''}`
  return String(error?.code ?? error?.message ?? error).split('\n')[0]
}

const QUERIES_IN_FLIGHT = 32
/** The longest one region's resolver is asked for, all names together: past it, what is unanswered is unanswered. */
export const RESOLUTION_DEADLINE_MS = 8000

/**
 * That deadline, never shorter than one query's two tries take (c-ares doubles the second: three times the per-try
 * timeout) with a try's worth to spare: AZFAIL_DNS_TIMEOUT raised for a slow resolver or a busy machine must not be
 * cut short by it (it was: at 5 s a try, every name was UNREACHABLE at 8 s, before its second try had its turn).
 */
export const resolutionDeadlineMs = (env: NodeJS.ProcessEnv = process.env): number => Math.max(RESOLUTION_DEADLINE_MS, 4 * dnsTimeoutMs(env))

/**
 * Asks one region's resolver for every expected name, a bounded number at a time, for `deadlineMs` of this process's
 * running time (runningClock): a process starved or stopped past its deadline still reads the answers that arrived, and
 * a query whose tries timed out during such a stall is asked again while the deadline runs. No query starts after the
 * deadline; one in flight then ends by its own tries, cancelled four tries' timeouts later at most; the signal cancels
 * at once. A name without an answer is UNREACHABLE, never an answer.
 */
export async function checkNames(resolver: string, expect: Record<string, string>, options: {signal?: AbortSignal; deadlineMs?: number} = {}): Promise<NameCheck[]> {
  const r = resolverFor(resolver)
  const entries = Object.entries(expect)
  const out: NameCheck[] = new Array(entries.length)
  const deadlineMs = options.deadlineMs ?? resolutionDeadlineMs()
  const clock = runningClock()
  const cancel = () => r.cancel()
  clock.at(deadlineMs + 4 * dnsTimeoutMs(), cancel)
  options.signal?.addEventListener('abort', cancel)
  const running = () => clock.elapsed() < deadlineMs && !options.signal?.aborted
  let next = 0
  try {
    await Promise.all(
      Array.from({length: Math.min(QUERIES_IN_FLIGHT, entries.length)}, async () => {
        for (let i = next++; i < entries.length; i = next++) {
          const [name, expected] = entries[i]
          let answer: NameAnswer = unanswered(name, deadlineMs)
          while (running()) {
            const [wall, ran] = [performance.now(), clock.elapsed()]
            answer = await resolveName(r, name)
            // Its tries timed out while this process stood still for a try's length or more: the stall may have timed
            // them out (c-ares's timer runs before the socket is read), not the resolver, so it is asked again.
            const stalled = performance.now() - wall - (clock.elapsed() - ran) >= dnsTimeoutMs()
            if (answer.detail !== NO_REPLY || !stalled) break
          }
          const bounded = answer.outcome === 'ECANCELLED' ? unanswered(name, deadlineMs) : answer
          out[i] = {...bounded, expected, ok: bounded.addresses.length > 0 && bounded.addresses.every((a) => a === expected)}
        }
      }),
    )
  } finally {
    clock.stop()
    options.signal?.removeEventListener('abort', cancel)
  }
  if (options.signal?.aborted) throw Object.assign(new Error('The resolution was interrupted.'), {name: 'AbortError'})
  return out
}

/**
 * A region's expected names as its workloads resolve them: through its vantage where the runbook gives one (ARM only),
 * otherwise asking its resolver over DNS from here. A region declared down is asked neither.
 */
function resolveRegion(estate: Estate, region: string, resolver: string, clients: Clients): Promise<NameCheck[]> {
  const spec = estate.regions[region]
  const declared = clients.declaredDown()[region]
  if (declared) return Promise.resolve(notAsked(spec.expect, declared))
  if (spec.vantage) return checkNamesThrough(spec.vantage, spec.expect, clients, {signal: clients.signal()})
  return checkNames(resolver, spec.expect, {signal: clients.signal()})
}

/** The names of a region declared down, not asked: UNREACHABLE, never an answer. */
const notAsked = (expect: Record<string, string>, why: string): NameCheck[] =>
  Object.entries(expect).map(([name, expected]) => ({name, addresses: [], outcome: UNREACHABLE, detail: `not asked: the region is down (${why})`, expected, ok: false}))

const unanswered = (name: string, deadlineMs: number) => ({name, addresses: [], outcome: UNREACHABLE, detail: `no answer within ${deadlineMs / 1000}s`})

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
async function observeEndpointsOf(estate: Estate, clients: Clients, regions: string[], part: Part): Promise<{byRegion: Array<[string, EndpointState[]]>; zoneRecords: ZoneARecord[]}> {
  const lists = new Map<string, Promise<ZoneARecord[] | undefined>>()
  const zoneWritten = (zoneId: string) => {
    if (lists.has(zoneId.toLowerCase())) return
    const listed = part({what: `the A records of ${parseZoneId(zoneId)?.zone ?? zoneId}`, part: 'zoneRecords'}, () => listZoneARecords(clients, zoneId))
    listed.catch(() => {}) // awaited below, once every endpoint is read; until then an interrupt must not go unhandled
    lists.set(zoneId.toLowerCase(), listed)
  }
  const groups = new Map<string, Promise<Map<string, string | undefined>>>()
  const endpointsIn = (subscription: string | undefined, resourceGroup: string) => {
    const k = `${subscription ?? ''}/${resourceGroup}`.toLowerCase()
    if (!groups.has(k)) groups.set(k, listEndpoints(clients, subscription, resourceGroup))
    return groups.get(k)!
  }
  // A region whose endpoints cannot be read has none in live state (unknown), not an empty list (none exist).
  const read = await Promise.all(regions.map(async (r) => [r, await part({what: `${r}'s private endpoints`, region: r, part: 'endpoints'}, () => observeEndpoints(estate, clients, r, endpointsIn, zoneWritten))] as const))
  const byRegion = read.flatMap(([r, eps]) => (eps ? [[r, eps] as [string, EndpointState[]]] : []))
  return {byRegion, zoneRecords: (await Promise.all(lists.values())).flatMap((z) => z ?? [])}
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

async function observeData(estate: Estate, clients: Clients, part: Part, notRead: Record<string, string>): Promise<LiveState['data']> {
  const {postgres, sqlFailoverGroup, cosmos} = estate.data
  const [pg, sql, cdb] = await Promise.all([
    postgres
      ? (async () => {
          // Each server on its own: the primary's region down leaves its role unknown, the replica's still read.
          const servers = await Promise.all(
            Object.entries(postgres.servers).map(async ([region, ref]): Promise<PostgresServerState> => {
              const base = {region, name: ref.name, ...(ref.subscription ? {subscription: ref.subscription} : {}), resourceGroup: ref.resourceGroup}
              const skip = notRead[region]
              const read = await part({what: `PostgreSQL server ${ref.name}`, region, part: 'postgres'}, () => (skip ? Promise.reject(new Error(`not asked: ${skip}`)) : observePostgresServer(clients, ref)))
              return read ? {...base, ...read} : {...base, role: UNKNOWN}
            }),
          )
          return {primaryRegion: servers.find((s) => s.role === 'Primary')?.region ?? servers.find((s) => s.role === 'None')?.region, servers}
        })()
      : undefined,
    sqlFailoverGroup ? observeFailoverGroup(sqlFailoverGroup, clients, part, notRead) : undefined,
    cosmos
      ? part({what: `Cosmos DB account ${cosmos.account}`, part: 'cosmos'}, async () => {
          const client = await clients.for(cosmos.subscription).cosmos()
          const account = await client.databaseAccounts.get(cosmos.resourceGroup, cosmos.account)
          const locations = (account.failoverPolicies ?? []).map((p) => ({name: p.locationName ?? '', failoverPriority: p.failoverPriority ?? 0}))
          const write = account.writeLocations?.[0]?.locationName
          const writeRegion = Object.entries(estate.regions).find(([, r]) => normalizeLocation(r.location) === normalizeLocation(write ?? ''))?.[0]
          return {account: cosmos.account, writeRegion, locations}
        }).then((read) => read ?? {account: cosmos.account, locations: []})
      : undefined,
  ])
  return {...(pg ? {postgres: pg} : {}), ...(sql ? {sqlFailoverGroup: sql} : {}), ...(cdb ? {cosmos: cdb} : {})}
}

async function observePostgresServer(clients: Clients, ref: {subscription?: string; resourceGroup: string; name: string}) {
  // Azure's server model has no lag, so the SDK's model drops it; the sandbox reports it beside replicationState
  // (README: replica lag), read here from the response body as sent.
  let lag: number | undefined
  const s = await (await clients.for(ref.subscription).postgres()).servers.get(ref.resourceGroup, ref.name, {onResponse: (raw) => (lag = replicaLagOf(raw.bodyAsText))})
  return {
    role: s.replica?.role ?? s.replicationRole ?? 'None',
    replicationState: s.replica?.replicationState,
    ...(lag !== undefined ? {replicationLagSeconds: lag} : {}),
    state: s.state,
    fqdn: s.fullyQualifiedDomainName,
  }
}

type FailoverGroupSpec = NonNullable<Estate['data']['sqlFailoverGroup']>

/**
 * The failover group through whichever partner server answers: each server's copy names its own role and its
 * partners'. Only when no server answers is every role unknown.
 */
async function observeFailoverGroup(spec: FailoverGroupSpec, clients: Clients, part: Part, notRead: Record<string, string>): Promise<NonNullable<LiveState['data']['sqlFailoverGroup']>> {
  // Regions already found down are asked last: their answer is the least likely. Regions not to be read are not asked.
  const down = clients.regionsDown()
  const partners = Object.entries(spec.servers)
  const order = partners.filter(([region]) => !notRead[region]).sort(([a], [b]) => Number(a in down) - Number(b in down))
  const whys: string[] = []
  for (const [via, ref] of order) {
    let fog: FailoverGroup | undefined
    try {
      fog = await (await clients.for(ref.subscription).sql()).failoverGroups.get(ref.resourceGroup, ref.name, spec.name)
    } catch (error) {
      if (mustPropagate(error)) throw error
      whys.push(`through ${ref.name}: ${whyUnread(error)}`)
    }
    if (!fog) continue
    const servers = partners.map(([region, other]) => {
      const role = region === via ? fog.replicationRole : fog.partnerServers?.find((p) => p.id?.toLowerCase().endsWith(`/servers/${other.name.toLowerCase()}`))?.replicationRole
      return {region, name: other.name, role: role ?? UNKNOWN}
    })
    return {name: spec.name, primaryRegion: servers.find((s) => s.role === 'Primary')?.region, replicationState: fog.replicationState, servers}
  }
  await part({what: `SQL failover group ${spec.name} (through any of its servers)`, part: 'sqlFailoverGroup'}, () => Promise.reject(new Error(whys.join('; '))))
  return {name: spec.name, servers: partners.map(([region, ref]) => ({region, name: ref.name, role: UNKNOWN}))}
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

/**
 * The A records the private DNS zones serve for the regions' expected addresses, each tagged with its region: the
 * zones are global, so this reads nothing of the regions' own providers. Every zone of each subscription the estate
 * names is listed, then its A records.
 */
async function recordsServing(estate: Estate, clients: Clients, regions: string[]): Promise<ZoneARecord[]> {
  const regionOf = new Map(regions.flatMap((r) => Object.values(estate.regions[r].expect).map((ip) => [ip, r] as const)))
  const out: ZoneARecord[] = []
  await Promise.all(
    subscriptionsNamed(estate).map(async (subscription) => {
      const zones = (await privateZonesOf(clients, subscription)).map((z) => z.id)
      for (const records of await Promise.all(zones.map((id) => listZoneARecords(clients, id)))) {
        for (const rec of records) {
          const region = rec.ips.map((ip) => regionOf.get(ip)).find(Boolean)
          if (region) out.push({...rec, region})
        }
      }
    }),
  )
  return out
}

/** The subscriptions the estate's resources name, the default (undefined) first. */
function subscriptionsNamed(estate: Estate): Array<string | undefined> {
  const refs: Array<{subscription?: string} | undefined> = [
    estate.steering.trafficManager,
    estate.steering.frontDoor,
    estate.cname,
    estate.stateZone,
    ...Object.values(estate.regions).flatMap((r) => r.privateEndpoints),
  ]
  const named = new Set(refs.map((r) => r?.subscription?.toLowerCase()).filter((s): s is string => Boolean(s)))
  return [undefined, ...[...named].filter((s) => s !== estate.subscription?.toLowerCase())]
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
