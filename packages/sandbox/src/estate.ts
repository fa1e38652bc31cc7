// The demo estate, after the seeds: eus2 + wus2 behind Traffic Manager and Front Door, Pattern-A Key Vaults in one
// global privatelink zone, a SQL failover group, a PostgreSQL primary with a cross-region replica and a `prod` CNAME,
// and a Cosmos DB account with one privatelink zone per region. TTLs are short so a demo drain finishes in ~15 s.
import {randomUUID} from 'node:crypto'
import {type ArmResource, type PublicRecord, type World, key} from './world.ts'

export const DEMO_SUBSCRIPTION = '5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11'
export const DEMO_TENANT = '72f988bf-0000-4000-8000-00000000a2f1'

/** Zone-group records get 10 s in Azure; the demo keeps that and sets the steering TTL to match. */
export const DEMO_RECORD_TTL = 10
export const DEMO_STEERING_TTL = 10

/** A resource group's id in a subscription (the demo's, unless another is named). */
const rg = (name: string, subscription = DEMO_SUBSCRIPTION) => `/subscriptions/${subscription}/resourceGroups/${name}`
export const etag = () => randomUUID()

/** The public DNS suffix a privatelink zone shadows (Key Vault's is the one that does not simply drop 'privatelink.'). */
export function publicSuffix(privatelinkZone: string): string {
  const base = privatelinkZone.replace(/^privatelink\./, '')
  return base === 'vaultcore.azure.net' ? 'vault.azure.net' : base
}

export interface RegionSpec {
  short: string
  location: string
  displayName: string
  octet: number
  resolverAddress: string
  /** the subscription of the region's workload: spoke network, private endpoints, data servers (default: the demo's) */
  subscription?: string
}

const REGIONS: RegionSpec[] = [
  {short: 'eus2', location: 'eastus2', displayName: 'East US 2', octet: 20, resolverAddress: '127.0.10.1'},
  {short: 'wus2', location: 'westus2', displayName: 'West US 2', octet: 30, resolverAddress: '127.0.10.2'},
]

function res(id: string, type: string, properties: Record<string, any>, extra: Partial<ArmResource> = {}): ArmResource {
  return {id, name: id.split('/').pop()!, type, properties, ...extra}
}

export function zone(rgName: string, name: string, subscription?: string): ArmResource {
  return res(`${rg(rgName, subscription)}/providers/Microsoft.Network/privateDnsZones/${name}`, 'Microsoft.Network/privateDnsZones', {
    maxNumberOfRecordSets: 25000,
    numberOfRecordSets: 0,
    maxNumberOfVirtualNetworkLinks: 1000,
    numberOfVirtualNetworkLinks: 0,
    maxNumberOfVirtualNetworkLinksWithRegistration: 100,
    numberOfVirtualNetworkLinksWithRegistration: 0,
    provisioningState: 'Succeeded',
    internalId: randomUUID(),
  }, {location: 'global', etag: etag(), tags: {}})
}

export function recordSet(zoneId: string, zoneName: string, type: 'A' | 'CNAME' | 'TXT' | 'SOA', name: string, ttl: number, data: Record<string, any>): ArmResource {
  return res(`${zoneId}/${type}/${name}`, `Microsoft.Network/privateDnsZones/${type}`, {
    metadata: {},
    ttl,
    fqdn: name === '@' ? `${zoneName}.` : `${name}.${zoneName}.`,
    isAutoRegistered: false,
    ...data,
  }, {etag: etag()})
}

export function soa(zoneId: string, zoneName: string): ArmResource {
  return recordSet(zoneId, zoneName, 'SOA', '@', 3600, {
    soaRecord: {
      host: 'azureprivatedns.net',
      email: 'azureprivatedns-host.microsoft.com',
      serialNumber: 1,
      refreshTime: 3600,
      retryTime: 300,
      expireTime: 2419200,
      minimumTtl: 10,
    },
  })
}

export function link(zoneId: string, name: string, vnetId: string): ArmResource {
  return res(`${zoneId}/virtualNetworkLinks/${name}`, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', {
    virtualNetwork: {id: vnetId},
    registrationEnabled: false,
    resolutionPolicy: 'Default',
    virtualNetworkLinkState: 'Completed',
    provisioningState: 'Succeeded',
  }, {location: 'global', etag: etag(), tags: {}})
}

