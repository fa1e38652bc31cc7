// Private DNS zones, record sets (A, CNAME, TXT) with etags, and virtual network links, through @azure/arm-privatedns.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {SUB_PATH, type TestSandbox, startTestSandbox} from './helpers.ts'

const RG = 'rg-connectivity-dns'
const PG_ZONE = 'private.postgres.database.azure.com'
const KV_ZONE = 'privatelink.vaultcore.azure.net'

describe('sandbox: Private DNS', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('gets and lists zones, by subscription and by resource group', async () => {
    const dns = await sb.clients.privateDns()
    const zone = await dns.privateZones.get(RG, KV_ZONE)
    assert.equal(zone.location, 'global')
    assert.equal(zone.numberOfRecordSets, 3)
    const all = []
    for await (const z of dns.privateZones.list()) all.push(`${z.id?.split('/')[4]}/${z.name}`)
    assert.equal(all.length, 5)
    assert.ok(all.includes('rg-dns-eus2/privatelink.documents.azure.com') && all.includes('rg-dns-wus2/privatelink.documents.azure.com'), 'same zone name in two resource groups')
    const inRg = []
    for await (const z of dns.privateZones.listByResourceGroup(RG)) inRg.push(z.name)
    assert.deepEqual(inRg.sort(), [PG_ZONE, 'privatelink.database.windows.net', KV_ZONE].sort())
  })

  it('lists record sets of all types (the SDK asks for /ALL) and of one type', async () => {
    const dns = await sb.clients.privateDns()
    sb.mark()
    const all = []
    for await (const r of dns.recordSets.list(RG, PG_ZONE)) all.push(`${r.type?.split('/').pop()} ${r.name}`)
    assert.deepEqual(all, ['SOA @', 'A pg-app-eus2', 'A pg-app-wus2', 'CNAME prod'])
    assert.match(sb.requests()[0].path, /\/aLL$/, 'the all-types list path is matched case-insensitively')
    const cnames = []
    for await (const r of dns.recordSets.listByType(RG, PG_ZONE, 'CNAME')) cnames.push(r.name)
    assert.deepEqual(cnames, ['prod'])
  })

  it('pages long lists with nextLink and honours $top', async () => {
    const dns = await sb.clients.privateDns()
    for (let i = 0; i < 7; i++) await dns.recordSets.createOrUpdate(RG, KV_ZONE, 'TXT', `page-${i}`, {ttl: 60, txtRecords: [{value: [`v${i}`]}]})
    sb.mark()
    const names = []
    for await (const r of dns.recordSets.listByType(RG, KV_ZONE, 'TXT', {top: 3})) names.push(r.name)
    assert.equal(names.length, 7)
    assert.equal(sb.requests().filter((r) => r.method === 'GET').length, 3, 'three pages of at most 3')
    for (let i = 0; i < 7; i++) await dns.recordSets.delete(RG, KV_ZONE, 'TXT', `page-${i}`)
  })

  it('changes a record set with If-Match and refuses a stale etag with 412', async () => {
    const dns = await sb.clients.privateDns()
    const before = await dns.recordSets.get(RG, PG_ZONE, 'CNAME', 'prod')
    assert.equal(before.ttl, 10)
    assert.equal(before.cnameRecord?.cname, `pg-app-eus2.${PG_ZONE}`)
    const updated = await dns.recordSets.createOrUpdate(RG, PG_ZONE, 'CNAME', 'prod', {ttl: 10, cnameRecord: {cname: `pg-app-wus2.${PG_ZONE}`}}, {ifMatch: before.etag})
    assert.notEqual(updated.etag, before.etag, 'every write gets a new etag')
    await assert.rejects(
      dns.recordSets.createOrUpdate(RG, PG_ZONE, 'CNAME', 'prod', {ttl: 10, cnameRecord: {cname: `pg-app-eus2.${PG_ZONE}`}}, {ifMatch: before.etag}),
      (e: any) => e.statusCode === 412 && e.code === 'PreconditionFailed',
    )
    await assert.rejects(dns.recordSets.update(RG, PG_ZONE, 'CNAME', 'prod', {ttl: 5}, {ifMatch: before.etag}), (e: any) => e.statusCode === 412)
    const patched = await dns.recordSets.update(RG, PG_ZONE, 'CNAME', 'prod', {ttl: 30}, {ifMatch: updated.etag})
    assert.equal(patched.ttl, 30)
    assert.equal(patched.cnameRecord?.cname, `pg-app-wus2.${PG_ZONE}`, 'PATCH keeps what it does not name')
    await dns.recordSets.createOrUpdate(RG, PG_ZONE, 'CNAME', 'prod', {ttl: 10, cnameRecord: {cname: `pg-app-eus2.${PG_ZONE}`}}, {ifMatch: '*'})
  })

  it('creates with If-None-Match: * once, and refuses the second create with 412 (a lock)', async () => {
    const dns = await sb.clients.privateDns()
    const lock = {ttl: 10, txtRecords: [{value: ['holder=alice', 'run=1']}]}
    sb.mark()
    const created = await dns.recordSets.createOrUpdate(RG, PG_ZONE, 'TXT', 'azfail-lock', lock, {ifNoneMatch: '*'})
    assert.deepEqual(created.txtRecords, [{value: ['holder=alice', 'run=1']}])
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'TXT', 'azfail-lock', lock, {ifNoneMatch: '*'}), (e: any) => e.statusCode === 412)
    assert.deepEqual(sb.requests().map((r) => r.status), [201, 412])
    await assert.rejects(dns.recordSets.delete(RG, PG_ZONE, 'TXT', 'azfail-lock', {ifMatch: 'not-the-etag'}), (e: any) => e.statusCode === 412)
    await dns.recordSets.delete(RG, PG_ZONE, 'TXT', 'azfail-lock', {ifMatch: created.etag})
    await assert.rejects(dns.recordSets.get(RG, PG_ZONE, 'TXT', 'azfail-lock'), (e: any) => e.statusCode === 404)
  })

  it('refuses a CNAME beside another record of the same name, and at the apex', async () => {
    const dns = await sb.clients.privateDns()
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'CNAME', 'pg-app-eus2', {ttl: 10, cnameRecord: {cname: 'x.example'}}), (e: any) => e.statusCode === 409)
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'A', 'prod', {ttl: 10, aRecords: [{ipv4Address: '10.0.0.1'}]}), (e: any) => e.statusCode === 409)
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'CNAME', '@', {ttl: 10, cnameRecord: {cname: 'x.example'}}), (e: any) => e.statusCode === 400)
  })

  it('answers bad input with ARM errors: unknown record type, a name that does not exist, a malformed body, bad data', async () => {
    const dns = await sb.clients.privateDns()
    const zonePath = `${SUB_PATH(sb)}/resourceGroups/${RG}/providers/Microsoft.Network/privateDnsZones/${PG_ZONE}`
    const unknownType = await sb.raw('GET', `${zonePath}/FOO/prod?api-version=2024-06-01`)
    assert.equal(unknownType.status, 400)
    assert.equal(unknownType.body.error.code, 'InvalidRecordType')
    const notEmulated = await sb.raw('GET', `${zonePath}/MX/prod?api-version=2024-06-01`)
    assert.equal(notEmulated.status, 404)
    assert.match(notEmulated.body.error.message, /does not emulate MX/)
    await assert.rejects(dns.recordSets.get(RG, PG_ZONE, 'A', 'no-such-name'), (e: any) => e.statusCode === 404 && e.code === 'NotFound')
    await assert.rejects(dns.privateZones.get(RG, 'no.such.zone'), (e: any) => e.statusCode === 404 && e.code === 'ResourceNotFound')
    await assert.rejects(dns.recordSets.get(RG, 'no.such.zone', 'A', 'x'), (e: any) => e.statusCode === 404 && e.code === 'ParentResourceNotFound')
    const malformed = await sb.raw('PUT', `${zonePath}/A/new?api-version=2024-06-01`, {body: '{"properties": {"ttl": 10,'})
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.error.code, 'InvalidRequestContent')
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'A', 'bad', {ttl: 10, aRecords: [{ipv4Address: '10.0.0.300'}]}), (e: any) => e.statusCode === 400)
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'A', 'bad', {aRecords: [{ipv4Address: '10.0.0.3'}]}), (e: any) => e.statusCode === 400 && /TTL/.test(e.message))
    await assert.rejects(dns.recordSets.createOrUpdate(RG, PG_ZONE, 'A', 'bad', {ttl: 10, cnameRecord: {cname: 'x'}}), (e: any) => e.statusCode === 400)
    await assert.rejects(dns.recordSets.get(RG, PG_ZONE, 'A', 'bad'), (e: any) => e.statusCode === 404, 'nothing was written by the refused requests')
  })

  it('lists the virtual network links of a zone', async () => {
    const dns = await sb.clients.privateDns()
    const links = []
    for await (const l of dns.virtualNetworkLinks.list(RG, KV_ZONE)) links.push([l.name, l.virtualNetwork?.id?.split('/').pop(), l.registrationEnabled])
    assert.deepEqual(links, [['link-spoke-eus2', 'vnet-spoke-eus2', false], ['link-spoke-wus2', 'vnet-spoke-wus2', false]])
    const cosmosLinks = []
    for await (const l of dns.virtualNetworkLinks.list('rg-dns-wus2', 'privatelink.documents.azure.com')) cosmosLinks.push(l.name)
    assert.deepEqual(cosmosLinks, ['link-spoke-wus2'], 'per-region Cosmos DB zones are linked to their own region only')
  })
})
