// drain, teardown and restore through the CLI against the sandbox: the seed's order, the guards, the envelope.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {resolveName, resolverFor} from '../../src/azure/resolve.ts'
import {type E2E, FD_ORIGIN, TM_EP, e2e} from './support.ts'

const STEP_FIELDS = ['id', 'kind', 'status', 'startedAt', 'endedAt', 'durationMs', 'message']

describe('drain', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('dry run prints the plan with current -> desired values and guard verdicts, and writes nothing', async () => {
    t.sb.mark()
    const r = await t.azfail(['drain', 'eus2', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Traffic Manager endpoint ep-eus2: Enabled -> Disabled/)
    assert.match(r.stdout, /Front Door origin origin-eus2: Enabled -> Disabled/)
    assert.match(r.stdout, /guard last-region: ok: still serving besides eus2: wus2/)
    assert.match(r.stdout, /wait 2s: max\(steering TTL 1s, record TTL 1s, CNAME TTL 1s\) \+ connection drain 1s = 2s/)
    assert.match(r.stdout, /guard survivor-resolves-local: ok/)
    assert.deepEqual(t.writes(), [])
  })

  it('refuses without a terminal and without --yes, before any write', async () => {
    t.sb.mark()
    const r = await t.azfail(['drain', 'eus2'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--yes/)
    assert.deepEqual(t.writes(), [])
  })

  it('drains in the seed order, records the drain in Azure, and the survivor keeps its own IPs', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 0)
    assert.equal(out.status, 'succeeded')
    const result = out.result
    assert.deepEqual([result.action, result.region, result.dryRun], ['drain', 'eus2', false])
    assert.match(result.runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/)
    assert.deepEqual(result.steps.map((s: any) => [s.id, s.status]), [
      ['drainSteering', 'succeeded'],
      ['waitOutTtl', 'succeeded'],
      ['verifySurvivorResolution', 'succeeded'],
    ])
    for (const s of result.steps) assert.deepEqual(STEP_FIELDS.filter((f) => !(f in s)), [], `step ${s.id} has every contract field`)
    // The window runs from the drain's stamp, taken inside drainSteering: the wait ends no sooner than the window after
    // that step started (2 ms for the two times' rounding to the millisecond).
    const [drainStep, wait] = result.steps
    assert.ok(Date.parse(wait.endedAt) - Date.parse(drainStep.startedAt) >= wait.plan.data.total * 1000 - 2, 'the wait lasted the window')

    const writes = t.writes().map((w) => `${w.method} ${w.path.split('/').slice(-2).join('/')}`)
    const tm = writes.findIndex((w) => TM_EP('eus2').test(w))
    const fd = writes.findIndex((w) => FD_ORIGIN('eus2').test(w))
    const record = writes.findIndex((w) => /TXT\/_azfail-drain-eus2$/.test(w))
    // The two layers are written at once (independent control planes); the drain record only once both are done.
    assert.ok(tm >= 0 && fd >= 0 && record > Math.max(tm, fd), `steering first, then the drain record: ${writes}`)
    assert.ok(writes.some((w) => /TXT\/_azfail-lock$/.test(w) && w.startsWith('PUT')) && writes.at(-1)!.startsWith('DELETE'), 'the lock is taken and released')
    // The step's read lists the origins with their provisioning state: one seen idle is written without a read of its own.
    const log = t.sb.requests()
    const patched = log.find((r) => r.method === 'PATCH' && FD_ORIGIN('eus2').test(r.path))!
    const readFirst = log.filter((r) => r.method === 'GET' && FD_ORIGIN('eus2').test(r.path) && Date.parse(r.time) <= Date.parse(patched.time))
    assert.deepEqual(readFirst.map((r) => r.path), [], 'no read of the origin alone before its write')

    const tmClient = await t.sb.clients.trafficManager()
    assert.equal((await tmClient.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointStatus, 'Disabled')
    const cdn = await t.sb.clients.frontDoor()
    assert.equal((await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')).enabledState, 'Disabled')
    const wus2 = resolverFor(t.sb.resolvers.wus2)
    assert.deepEqual((await resolveName(wus2, 'kv-app-wus2.vault.azure.net')).addresses, ['10.30.3.7'])
    assert.deepEqual((await resolveName(wus2, 'cosmos-app.documents.azure.com')).addresses, ['10.30.4.5'])
  })

  it('re-running the completed drain makes no writes', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 0)
    assert.deepEqual(out.result.steps.map((s: any) => s.status), ['skipped', 'skipped', 'succeeded'])
    assert.deepEqual(t.writes(), [])
  })

  it('refuses to drain the last serving region (last-region), exit 3, nothing written', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'wus2', '--yes'])
    assert.equal(code, 3)
    assert.equal(out.status, 'refused')
    assert.equal(out.error.guard, 'last-region')
    assert.match(out.error.message, /no region other than wus2 is serving/)
    assert.equal(out.result.steps[0].status, 'refused')
    assert.deepEqual(t.writes(), [])
  })

  it('tears down after the drain: endpoints deleted, their records gone, the survivor untouched', async () => {
    const {code, out} = await t.json(['teardown', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out))
    assert.match(out.result.steps[0].message, /deleted 3 private endpoints/)
    const dns = await t.sb.clients.privateDns()
    await assert.rejects(dns.recordSets.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-eus2'), (e: any) => e.statusCode === 404)
    await assert.rejects(dns.recordSets.get('rg-dns-eus2', 'privatelink.documents.azure.com', 'A', 'cosmos-app'), (e: any) => e.statusCode === 404)
    const eus2 = resolverFor(t.sb.resolvers.eus2)
    assert.equal((await resolveName(eus2, 'kv-app-eus2.vault.azure.net')).outcome, 'NXDOMAIN')
    const wus2 = resolverFor(t.sb.resolvers.wus2)
    assert.deepEqual((await resolveName(wus2, 'sql-app-wus2.database.windows.net')).addresses, ['10.30.2.4'])
  })

  it('refuses to restore a region whose endpoints are gone and not recorded (region-healthy)', async () => {
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.delete('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-teardown-eus2')
    t.sb.mark()
    const {code, out} = await t.json(['restore', 'eus2', '--yes'])
    assert.equal(code, 3)
    assert.equal(out.error.guard, 'region-healthy')
    assert.match(out.error.message, /private endpoint pe-kv-app-eus2 is missing/)
    assert.deepEqual(t.writes(), [])
  })

  it('journals every run, and runs list / runs show read it back without tokens', async () => {
    const list = await t.json(['runs', 'list'])
    assert.equal(list.code, 0)
    const runs = list.out.result.runs
    assert.ok(runs.length >= 5)
    const drain = runs.find((r: any) => r.action === 'drain' && r.status === 'succeeded' && !r.dryRun)
    assert.match(drain.principal, /\(sandbox\)$/)
    const show = await t.json(['runs', 'show', drain.runId])
    assert.deepEqual(show.out.result.steps.map((s: any) => s.id), ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution'])
    const token = readFileSync(join(t.sb.dir, 'token'), 'utf8').trim()
    const runsDir = join(t.work, '.azfail', 'runs')
    for (const run of readdirSync(runsDir)) {
      for (const f of readdirSync(join(runsDir, run))) assert.ok(!readFileSync(join(runsDir, run, f), 'utf8').includes(token), `${run}/${f} holds no token`)
    }
    const missing = await t.azfail(['runs', 'show', 'no-such-run'])
    assert.equal(missing.code, 2)
  })
})

