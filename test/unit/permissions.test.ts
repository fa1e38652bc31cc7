// The permissions guard's parts that need no Azure: RBAC matching as Azure does it, the actions and scopes a plan
// needs (derived from the step registry and the runbook), and the production credential's choice of chain.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {cloudEndpoints, productionCredential, unpinnedChain} from '../../src/azure/credential.ts'
import {resolverOverrides} from '../../src/azure/target.ts'
import {allows, describeMissing, permissionsVerdict} from '../../src/guards/permissions.ts'
import {loadRunbook} from '../../src/runbook/load.ts'
import {neededPermissions, stepKindsOf} from '../../src/steps/permissions.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const demo = loadRunbook(join(ROOT, 'runbooks', 'demo.yaml')).runbook.estate
const SUB = demo.subscription!
const rg = (g: string) => `/subscriptions/${SUB}/resourceGroups/${g}`

describe('RBAC matching', () => {
  it('grants by wildcard, ignores case, and lets notActions take away within the same entry', () => {
    const reader = [{actions: ['*/read'], notActions: []}]
    assert.ok(allows(reader, 'Microsoft.Network/privateDnsZones/TXT/read'))
    assert.ok(!allows(reader, 'Microsoft.Network/privateDnsZones/TXT/write'))
    const network = [{actions: ['Microsoft.Network/*'], notActions: ['microsoft.network/privatednszones/*/delete']}]
    assert.ok(allows(network, 'microsoft.network/trafficmanagerprofiles/azureendpoints/write'))
    assert.ok(!allows(network, 'Microsoft.Network/privateDnsZones/TXT/delete'))
    assert.ok(!allows(network, 'Microsoft.Cdn/profiles/originGroups/origins/write'))
    // another role assignment that grants it back wins: Azure's effective permissions are a union of entries
    assert.ok(allows([...network, {actions: ['Microsoft.Network/privateDnsZones/TXT/delete'], notActions: []}], 'Microsoft.Network/privateDnsZones/TXT/delete'))
    assert.ok(!allows([], 'Microsoft.Network/privateDnsZones/TXT/read'))
  })

  it('names each missing action with its scopes and what needs it', () => {
    const judged = [
      {action: 'A/write', scope: '/s/1', for: 'drainSteering', allowed: false, readAt: '/s/1'},
      {action: 'A/write', scope: '/s/2', for: 'drainSteering', allowed: false, readAt: '/s/2'},
      {action: 'B/read', scope: '/s/1', for: "the run's reads", allowed: true, readAt: '/s/1'},
    ]
    assert.deepEqual(describeMissing(judged), ['A/write at /s/1, /s/2 (for drainSteering)'])
    const v = permissionsVerdict(judged, 'app x')
    assert.equal(v.guard, 'permissions')
    assert.equal(v.ok, false)
    assert.match(v.observed, /app x lacks 1 action the plan needs: A\/write at \/s\/1, \/s\/2/)
    assert.equal(permissionsVerdict(judged.filter((j) => j.allowed), 'app x').ok, true)
  })
})

