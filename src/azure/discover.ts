// Discovers an estate, read-only, through the SDK clients' list operations, and describes it as a runbook: the regions
// from a steering profile, each region's private endpoints and the names and IPs their zone groups wrote, the data
// tier, and the CNAME that leads to a server. Where it finds several candidates it chooses deterministically and says
// what it chose and what it left out (notes), so the file and stderr can tell the reader.
import {InputError} from '../errors.ts'
import {type Estate, parseArmId} from '../runbook/estate.ts'
import {bareName, isReplica, normalizeLocation, subscriptionOfId} from '../estate/predicates.ts'
import type {Clients, SubscriptionClients} from './clients.ts'
import type {AzureTarget} from './target.ts'

type EstateInput = import('zod').input<typeof Estate>
type Ref = {subscription?: string; resourceGroup: string; name: string}
type Placed = Ref & {subscription: string}

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

/** subscription, resource group and name of an ARM resource id; undefined when it is not one of `type`. */
function parseResourceId(id: string | undefined, type: string): Placed | undefined {
  const parts = parseArmId(id ?? '', type)
  return typeof parts === 'string' ? undefined : {subscription: parts.subscription, resourceGroup: parts.resourceGroup, name: parts.names[0]}
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

/**
 * Where discovery looks: the target's subscription and `subscriptions` (repeatable --subscription, or every one a
 * sandbox serves), and every subscription the estate's references lead to (the steering endpoints' targets, the zones
 * the zone groups write to, a replica's source, a failover group's partner).
 */
export async function discoverEstate(target: AzureTarget, clients: Clients, subscriptions: string[] = []): Promise<Discovery> {
  const notes: DiscoveryNote[] = []
  const note = (path: DiscoveryNote['path'], text: string, tell = false) => notes.push({path, text, tell})
  const scope = new Scope(clients, target.subscriptionId, subscriptions, note)

  const [tmProfiles, fdGroups] = await Promise.all([scope.inEach(listTrafficManager), scope.inEach(listFrontDoor)])
  // The steering endpoints' targets name the regions' workload subscriptions.
  for (const p of tmProfiles) for (const e of p.endpoints ?? []) scope.follow(e.targetResourceId)
  const endpoints = (await scope.inEach(listPrivateEndpoints)).sort(byName)
  const steering = chooseSteering(scope, tmProfiles, fdGroups, endpoints, note)
  const regions = steering.regions
  const regionOf = (location: string | undefined) => regions.find((r) => r.location === normalizeLocation(location ?? ''))

  const estate: EstateInput = {
    subscription: scope.defaultSubscription,
    connectionDrainSeconds: 30,
    steering: steering.layers,
    regions: {},
    data: {},
  }
  note(['estate', 'connectionDrainSeconds'], 'In-flight connections get this long after steering stops sending new ones: set it to your longest request or session.')

  // Each region's endpoints and what their zone groups wrote.
  const written = new Map<string, Array<{zoneId: string; name: string; ip: string; endpoint: string}>>()
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
      const network = await scope.for(ref.subscription).network()
      for (const group of await collect(network.privateDnsZoneGroups.list(ref.resourceGroup, ref.name))) {
        for (const config of group.privateDnsZoneConfigs ?? []) {
          scope.follow(config.privateDnsZoneId)
          for (const rs of config.recordSets ?? []) {
            if (rs.recordType && rs.recordType !== 'A') continue
            const ip = rs.ipAddresses?.[0]
            if (!ip || !rs.fqdn) continue
            // The name clients dial is the public one the endpoint lists for that IP; its privatelink alias otherwise.
            const custom = pe.customDnsConfigs?.find((c) => c.ipAddresses?.includes(ip) && c.fqdn)
            const name = bareName(custom?.fqdn ?? rs.fqdn.replace(/(^|\.)privatelink\./i, '$1'))
            written.get(region.key)!.push({zoneId: config.privateDnsZoneId ?? '', name, ip, endpoint: pe.name!})
          }
        }
      }
    }),
  )
  for (const [location, count] of [...outside].sort()) {
    note(['estate', 'regions'], `Left out: ${count} private endpoint(s) in ${location}, where the steering layer has no region.`, true)
  }

  const zonesWritten = [...written.values()].flat().map((r) => r.zoneId)
  const [data, vantages] = await Promise.all([discoverData(scope, regions, endpoints, zonesWritten, regionOf, note), discoverVantages(scope)])
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
      .map((pe) => scope.ref(pe.id, 'Microsoft.Network/privateEndpoints'))
      .sort((a, b) => (a.subscription ?? '').localeCompare(b.subscription ?? '') || a.resourceGroup.localeCompare(b.resourceGroup) || a.name.localeCompare(b.name))
    estate.regions[region.key] = {location: region.location, expect, privateEndpoints: regionEndpoints}
    note(
      [...path, 'location'],
      `resolver: the ip[:port] of a DNS resolver inside ${region.key}'s network (its DNS Private Resolver inbound endpoint), which azfail asks what the region resolves. The sandbox supplies its own; AZFAIL_RESOLVERS overrides it.`,
    )
    note([...path, 'expect'], "The names this region's workloads use -> its OWN private IP, as its private endpoints' zone groups wrote them.")
    const vantage = vantages.proposal(region.location)
    if (vantage) {
      note(
        [...path, 'location'],
        `A vantage for where ${region.key}'s resolver cannot be reached (a hosted CI runner, no VPN): add 'vantage: ${vantage}' here and azfail resolves ${region.key}'s names inside its network through ARM (run command / command invoke). Make sure it sits in the network whose resolution you want checked.`,
        true,
      )
    }
    if (aside.length > 0) {
      note([...path, 'expect'], `Cosmos DB regional endpoints, written by the same private endpoint (add them to check each one): ${aside.join(', ')}`)
    }
    note(
      [...path, 'privateEndpoints'],
      `Every private endpoint in ${region.location} of the subscriptions read. 'drain --teardown' and 'teardown' delete each one listed: remove those that are not this estate's.`,
    )
    const silent = regionEndpoints.filter((ref) => !records.some((r) => r.endpoint === ref.name))
    if (silent.length > 0) note([...path, 'privateEndpoints'], `No zone-group record (nothing to expect): ${silent.map((s) => s.name).join(', ')}.`, true)
  }

  estate.data = data.tier
  if (data.cname) estate.cname = data.cname
  if (!data.cname) {
    const zone = chooseStateZone(scope, zonesWritten)
    if (zone) {
      estate.stateZone = zone
      note(['estate', 'stateZone'], `No CNAME to keep azfail's drain records and run lock beside: they go to ${zone.zone}, the zone most of the endpoints write to. A zone of your own is better.`, true)
    } else {
      note(['estate'], "No CNAME and no zone-group record: name a private DNS zone for azfail's drain records and run lock as estate.stateZone: {resourceGroup, zone} before a run.", true)
    }
  } else {
    note(['estate', 'cname'], "azfail keeps its drain records and run lock (TXT records) in this CNAME's zone; estate.stateZone names another.")
  }
  return {name: steering.name, estate, notes}
}