interface ZoneRecord {
  zoneId: string
  zoneName: string
  name: string
  ip: string
}

export function privateEndpoint(
  region: RegionSpec,
  name: string,
  targetId: string,
  groupId: string,
  zoneRecords: ZoneRecord[],
  ttl: number,
): ArmResource[] {
  const id = `${spokeGroup(region)}/providers/Microsoft.Network/privateEndpoints/${name}`
  const subnet = `${vnetId(region)}/subnets/snet-pe`
  const pe = res(id, 'Microsoft.Network/privateEndpoints', {
    provisioningState: 'Succeeded',
    subnet: {id: subnet},
    networkInterfaces: [{id: `${spokeGroup(region)}/providers/Microsoft.Network/networkInterfaces/${name}.nic.${randomUUID()}`}],
    privateLinkServiceConnections: [{
      id: `${id}/privateLinkServiceConnections/${name}-conn`,
      name: `${name}-conn`,
      properties: {
        provisioningState: 'Succeeded',
        privateLinkServiceId: targetId,
        groupIds: [groupId],
        privateLinkServiceConnectionState: {status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None'},
      },
    }],
    manualPrivateLinkServiceConnections: [],
    customDnsConfigs: zoneRecords.map((r) => ({fqdn: `${r.name}.${publicSuffix(r.zoneName)}`, ipAddresses: [r.ip]})),
    ipConfigurations: [],
  }, {location: region.location, etag: `W/"${etag()}"`})
  const byZone = new Map<string, ZoneRecord[]>()
  for (const r of zoneRecords) byZone.set(r.zoneId, [...(byZone.get(r.zoneId) ?? []), r])
  const group = res(`${id}/privateDnsZoneGroups/default`, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups', {
    provisioningState: 'Succeeded',
    privateDnsZoneConfigs: [...byZone.entries()].map(([zoneId, records]) => ({
      name: records[0].zoneName.replaceAll('.', '-'),
      properties: {
        privateDnsZoneId: zoneId,
        recordSets: records.map((r) => ({
          recordType: 'A',
          recordSetName: r.name,
          fqdn: `${r.name}.${r.zoneName}`,
          ttl,
          ipAddresses: [r.ip],
          provisioningState: 'Succeeded',
        })),
      },
    })),
  }, {etag: `W/"${etag()}"`})
  return [pe, group]
}

export function trafficManager(ttl: number, subscription?: string): ArmResource {
  const id = `${rg('rg-global', subscription)}/providers/Microsoft.Network/trafficManagerProfiles/tm-app`
  return res(id, 'Microsoft.Network/trafficManagerProfiles', {
    profileStatus: 'Enabled',
    trafficRoutingMethod: 'Performance',
    dnsConfig: {relativeName: 'tm-app', fqdn: 'tm-app.trafficmanager.net', ttl},
    monitorConfig: {
      profileMonitorStatus: 'Online',
      protocol: 'HTTPS',
      port: 443,
      path: '/healthz',
      intervalInSeconds: 30,
      toleratedNumberOfFailures: 3,
      timeoutInSeconds: 10,
    },
    endpoints: [],
    trafficViewEnrollmentStatus: 'Disabled',
    maxReturn: 0,
  }, {location: 'global', tags: {}})
}

export function tmEndpoint(region: RegionSpec, priority: number, subscription?: string): ArmResource {
  const id = `${rg('rg-global', subscription)}/providers/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-${region.short}`
  return res(id, 'Microsoft.Network/trafficManagerProfiles/azureEndpoints', {
    endpointStatus: 'Enabled',
    endpointMonitorStatus: 'Online',
    targetResourceId: `${rg(`rg-app-${region.short}`, region.subscription)}/providers/Microsoft.Web/sites/app-${region.short}`,
    target: `app-${region.short}.azurewebsites.net`,
    weight: 1,
    priority,
    endpointLocation: region.displayName,
    alwaysServe: 'Disabled',
  })
}