describe('what a plan needs, and where', () => {
  const has = (needs: Array<{action: string; scope: string}>, action: string, scope: string) => needs.some((n) => n.action === action && n.scope === scope)

  it('drain: the steering writes at each profile, the drain record and the lock on the state zone, its reads, Front Door polling', () => {
    const needs = neededPermissions(stepKindsOf('drain'), {estate: demo, subscriptionId: SUB, params: {region: 'eus2'}})
    const tm = `${rg('rg-global')}/providers/Microsoft.Network/trafficManagerProfiles/tm-app`
    const fd = `${rg('rg-global')}/providers/Microsoft.Cdn/profiles/fd-app`
    const zone = `${rg('rg-connectivity-dns')}/providers/Microsoft.Network/privateDnsZones/private.postgres.database.azure.com`
    assert.ok(has(needs, 'Microsoft.Network/trafficManagerProfiles/azureEndpoints/write', tm))
    assert.ok(has(needs, 'Microsoft.Cdn/profiles/originGroups/origins/write', fd))
    assert.ok(has(needs, 'Microsoft.Network/privateDnsZones/TXT/write', zone))
    assert.ok(has(needs, 'Microsoft.Network/privateDnsZones/TXT/delete', zone))
    assert.ok(has(needs, 'Microsoft.Network/privateDnsZones/TXT/read', zone))
    assert.ok(has(needs, 'Microsoft.Network/trafficManagerProfiles/read', tm))
    assert.ok(!needs.some((n) => n.action === 'Microsoft.Network/privateEndpoints/read'), "the TTLs come from the zones: nothing of the drained region's own providers")
    assert.ok(has(needs, 'Microsoft.Cdn/locations/operationStatuses/read', rg('rg-global')), 'polling is judged at the resource group of the resource the operation changes')
    assert.ok(!has(needs, 'Microsoft.Cdn/locations/operationStatuses/read', fd), 'not at the resource: an assignment there does not let the caller poll')
    assert.ok(!needs.some((n) => n.action === 'Microsoft.Network/locations/operationStatuses/read'), 'a drain polls no Network operation')
    assert.ok(!needs.some((n) => n.action === 'Microsoft.Network/privateEndpoints/delete'), 'a drain deletes nothing')
  })

  it('a dry run or a run with nothing to change needs no lock; an external Traffic Manager endpoint its own action', () => {
    const reads = neededPermissions([], {estate: demo, subscriptionId: SUB, params: {region: 'eus2'}}, {changes: false})
    assert.ok(reads.every((n) => n.action.endsWith('/read')), reads.map((n) => n.action).join())
    const external = {...demo, steering: {...demo.steering, trafficManager: {...demo.steering.trafficManager!, endpointType: 'ExternalEndpoints' as const}}}
    const needs = neededPermissions(['drainSteering'], {estate: external, subscriptionId: SUB, params: {region: 'eus2'}})
    assert.ok(needs.some((n) => n.action === 'Microsoft.Network/trafficManagerProfiles/externalEndpoints/write'))
    assert.ok(!needs.some((n) => n.action.includes('azureEndpoints')))
  })

  it('promotions write only the target server; --forced needs the forced failover and not the planned one', () => {
    const pg = neededPermissions(stepKindsOf('promote-replica'), {estate: demo, subscriptionId: SUB, params: {to: 'wus2'}})
    assert.deepEqual(
      pg.filter((n) => n.action === 'Microsoft.DBforPostgreSQL/flexibleServers/write').map((n) => n.scope),
      [`${rg('rg-data-wus2')}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`],
    )
    assert.ok(has(pg, 'Microsoft.Network/privateDnsZones/CNAME/write', `${rg('rg-connectivity-dns')}/providers/Microsoft.Network/privateDnsZones/private.postgres.database.azure.com`))
    const fog = `${rg('rg-data-wus2')}/providers/Microsoft.Sql/servers/sql-app-wus2/failoverGroups/app-fog`
    const planned = neededPermissions(stepKindsOf('promote-failover-group'), {estate: demo, subscriptionId: SUB, params: {to: 'wus2'}})
    assert.ok(has(planned, 'Microsoft.Sql/servers/failoverGroups/failover/action', fog))
    assert.ok(!planned.some((n) => n.action.includes('forceFailoverAllowDataLoss')))
    const forced = neededPermissions(stepKindsOf('promote-failover-group'), {estate: demo, subscriptionId: SUB, params: {to: 'wus2', forced: true}})
    assert.ok(has(forced, 'Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action', fog))
    assert.ok(!forced.some((n) => n.action === 'Microsoft.Sql/servers/failoverGroups/failover/action'))
  })

  it('teardown and restore: the zones and subnets come from live state and the teardown record', () => {
    const zoneId = `${rg('rg-connectivity-dns')}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`
    const subnetId = `${rg('rg-net-eus2')}/providers/Microsoft.Network/virtualNetworks/vnet-eus2/subnets/snet-pe`
    const state: any = {
      regions: {
        eus2: {
          endpoints: [{resourceGroup: 'rg-spoke-eus2', name: 'pe-kv-app-eus2', exists: true, records: [{zoneId, recordType: 'A', recordSetName: 'kv-app-eus2', fqdn: '', ttl: 10, ips: []}]}],
          teardown: {at: '', endpoints: [{resourceGroup: 'rg-spoke-eus2', name: 'pe-kv-app-eus2', location: 'eastus2', subnetId, privateLinkServiceConnections: [], customDnsConfigs: [], zoneGroups: [{name: 'default', configs: [{name: 'kv', privateDnsZoneId: zoneId}]}]}]},
        },
      },
    }
    const teardown = neededPermissions(stepKindsOf('teardown'), {estate: demo, subscriptionId: SUB, params: {region: 'eus2'}, state})
    assert.ok(has(teardown, 'Microsoft.Network/privateDnsZones/join/action', zoneId))
    assert.ok(has(teardown, 'Microsoft.Network/privateEndpoints/delete', `${rg('rg-spoke-eus2')}/providers/Microsoft.Network/privateEndpoints/pe-sqlfog-eus2`))
    const restore = neededPermissions(stepKindsOf('restore'), {estate: demo, subscriptionId: SUB, params: {region: 'eus2'}, state})
    assert.ok(has(restore, 'Microsoft.Network/virtualNetworks/subnets/join/action', subnetId))
    assert.ok(has(restore, 'Microsoft.Network/privateDnsZones/join/action', zoneId))
    assert.ok(has(restore, 'Microsoft.Network/privateEndpoints/write', `${rg('rg-spoke-eus2')}/providers/Microsoft.Network/privateEndpoints/pe-kv-app-eus2`))
  })
})