// ---------------------------------------------------------------- vantages

/**
 * The AKS clusters and Linux VMs of the subscriptions read, by location: a region's proposed vantage is a cluster there
 * (it resolves through the cluster's DNS, as its workloads do), else a VM. What cannot be listed proposes nothing.
 */
async function discoverVantages(scope: Scope) {
  const listed = async <T>(list: (c: SubscriptionClients) => AsyncIterable<T>): Promise<T[]> =>
    scope.inEach((c) => collect(list(c))).catch(() => [] as T[])
  const [clusters, vms] = await Promise.all([
    listed(async function* (c) {
      yield* (await c.containerService()).managedClusters.list()
    }),
    listed(async function* (c) {
      yield* (await c.compute()).virtualMachines.listAll()
    }),
  ])
  const at = <T extends {location?: string; id?: string}>(xs: T[], location: string) => xs.filter((x) => normalizeLocation(x.location ?? '') === location && x.id).sort((a, b) => a.id!.localeCompare(b.id!))[0]
  const refOf = (id: string, type: string) => {
    const ref = scope.ref(id, type)
    return `{${ref.subscription ? `subscription: ${ref.subscription}, ` : ''}resourceGroup: ${ref.resourceGroup}, name: ${ref.name}}`
  }
  return {
    proposal(location: string): string | undefined {
      const cluster = at(clusters, location)
      if (cluster) return `{aks: ${refOf(cluster.id!, 'Microsoft.ContainerService/managedClusters')}}`
      const vm = at(
        vms.filter((v) => v.storageProfile?.osDisk?.osType === 'Linux'),
        location,
      )
      return vm ? `{vm: ${refOf(vm.id!, 'Microsoft.Compute/virtualMachines')}}` : undefined
    },
  }
}

