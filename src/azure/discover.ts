// Discovers an estate, read-only, through the SDK clients' list operations, and describes it as a runbook: the regions
// from a steering profile, each region's private endpoints and the names and IPs their zone groups wrote, the data
// tier, and the CNAME that leads to a server. Where it finds several candidates it chooses deterministically and says
// what it chose and what it left out (notes), so the file and stderr can tell the reader.
import type {Estate} from '../runbook/estate.ts'
import {bareName, isReplica, normalizeLocation, parseZoneId} from '../estate/predicates.ts'
import type {Clients} from './clients.ts'
import type {AzureTarget} from './target.ts'

type EstateInput = import('zod').input<typeof Estate>
type Ref = {resourceGroup: string; name: string}

/** A remark on one place of the discovered runbook; `tell` ones (a choice, something left out) also go to stderr. */
export interface DiscoveryNote {
  path: Array<string | number>
  text: string
  tell?: boolean
}

export interface Discovery {
  name: string
  estate: EstateInput
  notes: DiscoveryNote[]
}

/** Nothing to describe: no steering profile with two regions. Exit 4: the estate is not ready to fail over. */
export class NothingToDiscover extends Error {}

const REGION_KEY = /^[a-z][a-z0-9-]{1,30}$/
const byName = <T extends {name?: string}>(a: T, b: T) => (a.name ?? '').localeCompare(b.name ?? '')

/** resource group and name (and subscription) of an ARM resource id; undefined when it is not one of `type`. */
export function parseResourceId(id: string | undefined, type: string): (Ref & {subscription: string}) | undefined {
  const m = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${type.replaceAll('.', '\\.')}/([^/]+)$`, 'i').exec(id ?? '')
  return m ? {subscription: m[1], resourceGroup: m[2], name: m[3]} : undefined
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

interface SteeringRegion {
  key: string
  location: string
  tmEndpoint?: string
  origin?: string
}

export async function discoverEstate(target: AzureTarget, clients: Clients): Promise<Discovery> {
  const notes: DiscoveryNote[] = []
  const note = (path: DiscoveryNote['path'], text: string, tell = false) => notes.push({path, text, tell})

  const [tmProfiles, fdGroups, endpoints] = await Promise.all([listTrafficManager(clients), listFrontDoor(clients), listPrivateEndpoints(clients)])
  const steering = chooseSteering(tmProfiles, fdGroups, endpoints, note)
  const regions = steering.regions
  const regionOf = (location: string | undefined) => regions.find((r) => r.location === normalizeLocation(location ?? ''))

  const estate: EstateInput = {
    subscription: target.subscriptionId,
    connectionDrainSeconds: 30,
    steering: steering.layers,
    regions: {},
    data: {},
  }
  note(['estate', 'connectionDrainSeconds'], 'In-flight connections get this long after steering stops sending new ones: set it to your longest request or session.')

  // Each region's endpoints and what their zone groups wrote.
  const network = await clients.network()
  const written = new Map<string, Array<{zoneId: string; fqdn: string; name: string; ip: string; endpoint: string}>>()
  const outside = new Map<string, number>()
  for (const region of regions) written.set(region.key, [])
  await Promise.all(
    endpoints.map(async (pe) => {
      const region = regionOf(pe.location)
      if (!region) {
        outside.set(normalizeLocation(pe.location ?? '?'), (outside.get(normalizeLocation(pe.location ?? '?')) ?? 0) + 1)
        return
      }
      const ref = parseResourceId(pe.id, 'Microsoft.Network/privateEndpoints')!
      for (const group of await collect(network.privateDnsZoneGroups.list(ref.resourceGroup, ref.name))) {
        for (const config of group.privateDnsZoneConfigs ?? []) {
          for (const rs of config.recordSets ?? []) {
            if (rs.recordType && rs.recordType !== 'A') continue
            const ip = rs.ipAddresses?.[0]
            if (!ip || !rs.fqdn) continue
            // The name clients dial is the public one the endpoint lists for that IP; its privatelink alias otherwise.
            const custom = pe.customDnsConfigs?.find((c) => c.ipAddresses?.includes(ip) && c.fqdn)
            const name = bareName(custom?.fqdn ?? rs.fqdn.replace(/(^|\.)privatelink\./i, '$1'))
            written.get(region.key)!.push({zoneId: config.privateDnsZoneId ?? '', fqdn: bareName(rs.fqdn), name, ip, endpoint: pe.name!})
          }
        }
      }
    }),
  )
  for (const [location, count] of [...outside].sort()) {
    note(['estate', 'regions'], `Left out: ${count} private endpoint(s) in ${location}, where the steering layer has no region.`, true)
  }

  const data = await discoverData(clients, regions, endpoints, regionOf, note)
  const regionalCosmos = new Set(data.cosmosRegionalNames)

  for (const region of regions) {
    const path = ['estate', 'regions', region.key]
    const records = written.get(region.key)!.sort((a, b) => a.endpoint.localeCompare(b.endpoint) || a.name.localeCompare(b.name))
    const expect: Record<string, string> = {}
    const aside: string[] = []
    for (const r of records) {
      if (regionalCosmos.has(r.name)) aside.push(`${r.name}: ${r.ip}`)
      else if (expect[r.name] && expect[r.name] !== r.ip) note([...path, 'expect'], `Left out: ${r.name} -> ${r.ip} (${r.endpoint}); ${expect[r.name]} was written first.`, true)
      else expect[r.name] = r.ip
    }
    const regionEndpoints = endpoints
      .filter((pe) => regionOf(pe.location)?.key === region.key)
      .map((pe) => parseResourceId(pe.id, 'Microsoft.Network/privateEndpoints')!)
      .sort((a, b) => a.resourceGroup.localeCompare(b.resourceGroup) || a.name.localeCompare(b.name))
      .map(({resourceGroup, name}) => ({resourceGroup, name}))
    estate.regions[region.key] = {location: region.location, expect, privateEndpoints: regionEndpoints}
    note(
      [...path, 'location'],
      `resolver: the ip[:port] of a DNS resolver inside ${region.key}'s network (its DNS Private Resolver inbound endpoint), which azfail asks what the region resolves. The sandbox supplies its own; AZFAIL_RESOLVERS overrides it.`,
    )
    note([...path, 'expect'], "The names this region's workloads use -> its OWN private IP, as its private endpoints' zone groups wrote them.")
    if (aside.length > 0) {
      note([...path, 'expect'], `Cosmos DB regional endpoints, written by the same private endpoint (add them to check each one): ${aside.join(', ')}`)
    }
    const silent = regionEndpoints.filter((ref) => !records.some((r) => r.endpoint === ref.name))
    if (silent.length > 0) note([...path, 'privateEndpoints'], `No zone-group record (nothing to expect): ${silent.map((s) => s.name).join(', ')}.`, true)
  }

  estate.data = data.tier
  if (data.cname) estate.cname = data.cname
  if (!data.cname) {
    const zone = chooseStateZone(written)
    if (zone) {
      estate.stateZone = zone
      note(['estate', 'stateZone'], `No CNAME to keep azfail's drain records and run lock beside: they go to ${zone.zone}, the zone most of the endpoints write to. A zone of your own is better.`, true)
    }
  } else {
    note(['estate', 'cname'], "azfail keeps its drain records and run lock (TXT records) in this CNAME's zone; estate.stateZone names another.")
  }
  return {name: steering.name, estate, notes}
}

