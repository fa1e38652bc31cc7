// A run killed with SIGKILL at each step boundary and mid-wait is completed by `azfail resume`, with the same final
// state as an uninterrupted run and no completed write repeated; and a drain rides out throttling and 5xx.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {resolveName, resolverFor} from '../../src/azure/resolve.ts'
import {eventually} from '../helpers.ts'
import {type E2E, FD_ORIGIN, HANG_MS, TM_EP, e2e, journalEvents, runIdIn, spawnAzfail} from './support.ts'

type JournalEvent = {event: string; step?: {id: string; status: string; plan?: {summary: string}}; attempt: number}

const events = (t: E2E, runId: string): JournalEvent[] => journalEvents(t.work, runId) as JournalEvent[]

/** Starts `azfail drain eus2` as a user would and waits for its run to appear in the journal. */
async function startDrain(t: E2E) {
  const run = spawnAzfail(t, ['drain', 'eus2', '--yes'])
  return {...run, runId: await runIdIn(t.work)}
}

/** Starts a drain and SIGKILLs it the moment the journal satisfies `when`; returns the run id. */
async function drainKilledWhen(t: E2E, when: (e: JournalEvent[], t: E2E) => boolean, delayMs = 0): Promise<string> {
  const {child, runId, closed} = await startDrain(t)
  let exited = false
  void closed.then(() => (exited = true))
  // Until the kill point or the run's end (a kill point never reached is then the failure), however slow the machine.
  await eventually(() => when(events(t, runId), t) || exited, HANG_MS)
  assert.ok(when(events(t, runId), t), 'the run ended before the kill point')
  if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
  child.kill('SIGKILL')
  await closed
  return runId
}

const finished = (id: string) => (e: JournalEvent[]) => e.some((x) => x.event === 'finished' && x.step?.id === id)
const started = (id: string) => (e: JournalEvent[]) => e.some((x) => x.event === 'started' && x.step?.id === id)