export function frontDoor(regions: RegionSpec[] = REGIONS, subscription?: string): ArmResource[] {
  const profileId = `${rg('rg-global', subscription)}/providers/Microsoft.Cdn/profiles/fd-app`
  const groupId = `${profileId}/originGroups/og-app`
  const profile = res(profileId, 'Microsoft.Cdn/profiles', {
    provisioningState: 'Succeeded',
    resourceState: 'Active',
    frontDoorId: randomUUID(),
    originResponseTimeoutSeconds: 60,
  }, {location: 'Global', kind: 'frontdoor', sku: {name: 'Premium_AzureFrontDoor'}, tags: {}})
  const group = res(groupId, 'Microsoft.Cdn/profiles/origingroups', {
    profileName: 'fd-app',
    loadBalancingSettings: {sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50},
    healthProbeSettings: {probePath: '/healthz', probeRequestType: 'HEAD', probeProtocol: 'Https', probeIntervalInSeconds: 30},
    sessionAffinityState: 'Disabled',
    provisioningState: 'Succeeded',
    deploymentStatus: 'Succeeded',
  })
  const origins = regions.map((region) =>
    res(`${groupId}/origins/origin-${region.short}`, 'Microsoft.Cdn/profiles/origingroups/origins', {
      originGroupName: 'og-app',
      hostName: `app-${region.short}.azurewebsites.net`,
      httpPort: 80,
      httpsPort: 443,
      originHostHeader: `app-${region.short}.azurewebsites.net`,
      priority: 1,
      weight: 1000,
      enabledState: 'Enabled',
      enforceCertificateNameCheck: true,
      provisioningState: 'Succeeded',
      deploymentStatus: 'Succeeded',
    }),
  )
  return [profile, group, ...origins]
}

const dataGroup = (region: RegionSpec) => rg(`rg-data-${region.short}`, region.subscription)
const spokeGroup = (region: RegionSpec) => rg(`rg-spoke-${region.short}`, region.subscription)
const pgServerId = (region: RegionSpec) => `${dataGroup(region)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-${region.short}`
const sqlServerId = (region: RegionSpec) => `${dataGroup(region)}/providers/Microsoft.Sql/servers/sql-app-${region.short}`

function postgres(region: RegionSpec, primary: RegionSpec | undefined, pgZoneId: string): ArmResource {
  const id = pgServerId(region)
  const replica = primary
    ? {role: 'GeoAsyncReplica', capacity: 0, replicationState: 'Active'}
    : {role: 'Primary', capacity: 5}
  return res(id, 'Microsoft.DBforPostgreSQL/flexibleServers', {
    administratorLogin: 'pgadmin',
    version: '16',
    state: 'Ready',
    fullyQualifiedDomainName: `pg-app-${region.short}.postgres.database.azure.com`,
    storage: {storageSizeGB: 128, autoGrow: 'Disabled', tier: 'P10'},
    backup: {backupRetentionDays: 7, geoRedundantBackup: 'Disabled'},
    network: {
      publicNetworkAccess: 'Disabled',
      delegatedSubnetResourceId: `${vnetId(region)}/subnets/snet-pg`,
      privateDnsZoneArmResourceId: pgZoneId,
    },
    highAvailability: {mode: primary ? 'Disabled' : 'ZoneRedundant', state: primary ? 'NotEnabled' : 'Healthy'},
    replicationRole: replica.role,
    replicaCapacity: replica.capacity,
    replica,
    ...(primary
      ? {sourceServerResourceId: pgServerId(primary)}
      : {}),
    availabilityZone: '1',
  }, {location: region.displayName, sku: {name: 'Standard_D4ds_v5', tier: 'GeneralPurpose'}, tags: {}})
}

function sqlServer(region: RegionSpec): ArmResource {
  return res(sqlServerId(region), 'Microsoft.Sql/servers', {
    administratorLogin: 'sqladmin',
    version: '12.0',
    state: 'Ready',
    fullyQualifiedDomainName: `sql-app-${region.short}.database.windows.net`,
    publicNetworkAccess: 'Disabled',
  }, {location: region.location, kind: 'v12.0'})
}