// ---------------------------------------------------------------- steering

type TmProfile = Awaited<ReturnType<typeof listTrafficManager>>[number]
type FdGroup = Awaited<ReturnType<typeof listFrontDoor>>[number]
type PrivateEndpoint = Awaited<ReturnType<typeof listPrivateEndpoints>>[number]
type Note = (path: DiscoveryNote['path'], text: string, tell?: boolean) => void

/**
 * The subscriptions discovery reads, growing as references lead to new ones, and runbook references relative to the
 * default. A subscription the user named must be readable; one a reference led to and that cannot be read (not found,
 * or not authorised) is left out with a note.
 */
class Scope {
  private readonly known: string[] = []
  private readonly given: Set<string>
  private readonly unreadable = new Set<string>()
  readonly clients: Clients
  readonly defaultSubscription: string
  readonly note: Note

  constructor(clients: Clients, defaultSubscription: string, given: string[], note: Note) {
    this.clients = clients
    this.defaultSubscription = defaultSubscription
    this.note = note
    this.given = new Set([defaultSubscription, ...given].map((s) => s.toLowerCase()))
    for (const s of [defaultSubscription, ...given]) this.add(s)
  }

  get subscriptions(): string[] {
    return [...this.known]
  }

  add(subscription: string): void {
    if (!this.known.some((k) => k.toLowerCase() === subscription.toLowerCase())) this.known.push(subscription)
  }

  /** Adds the subscription an ARM resource id names. */
  follow(id: string | undefined): void {
    const subscription = subscriptionOfId(id ?? '')
    if (subscription) this.add(subscription)
  }

  for(subscription: string | undefined): SubscriptionClients {
    return this.clients.for(subscription)
  }

  /** `list` in every subscription known now, in order. */
  async inEach<T>(list: (c: SubscriptionClients) => Promise<T[]>): Promise<T[]> {
    const lists = await Promise.all(
      this.subscriptions
        .filter((s) => !this.unreadable.has(s.toLowerCase()))
        .map(async (s) => {
          try {
            return await list(this.clients.for(s))
          } catch (error: any) {
            if (error.statusCode === 404 && this.given.has(s.toLowerCase())) {
              throw new InputError('SubscriptionNotFound', `Subscription ${s} was not found: ${String(error.message).split('\n')[0]}`, 'Check the --subscription values (and AZURE_SUBSCRIPTION_ID): each must be a subscription the signed-in principal can read.')
            }
            if ((error.statusCode !== 404 && error.statusCode !== 403) || this.given.has(s.toLowerCase())) throw error
            this.unreadable.add(s.toLowerCase())
            this.note(['estate'], `Left out: subscription ${s}, which a reference leads to, cannot be read (${error.code ?? error.statusCode}).`, true)
            return []
          }
        }),
    )
    return lists.flat()
  }

  /** A runbook reference to the resource `id` names: its subscription only where it is not the default. */
  ref(id: string | undefined, type: string): Ref {
    const {subscription, resourceGroup, name} = parseResourceId(id, type)!
    return {...this.subscriptionOf(subscription), resourceGroup, name}
  }

  subscriptionOf(subscription: string | undefined): {subscription?: string} {
    return subscription && subscription.toLowerCase() !== this.defaultSubscription.toLowerCase() ? {subscription} : {}
  }
}

async function listTrafficManager(clients: SubscriptionClients) {
  return (await collect((await clients.trafficManager()).profiles.listBySubscription())).sort(byName)
}