// ---------------------------------------------------------------- steering

type TmProfile = Awaited<ReturnType<typeof listTrafficManager>>[number]
type FdGroup = Awaited<ReturnType<typeof listFrontDoor>>[number]
type PrivateEndpoint = Awaited<ReturnType<typeof listPrivateEndpoints>>[number]
type Note = (path: DiscoveryNote['path'], text: string, tell?: boolean) => void

async function listTrafficManager(clients: Clients) {
  return (await collect((await clients.trafficManager()).profiles.listBySubscription())).sort(byName)
}

/** Front Door Standard/Premium origin groups, with their profile and origins. */
async function listFrontDoor(clients: Clients) {
  const cdn = await clients.frontDoor()
  const profiles = (await collect(cdn.profiles.list())).filter((p) => /AzureFrontDoor$/i.test(p.sku?.name ?? '')).sort(byName)
  const groups = await Promise.all(
    profiles.map(async (p) => {
      const rg = parseResourceId(p.id, 'Microsoft.Cdn/profiles')!.resourceGroup
      const gs = (await collect(cdn.afdOriginGroups.listByProfile(rg, p.name!))).sort(byName)
      return Promise.all(gs.map(async (g) => ({resourceGroup: rg, profile: p.name!, group: g.name!, origins: (await collect(cdn.afdOrigins.listByOriginGroup(rg, p.name!, g.name!))).sort(byName)})))
    }),
  )
  return groups.flat()
}

async function listPrivateEndpoints(clients: Clients) {
  return (await collect((await clients.network()).privateEndpoints.listBySubscription())).sort(byName)
}