/** The failover group is stored once, under its primary server; the router presents it from either partner. */
function failoverGroup(primary: RegionSpec, secondary: RegionSpec): ArmResource {
  const primaryId = sqlServerId(primary)
  const secondaryId = sqlServerId(secondary)
  return res(`${primaryId}/failoverGroups/app-fog`, 'Microsoft.Sql/servers/failoverGroups', {
    readWriteEndpoint: {failoverPolicy: 'Automatic', failoverWithDataLossGracePeriodMinutes: 60},
    readOnlyEndpoint: {failoverPolicy: 'Disabled'},
    replicationRole: 'Primary',
    replicationState: 'CATCH_UP',
    partnerServers: [{id: secondaryId, location: secondary.displayName, replicationRole: 'Secondary'}],
    databases: [`${primaryId}/databases/appdb`],
  }, {location: primary.displayName, tags: {}, sandbox: {primaryId, secondaryId}})
}

const cosmosId = (home: RegionSpec) => `${dataGroup(home)}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-app`

function cosmos(home: RegionSpec, regions: RegionSpec[]): ArmResource {
  const id = cosmosId(home)
  const loc = (r: RegionSpec, priority: number) => ({
    id: `cosmos-app-${r.location}`,
    locationName: r.displayName,
    documentEndpoint: `https://cosmos-app-${r.location}.documents.azure.com:443/`,
    provisioningState: 'Succeeded',
    failoverPriority: priority,
    isZoneRedundant: false,
  })
  const locations = regions.map((r, i) => loc(r, i))
  return res(id, 'Microsoft.DocumentDB/databaseAccounts', {
    provisioningState: 'Succeeded',
    documentEndpoint: 'https://cosmos-app.documents.azure.com:443/',
    publicNetworkAccess: 'Disabled',
    enableAutomaticFailover: true,
    enableMultipleWriteLocations: false,
    databaseAccountOfferType: 'Standard',
    consistencyPolicy: {defaultConsistencyLevel: 'Session', maxIntervalInSeconds: 5, maxStalenessPrefix: 100},
    writeLocations: [locations[0]],
    readLocations: locations,
    locations,
    failoverPolicies: locations.map((l) => ({id: l.id, locationName: l.locationName, failoverPriority: l.failoverPriority})),
  }, {location: 'East US 2', kind: 'GlobalDocumentDB', tags: {}})
}

export const vnetId = (r: RegionSpec) => `${spokeGroup(r)}/providers/Microsoft.Network/virtualNetworks/vnet-spoke-${r.short}`

export function vnet(region: RegionSpec): ArmResource {
  return res(vnetId(region), 'Microsoft.Network/virtualNetworks', {
    addressSpace: {addressPrefixes: [`10.${region.octet}.0.0/16`]},
    provisioningState: 'Succeeded',
  }, {location: region.location})
}

/**
 * The region's vantages, in its spoke: a Linux VM, a scale set of two Linux instances and an AKS cluster, each able to
 * run a command inside the region's network (run command, command invoke) and so resolve its private names there.
 */