async function assertDrainedOnce(t: E2E) {
  const writes = t.sb.requests().filter((r) => r.method !== 'GET' && r.status < 400)
  const count = (re: RegExp) => writes.filter((w) => re.test(w.path)).length
  assert.equal(count(TM_EP('eus2')), 1, 'the Traffic Manager endpoint was written once')
  assert.equal(count(FD_ORIGIN('eus2')), 1, 'the Front Door origin was written once')
  assert.equal(count(/TXT\/_azfail-drain-eus2$/), 1, 'the drain record was written once')
  const tm = await t.sb.clients.trafficManager()
  assert.equal((await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointStatus, 'Disabled')
  const cdn = await t.sb.clients.frontDoor()
  assert.equal((await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')).enabledState, 'Disabled')
  assert.deepEqual((await resolveName(resolverFor(t.sb.resolvers.wus2), 'kv-app-wus2.vault.azure.net')).addresses, ['10.30.3.7'])
  const dns = await t.sb.clients.privateDns()
  await assert.rejects(dns.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-lock'), (e: any) => e.statusCode === 404, 'the lock is released')
}

const fdPatched = (_e: JournalEvent[], t: E2E) => t.sb.requests().some((r) => r.method === 'PATCH' && r.status === 202 && FD_ORIGIN('eus2').test(r.path))

const killPoints: Array<[string, (e: JournalEvent[], t: E2E) => boolean, number]> = [
  ['during drainSteering', started('drainSteering'), 0],
  ['while the Front Door update runs', fdPatched, 0],
  ['after drainSteering', finished('drainSteering'), 0],
  ['mid-wait', started('waitOutTtl'), 1200],
  ['after waitOutTtl', finished('waitOutTtl'), 0],
]

describe('resume after SIGKILL', () => {
  for (const [name, when, delay] of killPoints) {
    it(`completes a drain killed ${name}, repeating no completed write`, async () => {
      const t = await e2e((text) => text.replace('connectionDrainSeconds: 1', 'connectionDrainSeconds: 3'))
      // Long enough that the resumed run meets the killed run's Front Door update still in flight.
      if (when === fdPatched) await t.sb.control('PATCH', 'settings', {lroMs: 3000})
      try {
        const runId = await drainKilledWhen(t, when, delay)
        const killed = JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8'))
        if (killed.status === 'succeeded') {
          // The kill landed after the run's last step: a finished run is not resumed, and the estate is as drained.
          const again = await t.json(['resume', runId, '--yes'])
          assert.deepEqual([again.code, again.out.error.code], [2, 'NotResumable'])
          await assertDrainedOnce(t)
          return
        }
        const {code, out} = await t.json(['resume', runId, '--yes'])
        assert.equal(code, 0, JSON.stringify(out.error))
        assert.equal(out.result.runId, runId)
        assert.deepEqual(out.result.steps.map((s: any) => s.id), ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution'])
        const last = out.result.steps.at(-1)
        assert.ok(last.status === 'succeeded' || (last.status === 'skipped' && last.message === 'completed in an earlier attempt'), JSON.stringify(last))
        await assertDrainedOnce(t)
        const meta = JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8'))
        assert.deepEqual([meta.status, meta.attempts], ['succeeded', 2])
        if (name === 'mid-wait') {
          const resumedWait = events(t, runId).find((e) => e.attempt === 2 && e.event === 'finished' && e.step?.id === 'waitOutTtl')
          const left = Number(/wait (\d+)s/.exec(resumedWait?.step?.plan?.summary ?? '')?.[1] ?? 'NaN')
          assert.ok(left < 4, `the resumed wait is only what was left of the 4 s window (${resumedWait?.step?.plan?.summary})`)
        }
      } finally {
        await t.stop()
      }
    })
  }
})

describe('faults', () => {
  it('completes a drain under 20 % throttling (429 + Retry-After) and 20 % 5xx', async () => {
    const t = await e2e()
    try {
      await t.sb.control('POST', 'faults', {kind: 'throttle', path: '.', rate: 0.2, retryAfterSeconds: 1, seed: 11})
      await t.sb.control('POST', 'faults', {kind: 'error', status: 500, path: '.', rate: 0.2, seed: 23})
      const {code, out} = await t.json(['drain', 'eus2', '--yes'])
      assert.equal(code, 0, JSON.stringify(out.error))
      const statuses = t.sb.requests().map((r) => r.status)
      assert.ok(statuses.includes(429) && statuses.includes(500), `faults were injected: ${statuses.join(',')}`)
      await t.sb.control('DELETE', 'faults')
      await assertDrainedOnce(t)
    } finally {
      await t.stop()
    }
  })
})

describe('resume --dry-run', () => {
  it('plans what is left, writes nothing, and leaves the interrupted run as it was', async () => {
    const t = await e2e((text) => text.replace('connectionDrainSeconds: 1', 'connectionDrainSeconds: 3'))
    try {
      const runId = await drainKilledWhen(t, finished('drainSteering'))
      const journal = join(t.work, '.azfail', 'runs', runId, 'journal.jsonl')
      const before = readFileSync(journal, 'utf8')
      t.sb.mark()
      const {code, out} = await t.json(['resume', runId, '--dry-run'])
      assert.equal(code, 0, JSON.stringify(out.error))
      assert.equal(out.result.dryRun, true)
      assert.notEqual(out.result.runId, runId, 'the plan is recorded as a dry run of its own')
      assert.deepEqual(out.result.steps.map((s: any) => s.id), ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution'])
      assert.equal(out.result.steps[0].status, 'skipped')
      assert.ok(['planned', 'skipped'].includes(out.result.steps[1].status), 'the wait is planned, or already passed on a slow machine')
      assert.equal(out.result.steps[0].message, 'completed in an earlier attempt')
      assert.deepEqual(t.writes(), [])
      assert.equal(readFileSync(journal, 'utf8'), before)
      assert.deepEqual(JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8')).attempts, 1)
      assert.equal((await t.json(['resume', runId, '--yes'])).code, 0, 'and the real resume still completes it')
    } finally {
      await t.stop()
    }
  })
})

describe('Ctrl-C', () => {
  it('stops a run with exit 5, names the resume command, and releases the lock', async () => {
    const t = await e2e((text) => text.replace('connectionDrainSeconds: 1', 'connectionDrainSeconds: 5'))
    try {
      const {child, runId, closed, stderr} = await startDrain(t)
      const runsDir = join(t.work, '.azfail', 'runs')
      let exited = false
      void closed.then(() => (exited = true))
      // The 6 s wait is the window for the signal; reaching it may take a loaded machine long, and is not timed.
      await eventually(() => started('waitOutTtl')(events(t, runId)) || exited, HANG_MS)
      child.kill('SIGINT')
      assert.equal(await closed, 5)
      assert.match(stderr(), new RegExp(`Interrupted during waitOutTtl\\. 'azfail resume ${runId}' continues`))
      const dns = await t.sb.clients.privateDns()
      await assert.rejects(dns.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-lock'), (e: any) => e.statusCode === 404)
      assert.equal(JSON.parse(readFileSync(join(runsDir, runId, 'run.json'), 'utf8')).status, 'interrupted')
    } finally {
      await t.stop()
    }
  })
})