describe('teardown and restore guards', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('refuses teardown on a fresh estate (drained-before-teardown): exit 3, no write in the request log', async () => {
    t.sb.mark()
    const r = await t.azfail(['teardown', 'eus2', '--yes'])
    assert.equal(r.code, 3)
    assert.match(r.stderr, /Guard drained-before-teardown refused step teardownEndpoints; nothing was changed/)
    assert.match(r.stderr, /eus2 is not disabled at every steering layer: TM Enabled, FD Enabled/)
    assert.deepEqual(t.writes(), [])
    const dry = await t.json(['teardown', 'eus2', '--dry-run'])
    assert.equal(dry.code, 4, 'a dry run that would refuse exits 4')
    assert.equal(dry.out.status, 'not-ready')
    assert.equal(dry.out.error.guard, 'drained-before-teardown')
  })

  it('an override needs a reason, and is journaled with the principal', async () => {
    const noReason = await t.azfail(['teardown', 'eus2', '--yes', '--override', 'drained-before-teardown'])
    assert.equal(noReason.code, 2)
    assert.match(noReason.stderr, /--reason/)
    const bogus = await t.azfail(['teardown', 'eus2', '--yes', '--override', 'no-such-guard', '--reason', 'x'])
    assert.equal(bogus.code, 2)
    const {code, out} = await t.json(['drain', 'eus2', '--teardown', '--dry-run', '--override', 'survivor-resolves-local', '--reason', 'game day'])
    assert.equal(code, 0)
    assert.deepEqual(out.result.overrides.map((o: any) => [o.guard, o.reason]), [['survivor-resolves-local', 'game day']])
    assert.match(out.result.overrides[0].by, /sandbox/)
  })

  it('refuses an unknown region with exit 2 before touching Azure', async () => {
    t.sb.mark()
    const r = await t.azfail(['drain', 'weu', '--yes'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Unknown region 'weu'.*eus2, wus2/)
    assert.deepEqual(t.sb.requests(), [])
  })

  it('drain --teardown runs the guarded teardown after the wait; restore is then refused', async () => {
    const {code, out} = await t.json(['drain', 'eus2', '--teardown', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(out.result.steps.map((s: any) => s.id), ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution', 'teardownEndpoints'])
    const net = await t.sb.clients.network()
    const left = []
    for await (const pe of net.privateEndpoints.list('rg-spoke-eus2')) left.push(pe.name)
    assert.deepEqual(left, [])
  })
})

describe('restore', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('re-enables a drained, healthy region and clears its drain record', async () => {
    assert.equal((await t.azfail(['drain', 'eus2', '--yes'])).code, 0)
    const {code, out} = await t.json(['restore', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out))
    const status = await t.json(['status'])
    assert.equal(status.out.result.regions.eus2.serving, true)
    assert.equal(status.out.result.regions.eus2.drain, undefined)
    const again = await t.json(['restore', 'eus2', '--yes'])
    assert.equal(again.out.result.steps[0].status, 'skipped')
  })

  it('refuses to start a run while another run holds the lock (exit 6, names the holder)', async () => {
    const dns = await t.sb.clients.privateDns()
    const expires = new Date(Date.now() + 600_000).toISOString()
    await dns.recordSets.createOrUpdate('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-lock', {
      ttl: 10,
      txtRecords: [{value: ['holder=alice@laptop', 'run=20261121-000000-aaaaaa', 'action=drain wus2', `since=${new Date().toISOString()}`, `expires=${expires}`]}],
    }, {ifNoneMatch: '*'})
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 6)
    assert.equal(out.status, 'locked')
    assert.match(out.error.message, /alice@laptop, run 20261121-000000-aaaaaa \(drain wus2\)/)
    assert.deepEqual(t.writes(), [], 'the lock is checked before anything is planned or written')
    await dns.recordSets.delete('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-lock')
  })
})

describe('runbook actions', () => {
  it('stops before a manualAction without a terminal (exit 5), since --yes never confirms one; resume --ack records who did', async () => {
    const t = await e2e((text) => `${text}actions:\n  drain:\n    - drainSteering\n    - waitOutTtl\n    - verifySurvivorResolution\n    - manualAction: Point the on-premises conditional forwarders at wus2's inbound endpoint\n`)
    try {
      const {code, out} = await t.json(['drain', 'eus2', '--yes'])
      assert.equal(code, 5, JSON.stringify(out))
      assert.equal(out.error.code, 'ManualActionPending')
      assert.match(out.error.message, /Stopped before manual action manualAction1 .*no terminal to ask a person/)
      assert.match(out.error.hint, new RegExp(`azfail resume ${out.result.runId} --ack manualAction1`))
      assert.deepEqual(out.result.steps.map((s: any) => s.status), ['succeeded', 'succeeded', 'succeeded', 'failed'])
      const runId = out.result.runId
      const resumed = await t.json(['resume', runId, '--yes', '--ack', 'manualAction1'])
      assert.equal(resumed.code, 0, JSON.stringify(resumed.out.error))
      const last = resumed.out.result.steps.at(-1)
      assert.deepEqual([last.id, last.status], ['manualAction1', 'succeeded'])
      assert.match(last.message, /^confirmed by .* with --ack manualAction1: Point the on-premises conditional forwarders/)
      assert.deepEqual(resumed.out.result.steps.slice(0, 3).map((s: any) => s.message), Array(3).fill('completed in an earlier attempt'), 'nothing before it ran again')
      const dry = await t.azfail(['drain', 'eus2', '--dry-run'])
      assert.match(dry.stdout, /manualAction1 \[planned\] a person confirms: Point the on-premises/)
    } finally {
      await t.stop()
    }
  })

  it('rejects an unknown step kind in the runbook with its line', async () => {
    const t = await e2e((text) => `${text}actions:\n  drain:\n    - drainSteering\n    - deleteEverything\n`)
    try {
      const r = await t.azfail(['drain', 'eus2', '--dry-run'])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /azfail\.yaml:\d+:\d+ actions\.drain\.1: /)
    } finally {
      await t.stop()
    }
  })
})
