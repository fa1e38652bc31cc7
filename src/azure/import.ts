// Reads the estate a runbook describes, read-only, through the SDK clients, and turns it into sandbox state, so a team
// can rehearse failovers of their own topology offline. Only what azfail uses is carried over.
import type {ArmResource, PublicRecord, RegionInfo, World} from '#sandbox'
import {bareName, parseZoneId, subscriptionOfId} from '../estate/predicates.ts'
import type {Estate, Located} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'
import {type AzureTarget, dnsSuffixes} from './target.ts'

const vnetOf = (subnetId: string | undefined) => subnetId?.replace(/\/subnets\/[^/]+$/i, '')

export interface ImportResult {
  world: World
  counts: Record<string, number>
  skipped: string[]
}

/** What an import has read so far: the resources, a count per kind, the public DNS names, what it had to leave out. */
class Collected {
  readonly resources: ArmResource[] = []
  readonly counts: Record<string, number> = {}
  readonly skipped: string[] = []
  readonly publicDns: Record<string, PublicRecord> = {}
  readonly regionVnets = new Map<string, Set<string>>()
  readonly zoneIds = new Set<string>()

  add(kind: string, r: ArmResource): void {
    this.resources.push(r)
    this.counts[kind] = (this.counts[kind] ?? 0) + 1
  }
}

export async function importEstate(estate: Estate, source: AzureTarget, clients: Clients, tenantId: string): Promise<ImportResult> {
  const c = new Collected()
  await importTrafficManager(estate, clients, c)
  await importFrontDoor(estate, clients, c)
  await importEndpoints(estate, clients, c)
  for (const z of [estate.cname, estate.stateZone]) {
    if (z) c.zoneIds.add(`/subscriptions/${z.subscription ?? source.subscriptionId}/resourceGroups/${z.resourceGroup}/providers/Microsoft.Network/privateDnsZones/${z.zone}`)
  }
  await importZones(clients, c)
  await importPostgres(estate, clients, c)
  await importSqlFailoverGroup(estate, source, clients, c)
  await importCosmos(estate, clients, c)
  return {world: assembleWorld(estate, source, tenantId, c), counts: c.counts, skipped: c.skipped}
}

async function importTrafficManager(estate: Estate, clients: Clients, c: Collected): Promise<void> {
  const tm = estate.steering.trafficManager
  if (!tm) return
  {
    const p = await (await clients.for(tm.subscription).trafficManager()).profiles.get(tm.resourceGroup, tm.profile)
    c.add('trafficManagerProfiles', {
      id: p.id!, name: p.name!, type: 'Microsoft.Network/trafficManagerProfiles', location: p.location ?? 'global', tags: p.tags ?? {},
      properties: {profileStatus: p.profileStatus, trafficRoutingMethod: p.trafficRoutingMethod, dnsConfig: p.dnsConfig, monitorConfig: p.monitorConfig, trafficViewEnrollmentStatus: p.trafficViewEnrollmentStatus, maxReturn: p.maxReturn ?? 0},
    })
    for (const e of p.endpoints ?? []) {
      c.add('trafficManagerEndpoints', {
        id: e.id!, name: e.name!, type: e.type!,
        properties: {endpointStatus: e.endpointStatus, endpointMonitorStatus: e.endpointMonitorStatus, target: e.target, targetResourceId: e.targetResourceId, weight: e.weight, priority: e.priority, endpointLocation: e.endpointLocation},
      })
    }
  }
}