export function vantages(region: RegionSpec): ArmResource[] {
  const compute = `${spokeGroup(region)}/providers/Microsoft.Compute`
  const subnet = `${vnetId(region)}/subnets/snet-workload`
  const osDisk = (name: string) => ({osType: 'Linux', name, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: {storageAccountType: 'Premium_LRS'}, diskSizeGB: 30})
  const imageReference = {publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest'}
  const linux = (computerName: string) => ({computerName, adminUsername: 'azureuser', linuxConfiguration: {disablePasswordAuthentication: true, provisionVMAgent: true}})
  const vmName = `vm-probe-${region.short}`
  const vm = res(`${compute}/virtualMachines/${vmName}`, 'Microsoft.Compute/virtualMachines', {
    vmId: randomUUID(),
    hardwareProfile: {vmSize: 'Standard_B2s'},
    storageProfile: {imageReference, osDisk: osDisk(`${vmName}_OsDisk_1`), dataDisks: []},
    osProfile: linux(vmName),
    networkProfile: {networkInterfaces: [{id: `${spokeGroup(region)}/providers/Microsoft.Network/networkInterfaces/${vmName}-nic`}]},
    provisioningState: 'Succeeded',
  }, {location: region.location, tags: {}})
  const scaleSetName = `vmss-probe-${region.short}`
  const sku = {name: 'Standard_B2s', tier: 'Standard'}
  const scaleSet = res(`${compute}/virtualMachineScaleSets/${scaleSetName}`, 'Microsoft.Compute/virtualMachineScaleSets', {
    uniqueId: randomUUID(),
    orchestrationMode: 'Uniform',
    upgradePolicy: {mode: 'Manual'},
    virtualMachineProfile: {
      osProfile: {...linux(scaleSetName), computerNamePrefix: scaleSetName},
      storageProfile: {imageReference, osDisk: {osType: 'Linux', createOption: 'FromImage', caching: 'ReadWrite', managedDisk: {storageAccountType: 'Premium_LRS'}}},
      networkProfile: {networkInterfaceConfigurations: [{name: `${scaleSetName}-nic`, properties: {primary: true, ipConfigurations: [{name: 'ipconfig1', properties: {subnet: {id: subnet}}}]}}]},
    },
    provisioningState: 'Succeeded',
  }, {location: region.location, sku: {...sku, capacity: 2}, tags: {}})
  const instances = ['0', '1'].map((instanceId) =>
    res(`${scaleSet.id}/virtualMachines/${instanceId}`, 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines', {
      latestModelApplied: true,
      vmId: randomUUID(),
      hardwareProfile: {vmSize: sku.name},
      storageProfile: {imageReference, osDisk: osDisk(`${scaleSetName}_${instanceId}_OsDisk`)},
      osProfile: linux(`${scaleSetName}${instanceId.padStart(6, '0')}`),
      provisioningState: 'Succeeded',
    }, {name: `${scaleSetName}_${instanceId}`, location: region.location, sku, tags: {}}),
  )
  const clusterName = `aks-app-${region.short}`
  const cluster = res(`${spokeGroup(region)}/providers/Microsoft.ContainerService/managedClusters/${clusterName}`, 'Microsoft.ContainerService/ManagedClusters', {
    provisioningState: 'Succeeded',
    powerState: {code: 'Running'},
    kubernetesVersion: '1.33',
    currentKubernetesVersion: '1.33.2',
    dnsPrefix: clusterName,
    privateFQDN: `${clusterName}-${randomUUID().slice(0, 8)}.privatelink.${region.location}.azmk8s.io`,
    apiServerAccessProfile: {enablePrivateCluster: true},
    agentPoolProfiles: [{name: 'system', count: 2, vmSize: 'Standard_D4ds_v5', osType: 'Linux', osSKU: 'Ubuntu', mode: 'System', vnetSubnetID: subnet, provisioningState: 'Succeeded', powerState: {code: 'Running'}}],
    networkProfile: {networkPlugin: 'azure', serviceCidr: '172.16.0.0/16', dnsServiceIP: '172.16.0.10'},
    nodeResourceGroup: `MC_rg-spoke-${region.short}_${clusterName}_${region.location}`,
  }, {location: region.location, sku: {name: 'Base', tier: 'Standard'}, tags: {}})
  return [vm, scaleSet, ...instances, cluster]
}

export interface DemoOptions {
  /** one TTL for the steering layer and every private record (default: 10 s, the zone-group default) */
  ttl?: number
  /** run real PostgreSQL servers: their private A records then hold loopback addresses, which checks connect to */
  postgres?: boolean
  /** Azure-like timing of ARM requests and long-running operations (latency.ts) */
  latency?: 'none' | 'azure'
  /** lifetime of the access tokens the sandbox's Entra ID issues (default 3600) */
  tokenLifetimeSeconds?: number
}

const PG_LOOPBACK: Record<string, string> = {eus2: '127.0.20.1', wus2: '127.0.20.2'}

/**
 * Which subscription holds each part of an estate: one for the demo; in a hub-spoke landing zone (seed 000) the
 * private DNS zones sit in a connectivity subscription, steering in a shared-services one, and each region's workload
 * in its own (RegionSpec.subscription).
 */
export interface EstateLayout {
  /** the default subscription, served first */
  defaultSubscription: string
  /** private DNS zones: the global privatelink zones, each region's Cosmos DB zone, the CNAME's zone */
  connectivity: string
  /** Traffic Manager and Front Door */
  steering: string
  /** the first region is the primary of every data service */
  regions: [RegionSpec, RegionSpec]
}