/** Front Door Standard/Premium origin groups, with their profile and origins. */
async function listFrontDoor(clients: SubscriptionClients) {
  const cdn = await clients.frontDoor()
  const profiles = (await collect(cdn.profiles.list())).filter((p) => /AzureFrontDoor$/i.test(p.sku?.name ?? '')).sort(byName)
  const groups = await Promise.all(
    profiles.map(async (p) => {
      const rg = parseResourceId(p.id, 'Microsoft.Cdn/profiles')!.resourceGroup
      const gs = (await collect(cdn.afdOriginGroups.listByProfile(rg, p.name!))).sort(byName)
      return Promise.all(gs.map(async (g) => ({id: p.id!, profile: p.name!, group: g.name!, origins: (await collect(cdn.afdOrigins.listByOriginGroup(rg, p.name!, g.name!))).sort(byName)})))
    }),
  )
  return groups.flat()
}

async function listPrivateEndpoints(clients: SubscriptionClients) {
  return collect((await clients.network()).privateEndpoints.listBySubscription())
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
function chooseSteering(scope: Scope, tmProfiles: TmProfile[], fdGroups: FdGroup[], endpoints: PrivateEndpoint[], note: Note) {
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
    const {name: _, ...where} = scope.ref(tm.profile.id, 'Microsoft.Network/trafficManagerProfiles')
    regions = [...tm.byLocation].map(([location, e]) => ({key: location, location, tmEndpoint: e.name!}))
    const types = new Set([...tm.byLocation.values()].map((e) => ENDPOINT_TYPES[(e.type ?? '').split('/').pop()!.toLowerCase()] ?? 'AzureEndpoints'))
    if (types.size > 1) note([...path, 'trafficManager'], `Its endpoints are of several types (${[...types].join(', ')}); azfail drives one: check endpointType.`, true)
    layers.trafficManager = {...where, profile: tm.profile.name!, ...(types.has('AzureEndpoints') ? {} : {endpointType: [...types][0]}), endpoints: {}}
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
  if (fd) {
    const {name: _, ...where} = scope.ref(fd.id, 'Microsoft.Cdn/profiles')
    layers.frontDoor = {...where, profile: fd.profile, originGroup: fd.group, origins: {}}
  }

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
function distinctiveTokens(names: string[][]): Array<string | undefined> {
  return names.map((own, i) => {
    const others = new Set(names.filter((_, j) => j !== i).flat().flatMap(tokens))
    const shared = tokens(own[0] ?? '').filter((t) => own.every((n) => tokens(n).includes(t)))
    return shared.filter((t) => !others.has(t) && REGION_KEY.test(t)).pop()
  })
}

// ---------------------------------------------------------------- data tier

type RegionOf = (location: string | undefined) => SteeringRegion | undefined

async function discoverData(scope: Scope, regions: SteeringRegion[], endpoints: PrivateEndpoint[], zonesWritten: string[], regionOf: RegionOf, note: Note) {
  const linked = (type: string) =>
    endpoints.flatMap((pe) => [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])].map((c) => parseResourceId(c.privateLinkServiceId, type)).filter((r) => r !== undefined))
  const [postgres, sql, cosmos] = await Promise.all([
    discoverPostgres(scope, zonesWritten, regionOf, note),
    discoverSqlFailoverGroup(scope, linked('Microsoft.Sql/servers'), regionOf, note),
    discoverCosmos(scope, linked('Microsoft.DocumentDB/databaseAccounts'), regions, note),
  ])
  const tier: EstateInput['data'] = {}
  if (postgres) tier.postgres = {servers: postgres.servers}
  if (sql) tier.sqlFailoverGroup = sql
  if (cosmos) tier.cosmos = cosmos.ref
  if (postgres) {
    note(['estate', 'data', 'postgres'], 'writeCheck: {database, user, passwordEnv} makes a promotion end by writing through the CNAME from every region; add it where azfail can reach the servers.')
  }
  return {tier, cname: postgres?.cname, cosmosRegionalNames: cosmos?.regionalNames ?? []}
}

/**
 * The PostgreSQL flexible read replica and its primary, each in a region of the estate, and the CNAME in a private
 * DNS zone that leads to one of them. Several pairs: the one a CNAME leads to, then by the replica's name.
 */