async function importFrontDoor(estate: Estate, clients: Clients, c: Collected): Promise<void> {
  const fd = estate.steering.frontDoor
  if (!fd) return
  {
    const cdn = await clients.for(fd.subscription).frontDoor()
    const p = await cdn.profiles.get(fd.resourceGroup, fd.profile)
    c.add('frontDoorProfiles', {id: p.id!, name: p.name!, type: 'Microsoft.Cdn/profiles', location: p.location, kind: p.kind, sku: {...p.sku}, tags: p.tags ?? {}, properties: {provisioningState: p.provisioningState, resourceState: p.resourceState, frontDoorId: p.frontDoorId}})
    const g = await cdn.afdOriginGroups.get(fd.resourceGroup, fd.profile, fd.originGroup)
    c.add('originGroups', {id: g.id!, name: g.name!, type: 'Microsoft.Cdn/profiles/origingroups', properties: {loadBalancingSettings: g.loadBalancingSettings, healthProbeSettings: g.healthProbeSettings, provisioningState: g.provisioningState, deploymentStatus: g.deploymentStatus}})
    for await (const o of cdn.afdOrigins.listByOriginGroup(fd.resourceGroup, fd.profile, fd.originGroup)) {
      c.add('origins', {
        id: o.id!, name: o.name!, type: 'Microsoft.Cdn/profiles/origingroups/origins',
        properties: {hostName: o.hostName, originHostHeader: o.originHostHeader, httpPort: o.httpPort, httpsPort: o.httpsPort, priority: o.priority, weight: o.weight, enabledState: o.enabledState, provisioningState: o.provisioningState ?? 'Succeeded', deploymentStatus: o.deploymentStatus ?? 'Succeeded'},
      })
    }
  }
}

/** Private endpoints and their zone groups; the zones those write to are read next. */
async function importEndpoints(estate: Estate, clients: Clients, c: Collected): Promise<void> {
  for (const [region, spec] of Object.entries(estate.regions)) {
    const vnets = new Set<string>()
    for (const ref of spec.privateEndpoints) {
      const network = await clients.for(ref.subscription).network()
      const pe = await network.privateEndpoints.get(ref.resourceGroup, ref.name)
      const vnet = vnetOf(pe.subnet?.id)
      if (vnet) vnets.add(vnet)
      c.add('privateEndpoints', {
        id: pe.id!, name: pe.name!, type: 'Microsoft.Network/privateEndpoints', location: pe.location, etag: pe.etag,
        properties: {
          provisioningState: pe.provisioningState, subnet: {id: pe.subnet?.id}, networkInterfaces: (pe.networkInterfaces ?? []).map((n) => ({id: n.id})),
          privateLinkServiceConnections: (pe.privateLinkServiceConnections ?? []).map((c) => ({id: c.id, name: c.name, properties: {privateLinkServiceId: c.privateLinkServiceId, groupIds: c.groupIds, provisioningState: c.provisioningState, privateLinkServiceConnectionState: c.privateLinkServiceConnectionState}})),
          manualPrivateLinkServiceConnections: [], customDnsConfigs: pe.customDnsConfigs ?? [], ipConfigurations: [],
        },
      })
      const written: Array<{fqdn: string; ips: string[]}> = []
      for await (const g of network.privateDnsZoneGroups.list(ref.resourceGroup, ref.name)) {
        c.add('privateDnsZoneGroups', {
          id: g.id!, name: g.name!, type: 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups', etag: g.etag,
          properties: {
            provisioningState: g.provisioningState,
            privateDnsZoneConfigs: (g.privateDnsZoneConfigs ?? []).map((z) => {
              if (z.privateDnsZoneId) c.zoneIds.add(z.privateDnsZoneId)
              for (const rs of z.recordSets ?? []) written.push({fqdn: rs.fqdn ?? '', ips: rs.ipAddresses ?? []})
              return {name: z.name, properties: {privateDnsZoneId: z.privateDnsZoneId, recordSets: z.recordSets ?? []}}
            }),
          },
        })
      }
      // The public name a client dials CNAMEs to the privatelink name its zone group wrote, as Azure's public DNS does.
      for (const custom of pe.customDnsConfigs ?? []) {
        const target = written.find((w) => w.ips.some((ip) => custom.ipAddresses?.includes(ip)))
        if (custom.fqdn && target?.fqdn) c.publicDns[bareName(custom.fqdn)] = {cname: target.fqdn.replace(/\.$/, ''), ttl: 60}
      }
    }
    c.regionVnets.set(region, vnets)
  }
}

