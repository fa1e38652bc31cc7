// The TTL window (waitOutTtl and the drained-before-teardown guard) covers every TTL a client may cache on the path:
// the steering TTL, each record set's TTL as its zone serves it (not the zone group's copy), and the CNAME's TTL.
import assert from 'node:assert/strict'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, afterEach, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

const KV_ZONE = ['rg-connectivity-dns', 'privatelink.vaultcore.azure.net'] as const
const PG_ZONE = ['rg-connectivity-dns', 'private.postgres.database.azure.com'] as const

describe('the TTL window', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())
  afterEach(async () => {
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update(...KV_ZONE, 'A', 'kv-app-eus2', {ttl: 1})
    await dns.recordSets.update(...PG_ZONE, 'CNAME', 'prod', {ttl: 1})
  })

  const waitStep = async () => {
    const {code, out} = await t.json(['drain', 'eus2', '--dry-run'])
    assert.equal(code, 0, JSON.stringify(out.error))
    return out.result.steps.find((s: any) => s.id === 'waitOutTtl')
  }

  it('waits out a record TTL raised through ARM, read from the zones (global) as served, one list per zone', async () => {
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update(...KV_ZONE, 'A', 'kv-app-eus2', {ttl: 90})
    t.sb.mark()
    const step = await waitStep()
    assert.equal(step.plan.waitSeconds, 91, step.message)
    assert.match(step.message, /wait 91s: max\(steering TTL 1s, record TTL 90s, CNAME TTL 1s\) \+ connection drain 1s = 91s/)
    const gets = t.sb.requests().filter((r) => r.method === 'GET').map((r) => r.path)
    const aReads = gets.filter((p) => /privateDnsZones\/[^/]+\/A(\/|$)/i.test(p))
    assert.deepEqual(aReads.filter((p) => /\/A\/[^/]+$/i.test(p)), [], 'no GET per record set')
    assert.equal(new Set(aReads).size, aReads.length, `each zone listed once: ${aReads}`)
    // the zones of the subscription, listed once each: eus2's own endpoints (its regional provider) are not read
    assert.equal(aReads.length, 5, `the five zones of the subscription: ${aReads}`)
    assert.deepEqual(gets.filter((p) => /privateEndpoints/i.test(p)), [], 'no private endpoint read')
  })

  it("waits out the CNAME's TTL", async () => {
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update(...PG_ZONE, 'CNAME', 'prod', {ttl: 40})
    const step = await waitStep()
    assert.equal(step.plan.waitSeconds, 41, step.message)
    assert.match(step.message, /max\(steering TTL 1s, record TTL 1s, CNAME TTL 40s\) \+ connection drain 1s = 41s/)
  })

  it('the teardown guard uses the same window: a record TTL raised after the drain refuses an early teardown', async () => {
    const drained = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(drained.code, 0, JSON.stringify(drained.out.error))
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update(...KV_ZONE, 'A', 'kv-app-eus2', {ttl: 90})
    await sleep(2500) // past the 2 s window the zone group's copy (1 s) would give
    t.sb.mark()
    const {code, out} = await t.json(['teardown', 'eus2', '--dry-run'])
    assert.equal(code, 4, JSON.stringify(out))
    assert.equal(out.error.guard, 'drained-before-teardown')
    assert.match(out.error.message, /needs 91s \(max\(steering TTL 1s, record TTL 90s, CNAME TTL 1s\) \+ connection drain 1s\)/)
    assert.deepEqual(t.writes(), [])
  })
})