async function discoverPostgres(scope: Scope, zonesWritten: string[], regionOf: RegionOf, note: Note) {
  const path = ['estate', 'data', 'postgres']
  const servers = (await scope.inEach(async (c) => collect((await c.postgres()).servers.listBySubscription()))).sort(byName)
  type Server = (typeof servers)[number]
  const byId = new Map(servers.map((s) => [(s.id ?? '').toLowerCase(), s]))
  // A replica's source may sit in a subscription nobody named: read it there.
  const sourceOf = async (replica: Server): Promise<Server | undefined> => {
    const known = byId.get(replica.sourceServerResourceId!.toLowerCase())
    if (known) return known
    const where = parseResourceId(replica.sourceServerResourceId, 'Microsoft.DBforPostgreSQL/flexibleServers')
    if (!where) return undefined
    scope.add(where.subscription)
    try {
      return await (await scope.for(where.subscription).postgres()).servers.get(where.resourceGroup, where.name)
    } catch (error: any) {
      if (error.statusCode === 404 || error.statusCode === 403) return undefined
      throw error
    }
  }
  const replicas = servers.filter((s) => isReplica(s.replicationRole) && s.sourceServerResourceId)
  const pairs: Array<{replica: Server; primary: Server}> = []
  for (const replica of replicas) {
    const primary = await sourceOf(replica)
    const [from, to] = [regionOf(primary?.location), regionOf(replica.location)]
    if (primary && from && to && from !== to) pairs.push({replica, primary})
    else note(['estate', 'data'], `Left out: PostgreSQL replica ${replica.name} (its primary is not in another region of the estate).`, true)
  }
  if (pairs.length === 0) return undefined

  const cnames = await findCnames(scope, [...pairs.flatMap((p) => [p.primary, p.replica].map((s) => s.network?.privateDnsZoneArmResourceId)), ...zonesWritten])
  const leadsTo = (pair: (typeof pairs)[number]) => cnames.filter((c) => [pair.primary, pair.replica].some((s) => c.leadsTo(s)))
  pairs.sort((a, b) => Number(leadsTo(b).length > 0) - Number(leadsTo(a).length > 0) || byName(a.replica, b.replica))
  const [chosen, ...others] = pairs
  for (const o of others) note(path, `Left out: PostgreSQL replica ${o.replica.name} of ${o.primary.name}; chose ${chosen.replica.name}, ${leadsTo(chosen).length > 0 ? 'which a CNAME leads to' : 'first by name'}.`, true)
  const type = 'Microsoft.DBforPostgreSQL/flexibleServers'
  const pgServers = {[regionOf(chosen.primary.location)!.key]: scope.ref(chosen.primary.id, type), [regionOf(chosen.replica.location)!.key]: scope.ref(chosen.replica.id, type)}

  // The CNAME to the primary first; then by zone and name.
  const candidates = leadsTo(chosen).sort((a, b) => Number(b.leadsTo(chosen.primary)) - Number(a.leadsTo(chosen.primary)) || a.label.localeCompare(b.label))
  const [cname, ...otherCnames] = candidates
  for (const c of otherCnames) note(['estate', 'cname'], `Left out: CNAME ${c.label} (also leads to a server of the pair).`, true)
  if (!cname) note(path, `No private-DNS CNAME leads to ${chosen.primary.name} or ${chosen.replica.name}: promote works, repoint has nothing to move.`, true)
  return {servers: pgServers, cname: cname?.ref}
}

/**
 * CNAME record sets that lead to a server, in the private DNS zones of every subscription read and in `zoneIds` (the
 * servers' own zones, the zones the endpoints write to: in a hub-spoke estate these sit in the connectivity subscription).
 */
async function findCnames(scope: Scope, zoneIds: Array<string | undefined>) {
  const zones = new Map<string, {subscription: string; resourceGroup: string; zone: string}>()
  const add = (id: string | undefined) => {
    const z = parseResourceId(id, 'Microsoft.Network/privateDnsZones')
    if (z) zones.set(`${z.subscription}/${z.resourceGroup}/${z.name}`.toLowerCase(), {subscription: z.subscription, resourceGroup: z.resourceGroup, zone: z.name})
  }
  for (const id of zoneIds) add(id)
  for (const z of await scope.inEach(async (c) => collect((await c.privateDns()).privateZones.list()))) add(z.id)
  const found = await Promise.all(
    [...zones.values()].map(async (z) =>
      (await collect((await scope.for(z.subscription).privateDns()).recordSets.listByType(z.resourceGroup, z.zone, 'CNAME'))).map((rs) => {
        const target = bareName(rs.cnameRecord?.cname)
        return {
          label: `${rs.name}.${z.zone}`,
          ref: {...scope.subscriptionOf(z.subscription), resourceGroup: z.resourceGroup, zone: z.zone, name: rs.name!},
          // A server's name in this zone, or its public name (which CNAMEs to its private one).
          leadsTo: (s: {name?: string; fullyQualifiedDomainName?: string}) => target === bareName(`${s.name}.${z.zone}`) || target === bareName(s.fullyQualifiedDomainName),
        }
      }),
    ),
  )
  return found.flat()
}

