// The resolvers answer from an index of the world's names, rebuilt when the world changes: every change, through ARM,
// the control endpoint or another process writing the state file, is answered by the very next query.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {demoWorld} from '../src/estate.ts'
import {generatedEstate} from '../src/generate.ts'
import {WorldStore} from '../src/world.ts'
import {type TestSandbox, resolveA, startTestSandbox, tempDir} from './helpers.ts'

const ZONE = ['rg-connectivity-dns', 'privatelink.vaultcore.azure.net'] as const

describe('sandbox: the resolvers\' index follows the world', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('answers a record set added through ARM at once, then its new TTL and address, then NXDOMAIN once it is deleted', async () => {
    const eus2 = sb.connection.resolvers.eus2
    const name = 'kv-new.privatelink.vaultcore.azure.net'
    assert.equal((await resolveA(eus2, name)).outcome, 'NXDOMAIN')
    const dns = await sb.clients.privateDns()
    await dns.recordSets.createOrUpdate(...ZONE, 'A', 'kv-new', {ttl: 7, aRecords: [{ipv4Address: '10.20.3.99'}]})
    assert.deepEqual(await resolveA(eus2, name), {addresses: ['10.20.3.99'], ttl: 7, outcome: 'NOERROR'})
    await dns.recordSets.update(...ZONE, 'A', 'kv-new', {ttl: 3, aRecords: [{ipv4Address: '10.20.3.98'}]})
    assert.deepEqual(await resolveA(eus2, name), {addresses: ['10.20.3.98'], ttl: 3, outcome: 'NOERROR'})
    await dns.recordSets.delete(...ZONE, 'A', 'kv-new')
    assert.equal((await resolveA(eus2, name)).outcome, 'NXDOMAIN')
  })

  it("follows a region's links: a zone unlinked from a region's network is no longer answered there, and still is in the other", async () => {
    const name = 'cosmos-app.documents.azure.com'
    const before = await resolveA(sb.connection.resolvers.eus2, name)
    assert.deepEqual(before.addresses, ['10.20.4.5'])
    const state = (await sb.control('GET', 'state')).body as {resources: Record<string, {id: string; type: string; properties: any}>; regions: Record<string, {virtualNetworks: string[]}>}
    const eus2Vnets = new Set(state.regions.eus2.virtualNetworks.map((v) => v.toLowerCase()))
    const links = Object.values(state.resources).filter(
      (r) => r.type === 'Microsoft.Network/privateDnsZones/virtualNetworkLinks' && /privateDnsZones\/privatelink\.documents\.azure\.com\//i.test(r.id) && eus2Vnets.has(String(r.properties.virtualNetwork?.id).toLowerCase()),
    )
    assert.ok(links.length > 0, 'the demo links a Cosmos DB zone to eus2')
    for (const l of links) assert.equal((await sb.control('POST', 'mutate', {id: l.id, remove: true})).status, 200)
    assert.equal((await resolveA(sb.connection.resolvers.eus2, name)).outcome, 'NXDOMAIN')
    assert.deepEqual((await resolveA(sb.connection.resolvers.wus2, name)).addresses, ['10.30.4.5'])
  })

  it('answers a change another process wrote to the state file', async () => {
    const other = new WorldStore(sb.dir, demoWorld)
    other.world.publicDns['written-elsewhere.example'] = {a: ['203.0.113.77'], ttl: 42}
    other.save()
    assert.deepEqual(await resolveA(sb.connection.resolvers.wus2, 'written-elsewhere.example'), {addresses: ['203.0.113.77'], ttl: 42, outcome: 'NOERROR'})
  })
})

describe('sandbox: resolvers of a generated estate (3 regions x 50 endpoints)', () => {
  let sb: TestSandbox
  const {world, runbook} = generatedEstate(3, 50)
  before(async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'state.json'), JSON.stringify(world))
    sb = await startTestSandbox(dir)
  })
  after(() => sb.stop())

  it('answer every name of every region, in every region, with its own address', async () => {
    const expected = [...runbook.matchAll(/^\s+(kv-r\d+-\d+\.vault\.azure\.net): (10\.[\d.]+)$/gm)].map((m) => [m[1], m[2]])
    assert.equal(expected.length, 150)
    for (const resolver of Object.values(sb.connection.resolvers)) {
      const answers = await Promise.all(expected.map(([name]) => resolveA(resolver, name)))
      assert.deepEqual(
        answers.map((a) => a.addresses),
        expected.map(([, ip]) => [ip]),
      )
    }
  })
})