const ENDPOINT_TYPES: Record<string, 'AzureEndpoints' | 'ExternalEndpoints' | 'NestedEndpoints'> = {
  azureendpoints: 'AzureEndpoints',
  externalendpoints: 'ExternalEndpoints',
  nestedendpoints: 'NestedEndpoints',
}

/**
 * The steering layers and the regions they name. The Traffic Manager profile with the most regions (endpoints with
 * an Azure location) wins, ties by name; the Front Door origin group whose origins serve the same hosts joins it.
 * Without Traffic Manager, the origin group with the most origins is the steering layer.
 */
function chooseSteering(tmProfiles: TmProfile[], fdGroups: FdGroup[], endpoints: PrivateEndpoint[], note: Note) {
  const path = ['estate', 'steering']
  const tmCandidates = tmProfiles
    .map((p) => {
      const located = (p.endpoints ?? []).filter((e) => e.endpointLocation).sort(byName)
      const byLocation = new Map<string, (typeof located)[number]>()
      for (const e of located) if (!byLocation.has(normalizeLocation(e.endpointLocation!))) byLocation.set(normalizeLocation(e.endpointLocation!), e)
      return {profile: p, byLocation, unlocated: (p.endpoints ?? []).filter((e) => !e.endpointLocation).map((e) => e.name!)}
    })
    .filter((c) => c.byLocation.size >= 2)
    .sort((a, b) => b.byLocation.size - a.byLocation.size || byName(a.profile, b.profile))
  const tm = tmCandidates[0]
  for (const other of tmProfiles.filter((p) => p !== tm?.profile)) {
    note(path, `Left out: Traffic Manager profile ${other.name} (${(other.endpoints ?? []).length} endpoint(s)${tm ? `; ${tm.profile.name} names more regions or sorts first` : '; fewer than two regions'}).`, true)
  }

  let regions: SteeringRegion[] = []
  const layers: EstateInput['steering'] = {}
  if (tm) {
    const rg = parseResourceId(tm.profile.id, 'Microsoft.Network/trafficManagerProfiles')!.resourceGroup
    regions = [...tm.byLocation].map(([location, e]) => ({key: location, location, tmEndpoint: e.name!}))
    const types = new Set([...tm.byLocation.values()].map((e) => ENDPOINT_TYPES[(e.type ?? '').split('/').pop()!.toLowerCase()] ?? 'AzureEndpoints'))
    if (types.size > 1) note([...path, 'trafficManager'], `Its endpoints are of several types (${[...types].join(', ')}); azfail drives one: check endpointType.`, true)
    layers.trafficManager = {resourceGroup: rg, profile: tm.profile.name!, ...(types.has('AzureEndpoints') ? {} : {endpointType: [...types][0]}), endpoints: {}}
    const dropped = [...(tm.profile.endpoints ?? [])].filter((e) => e.endpointLocation && tm.byLocation.get(normalizeLocation(e.endpointLocation)) !== e).map((e) => e.name)
    if (dropped.length + tm.unlocated.length > 0) {
      note([...path, 'trafficManager'], `Left out endpoint(s): ${[...dropped.map((n) => `${n} (a second one in its location)`), ...tm.unlocated.map((n) => `${n} (no endpointLocation)`)].join(', ')}.`, true)
    }
  }

  // Front Door: the origin group whose origins serve the Traffic Manager endpoints' hosts, else the one with most origins.
  const hostRegion = (host: string | undefined) => tm && [...tm.byLocation].find(([, e]) => bareName(e.target) === bareName(host))?.[0]
  const fdCandidates = fdGroups
    .map((g) => ({g, matched: tm ? g.origins.filter((o) => hostRegion(o.hostName)).length : g.origins.length}))
    .filter((c) => c.matched >= (tm ? 1 : 2))
    .sort((a, b) => b.matched - a.matched || `${a.g.profile}/${a.g.group}`.localeCompare(`${b.g.profile}/${b.g.group}`))
  const fd = fdCandidates[0]?.g
  for (const other of fdGroups.filter((g) => g !== fd)) {
    note(path, `Left out: Front Door ${other.profile} origin group ${other.group} (${tm ? "its origins serve none of Traffic Manager's hosts, or fewer" : 'fewer origins'}).`, true)
  }
  const originOf = new Map<string, string>()
  if (fd && tm) {
    for (const o of fd.origins) {
      const location = hostRegion(o.hostName)
      if (location && !originOf.has(location)) originOf.set(location, o.name!)
      else note([...path, 'frontDoor'], `Left out origin ${o.name} (${o.hostName}): it serves no Traffic Manager endpoint's host, or a second one.`, true)
    }
    for (const r of regions) if (originOf.has(r.location)) r.origin = originOf.get(r.location)
  } else if (fd) {
    // Origins carry no Azure location: each one's region is the location of the private endpoints named after it.
    const keys = distinctiveTokens(fd.origins.map((o) => [o.name!]))
    fd.origins.forEach((origin, i) => {
      const key = keys[i]
      const locations = new Set(endpoints.filter((pe) => key && tokens(pe.name!).includes(key)).map((pe) => normalizeLocation(pe.location ?? '')))
      if (!key || locations.size !== 1) note([...path, 'frontDoor'], `Left out origin ${origin.name}: no private endpoints named after it in one location tell its region.`, true)
      else regions.push({key, location: [...locations][0], origin: origin.name!})
    })
  }
  if (regions.length < 2) {
    throw new NothingToDiscover(
      tmProfiles.length + fdGroups.length === 0
        ? 'no Traffic Manager or Front Door profile'
        : `no Traffic Manager profile or Front Door origin group that names two regions (found ${[...tmProfiles.map((p) => `Traffic Manager ${p.name}`), ...fdGroups.map((g) => `Front Door ${g.profile}/${g.group}`)].join(', ')})`,
    )
  }
  if (fd) layers.frontDoor = {resourceGroup: fd.resourceGroup, profile: fd.profile, originGroup: fd.group, origins: {}}

  // Region keys: the part of the steering names that tells the regions apart (ep-eus2, origin-eus2 -> eus2).
  if (tm) {
    const keys = distinctiveTokens(regions.map((r) => [r.tmEndpoint!, ...(r.origin ? [r.origin] : [])]))
    regions.forEach((r, i) => (r.key = keys[i] ?? r.location))
    if (new Set(regions.map((r) => r.key)).size < regions.length) for (const r of regions) r.key = r.location
  }
  regions.sort((a, b) => a.key.localeCompare(b.key))
  for (const r of regions) {
    if (r.tmEndpoint) layers.trafficManager!.endpoints[r.key] = r.tmEndpoint
    if (r.origin) layers.frontDoor!.origins[r.key] = r.origin
  }
  note(['estate', 'regions'], `Regions: ${regions.map((r) => `${r.key} (${r.location})`).join(', ')}, named after their steering endpoints.`)
  const name = tm?.profile.name ?? fd!.profile
  return {name, layers, regions}
}