/** The SQL failover group of the servers the private endpoints connect to, its partners in two regions of the estate. */
async function discoverSqlFailoverGroup(scope: Scope, servers: Placed[], regionOf: RegionOf, note: Note) {
  const unique = [...new Map(servers.map((s) => [`${s.subscription}/${s.resourceGroup}/${s.name}`.toLowerCase(), s])).values()].sort((a, b) => a.name.localeCompare(b.name))
  const groups = new Map<string, {name: string; servers: Record<string, Ref>}>()
  for (const server of unique) {
    for (const fog of await collect((await scope.for(server.subscription).sql()).failoverGroups.listByServer(server.resourceGroup, server.name))) {
      const own = regionOf(fog.location)
      const partner = fog.partnerServers?.[0]
      const partnerRegion = regionOf(partner?.location)
      const partnerRef = parseResourceId(partner?.id, 'Microsoft.Sql/servers')
      const id = [server.name, partnerRef?.name ?? ''].sort().join('/') + `/${fog.name}`
      if (groups.has(id.toLowerCase())) continue
      if (!own || !partnerRef || !partnerRegion || own === partnerRegion) {
        note(['estate', 'data'], `Left out: SQL failover group ${fog.name} (its partners are not in two regions of the estate).`, true)
        continue
      }
      groups.set(id.toLowerCase(), {
        name: fog.name!,
        servers: {
          [own.key]: {...scope.subscriptionOf(server.subscription), resourceGroup: server.resourceGroup, name: server.name},
          [partnerRegion.key]: scope.ref(partner!.id, 'Microsoft.Sql/servers'),
        },
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
async function discoverCosmos(scope: Scope, linked: Placed[], regions: SteeringRegion[], note: Note) {
  for (const l of linked) scope.add(l.subscription)
  const accounts = (await scope.inEach(async (c) => collect((await c.cosmos()).databaseAccounts.list()))).sort(byName)
  const locations = new Set(regions.map((r) => r.location))
  const inEstate = (a: (typeof accounts)[number]) => (a.locations ?? []).filter((l) => locations.has(normalizeLocation(l.locationName ?? ''))).length
  const isLinked = (a: (typeof accounts)[number]) => linked.some((l) => l.name.toLowerCase() === a.name?.toLowerCase())
  const candidates = accounts.filter((a) => inEstate(a) >= 2).sort((a, b) => inEstate(b) - inEstate(a) || Number(isLinked(b)) - Number(isLinked(a)) || byName(a, b))
  const [chosen, ...others] = candidates
  if (!chosen) return undefined
  for (const o of others) note(['estate', 'data', 'cosmos'], `Left out: Cosmos DB account ${o.name}; chose ${chosen.name} (more of the estate's regions, a private endpoint, or first by name).`, true)
  const {name, ...where} = scope.ref(chosen.id, 'Microsoft.DocumentDB/databaseAccounts')
  const host = (url: string | undefined) => (url ? bareName(new URL(url).hostname) : '')
  const regionalNames = (chosen.locations ?? []).map((l) => host(l.documentEndpoint)).filter((h) => h && h !== host(chosen.documentEndpoint))
  return {ref: {...where, account: name}, regionalNames}
}

/** Without a CNAME, the zone most zone-group records were written to (ties by id) keeps azfail's records. */
function chooseStateZone(scope: Scope, zoneIds: string[]): {subscription?: string; resourceGroup: string; zone: string} | undefined {
  const counts = new Map<string, number>()
  for (const id of zoneIds) if (parseResourceId(id, 'Microsoft.Network/privateDnsZones')) counts.set(id, (counts.get(id) ?? 0) + 1)
  const [best] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  if (!best) return undefined
  const {name, ...where} = scope.ref(best[0], 'Microsoft.Network/privateDnsZones')
  return {...where, zone: name}
}
