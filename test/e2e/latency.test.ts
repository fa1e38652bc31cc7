// Under `--latency azure`, where every ARM answer takes Azure's time and answers arrive out of order: reads that don't
// depend on each other overlap (a bounded number at a time), and nothing that must happen in order stops doing so.
// Asserted on the sandbox's request log (who overlapped whom), never on wall time.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type RequestLogEntry, generatedEstate} from '#sandbox'
import {ARM_REQUESTS_IN_FLIGHT} from '../../src/azure/clients.ts'
import {runCli, startTestSandbox, tempDir} from '../helpers.ts'
import {type E2E, FD_ORIGIN, TM_EP, e2e} from './support.ts'

const span = (r: RequestLogEntry) => [Date.parse(r.time), Date.parse(r.time) + r.durationMs] as const

/** The most requests the sandbox was answering at one moment. */
function mostAtOnce(log: RequestLogEntry[]): number {
  const edges = log.flatMap((r) => [[span(r)[0], 1], [span(r)[1], -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let most = 0
  for (const [, d] of edges) most = Math.max(most, (now += d))
  return most
}

describe('under --latency azure', () => {
  let t: E2E
  before(async () => {
    t = await e2e()
    assert.equal((await t.sb.control('PATCH', 'settings', {latency: 'azure'})).status, 200)
  })
  after(() => t.stop())

  it('a drain dry run reads in parallel: its reads overlap', async () => {
    t.sb.mark()
    const r = await t.azfail(['drain', 'eus2', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    const log = t.sb.requests()
    assert.ok(log.every((e) => (e.injectedDelayMs ?? 0) >= 50), 'every request was delayed')
    assert.ok(mostAtOnce(log) > 1, `reads overlapped: at most ${mostAtOnce(log)} at once`)
    assert.deepEqual(t.writes(), [])
  })

  it("a game day's report keeps the runbook's order of regions and names, whatever order the answers came in", async () => {
    const {parse} = await import('yaml')
    const {readFileSync} = await import('node:fs')
    const {estate} = parse(readFileSync(t.runbook, 'utf8'))
    const {code, out} = await t.json(['gameday'], {timeoutMs: 120_000})
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(
      out.result.regions.map((r: any) => [r.region, r.names.map((n: any) => n.name)]),
      Object.entries(estate.regions).map(([region, spec]: [string, any]) => [region, Object.keys(spec.expect)]),
    )
  })

  it('a drain still writes in the seed order, each write after the one before it was answered', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'], {timeoutMs: 120_000})
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [
      ['drainSteering', 'succeeded'],
      ['waitOutTtl', 'succeeded'],
      ['verifySurvivorResolution', 'succeeded'],
    ])
    const writes = t.writes() as RequestLogEntry[]
    const names = writes.map((w) => `${w.method} ${w.path.split('/').slice(-2).join('/')}`)
    const tm = names.findIndex((w) => TM_EP('eus2').test(w))
    const fd = names.findIndex((w) => FD_ORIGIN('eus2').test(w))
    const record = names.findIndex((w) => /TXT\/_azfail-drain-eus2$/.test(w))
    // The two layers are written at once (independent control planes); the drain record only once both were answered.
    assert.ok(tm >= 0 && fd >= 0 && record > Math.max(tm, fd), `steering first, then the drain record: ${names}`)
    assert.ok(names[0].startsWith('PUT') && /TXT\/_azfail-lock$/.test(names[0]) && names.at(-1)!.startsWith('DELETE'), `the lock is taken first and released last: ${names}`)
    for (const layer of [tm, fd]) assert.ok(span(writes[record])[0] >= span(writes[layer])[1], `${names[record]} began after ${names[layer]} was answered`)
  })

  it('a practice game day runs with the copy delayed too, and says so', async () => {
    const {code, out} = await t.json(['gameday', '--practice', '--latency', 'azure', '--region', 'eus2'], {timeoutMs: 180_000})
    assert.equal(code, 0, JSON.stringify(out.error ?? out.result?.checks?.filter((c: any) => c.status === 'failed')))
    const {latency, expectation} = out.result.practice
    assert.equal(expectation.held, true)
    assert.equal(latency.profile, 'azure')
    assert.ok(latency.requests > 10, `the practice's ARM requests were counted: ${latency.requests}`)
    assert.ok(latency.injectedMs >= 50 * latency.requests && latency.injectedMs <= 500 * latency.requests, JSON.stringify(latency))
  })
})

describe('reads of a large estate under --latency azure', () => {
  const {world, runbook} = generatedEstate(2, 3 * ARM_REQUESTS_IN_FLIGHT)
  let dir: string
  let stop: () => Promise<void>
  before(async () => {
    dir = tempDir()
    writeFileSync(join(dir, 'state.json'), JSON.stringify({...world, settings: {...world.settings, latency: 'azure'}}))
    writeFileSync(join(dir, 'runbook.yaml'), runbook)
    const sb = await startTestSandbox(dir, {publish: true})
    stop = sb.stop
  })
  after(() => stop())

  it(`overlap ${ARM_REQUESTS_IN_FLIGHT} at a time and never more`, async () => {
    // A teardown reads the region's endpoints and their zone groups (a drain now reads only the zones' records); its dry
    // run of an undrained region is refused by drained-before-teardown (exit 4) after every read is made.
    const r = await runCli(['teardown', 'r01', '--dry-run', '--sandbox', '--state-dir', dir, '--runbook', join(dir, 'runbook.yaml'), '--runs-dir', join(dir, 'runs')], {cwd: dir, env: {CI: 'true'}})
    assert.equal(r.code, 4, r.stderr)
    const {readRequestLog} = await import('#sandbox')
    const log = readRequestLog(dir)
    assert.equal(log.filter((e) => /privateEndpoints\/pe-kv-r01-\d+\/privateDnsZoneGroups$/.test(e.path)).length, 3 * ARM_REQUESTS_IN_FLIGHT, "every endpoint of r01 had its zone groups read")
    const most = mostAtOnce(log)
    assert.ok(most <= ARM_REQUESTS_IN_FLIGHT, `at most ${ARM_REQUESTS_IN_FLIGHT} ARM requests at once, saw ${most}`)
    assert.ok(most > ARM_REQUESTS_IN_FLIGHT / 2, `the endpoints' reads overlapped: at most ${most} at once`)
  })
})