const tokens = (name: string) => name.toLowerCase().split(/[-_.]+/).filter(Boolean)

/**
 * For each region's names, the last token that all of them share and no other region's names have, when it makes a
 * region key: ep-eus2 and origin-eus2 against ep-wus2 and origin-wus2 give eus2.
 */
export function distinctiveTokens(names: string[][]): Array<string | undefined> {
  return names.map((own, i) => {
    const others = new Set(names.filter((_, j) => j !== i).flat().flatMap(tokens))
    const shared = tokens(own[0] ?? '').filter((t) => own.every((n) => tokens(n).includes(t)))
    return shared.filter((t) => !others.has(t) && REGION_KEY.test(t)).pop()
  })
}

// ---------------------------------------------------------------- data tier

async function discoverData(clients: Clients, regions: SteeringRegion[], endpoints: PrivateEndpoint[], regionOf: (l: string | undefined) => SteeringRegion | undefined, note: Note) {
  const linked = (type: string) =>
    endpoints.flatMap((pe) => [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])].map((c) => parseResourceId(c.privateLinkServiceId, type)).filter((r) => r !== undefined))
  const [postgres, sql, cosmos] = await Promise.all([discoverPostgres(clients, regionOf, note), discoverSqlFailoverGroup(clients, linked('Microsoft.Sql/servers'), regionOf, note), discoverCosmos(clients, linked('Microsoft.DocumentDB/databaseAccounts'), regions, note)])
  const tier: EstateInput['data'] = {}
  if (postgres) tier.postgres = {servers: postgres.servers}
  if (sql) tier.sqlFailoverGroup = sql
  if (cosmos) tier.cosmos = cosmos.ref
  if (postgres) {
    note(['estate', 'data', 'postgres'], "writeCheck: {database, user, passwordEnv} makes a promotion end by writing through the CNAME from every region; add it where azfail can reach the servers.")
  }
  return {tier, cname: postgres?.cname, cosmosRegionalNames: cosmos?.regionalNames ?? []}
}

