// Drift (issue 16, item 4): the wait and every later step watch the steering layer. A region re-enabled during the wait
// fails the drain (exit 1, naming what changed and who, from the Activity Log) and deletes its drain record; a region
// re-enabled and disabled again restarts the TTL window from that write, for the wait and for the teardown guard.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {writeDrainRecord} from '../../src/azure/state-records.ts'
import {loadRunbook} from '../../src/runbook/load.ts'
import {tempDir} from '../helpers.ts'
import {type E2E, HANG_MS, STATE_ZONE, longDrain, runIdIn, spawnAzfail, startedStep} from './support.ts'

const TM = ['rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2'] as const

describe('drift of the steering layer', () => {
  let t: E2E
  before(async () => (t = await longDrain(6))) // a 7 s window: 1 s TTLs + 6 s connection drain
  after(() => t.stop())

  const setEus2 = async (endpointStatus: 'Enabled' | 'Disabled') => (await t.sb.clients.trafficManager()).endpoints.update(...TM, {endpointStatus})
  const drainRecord = async () => {
    const dns = await t.sb.clients.privateDns()
    return dns.recordSets.get(...STATE_ZONE, 'TXT', '_azfail-drain-eus2').catch((e: any) => (e.statusCode === 404 ? undefined : Promise.reject(e)))
  }
  const restoreEus2 = async () => {
    const r = await t.azfail(['restore', 'eus2', '--yes'], {timeoutMs: 120_000})
    assert.equal(r.code, 0, r.stderr)
  }
  /** The time the sandbox logged the outside client's last write on eus2's endpoint. */
  const lastOutsideWrite = () => t.sb.requests().filter((r) => r.method === 'PATCH' && /azureEndpoints\/ep-eus2$/i.test(r.path) && r.caller === 'sandbox-admin').at(-1)!.time

  it('a region re-enabled during the wait fails the drain (exit 1), names the change and who, deletes the drain record, and tears nothing down', async () => {
    const work = tempDir('azfail-work-')
    t.sb.mark()
    const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--teardown', '--json'], {cwd: work})
    const runId = await runIdIn(work)
    await startedStep(work, runId, 'waitOutTtl')
    await setEus2('Enabled')
    assert.equal(await run.closed, 1, run.stderr())
    const out = JSON.parse(run.stdout())
    assert.equal(out.status, 'failed')
    assert.equal(out.error.code, 'SteeringDrift', out.error.message)
    assert.match(out.error.message, /eus2 serves again: Traffic Manager endpoint ep-eus2 is Enabled/)
    assert.match(out.error.message, /by sandbox-admin at /, 'who, from the Activity Log')
    assert.match(out.error.message, /drain record was deleted/)
    assert.equal(await drainRecord(), undefined, 'the drain record no longer authorises a teardown')
    assert.deepEqual(t.writes().filter((w) => /privateEndpoints/i.test(w.path) && w.method === 'DELETE'), [], 'no endpoint deleted')
    assert.ok(t.sb.requests().some((r) => r.method === 'GET' && /Microsoft.Insights\/eventtypes\/management\/values$/i.test(r.path) && r.apiVersion === '2015-04-01'), 'read through @azure/arm-monitor')

    // Disabled again by hand: with no drain record, the teardown is refused.
    await setEus2('Disabled')
    const teardown = await t.json(['teardown', 'eus2', '--yes'])
    assert.equal(teardown.code, 3, JSON.stringify(teardown.out))
    assert.equal(teardown.out.error.guard, 'drained-before-teardown')
    await restoreEus2()
  })

  it('re-enabled and disabled again during the wait: the window restarts from the last write, and the teardown waits for it', async () => {
    const work = tempDir('azfail-work-')
    t.sb.mark()
    const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--teardown', '--json'], {cwd: work})
    const runId = await runIdIn(work)
    await startedStep(work, runId, 'waitOutTtl')
    // The drain time is written as Azure's latest possible time (up to a second ahead); a flip inside that second
    // carries an earlier timestamp and the window already runs from the later drain time. Flip after it.
    const drainedAt = Date.parse(String((await drainRecord())?.txtRecords?.flatMap((r) => r.value ?? []).find((v) => v.startsWith('drainedAt='))?.slice(10)))
    while (Date.now() <= drainedAt + 50) await new Promise((r) => setTimeout(r, 50))
    // The wait must not see eus2 Enabled (it would rightly fail the drain): its reads of the profile are held 8 s (under
    // the 10 s request timeout) while the two writes are made, so each is answered after both, whatever the load. The
    // second write comes 2.5 s after the first, while a look at the steering (every 2 s) is held: that look's Activity
    // Log read saw only the first write, and it ends past the window from it. The wait once ended on that look.
    const held = await t.sb.fault({kind: 'latency', method: 'GET', path: 'trafficManagerProfiles/tm-app', latencyMs: 8000})
    const flipping = performance.now()
    await setEus2('Enabled')
    await new Promise((r) => setTimeout(r, 2500))
    await setEus2('Disabled')
    const flipMs = performance.now() - flipping
    await t.sb.control('DELETE', `faults/${held.id}`)
    assert.ok(flipMs < 8000, `the two writes took ${Math.round(flipMs)} ms, longer than the reads were held: the test proves nothing`)
    const flippedAt = Date.parse(lastOutsideWrite())
    assert.equal(await run.closed, 0, run.stderr() + run.stdout())
    const out = JSON.parse(run.stdout())
    const wait = out.result.steps.find((s: any) => s.id === 'waitOutTtl')
    const teardown = out.result.steps.find((s: any) => s.id === 'teardownEndpoints')
    assert.match(wait.message, /waited out 7s since the last write on eus2's steering at /, wait.message)
    assert.ok(Date.parse(teardown.startedAt) >= flippedAt + 7000, `the teardown started ${Date.parse(teardown.startedAt) - flippedAt} ms after the last write; the window is 7 s`)
    await restoreEus2()
  })

  it('an Activity Log that cannot be read leaves the drain record unproven: the teardown is refused, saying so', async () => {
    const drained = await t.json(['drain', 'eus2', '--yes'], {timeoutMs: 120_000})
    assert.equal(drained.code, 0, JSON.stringify(drained.out))
    await t.sb.control('POST', 'faults', {kind: 'error', status: 409, path: 'Microsoft.Insights/eventtypes'})
    try {
      t.sb.mark()
      const {code, out} = await t.json(['teardown', 'eus2', '--yes'])
      assert.equal(code, 3, JSON.stringify(out))
      assert.equal(out.error.guard, 'drained-before-teardown')
      assert.match(out.error.message, /whether anyone changed its steering since is unknown: the Activity Log could not be read/)
      assert.deepEqual(t.writes().filter((w) => w.method === 'DELETE' && /privateEndpoints/i.test(w.path)), [], 'nothing deleted')
    } finally {
      await t.sb.control('DELETE', 'faults')
    }
    await restoreEus2()
  })

  it('re-enabled and disabled again by hand after the drain: the teardown guard restarts the window from that write', async () => {
    // A drain long past (older than the window), then a write on eus2's steering by hand. The teardown judges on a
    // runbook whose window (a connection drain of HANG_MS) outlasts any start-up of the CLI on a loaded machine, so it
    // plans inside the window that runs from the write, while the drain alone would let it through.
    const windowSeconds = HANG_MS / 1000
    const longWindow = join(t.work, 'long-window.yaml')
    writeFileSync(longWindow, readFileSync(t.runbook, 'utf8').replace(/connectionDrainSeconds: \d+/, `connectionDrainSeconds: ${windowSeconds}`))
    await setEus2('Disabled')
    await (await t.sb.clients.frontDoor()).afdOrigins.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Disabled'})
    const drainedAt = new Date(Date.now() - 2 * (windowSeconds + 10) * 1000).toISOString()
    await writeDrainRecord(loadRunbook(t.runbook).runbook.estate, t.sb.clients, 'eus2', {drainedAt, runId: '20261207-000000-d1d1d1', layers: ['trafficManager', 'frontDoor']})
    await setEus2('Enabled')
    await setEus2('Disabled')
    t.sb.mark()
    const {code, out} = await t.json(['teardown', 'eus2', '--yes'], {runbook: longWindow})
    assert.equal(code, 3, JSON.stringify(out))
    assert.equal(out.error.guard, 'drained-before-teardown')
    assert.match(out.error.message, /its steering was written since \(Microsoft.Network\/trafficManagerProfiles\/azureEndpoints\/write on ep-eus2 by sandbox-admin at /i)
    assert.deepEqual(t.writes().filter((w) => w.method === 'DELETE' && /privateEndpoints/i.test(w.path)), [], 'nothing deleted inside the window')
    await restoreEus2()
  })
})