/** The private DNS zones the endpoints and the runbook name: records and virtual network links. */
async function importZones(clients: Clients, c: Collected): Promise<void> {
  const seenZones = new Set<string>()
  for (const zoneId of c.zoneIds) {
    const zone = parseZoneId(zoneId)
    if (!zone || seenZones.has(zoneId.toLowerCase())) continue
    seenZones.add(zoneId.toLowerCase())
    const m = [zoneId, zone.resourceGroup, zone.zone] as const
    const dns = await clients.for(zone.subscription).privateDns()
    const z = await dns.privateZones.get(m[1], m[2])
    c.add('privateDnsZones', {
      id: z.id!, name: z.name!, type: 'Microsoft.Network/privateDnsZones', location: 'global', etag: z.etag, tags: z.tags ?? {},
      properties: {numberOfRecordSets: z.numberOfRecordSets, maxNumberOfRecordSets: z.maxNumberOfRecordSets, numberOfVirtualNetworkLinks: z.numberOfVirtualNetworkLinks, provisioningState: z.provisioningState, internalId: z.internalId},
    })
    for await (const l of dns.virtualNetworkLinks.list(m[1], m[2])) {
      c.add('virtualNetworkLinks', {
        id: l.id!, name: l.name!, type: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', location: 'global', etag: l.etag, tags: l.tags ?? {},
        properties: {virtualNetwork: {id: l.virtualNetwork?.id}, registrationEnabled: l.registrationEnabled, resolutionPolicy: l.resolutionPolicy ?? 'Default', virtualNetworkLinkState: l.virtualNetworkLinkState, provisioningState: l.provisioningState},
      })
    }
    for await (const rs of dns.recordSets.list(m[1], m[2])) {
      const type = rs.type?.split('/').pop()?.toUpperCase() ?? ''
      if (!['A', 'CNAME', 'TXT', 'SOA'].includes(type)) {
        c.skipped.push(`${type} ${rs.name}.${m[2]} (the sandbox emulates A, CNAME, TXT and SOA)`)
        continue
      }
      c.add('recordSets', {
        id: rs.id!, name: rs.name!, type: `Microsoft.Network/privateDnsZones/${type}`, etag: rs.etag,
        properties: {
          metadata: rs.metadata ?? {}, ttl: rs.ttl, fqdn: rs.fqdn, isAutoRegistered: rs.isAutoRegistered ?? false,
          ...(rs.aRecords ? {aRecords: rs.aRecords.map((a) => ({ipv4Address: a.ipv4Address}))} : {}),
          ...(rs.cnameRecord ? {cnameRecord: {cname: rs.cnameRecord.cname}} : {}),
          ...(rs.txtRecords ? {txtRecords: rs.txtRecords.map((t) => ({value: t.value ?? []}))} : {}),
          ...(rs.soaRecord ? {soaRecord: rs.soaRecord} : {}),
        },
      })
    }
  }
}

async function importPostgres(estate: Estate, clients: Clients, c: Collected): Promise<void> {
  if (estate.data.postgres) {
    for (const ref of Object.values(estate.data.postgres.servers)) {
      const s = await (await clients.for(ref.subscription).postgres()).servers.get(ref.resourceGroup, ref.name)
      c.add('postgresServers', {
        id: s.id!, name: s.name!, type: 'Microsoft.DBforPostgreSQL/flexibleServers', location: s.location, sku: {...s.sku}, tags: s.tags ?? {},
        properties: {
          state: s.state, version: s.version, fullyQualifiedDomainName: s.fullyQualifiedDomainName, replica: {...s.replica}, replicationRole: s.replicationRole, replicaCapacity: s.replicaCapacity,
          ...(s.sourceServerResourceId ? {sourceServerResourceId: s.sourceServerResourceId} : {}), network: s.network, highAvailability: s.highAvailability,
        },
      })
      if (s.fullyQualifiedDomainName && estate.cname) c.publicDns[s.fullyQualifiedDomainName.toLowerCase()] = {cname: `${s.name}.${estate.cname.zone}`, ttl: 60}
    }
  }
}

