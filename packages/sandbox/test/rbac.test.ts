// How the sandbox names the action of an ARM request and matches it against a role, as ARM does: the pure half of RBAC.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {actionMatches, allowed, armAction, covers, linkedActions} from '../src/rbac.ts'

const RG = '/subscriptions/s1/resourceGroups/rg-a'

describe('rbac', () => {
  it('names an action by provider, types and verb; a POST by its last segment', () => {
    const cases: Array<[string, string, string, string]> = [
      ['GET', `${RG}/providers/Microsoft.Network/privateDnsZones/z.example/TXT/lock`, 'Microsoft.Network/privateDnsZones/TXT/read', `${RG}/providers/Microsoft.Network/privateDnsZones/z.example/TXT/lock`],
      ['GET', `${RG}/providers/Microsoft.Network/privateDnsZones/z.example/ALL`, 'Microsoft.Network/privateDnsZones/ALL/read', `${RG}/providers/Microsoft.Network/privateDnsZones/z.example/ALL`],
      ['PATCH', `${RG}/providers/Microsoft.Cdn/profiles/fd/originGroups/og/origins/o1`, 'Microsoft.Cdn/profiles/originGroups/origins/write', `${RG}/providers/Microsoft.Cdn/profiles/fd/originGroups/og/origins/o1`],
      ['DELETE', `${RG}/providers/Microsoft.Network/privateEndpoints/pe/`, 'Microsoft.Network/privateEndpoints/delete', `${RG}/providers/Microsoft.Network/privateEndpoints/pe`],
      ['POST', `${RG}/providers/Microsoft.Sql/servers/s/failoverGroups/fog/failover`, 'Microsoft.Sql/servers/failoverGroups/failover/action', `${RG}/providers/Microsoft.Sql/servers/s/failoverGroups/fog`],
      ['POST', `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/c/failoverPriorityChange`, 'Microsoft.DocumentDB/databaseAccounts/failoverPriorityChange/action', `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/c`],
      ['GET', '/subscriptions/s1/providers/Microsoft.Network/locations/eastus2/operationStatuses/123', 'Microsoft.Network/locations/operationStatuses/read', '/subscriptions/s1/providers/Microsoft.Network/locations/eastus2/operationStatuses/123'],
      ['GET', '/subscriptions/s1/providers/Microsoft.Network/privateDnsZones', 'Microsoft.Network/privateDnsZones/read', '/subscriptions/s1/providers/Microsoft.Network/privateDnsZones'],
      ['PUT', `${RG}/providers/Microsoft.Network/trafficManagerProfiles/tm/providers/Microsoft.Authorization/locks/l`, 'Microsoft.Authorization/locks/write', `${RG}/providers/Microsoft.Network/trafficManagerProfiles/tm/providers/Microsoft.Authorization/locks/l`],
      ['GET', RG, 'Microsoft.Resources/subscriptions/resourceGroups/read', RG],
    ]
    for (const [method, path, action, scope] of cases) assert.deepEqual(armAction(method, path), {action, scope}, `${method} ${path}`)
  })

  it('matches * anywhere in a pattern, ignoring case, and nothing more', () => {
    assert.ok(actionMatches('*', 'Microsoft.Sql/servers/read'))
    assert.ok(actionMatches('*/read', 'Microsoft.Sql/servers/read'))
    assert.ok(!actionMatches('*/read', 'Microsoft.Sql/servers/write'))
    assert.ok(actionMatches('microsoft.network/privatednszones/*', 'Microsoft.Network/privateDnsZones/TXT/write'))
    assert.ok(actionMatches('Microsoft.Network/privateDnsZones/*/write', 'Microsoft.Network/privateDnsZones/TXT/write'))
    assert.ok(!actionMatches('Microsoft.Network/privateDnsZones/*/write', 'Microsoft.Network/privateEndpoints/write'))
    assert.ok(!actionMatches('Microsoft.Network/privateDnsZones/read', 'Microsoft.Network/privateDnsZonesXread'), 'a dot or slash is literal')
  })

  it('allows an action only through an assignment at or above the scope, minus notActions', () => {
    const principal = {clientId: 'c', objectId: 'o', role: {roleName: 'r', actions: ['Microsoft.Network/*'], notActions: ['*/delete']}, scopes: [RG]}
    assert.ok(allowed(principal, {action: 'Microsoft.Network/privateEndpoints/write', scope: `${RG}/providers/Microsoft.Network/privateEndpoints/pe`}))
    assert.ok(!allowed(principal, {action: 'Microsoft.Network/privateEndpoints/delete', scope: `${RG}/providers/Microsoft.Network/privateEndpoints/pe`}))
    assert.ok(!allowed(principal, {action: 'Microsoft.Network/privateEndpoints/write', scope: '/subscriptions/s1/resourceGroups/rg-ab/providers/Microsoft.Network/privateEndpoints/pe'}), 'rg-ab is not under rg-a')
    assert.ok(!allowed(principal, {action: 'Microsoft.Network/privateEndpoints/read', scope: '/subscriptions/s1'}), 'an assignment holds downward only')
    assert.ok(covers('/subscriptions/S1/resourcegroups/RG-A', `${RG}/providers/x/y/z`), 'ids compare ignoring case')
  })

  it("names a zone group's zones and a private endpoint's subnet as linked scopes", () => {
    const zone = `${RG}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`
    assert.deepEqual(linkedActions('PUT', `${RG}/providers/Microsoft.Network/privateEndpoints/pe/privateDnsZoneGroups/default`, {properties: {privateDnsZoneConfigs: [{name: 'kv', properties: {privateDnsZoneId: zone}}]}}), [
      {action: 'Microsoft.Network/privateDnsZones/join/action', scope: zone},
    ])
    const subnet = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe`
    assert.deepEqual(linkedActions('PUT', `${RG}/providers/Microsoft.Network/privateEndpoints/pe`, {properties: {subnet: {id: subnet}}}), [{action: 'Microsoft.Network/virtualNetworks/subnets/join/action', scope: subnet}])
    assert.deepEqual(linkedActions('GET', `${RG}/providers/Microsoft.Network/privateEndpoints/pe`, undefined), [])
  })
})