export const DEMO_LAYOUT: EstateLayout = {defaultSubscription: DEMO_SUBSCRIPTION, connectivity: DEMO_SUBSCRIPTION, steering: DEMO_SUBSCRIPTION, regions: [REGIONS[0], REGIONS[1]]}

export function demoWorld(options: DemoOptions = {}): World {
  return estateWorld(DEMO_LAYOUT, options)
}

/** The estate the seeds describe, laid out over the layout's subscriptions. */
export function estateWorld(layout: EstateLayout, options: DemoOptions = {}): World {
  const ttl = options.ttl ?? DEMO_RECORD_TTL
  const resources: ArmResource[] = []
  const add = (...r: ArmResource[]) => resources.push(...r)
  const REGIONS = layout.regions
  const [eus2, wus2] = REGIONS
  const dns = layout.connectivity

  for (const region of REGIONS) add(vnet(region), ...vantages(region))

  // Global zones, linked to every region's spoke (seed 000, step 1).
  const globalZones = ['privatelink.vaultcore.azure.net', 'privatelink.database.windows.net', 'private.postgres.database.azure.com']
  const zoneId = (rgName: string, name: string) => `${rg(rgName, dns)}/providers/Microsoft.Network/privateDnsZones/${name}`
  for (const name of globalZones) {
    const z = zone('rg-connectivity-dns', name, dns)
    add(z, soa(z.id, name), ...REGIONS.map((r) => link(z.id, `link-spoke-${r.short}`, vnetId(r))))
  }
  // Cosmos DB: one zone per region, each linked only to its own region (seed 001).
  for (const region of REGIONS) {
    const name = 'privatelink.documents.azure.com'
    const z = zone(`rg-dns-${region.short}`, name, dns)
    add(z, soa(z.id, name), link(z.id, `link-spoke-${region.short}`, vnetId(region)))
  }

  const A = (zid: string, zname: string, name: string, ip: string) =>
    recordSet(zid, zname, 'A', name, ttl, {aRecords: [{ipv4Address: ip}]})
  for (const region of REGIONS) {
    const o = region.octet
    const kvZone = zoneId('rg-connectivity-dns', 'privatelink.vaultcore.azure.net')
    const sqlZone = zoneId('rg-connectivity-dns', 'privatelink.database.windows.net')
    const cosmosZone = zoneId(`rg-dns-${region.short}`, 'privatelink.documents.azure.com')
    const kvRecords = [{zoneId: kvZone, zoneName: 'privatelink.vaultcore.azure.net', name: `kv-app-${region.short}`, ip: `10.${o}.3.7`}]
    const sqlRecords = [{zoneId: sqlZone, zoneName: 'privatelink.database.windows.net', name: `sql-app-${region.short}`, ip: `10.${o}.2.4`}]
    const cosmosRecords = [
      {name: 'cosmos-app', ip: `10.${o}.4.5`},
      {name: `cosmos-app-${eus2.location}`, ip: `10.${o}.4.6`},
      {name: `cosmos-app-${wus2.location}`, ip: `10.${o}.4.7`},
    ].map((r) => ({...r, zoneId: cosmosZone, zoneName: 'privatelink.documents.azure.com'}))
    for (const r of [...kvRecords, ...sqlRecords, ...cosmosRecords]) add(A(r.zoneId, r.zoneName, r.name, r.ip))
    add(
      ...privateEndpoint(region, `pe-kv-app-${region.short}`, `${dataGroup(region)}/providers/Microsoft.KeyVault/vaults/kv-app-${region.short}`, 'vault', kvRecords, ttl),
      ...privateEndpoint(region, `pe-sqlfog-${region.short}`, sqlServerId(region), 'sqlServer', sqlRecords, ttl),
      ...privateEndpoint(region, `pe-cosmos-${region.short}`, cosmosId(eus2), 'Sql', cosmosRecords, ttl),
    )
  }

  // PostgreSQL: VNet-injected servers register their own A records; `prod` is the CNAME apps use (seed 004).
  const pgZoneName = 'private.postgres.database.azure.com'
  const pgZone = zoneId('rg-connectivity-dns', pgZoneName)
  const pgAddress = (r: RegionSpec) => (options.postgres ? PG_LOOPBACK[r.short] : `10.${r.octet}.5.4`)
  for (const region of REGIONS) add(A(pgZone, pgZoneName, `pg-app-${region.short}`, pgAddress(region)))
  add(recordSet(pgZone, pgZoneName, 'CNAME', 'prod', ttl, {cnameRecord: {cname: `pg-app-${eus2.short}.${pgZoneName}`}}))
  const pgServers = [postgres(eus2, undefined, pgZone), postgres(wus2, eus2, pgZone)]
  if (options.postgres) pgServers.forEach((server, i) => (server.sandbox = {address: PG_LOOPBACK[REGIONS[i].short]}))
  add(...pgServers)

  add(sqlServer(eus2), sqlServer(wus2), failoverGroup(eus2, wus2))
  add(cosmos(eus2, REGIONS))
  add(trafficManager(options.ttl ?? DEMO_STEERING_TTL, layout.steering), tmEndpoint(eus2, 1, layout.steering), tmEndpoint(wus2, 2, layout.steering))
  add(...frontDoor(REGIONS, layout.steering))

  // Public DNS: each PaaS name CNAMEs to its privatelink alias, as Azure's public zones do.
  const publicDns: Record<string, PublicRecord> = {}
  const cname = (from: string, to: string) => (publicDns[from] = {cname: to, ttl: 60})
  for (const region of REGIONS) {
    cname(`kv-app-${region.short}.vault.azure.net`, `kv-app-${region.short}.privatelink.vaultcore.azure.net`)
    cname(`sql-app-${region.short}.database.windows.net`, `sql-app-${region.short}.privatelink.database.windows.net`)
    cname(`pg-app-${region.short}.postgres.database.azure.com`, `pg-app-${region.short}.${pgZoneName}`)
    cname(`cosmos-app-${region.location}.documents.azure.com`, `cosmos-app-${region.location}.privatelink.documents.azure.com`)
    publicDns[`app-${region.short}.azurewebsites.net`] = {a: [`203.0.113.${region.octet}`], ttl: 60}
  }
  cname('cosmos-app.documents.azure.com', 'cosmos-app.privatelink.documents.azure.com')

  const others = [layout.connectivity, layout.steering, ...REGIONS.map((r) => r.subscription ?? DEMO_SUBSCRIPTION)].filter((s) => s !== layout.defaultSubscription)
  return {
    version: 1,
    tenantId: DEMO_TENANT,
    subscriptionId: layout.defaultSubscription,
    ...(others.length > 0 ? {subscriptions: [layout.defaultSubscription, ...new Set(others)]} : {}),
    settings: {lroMs: 400, lroRetryAfterSeconds: 1, ...(options.postgres ? {postgres: true} : {}), ...(options.latency === 'azure' ? {latency: 'azure'} : {}), ...(options.tokenLifetimeSeconds === undefined ? {} : {tokenLifetimeSeconds: options.tokenLifetimeSeconds})},
    regions: Object.fromEntries(
      REGIONS.map((r) => [r.short, regionInfo(r)]),
    ),
    resources: indexResources(resources),
    operations: {},
    publicDns,
    faults: [],
  }
}

export const regionInfo = (r: RegionSpec) => ({location: r.location, displayName: r.displayName, resolverAddress: r.resolverAddress, virtualNetworks: [vnetId(r)]})

/** Resources by lower-cased id, with each zone's record-set and link counts filled in. */
export function indexResources(resources: ArmResource[]): World['resources'] {
  const byId: World['resources'] = {}
  for (const r of resources) byId[key(r.id)] = r
  for (const z of resources.filter((r) => r.type === 'Microsoft.Network/privateDnsZones')) {
    const prefix = key(z.id) + '/'
    const kids = resources.filter((r) => key(r.id).startsWith(prefix))
    z.properties.numberOfRecordSets = kids.filter((r) => !r.type.endsWith('virtualNetworkLinks')).length
    z.properties.numberOfVirtualNetworkLinks = kids.filter((r) => r.type.endsWith('virtualNetworkLinks')).length
  }
  return byId
}