async function importSqlFailoverGroup(estate: Estate, source: AzureTarget, clients: Clients, c: Collected): Promise<void> {
  const fogSpec = estate.data.sqlFailoverGroup
  const suffixes = dnsSuffixes(source)
  if (fogSpec) {
    const [first] = Object.values(fogSpec.servers)
    const sql = await clients.for(first.subscription).sql()
    const fog = await sql.failoverGroups.get(first.resourceGroup, first.name, fogSpec.name)
    const serverId = (ref: Located & {name: string}) => `/subscriptions/${ref.subscription ?? source.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Sql/servers/${ref.name}`
    const firstId = serverId(first)
    const partner = fog.partnerServers?.[0]
    const [primaryId, secondaryId] = fog.replicationRole === 'Primary' ? [firstId, partner?.id ?? ''] : [partner?.id ?? '', firstId]
    for (const ref of Object.values(fogSpec.servers)) {
      c.add('sqlServers', {id: serverId(ref), name: ref.name, type: 'Microsoft.Sql/servers', location: ref === first ? fog.location : partner?.location, properties: {fullyQualifiedDomainName: `${ref.name}.${suffixes.sqlServer}`, state: 'Ready'}})
    }
    c.add('failoverGroups', {
      id: `${primaryId}/failoverGroups/${fog.name}`, name: fog.name!, type: 'Microsoft.Sql/servers/failoverGroups', location: fog.location, tags: fog.tags ?? {},
      properties: {readWriteEndpoint: fog.readWriteEndpoint, readOnlyEndpoint: fog.readOnlyEndpoint, replicationState: fog.replicationState, databases: fog.databases ?? []},
      sandbox: {primaryId, secondaryId},
    })
  }
}

async function importCosmos(estate: Estate, clients: Clients, c: Collected): Promise<void> {
  if (estate.data.cosmos) {
    const a = await (await clients.for(estate.data.cosmos.subscription).cosmos()).databaseAccounts.get(estate.data.cosmos.resourceGroup, estate.data.cosmos.account)
    const loc = (l: any) => ({id: l.id, locationName: l.locationName, documentEndpoint: l.documentEndpoint, provisioningState: l.provisioningState, failoverPriority: l.failoverPriority, isZoneRedundant: l.isZoneRedundant})
    c.add('cosmosAccounts', {
      id: a.id!, name: a.name!, type: 'Microsoft.DocumentDB/databaseAccounts', location: a.location, kind: a.kind, tags: a.tags ?? {},
      properties: {
        provisioningState: a.provisioningState, documentEndpoint: a.documentEndpoint, enableAutomaticFailover: a.enableAutomaticFailover, enableMultipleWriteLocations: a.enableMultipleWriteLocations,
        locations: (a.locations ?? []).map(loc), readLocations: (a.readLocations ?? []).map(loc), writeLocations: (a.writeLocations ?? []).map(loc),
        failoverPolicies: (a.failoverPolicies ?? []).map((p) => ({id: p.id, locationName: p.locationName, failoverPriority: p.failoverPriority})),
      },
    })
  }
}

function assembleWorld(estate: Estate, source: AzureTarget, tenantId: string, c: Collected): World {
  const tm = estate.steering.trafficManager
  const tmEndpoints = c.resources.filter((r) => r.type.startsWith('Microsoft.Network/trafficManagerProfiles/'))
  for (const e of tmEndpoints) if (e.properties.target) c.publicDns[String(e.properties.target).toLowerCase()] ??= {a: ['203.0.113.10'], ttl: 60}
  const regions: Record<string, RegionInfo> = {}
  Object.entries(estate.regions).forEach(([region, spec], i) => {
    const endpoint = tmEndpoints.find((e) => e.name.toLowerCase() === tm?.endpoints[region]?.toLowerCase())
    regions[region] = {
      location: spec.location,
      displayName: endpoint?.properties.endpointLocation ?? spec.location,
      resolverAddress: `127.0.12.${i + 1}`,
      virtualNetworks: [...(c.regionVnets.get(region) ?? [])],
    }
  })

  const byId: World['resources'] = {}
  for (const r of c.resources) byId[r.id.toLowerCase()] = JSON.parse(JSON.stringify(r))
  const others = [...new Set(c.resources.map((r) => subscriptionOfId(r.id)).filter((s): s is string => !!s && s.toLowerCase() !== source.subscriptionId.toLowerCase()))]
  return {
    version: 1,
    tenantId,
    subscriptionId: source.subscriptionId,
    ...(others.length > 0 ? {subscriptions: [source.subscriptionId, ...others]} : {}),
    settings: {lroMs: 400, lroRetryAfterSeconds: 1},
    regions,
    resources: byId,
    operations: {},
    publicDns: c.publicDns,
    faults: [],
  }
}