/**
 * The PostgreSQL flexible read replica and its primary, each in a region of the estate, and the CNAME in a private
 * DNS zone that leads to one of them. Several pairs: the one a CNAME leads to, then by the replica's name.
 */
async function discoverPostgres(clients: Clients, regionOf: (l: string | undefined) => SteeringRegion | undefined, note: Note) {
  const path = ['estate', 'data', 'postgres']
  const pg = await clients.postgres()
  const servers = (await collect(pg.servers.listBySubscription())).sort(byName)
  const byId = new Map(servers.map((s) => [(s.id ?? '').toLowerCase(), s]))
  const pairs = servers
    .filter((s) => isReplica(s.replicationRole) && s.sourceServerResourceId)
    .map((replica) => ({replica, primary: byId.get(replica.sourceServerResourceId!.toLowerCase())}))
    .filter((p): p is {replica: (typeof servers)[number]; primary: (typeof servers)[number]} => {
      const ok = Boolean(p.primary && regionOf(p.primary.location) && regionOf(p.replica.location) && regionOf(p.primary.location) !== regionOf(p.replica.location))
      if (!ok) note(['estate', 'data'], `Left out: PostgreSQL replica ${p.replica.name} (its primary is not in another region of the estate).`, true)
      return ok
    })
  if (pairs.length === 0) return undefined

  const cnames = await findCnames(clients, servers)
  const leadsTo = (pair: (typeof pairs)[number]) => cnames.filter((c) => [pair.primary, pair.replica].some((s) => c.leadsTo(s)))
  pairs.sort((a, b) => Number(leadsTo(b).length > 0) - Number(leadsTo(a).length > 0) || byName(a.replica, b.replica))
  const [chosen, ...others] = pairs
  for (const o of others) note(path, `Left out: PostgreSQL replica ${o.replica.name} of ${o.primary.name}; chose ${chosen.replica.name}, ${leadsTo(chosen).length > 0 ? 'which a CNAME leads to' : 'first by name'}.`, true)
  const ref = (s: (typeof servers)[number]) => {
    const {resourceGroup, name} = parseResourceId(s.id, 'Microsoft.DBforPostgreSQL/flexibleServers')!
    return {resourceGroup, name}
  }
  const servers_ = {[regionOf(chosen.primary.location)!.key]: ref(chosen.primary), [regionOf(chosen.replica.location)!.key]: ref(chosen.replica)}

  // The CNAME to the primary first; then by zone and name.
  const candidates = leadsTo(chosen).sort((a, b) => Number(b.leadsTo(chosen.primary)) - Number(a.leadsTo(chosen.primary)) || a.label.localeCompare(b.label))
  const [cname, ...otherCnames] = candidates
  for (const c of otherCnames) note(['estate', 'cname'], `Left out: CNAME ${c.label} (also leads to a server of the pair).`, true)
  if (!cname) note(path, `No private-DNS CNAME leads to ${chosen.primary.name} or ${chosen.replica.name}: promote works, repoint has nothing to move.`, true)
  return {servers: servers_, cname: cname?.ref}
}

/** CNAME record sets in the private DNS zones of the subscription and of the servers that lead to a server. */
async function findCnames(clients: Clients, servers: Array<{name?: string; fullyQualifiedDomainName?: string; network?: {privateDnsZoneArmResourceId?: string}}>) {
  const dns = await clients.privateDns()
  const zones = new Map<string, {resourceGroup: string; zone: string}>()
  for (const z of await collect(dns.privateZones.list())) {
    const parsed = z.id ? parseZoneId(z.id) : undefined
    if (parsed) zones.set(`${parsed.resourceGroup}/${parsed.zone}`.toLowerCase(), parsed)
  }
  for (const s of servers) {
    const parsed = s.network?.privateDnsZoneArmResourceId ? parseZoneId(s.network.privateDnsZoneArmResourceId) : undefined
    if (parsed) zones.set(`${parsed.resourceGroup}/${parsed.zone}`.toLowerCase(), parsed)
  }
  const found = await Promise.all(
    [...zones.values()].map(async (z) =>
      (await collect(dns.recordSets.listByType(z.resourceGroup, z.zone, 'CNAME'))).map((rs) => {
        const target = bareName(rs.cnameRecord?.cname)
        return {
          label: `${rs.name}.${z.zone}`,
          ref: {resourceGroup: z.resourceGroup, zone: z.zone, name: rs.name!},
          // A server's name in this zone, or its public name (which CNAMEs to its private one).
          leadsTo: (s: {name?: string; fullyQualifiedDomainName?: string}) => target === bareName(`${s.name}.${z.zone}`) || target === bareName(s.fullyQualifiedDomainName),
        }
      }),
    ),
  )
  return found.flat()
}

