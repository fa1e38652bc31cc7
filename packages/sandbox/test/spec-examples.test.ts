// Fidelity, pinned to Azure's own REST API spec examples (github.com/Azure/azure-rest-api-specs): each test replays the
// request an example shows and checks the answer the example shows, by class — updates, names, ARM error codes,
// long-running operations, details, api-versions — rather than azfail's own expectations.
import assert from 'node:assert/strict'
import {after, afterEach, before, beforeEach, describe, it} from 'node:test'
import {API_VERSIONS, armRoutes} from '../src/arm/index.ts'
import {SUB_PATH, type TestSandbox, startTestSandbox} from './helpers.ts'

const RG_DNS = 'rg-connectivity-dns'
const PG_ZONE = 'private.postgres.database.azure.com'
const ORIGIN = '/resourceGroups/rg-global/providers/Microsoft.Cdn/profiles/fd-app/originGroups/og-app/origins/origin-wus2'
const PG_REPLICA = '/resourceGroups/rg-data-wus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2'

/** Follows a 201/202's Azure-AsyncOperation URL until the operation ends; returns its final status. */
async function untilDone(sb: TestSandbox, headers: Record<string, unknown>): Promise<string> {
  const url = new URL(String(headers['azure-asyncoperation']))
  for (;;) {
    const r = await sb.raw('GET', url.pathname + url.search)
    if (r.body.status !== 'InProgress') return r.body.status
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const json = (body: unknown) => ({body: JSON.stringify(body)})

describe('spec examples: updates accept every updatable property and store it', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('updates a Front Door origin with enforceCertificateNameCheck and the newer certificate-subject properties', async () => {
    // specification/cdn/resource-manager/Microsoft.Cdn/Cdn/examples/2026-07-01/AFDOrigins_Update_CustomCertificateSubject.json
    const path = `${SUB_PATH(sb)}${ORIGIN}?api-version=2026-07-01`
    const requested = {
      certificateNameCheckValidationMode: 'CustomCertificateSubject',
      customCertificateSubjects: ['host1.foo.com', '*.foo.com'],
      enabledState: 'Enabled',
      enforceCertificateNameCheck: true,
      hostName: 'host1.blob.core.windows.net',
      httpPort: 80,
      httpsPort: 443,
      originHostHeader: 'host1.foo.com',
    }
    const accepted = await sb.raw('PATCH', path, json({properties: requested}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    assert.equal(await untilDone(sb, accepted.headers), 'Succeeded')
    const stored = (await sb.raw('GET', path)).body.properties
    for (const [k, v] of Object.entries(requested)) assert.deepEqual(stored[k], v, k)
    assert.equal(stored.provisioningState, 'Succeeded')
  })

  it('updates an origin through the SDK with enforceCertificateNameCheck beside enabledState, as the Python model sends it', async () => {
    // specification/cdn/resource-manager/Microsoft.Cdn/stable/2021-06-01/examples/AFDOrigins_Update.json (response carries enforceCertificateNameCheck)
    const cdn = await sb.clients.frontDoor()
    const done = await cdn.afdOrigins.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Disabled', enforceCertificateNameCheck: false})
    assert.deepEqual([done.enabledState, done.enforceCertificateNameCheck], ['Disabled', false])
  })

  it('updates a PostgreSQL server: sku, storage, backup, and a write-only password that is never returned', async () => {
    // specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/stable/2022-12-01/examples/ServerUpdate.json
    const path = `${SUB_PATH(sb)}/resourceGroups/rg-data-eus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-eus2?api-version=2022-12-01`
    const accepted = await sb.raw('PATCH', path, json({
      sku: {tier: 'GeneralPurpose', name: 'Standard_D8s_v3'},
      properties: {administratorLoginPassword: 'newpassword', createMode: 'Update', storage: {storageSizeGB: 1024}, backup: {backupRetentionDays: 20}},
    }))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    assert.ok(accepted.headers['azure-asyncoperation'] && accepted.headers.location, 'Azure-AsyncOperation and Location, as the example shows')
    assert.equal(await untilDone(sb, accepted.headers), 'Succeeded')
    const server = (await sb.raw('GET', path)).body
    assert.deepEqual(server.sku, {tier: 'GeneralPurpose', name: 'Standard_D8s_v3'})
    assert.equal(server.properties.storage.storageSizeGB, 1024)
    assert.equal(server.properties.storage.tier, 'P10', 'a PATCH merges: what it does not name stays')
    assert.equal(server.properties.backup.backupRetentionDays, 20)
    assert.equal(server.properties.state, 'Ready')
    assert.equal(server.properties.administratorLoginPassword, undefined)
    assert.equal(server.properties.createMode, undefined)
  })
})

describe('spec examples: PostgreSQL promotion to standalone', () => {
  let sb: TestSandbox
  beforeEach(async () => (sb = await startTestSandbox()))
  afterEach(() => sb.stop())

  it("promotes with the older PATCH replicationRole 'None' that azure-cli's stop-replication sends", async () => {
    // Request: ServerForPatch.properties.replicationRole, as specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/stable/2022-12-01/examples/ServerUpdate.json
    // patches a server; result: specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/preview/2023-06-01-preview/examples/PromoteReplicaAsForcedStandaloneServer.json
    const path = `${SUB_PATH(sb)}${PG_REPLICA}?api-version=2022-12-01`
    const accepted = await sb.raw('PATCH', path, json({properties: {replicationRole: 'None'}}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    assert.equal(await untilDone(sb, accepted.headers), 'Succeeded')
    const alone = (await sb.raw('GET', path)).body.properties
    assert.deepEqual(alone.replica, {role: 'None', capacity: 0})
    assert.deepEqual([alone.replicationRole, alone.replicaCapacity, alone.sourceServerResourceId], ['None', 0, undefined])
    const otherRole = await sb.raw('PATCH', path, json({properties: {replicationRole: 'AsyncReplica'}}))
    assert.equal(otherRole.status, 400, "a role other than 'None' is not something an update can set")
  })

  it('promotes as forced standalone through the SDK: 202 without a body, then no replica capacity', async () => {
    // specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/stable/2025-08-01/examples/ServersPromoteReplicaAsForcedStandaloneServer.json (202, headers only)
    // specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/preview/2023-06-01-preview/examples/PromoteReplicaAsForcedStandaloneServer.json (replica: role None, capacity 0)
    sb.mark()
    const pg = await sb.clients.postgres()
    const alone = await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Standalone', promoteOption: 'Forced'}})
    assert.deepEqual([alone.replica?.role, alone.replica?.capacity, alone.replicaCapacity], ['None', 0, 0])
    assert.equal(sb.requests()[0].status, 202)
  })
})

describe('spec examples: names', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('stores a private DNS record set under its lower-cased name and finds it by any case', async () => {
    // specification/privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/examples/RecordSetAPut.json
    const zone = `${SUB_PATH(sb)}/resourceGroups/${RG_DNS}/providers/Microsoft.Network/privateDnsZones/${PG_ZONE}`
    const created = await sb.raw('PUT', `${zone}/A/recordA?api-version=2024-06-01`, json({properties: {metadata: {key1: 'value1'}, ttl: 3600, aRecords: [{ipv4Address: '1.2.3.4'}]}}))
    assert.equal(created.status, 201)
    assert.equal(created.body.name, 'recorda')
    assert.match(created.body.id, /\/A\/recorda$/)
    assert.equal(created.body.properties.fqdn, `recorda.${PG_ZONE}.`)
    assert.deepEqual(created.body.properties.metadata, {key1: 'value1'})
    const again = await sb.raw('PUT', `${zone}/A/RECORDA?api-version=2024-06-01`, json({properties: {ttl: 60, aRecords: [{ipv4Address: '1.2.3.5'}]}}))
    assert.deepEqual([again.status, again.body.name], [200, 'recorda'], 'the same record set, whatever the case')
    const dns = await sb.clients.privateDns()
    assert.equal((await dns.recordSets.get(RG_DNS, PG_ZONE, 'A', 'RecordA')).aRecords?.[0].ipv4Address, '1.2.3.5')
  })

  it('takes a Cosmos DB failover priority change by location names in their short form', async () => {
    // specification/cosmos-db/resource-manager/Microsoft.DocumentDB/stable/2024-11-15/examples/CosmosDBDatabaseAccountFailoverPriorityChange.json
    const path = `${SUB_PATH(sb)}/resourceGroups/rg-data-eus2/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-app/failoverPriorityChange?api-version=2024-11-15`
    const accepted = await sb.raw('POST', path, json({failoverPolicies: [{locationName: 'westus2', failoverPriority: 0}, {locationName: 'eastus2', failoverPriority: 1}]}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    assert.equal(await untilDone(sb, accepted.headers), 'Succeeded')
    const cosmos = await sb.clients.cosmos()
    const account = await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')
    assert.equal(account.writeLocations?.[0].locationName, 'West US 2')
  })
})

describe('spec examples: ARM error codes', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('answers a record set PUT into a zone that does not exist with ParentResourceNotFound', async () => {
    // specification/privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/examples/RecordSetAPut.json, into a missing zone
    const path = `${SUB_PATH(sb)}/resourceGroups/${RG_DNS}/providers/Microsoft.Network/privateDnsZones/privatezone1.com/A/recordA?api-version=2024-06-01`
    const r = await sb.raw('PUT', path, json({properties: {ttl: 3600, aRecords: [{ipv4Address: '1.2.3.4'}]}}))
    assert.equal(r.status, 404)
    assert.deepEqual(r.body, {error: {code: 'ParentResourceNotFound', message: "Can not perform requested operation on nested resource. Parent resource 'privatezone1.com' not found."}})
    const dns = await sb.clients.privateDns()
    await assert.rejects(dns.recordSets.createOrUpdate(RG_DNS, 'privatezone1.com', 'A', 'recordA', {ttl: 3600}), (e: any) => e.statusCode === 404 && e.code === 'ParentResourceNotFound')
    const origin = await sb.raw('GET', `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Cdn/profiles/fd-nope/originGroups/og-app/origins/origin-eus2?api-version=2024-02-01`)
    assert.deepEqual([origin.status, origin.body.error.code], [404, 'ParentResourceNotFound'], 'any nested resource: an origin of a missing profile')
  })

  it('answers a resource group the subscription does not hold with ResourceGroupNotFound', async () => {
    // specification/trafficmanager/resource-manager/Microsoft.Network/TrafficManager/examples/2022-04-01/Profile-GET-WithTrafficViewEnabled.json, in a missing resource group
    const r = await sb.raw('GET', `${SUB_PATH(sb)}/resourceGroups/azuresdkfornetautoresttrafficmanager1323/providers/Microsoft.Network/trafficmanagerprofiles/tm-app?api-version=2022-04-01`)
    assert.equal(r.status, 404)
    assert.deepEqual(r.body, {error: {code: 'ResourceGroupNotFound', message: "Resource group 'azuresdkfornetautoresttrafficmanager1323' could not be found."}})
    const tm = await sb.clients.trafficManager()
    await assert.rejects(tm.endpoints.update('rg-nope', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'}), (e: any) => e.statusCode === 404 && e.code === 'ResourceGroupNotFound')
    const pg = await sb.clients.postgres()
    assert.equal((await pg.servers.get('RG-DATA-EUS2', 'PG-APP-EUS2')).name, 'pg-app-eus2', 'resource group and resource names are case-insensitive')
  })

  it('answers every route under a subscription it does not hold with SubscriptionNotFound', async () => {
    // Every operation's example, e.g. specification/sql/resource-manager/Microsoft.Sql/stable/2023-08-01/examples/FailoverGroupGet.json,
    // addressed to subscription 00000000-1111-2222-3333-444444444444
    const sub = '00000000-1111-2222-3333-444444444444'
    const routes = armRoutes({world: {} as any, dirty: false})
    assert.ok(routes.length > 30)
    // GET /subscriptions is the tenant's list, under no subscription
    for (const r of routes.filter((route) => route.template.includes('{sub}'))) {
      const path = r.template.replace('{sub}', sub).replace(/\{(\w+)\}/g, (_m, name) => (name === 'recordType' ? 'A' : name === 'endpointType' ? 'azureEndpoints' : `x-${name}`))
      const res = await sb.raw(r.method, `${path}?api-version=${r.apiVersions[0]}`, r.method === 'GET' || r.method === 'DELETE' ? {} : json({properties: {}}))
      assert.deepEqual([res.status, res.body?.error?.code], [404, 'SubscriptionNotFound'], `${r.method} ${r.template}`)
      assert.equal(res.body.error.message, `The subscription '${sub}' could not be found.`)
    }
  })
})

describe('spec examples: the subscriptions a principal can list', () => {
  it("GET /subscriptions lists the sandbox's subscriptions, as Microsoft.Resources answers it (SubscriptionListResult)", async () => {
    const sb = await startTestSandbox()
    try {
      const r = await sb.raw('GET', '/subscriptions?api-version=2022-12-01')
      assert.equal(r.status, 200)
      assert.deepEqual(r.body.value.map((s: any) => [s.id, s.subscriptionId, s.state]), [[SUB_PATH(sb), sb.connection.subscriptionId, 'Enabled']])
      assert.equal(r.body.count.value, 1)
    } finally {
      await sb.stop()
    }
  })
})

describe('spec examples: long-running operations answer with the requested state', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('shows the requested origin, provisioningState Updating, in the 202 body', async () => {
    // specification/cdn/resource-manager/Microsoft.Cdn/stable/2021-06-01/examples/AFDOrigins_Update.json (the 202 body)
    const path = `${SUB_PATH(sb)}${ORIGIN}?api-version=2021-06-01`
    const accepted = await sb.raw('PATCH', path, json({properties: {hostName: 'host1.blob.core.windows.net', httpPort: 80, httpsPort: 443, enabledState: 'Disabled'}}))
    assert.equal(accepted.status, 202)
    assert.ok(accepted.headers['azure-asyncoperation'])
    const p = accepted.body.properties
    assert.deepEqual([p.hostName, p.httpPort, p.httpsPort, p.enabledState, p.provisioningState], ['host1.blob.core.windows.net', 80, 443, 'Disabled', 'Updating'])
    assert.equal(p.enforceCertificateNameCheck, true, 'what the update does not name is as it was')
    assert.equal(await untilDone(sb, accepted.headers), 'Succeeded')
    assert.equal((await sb.raw('GET', path)).body.properties.enabledState, 'Disabled')
  })
})

describe('spec examples: details', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it("lists a failover group's databases under the server that answers, before and after a failover", async () => {
    // specification/sql/resource-manager/Microsoft.Sql/stable/2023-08-01/examples/FailoverGroupGet.json
    // specification/sql/resource-manager/Microsoft.Sql/stable/2023-08-01/examples/FailoverGroupFailover.json
    const sql = await sb.clients.sql()
    const server = (rg: string, name: string) => `/subscriptions/${sb.connection.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Sql/servers/${name}`
    const fromSecondary = await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.deepEqual(fromSecondary.databases, [`${server('rg-data-wus2', 'sql-app-wus2')}/databases/appdb`])
    const failedOver = await sql.failoverGroups.beginFailoverAndWait('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.equal(failedOver.id, `${server('rg-data-wus2', 'sql-app-wus2')}/failoverGroups/app-fog`)
    assert.equal(failedOver.replicationRole, 'Primary')
    assert.deepEqual(failedOver.databases, [`${server('rg-data-wus2', 'sql-app-wus2')}/databases/appdb`])
    const fromOldPrimary = await sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog')
    assert.deepEqual([fromOldPrimary.replicationRole, fromOldPrimary.databases], ['Secondary', [`${server('rg-data-eus2', 'sql-app-eus2')}/databases/appdb`]])
  })
})

describe('spec examples: api-versions', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('serves the versions published SDKs and the CLI send by default', async () => {
    const at = (path: string, v: string) => sb.raw('GET', `${SUB_PATH(sb)}${path}?api-version=${v}`)
    // specification/trafficmanager/resource-manager/Microsoft.Network/preview/2022-04-01-preview/examples/Profile-GET-ByResourceGroup.json
    assert.equal((await at('/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles', '2022-04-01-preview')).status, 200)
    // specification/network/resource-manager/Microsoft.Network/stable/2022-07-01/examples/PrivateEndpointGet.json
    assert.equal((await at('/resourceGroups/rg-spoke-eus2/providers/Microsoft.Network/privateEndpoints/pe-kv-app-eus2', '2022-07-01')).status, 200)
    // specification/cdn/resource-manager/Microsoft.Cdn/stable/2021-06-01/examples/AFDOrigins_Get.json
    assert.equal((await at(ORIGIN, '2021-06-01')).status, 200)
    // specification/cosmos-db/resource-manager/Microsoft.DocumentDB/preview/2022-08-15-preview/examples/CosmosDBDatabaseAccountGet.json
    assert.equal((await at('/resourceGroups/rg-data-eus2/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-app', '2022-08-15-preview')).status, 200)
  })

  it("serves every version in each provider's list, on every route of that provider, and refuses one Azure never published", async () => {
    const probe: Record<keyof typeof API_VERSIONS, string> = {
      trafficManager: '/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app',
      cdn: ORIGIN,
      privateDns: `/resourceGroups/${RG_DNS}/providers/Microsoft.Network/privateDnsZones/${PG_ZONE}/CNAME/prod`,
      network: '/resourceGroups/rg-spoke-eus2/providers/Microsoft.Network/privateEndpoints/pe-kv-app-eus2/privateDnsZoneGroups/default',
      postgres: PG_REPLICA,
      sql: '/resourceGroups/rg-data-eus2/providers/Microsoft.Sql/servers/sql-app-eus2/failoverGroups/app-fog',
      cosmos: '/resourceGroups/rg-data-eus2/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-app',
      permissions: '/resourceGroups/rg-global/providers/Microsoft.Authorization/permissions',
      locks: '/resourceGroups/rg-global/providers/Microsoft.Authorization/locks',
      // specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/examples/GetActivityLogsFiltered.json
      activityLog: `/providers/Microsoft.Insights/eventtypes/management/values?$filter=${encodeURIComponent("eventTimestamp ge '2015-01-21T20:00:00Z' and resourceGroupName eq 'rg-global'")}`,
      compute: '/resourceGroups/rg-spoke-eus2/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-probe-eus2/virtualMachines/1',
      containerService: '/resourceGroups/rg-spoke-wus2/providers/Microsoft.ContainerService/managedClusters/aks-app-wus2',
    }
    const withVersion = (path: string, v: string) => `${SUB_PATH(sb)}${path}${path.includes('?') ? '&' : '?'}api-version=${v}`
    for (const [provider, versions] of Object.entries(API_VERSIONS) as Array<[keyof typeof API_VERSIONS, readonly string[]]>) {
      assert.ok(versions.some((v) => v <= '2021-06-01'), `${provider}: back to 2021`)
      for (const v of versions) assert.equal((await sb.raw('GET', withVersion(probe[provider], v))).status, 200, `${provider} ${v}`)
      const never = await sb.raw('GET', withVersion(probe[provider], '2019-13-01'))
      assert.deepEqual([never.status, never.body.error.code], [400, 'NoRegisteredProviderFound'])
    }
  })
})

describe('spec examples: the whole-body updates and lists the Azure CLI sends', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('creates a Traffic Manager profile with its endpoints, then takes the same PUT again as an update (Profiles_CreateOrUpdate)', async () => {
    // specification/trafficmanager/resource-manager/Microsoft.Network/stable/2022-04-01/examples/Profile-PUT-WithEndpoints.json,
    // into rg-global (the example's resource group is not in the world). Its FQDN is under Azure's test zone; the
    // sandbox's is under trafficmanager.net. Its monitor statuses are Azure's first answer, before any probe
    // (CheckingEndpoint[s]); the sandbox runs no probes, so a new endpoint is Online at once.
    const name = 'azuresdkfornetautoresttrafficmanager6192'
    const parameters = {
      location: 'global',
      profileStatus: 'Enabled' as const,
      trafficRoutingMethod: 'Performance' as const,
      dnsConfig: {relativeName: name, ttl: 35},
      monitorConfig: {path: '/testpath.aspx', intervalInSeconds: 10, port: 80, timeoutInSeconds: 5, toleratedNumberOfFailures: 2, protocol: 'HTTP' as const},
      endpoints: [{name: 'My external endpoint', type: 'Microsoft.network/TrafficManagerProfiles/ExternalEndpoints', endpointLocation: 'North Europe', endpointStatus: 'Enabled' as const, target: 'foobar.contoso.com'}],
    }
    const tm = await sb.clients.trafficManager()
    sb.mark()
    for (const expected of [201, 200]) {
      const p = await tm.profiles.createOrUpdate('rg-global', name, parameters)
      const id = `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/${name}`
      assert.deepEqual([p.id, p.name, p.type, p.location], [id, name, 'Microsoft.Network/trafficManagerProfiles', 'global'])
      assert.deepEqual([p.profileStatus, p.trafficRoutingMethod, p.dnsConfig], ['Enabled', 'Performance', {relativeName: name, fqdn: `${name}.trafficmanager.net`, ttl: 35}])
      const {profileMonitorStatus, ...monitor} = p.monitorConfig!
      assert.deepEqual([monitor, profileMonitorStatus], [parameters.monitorConfig, 'Online'])
      assert.deepEqual(p.endpoints?.map(({endpointMonitorStatus: _m, ...e}) => e), [{
        id: `${id}/externalEndpoints/My external endpoint`,
        name: 'My external endpoint',
        type: 'Microsoft.Network/trafficManagerProfiles/externalEndpoints',
        endpointLocation: 'North Europe',
        endpointStatus: 'Enabled',
        priority: 1,
        target: 'foobar.contoso.com',
        weight: 1,
      }])
      assert.equal(sb.requests().at(-1)?.status, expected)
    }
    // the endpoint the PUT made is a resource of its own, as Endpoint-GET-External-WithLocation.json reads one
    assert.equal((await tm.endpoints.get('rg-global', name, 'ExternalEndpoints', 'My external endpoint')).target, 'foobar.contoso.com')
  })

  it("lists a PostgreSQL server's read replicas (Replicas_ListByServer) through the SDK and at az 2.45's api-version", async () => {
    // specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/stable/2022-12-01/examples/ReplicasListByServer.json
    const pg = await sb.clients.postgres()
    const replicas = []
    for await (const r of pg.replicas.listByServer('rg-data-eus2', 'pg-app-eus2')) replicas.push(r)
    assert.deepEqual(replicas.map((r) => [r.id, r.name, r.type, r.location, r.replicationRole, r.replicaCapacity, r.state]), [
      [`${SUB_PATH(sb)}${PG_REPLICA}`, 'pg-app-wus2', 'Microsoft.DBforPostgreSQL/flexibleServers', 'West US 2', 'GeoAsyncReplica', 0, 'Ready'],
    ])
    const raw = await sb.raw('GET', `${SUB_PATH(sb)}/resourceGroups/rg-data-eus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-eus2/replicas?api-version=2022-12-01`)
    assert.equal(raw.status, 200)
    const [item] = raw.body.value
    // every field the example shows for a replica (those of the server, sku, tags, the replication role and capacity)
    for (const k of ['sku', 'properties', 'location', 'tags', 'id', 'name', 'type']) assert.ok(k in item, k)
    for (const k of ['fullyQualifiedDomainName', 'version', 'administratorLogin', 'state', 'availabilityZone', 'storage', 'backup', 'network', 'highAvailability', 'replicationRole', 'replicaCapacity']) assert.ok(k in item.properties, k)
    assert.deepEqual(sb.requests().filter((r) => r.path.endsWith('/replicas')).map((r) => [r.apiVersion, r.status]), [['2025-08-01', 200], ['2022-12-01', 200]])

    const none = []
    for await (const r of pg.replicas.listByServer('rg-data-wus2', 'pg-app-wus2')) none.push(r)
    assert.deepEqual(none, [], 'a replica has no replicas of its own')
    await assert.rejects(pg.replicas.listByServer('rg-data-eus2', 'pg-nope').next(), (e: any) => e.statusCode === 404)
  })
})

describe('spec examples: vantages (VM and scale-set instance run command, AKS command invoke)', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())
  const spoke = (region: string) => `${SUB_PATH(sb)}/resourceGroups/rg-spoke-${region}/providers`
  /** Polls a Location until it answers other than 202. */
  const settled = async (location: unknown) => {
    const url = new URL(String(location))
    for (;;) {
      const r = await sb.raw('GET', url.pathname + url.search)
      if (r.status !== 202) return r
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const succeeded = (stdout: string, stderr = '') => ({value: [
    {code: 'ComponentStatus/StdOut/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: stdout},
    {code: 'ComponentStatus/StdErr/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: stderr},
  ]})

  it('runs a VM command: 202 with a Location at locations/{l}/operations/{id}?monitor=true, then the two statuses', async () => {
    // specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-11-01/examples/runCommandExamples/VirtualMachineRunCommand.json,
    // with RunShellScript, the Linux VM's command (the example's RunPowerShellScript is Windows')
    const accepted = await sb.raw('POST', `${spoke('eus2')}/Microsoft.Compute/virtualMachines/vm-probe-eus2/runCommand?api-version=2024-11-01`, json({commandId: 'RunShellScript', script: ['echo This is a sample script with parameters value1 value2']}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    assert.match(String(accepted.headers.location), /\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/eastus2\/operations\/[^/?]+\?monitor=true&api-version=2024-11-01$/)
    const done = await settled(accepted.headers.location)
    assert.deepEqual([done.status, done.body], [200, succeeded('This is a sample script with parameters value1 value2\n')])
  })

  it('runs a command on a scale-set instance, with the same answers', async () => {
    // specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-11-01/examples/runCommandExamples/VirtualMachineScaleSetVMRunCommand.json (RunShellScript, as above)
    const accepted = await sb.raw('POST', `${spoke('eus2')}/Microsoft.Compute/virtualMachineScaleSets/vmss-probe-eus2/virtualMachines/0/runCommand?api-version=2024-11-01`, json({commandId: 'RunShellScript', script: ["echo 'Hello World!'"]}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    const done = await settled(accepted.headers.location)
    assert.deepEqual([done.status, done.body], [200, succeeded('Hello World!\n')])
  })

  it('runs an AKS command: 202 with a Location at commandResults/{id}, which answers 202 without a body, then the result', async () => {
    // specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-10-01/examples/RunCommandRequest.json and RunCommandResultSucceed.json
    const cluster = `${spoke('wus2')}/Microsoft.ContainerService/managedClusters/aks-app-wus2`
    const accepted = await sb.raw('POST', `${cluster}/runCommand?api-version=2025-10-01`, json({command: '/bin/sleep 1; echo namespace dummy created', context: '', clusterToken: ''}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    const m = new RegExp(`^${sb.connection.armEndpoint}${cluster}/commandResults/([^/?]+)\\?api-version=2025-10-01$`).exec(String(accepted.headers.location))
    assert.ok(m, String(accepted.headers.location))
    const running = await sb.raw('GET', `${cluster}/commandResults/${m[1]}?api-version=2025-10-01`)
    assert.deepEqual([running.status, running.body], [202, undefined])
    const done = await settled(accepted.headers.location)
    assert.equal(done.status, 200)
    const {startedAt, finishedAt, ...rest} = done.body.properties
    assert.deepEqual([done.body.id, rest], [m[1], {provisioningState: 'Succeeded', exitCode: 0, logs: 'namespace dummy created\n'}])
    assert.ok(Date.parse(startedAt) <= Date.parse(finishedAt))
  })

  it('answers an AKS command whose pod failed with provisioningState Failed and its reason', async () => {
    // specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-10-01/examples/RunCommandResultFailed.json
    await sb.control('POST', 'vantage', {region: 'eus2', behaviour: 'fail'})
    try {
      const accepted = await sb.raw('POST', `${spoke('eus2')}/Microsoft.ContainerService/managedClusters/aks-app-eus2/runCommand?api-version=2025-10-01`, json({command: 'kubectl apply -f ns.yaml', context: '', clusterToken: ''}))
      const done = await settled(accepted.headers.location)
      assert.deepEqual([done.status, done.body.properties.provisioningState, done.body.properties.reason], [200, 'Failed', 'ImagePullBackoff'])
    } finally {
      await sb.control('DELETE', 'vantage')
    }
  })
})
