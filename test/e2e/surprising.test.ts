// Answers from Azure that are surprising but possible, served by the sandbox: a TTL far beyond any normal one is no
// wait to start unasked (the run stops before any change and names --max-wait); a monitor status azfail has never
// seen is unknown, never serving (no false green for last-region); a run id from the lock record in DNS that is not
// a path-safe name never becomes a local directory.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type E2E, STATE_ZONE, e2e, killedMidDrain, lockRecord, longDrain} from './support.ts'

const TM_PROFILE = ['rg-global', 'tm-app'] as const

describe('surprising answers from Azure', () => {
  let t: E2E
  /** a sandbox whose drains wait two minutes: one can be killed mid-run */
  let slow: E2E
  before(async () => {
    ;[t, slow] = await Promise.all([e2e(), longDrain(120)])
  })
  after(() => Promise.all([t.stop(), slow.stop()]))

  it('a steering TTL of 2147483647 s stops the run before any change, naming the TTL and --max-wait', async () => {
    const tm = await t.sb.clients.trafficManager()
    const profile = await tm.profiles.get(...TM_PROFILE)
    const ttl = (value: number) => t.sb.control('POST', 'mutate', {id: profile.id, properties: {dnsConfig: {...profile.dnsConfig, ttl: value}}})
    await ttl(2147483647)
    try {
      t.sb.mark()
      const {code, out} = await t.json(['drain', 'eus2', '--yes'])
      assert.equal(code, 1, JSON.stringify(out))
      assert.match(out.error.message, /^Nothing was changed: eus2: The wait would be 214748\d{4}s \(max\(steering TTL 2147483647s, .*\), more than the 3600s azfail waits without being told: check the TTLs Azure serves, or pass --max-wait 214748\d{4} to accept this wait\./)
      assert.deepEqual(t.writes(), [])
      const dry = await t.json(['drain', 'eus2', '--dry-run'])
      assert.equal(dry.code, 4)
      assert.match(dry.out.error.message, /--max-wait/)
      // told, the plan takes the wait
      const accepted = await t.json(['drain', 'eus2', '--dry-run', '--max-wait', '2147483700'])
      assert.equal(accepted.code, 0, JSON.stringify(accepted.out.error))
      assert.match(accepted.out.result.steps.find((s: any) => s.id === 'waitOutTtl').message, /wait 214748\d{4}s/)
    } finally {
      await ttl(profile.dnsConfig!.ttl!)
    }
  })

  it('a monitor status azfail has never seen is unknown, not serving: draining the other region is refused', async () => {
    await t.sb.control('POST', 'mutate', {id: `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-wus2`, properties: {endpointMonitorStatus: 'Zorg'}})
    try {
      const {code, out} = await t.json(['drain', 'eus2', '--dry-run'])
      assert.equal(code, 4, JSON.stringify(out))
      assert.equal(out.error.guard, 'last-region')
      assert.match(out.error.message, /whether wus2 serves is unknown: wus2's Traffic Manager monitor status: unknown value 'Zorg'/)
    } finally {
      await t.sb.control('POST', 'mutate', {id: `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-wus2`, properties: {endpointMonitorStatus: 'Online'}})
    }
  })

  it('a Retry-After of an hour on a long-running operation is polled again within a minute, not waited out', async () => {
    await t.sb.control('PATCH', 'settings', {lroMs: 1500, lroRetryAfterSeconds: 3600})
    try {
      const {code, out} = await t.json(['promote', '--failover-group', '--yes'], {timeoutMs: 150_000})
      assert.equal(code, 0, JSON.stringify(out.error))
      assert.equal(out.result.steps[0].message, 'sql-app-wus2 is primary of app-fog')
    } finally {
      await t.sb.control('PATCH', 'settings', {lroMs: 400, lroRetryAfterSeconds: 1})
    }
  })

  it("a lock record naming run '../../escape' is refused before anything is written locally", async () => {
    const t = slow
    await killedMidDrain(t)
    // the lock as another machine's run would have left it, lapsed, its run id a path
    const rs = (await lockRecord(t))!
    const values = rs.txtRecords![0].value!.map((v: string) => (v.startsWith('run=') ? 'run=../../escape' : v.startsWith('host=') ? 'host=laptop-that-died' : v.startsWith('expires=') ? `expires=${new Date(Date.now() - 60_000).toISOString()}` : v))
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.createOrUpdate(...STATE_ZONE, 'TXT', '_azfail-lock', {ttl: 10, txtRecords: [{value: values}]}, {ifMatch: rs.etag})
    const {code, out} = await t.json(['resume', '../../escape', '--yes'])
    assert.notEqual(code, 0, JSON.stringify(out))
    assert.match(out.error.message, /not a run id/)
    assert.ok(!existsSync(join(t.work, 'escape')), 'a directory was made from the run id')
    assert.ok(!existsSync(join(t.work, '..', 'escape')), 'a directory was made from the run id')
  })
})