/** The SQL failover group of the servers the private endpoints connect to, its partners in two regions of the estate. */
async function discoverSqlFailoverGroup(clients: Clients, servers: Array<Ref & {subscription: string}>, regionOf: (l: string | undefined) => SteeringRegion | undefined, note: Note) {
  if (servers.length === 0) return undefined
  const sql = await clients.sql()
  const unique = [...new Map(servers.map((s) => [`${s.resourceGroup}/${s.name}`.toLowerCase(), s])).values()].sort((a, b) => a.name.localeCompare(b.name))
  const groups = new Map<string, {name: string; servers: Record<string, Ref>}>()
  for (const server of unique) {
    for (const fog of await collect(sql.failoverGroups.listByServer(server.resourceGroup, server.name))) {
      const own = regionOf(fog.location)
      const partner = fog.partnerServers?.[0]
      const partnerRef = parseResourceId(partner?.id, 'Microsoft.Sql/servers')
      const partnerRegion = regionOf(partner?.location)
      const id = [server.name, partnerRef?.name ?? ''].sort().join('/') + `/${fog.name}`
      if (groups.has(id.toLowerCase())) continue
      if (!own || !partnerRef || !partnerRegion || own === partnerRegion) {
        note(['estate', 'data'], `Left out: SQL failover group ${fog.name} (its partners are not in two regions of the estate).`, true)
        continue
      }
      groups.set(id.toLowerCase(), {
        name: fog.name!,
        servers: {[own.key]: {resourceGroup: server.resourceGroup, name: server.name}, [partnerRegion.key]: {resourceGroup: partnerRef.resourceGroup, name: partnerRef.name}},
      })
    }
  }
  const [chosen, ...others] = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name))
  for (const o of others) note(['estate', 'data', 'sqlFailoverGroup'], `Left out: SQL failover group ${o.name}; chose ${chosen.name}, first by name.`, true)
  return chosen
}

/**
 * The Cosmos DB account in two or more of the estate's regions: the one with the most of them, then one the private
 * endpoints connect to, then by name. Its regional endpoints' names are returned so the regions need not expect them.
 */
async function discoverCosmos(clients: Clients, linked: Array<Ref & {subscription: string}>, regions: SteeringRegion[], note: Note) {
  const cosmos = await clients.cosmos()
  const accounts = (await collect(cosmos.databaseAccounts.list())).sort(byName)
  const locations = new Set(regions.map((r) => r.location))
  const inEstate = (a: (typeof accounts)[number]) => (a.locations ?? []).filter((l) => locations.has(normalizeLocation(l.locationName ?? ''))).length
  const isLinked = (a: (typeof accounts)[number]) => linked.some((l) => l.name.toLowerCase() === a.name?.toLowerCase())
  const candidates = accounts.filter((a) => inEstate(a) >= 2).sort((a, b) => inEstate(b) - inEstate(a) || Number(isLinked(b)) - Number(isLinked(a)) || byName(a, b))
  const [chosen, ...others] = candidates
  for (const o of others) note(['estate', 'data', 'cosmos'], `Left out: Cosmos DB account ${o.name}; chose ${chosen.name} (more of the estate's regions, a private endpoint, or first by name).`, true)
  if (!chosen) return undefined
  const {resourceGroup, name} = parseResourceId(chosen.id, 'Microsoft.DocumentDB/databaseAccounts')!
  const host = (url: string | undefined) => (url ? bareName(new URL(url).hostname) : '')
  const regionalNames = (chosen.locations ?? []).map((l) => host(l.documentEndpoint)).filter((h) => h && h !== host(chosen.documentEndpoint))
  return {ref: {resourceGroup, account: name}, regionalNames}
}

/** Without a CNAME, the zone most zone-group records were written to (ties by name) keeps azfail's records. */
function chooseStateZone(written: Map<string, Array<{zoneId: string}>>): {resourceGroup: string; zone: string} | undefined {
  const counts = new Map<string, number>()
  for (const records of written.values()) for (const r of records) if (parseZoneId(r.zoneId)) counts.set(r.zoneId, (counts.get(r.zoneId) ?? 0) + 1)
  const [best] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return best ? parseZoneId(best[0]) : undefined
}
