// Private endpoints and their DNS zone groups through @azure/arm-network; deleting an endpoint reaps its records.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type TestSandbox, resolveA, startTestSandbox} from './helpers.ts'

describe('sandbox: private endpoints', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('gets and lists private endpoints and their zone groups', async () => {
    const net = await sb.clients.network()
    const pe = await net.privateEndpoints.get('rg-spoke-eus2', 'pe-kv-app-eus2')
    assert.equal(pe.location, 'eastus2')
    assert.deepEqual(pe.privateLinkServiceConnections?.[0].groupIds, ['vault'])
    const inRg = []
    for await (const p of net.privateEndpoints.list('rg-spoke-wus2')) inRg.push(p.name)
    assert.deepEqual(inRg.sort(), ['pe-cosmos-wus2', 'pe-kv-app-wus2', 'pe-sqlfog-wus2'])
    const all = []
    for await (const p of net.privateEndpoints.listBySubscription()) all.push(p.name)
    assert.equal(all.length, 6)
    const groups = []
    for await (const g of net.privateDnsZoneGroups.list('rg-spoke-eus2', 'pe-cosmos-eus2')) groups.push(g)
    assert.equal(groups.length, 1)
    const records = groups[0].privateDnsZoneConfigs?.[0].recordSets?.map((r) => `${r.recordSetName}=${r.ipAddresses?.join()}`)
    assert.deepEqual(records, ['cosmos-app=10.20.4.5', 'cosmos-app-eastus2=10.20.4.6', 'cosmos-app-westus2=10.20.4.7'])
    const one = await net.privateDnsZoneGroups.get('rg-spoke-eus2', 'pe-kv-app-eus2', 'default')
    assert.equal(one.privateDnsZoneConfigs?.[0].recordSets?.[0].ttl, 10)
  })

  it('deletes an endpoint as a long-running operation and reaps the records its zone group wrote', async () => {
    const net = await sb.clients.network()
    const dns = await sb.clients.privateDns()
    const eus2 = sb.connection.resolvers.eus2
    assert.deepEqual((await resolveA(eus2, 'kv-app-eus2.vault.azure.net')).addresses, ['10.20.3.7'])
    sb.mark()
    const poller = net.privateEndpoints.delete('rg-spoke-eus2', 'pe-kv-app-eus2')
    await poller
    const log = sb.requests().map((r) => `${r.method} ${r.status} ${r.path.split('/').at(-2)}`)
    assert.equal(log[0], 'DELETE 202 privateEndpoints')
    assert.ok(log.slice(1).every((l) => /^GET 200 operationStatuses$/.test(l)), log.join('; '))
    await assert.rejects(net.privateEndpoints.get('rg-spoke-eus2', 'pe-kv-app-eus2'), (e: any) => e.statusCode === 404)
    await assert.rejects(dns.recordSets.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-eus2'), (e: any) => e.statusCode === 404)
    assert.equal((await dns.recordSets.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2')).aRecords?.[0].ipv4Address, '10.30.3.7', "the other region's record stays")
    const after = await resolveA(eus2, 'kv-app-eus2.vault.azure.net')
    assert.equal(after.outcome, 'NXDOMAIN', 'the linked zone is authoritative: the name now resolves to nothing')
    assert.equal((await dns.privateZones.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net')).numberOfRecordSets, 2)
  })

  it('keeps a hand-written IP in a record set and removes only what the zone group wrote', async () => {
    const net = await sb.clients.network()
    const dns = await sb.clients.privateDns()
    await dns.recordSets.update('rg-connectivity-dns', 'privatelink.database.windows.net', 'A', 'sql-app-wus2', {
      aRecords: [{ipv4Address: '10.30.2.4'}, {ipv4Address: '10.30.9.9'}],
    })
    await net.privateDnsZoneGroups.delete('rg-spoke-wus2', 'pe-sqlfog-wus2', 'default')
    const left = await dns.recordSets.get('rg-connectivity-dns', 'privatelink.database.windows.net', 'A', 'sql-app-wus2')
    assert.deepEqual(left.aRecords?.map((a) => a.ipv4Address), ['10.30.9.9'])
    await assert.rejects(net.privateDnsZoneGroups.get('rg-spoke-wus2', 'pe-sqlfog-wus2', 'default'), (e: any) => e.statusCode === 404)
    assert.equal((await net.privateEndpoints.get('rg-spoke-wus2', 'pe-sqlfog-wus2')).name, 'pe-sqlfog-wus2', 'the endpoint itself stays')
  })

  it('answers 204 to deleting an endpoint that is already gone', async () => {
    sb.mark()
    const net = await sb.clients.network()
    await net.privateEndpoints.delete('rg-spoke-eus2', 'pe-does-not-exist')
    assert.deepEqual(sb.requests().map((r) => r.status), [204])
  })
})