describe('the production credential', () => {
  it('never falls through to managed identity unless AZURE_TOKEN_CREDENTIALS asks for it', async () => {
    assert.ok(!unpinnedChain({}).includes('ManagedIdentityCredential'))
    const workload = {AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't', AZURE_FEDERATED_TOKEN_FILE: '/tmp/x'}
    assert.deepEqual(unpinnedChain(workload), ['EnvironmentCredential', 'WorkloadIdentityCredential', 'AzureCliCredential', 'AzureDeveloperCliCredential', 'AzurePowerShellCredential'])
    const cloud = cloudEndpoints('AzurePublicCloud', {})
    const unpinned = await productionCredential(cloud, {})
    assert.ok(!unpinned.chain.includes('ManagedIdentityCredential'))
    assert.equal(unpinned.pinned, undefined)
    const pinned = await productionCredential(cloud, {AZURE_TOKEN_CREDENTIALS: 'WorkloadIdentityCredential'})
    assert.deepEqual(pinned.chain, ['WorkloadIdentityCredential'])
    assert.ok((await productionCredential(cloud, {AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential'})).chain.includes('ManagedIdentityCredential'))
  })

  it('a custom cloud takes its ARM endpoint and authority from the environment and skips instance discovery only then', () => {
    assert.deepEqual(cloudEndpoints('AzurePublicCloud', {}), {name: 'AzurePublicCloud', arm: 'https://management.azure.com', authority: 'https://login.microsoftonline.com', disableInstanceDiscovery: false})
    assert.equal(cloudEndpoints('AzureUSGovernment', {}).disableInstanceDiscovery, false)
    const custom = cloudEndpoints('AzurePublicCloud', {AZFAIL_ARM_ENDPOINT: 'https://127.0.0.1:8443/', AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443'})
    assert.deepEqual(custom, {name: 'custom', arm: 'https://127.0.0.1:8443', authority: 'https://127.0.0.1:8443', disableInstanceDiscovery: true})
    assert.throws(() => cloudEndpoints('AzurePublicCloud', {AZFAIL_ARM_ENDPOINT: 'https://127.0.0.1:8443'}), /AZURE_AUTHORITY_HOST/)
    assert.throws(() => cloudEndpoints('AzurePublicCloud', {AZFAIL_ARM_ENDPOINT: 'http://127.0.0.1:8443', AZURE_AUTHORITY_HOST: 'https://x'}), /AZFAIL_ARM_ENDPOINT is 'http:\/\/127.0.0.1:8443', which is not an https URL/)
  })

  it('AZFAIL_RESOLVERS maps regions to resolvers, and says which entry is wrong', () => {
    assert.deepEqual(resolverOverrides('eus2=127.0.0.1:5301, wus2=127.0.0.2:5301'), {eus2: '127.0.0.1:5301', wus2: '127.0.0.2:5301'})
    assert.deepEqual(resolverOverrides(undefined), {})
    assert.throws(() => resolverOverrides('eus2=127.0.0.1:5301,wus2'), /AZFAIL_RESOLVERS has 'wus2', which is not region=ip\[:port\]/)
  })
})
