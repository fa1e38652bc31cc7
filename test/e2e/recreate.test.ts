// Teardown records what it deletes in Azure; restore re-creates it from that record, then re-enables the region.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {resolveName, resolverFor} from '../../src/azure/resolve.ts'
import {type E2E, STATE_ZONE, e2e} from './support.ts'

const EUS2_ENDPOINTS = ['pe-cosmos-eus2', 'pe-kv-app-eus2', 'pe-sqlfog-eus2']

describe('restore re-creates torn-down endpoints', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('a restore with nothing torn down plans recreateEndpoints as done', async () => {
    const {code, out} = await t.json(['restore', 'eus2', '--dry-run'])
    assert.equal(code, 0, JSON.stringify(out))
    const step = out.result.steps.find((s: any) => s.id === 'recreateEndpoints')
    assert.ok(step, JSON.stringify(out.result.steps))
    assert.equal(out.result.steps[0].id, 'recreateEndpoints', 'it runs before enableSteering')
    assert.match(JSON.stringify(step), /every one of eus2's 3 private endpoints exists/)
  })

  it('drain --teardown records each endpoint and its zone groups in Azure before deleting them', async () => {
    const eus2 = resolverFor(t.sb.resolvers.eus2)
    const before = new Map<string, string[]>()
    const dns = await t.sb.clients.privateDns()
    const {code, out} = await t.json(['drain', 'eus2', '--teardown', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const rs = await dns.recordSets.get(...STATE_ZONE, 'TXT', '_azfail-teardown-eus2')
    for (const r of rs.txtRecords ?? []) for (const v of r.value ?? []) assert.ok(v.length <= 255, `TXT string of ${v.length} characters`)
    const fields = new Map((rs.txtRecords ?? []).flatMap((r) => r.value ?? []).map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]))
    let json = ''
    for (let i = 0; fields.has(`endpoints.${i}`); i++) json += fields.get(`endpoints.${i}`)
    const defs = JSON.parse(json)
    assert.deepEqual(defs.map((d: any) => d.name).sort(), EUS2_ENDPOINTS)
    for (const d of defs) {
      assert.match(d.subnetId, /subnets\/snet-pe$/)
      assert.ok(d.location)
      assert.ok(d.privateLinkServiceConnections[0].privateLinkServiceId)
      assert.ok(d.customDnsConfigs.length > 0)
      assert.ok(d.zoneGroups[0].configs[0].privateDnsZoneId)
      for (const c of d.customDnsConfigs) before.set(c.fqdn, c.ipAddresses)
    }
    assert.equal((await resolveName(eus2, 'kv-app-eus2.vault.azure.net')).outcome, 'NXDOMAIN')
  })

  it('restore re-creates the endpoints, every eus2 name resolves its own IP again, and steering is enabled', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['restore', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out))
    assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [['recreateEndpoints', 'succeeded'], ['enableSteering', 'succeeded']])
    assert.match(out.result.steps[0].message, /re-created 3 private endpoints/)
    const writes = t.writes().map((w) => `${w.method} ${w.path}`)
    assert.ok(writes.some((w) => /^PUT .*privateEndpoints\/pe-kv-app-eus2$/.test(w)), writes.join('\n'))
    assert.ok(writes.some((w) => /^PUT .*privateEndpoints\/pe-kv-app-eus2\/privateDnsZoneGroups\/default$/.test(w)), writes.join('\n'))

    const net = await t.sb.clients.network()
    const names = []
    for await (const pe of net.privateEndpoints.list('rg-spoke-eus2')) {
      names.push(pe.name)
      assert.equal(pe.provisioningState, 'Succeeded')
    }
    assert.deepEqual(names.sort(), EUS2_ENDPOINTS)

    const status = await t.json(['status'])
    const eus2 = status.out.result.regions.eus2
    assert.equal(eus2.serving, true)
    assert.ok(eus2.names.length > 0)
    const resolver = resolverFor(t.sb.resolvers.eus2)
    for (const n of eus2.names) {
      assert.equal(n.ok, true, JSON.stringify(n))
      assert.deepEqual((await resolveName(resolver, n.name)).addresses, [n.expected], n.name)
    }
    const dns = await t.sb.clients.privateDns()
    await assert.rejects(dns.recordSets.get(...STATE_ZONE, 'TXT', '_azfail-teardown-eus2'), (e: any) => e.statusCode === 404)

    const again = await t.json(['restore', 'eus2', '--dry-run'])
    assert.equal(again.code, 0)
    assert.match(JSON.stringify(again.out.result.steps[0]), /every one of eus2's 3 private endpoints exists/)
  })
})
