// A lease that fences every write. A run frozen with SIGSTOP (a laptop lid, a VM pause) past its lease, while another
// operator takes the lock and changes the estate, makes no write after the other's lock was taken, and exits 5
// (interrupted), saying what it had done. AZFAIL_FREEZE_ROUNDS sets the random rounds (3 by default).
import assert from 'node:assert/strict'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, it} from 'node:test'
import {eventually, tempDir} from '../helpers.ts'
import {type E2E, e2e, journalEvents, lockRecord, spawnAzfail, txtField} from './support.ts'

/** A 3 s lease for the run that is frozen; the other operator keeps the default. */
const LEASE = {AZFAIL_LOCK_LEASE_SECONDS: '3'}

/** The lock record's run and lease end, once `runId`'s lock is in Azure. */
async function lockOf(t: E2E, runId?: string): Promise<{runId: string; expires: number}> {
  return (await eventually(async () => {
    const rs = await lockRecord(t)
    const run = txtField(rs, 'run')
    return rs && (!runId || run === runId) ? {runId: run, expires: Date.parse(txtField(rs, 'expires'))} : undefined
  }, 30_000))!
}

/**
 * Freezes the run, waits (on the real clock, Azure's here) past its lease, lets another operator restore eus2 (taking
 * the lock over), then thaws the run. Asserts the run wrote nothing after the other's lock PUT and exited 5.
 */
async function freezeThenTakeOver(t: E2E, run: ReturnType<typeof spawnAzfail>, runId: string) {
  run.child.kill('SIGSTOP')
  try {
    const {expires} = await lockOf(t, runId)
    await sleep(Math.max(0, expires - Date.now()) + 1000) // the lease ran out on Azure's clock
    t.sb.mark()
    const lockTaken = () => t.sb.requests().some((r) => r.method === 'PUT' && /TXT\/_azfail-lock$/.test(r.path) && r.status < 300)
    const other = await t.json(['restore', 'eus2', '--yes'])
    assert.equal(other.code, 0, `the other operator takes the lock and restores eus2: ${JSON.stringify(other.out.error)}`)
    if (!lockTaken()) {
      // Frozen before its first write (eus2 still served): the restore had nothing to do, and a run that changes nothing
      // takes no lock. The other operator drains eus2 and restores it, taking the lock for each.
      for (const args of [['drain', 'eus2', '--yes'], ['restore', 'eus2', '--yes']]) {
        const r = await t.json(args)
        assert.equal(r.code, 0, `the other operator: ${args.join(' ')}: ${JSON.stringify(r.out.error)}`)
      }
    }
    assert.ok(lockTaken(), "the other operator's lock PUT is in the log")
    // The other operator has finished: from here on the only writer is the frozen run.
    t.sb.mark()
  } finally {
    run.child.kill('SIGCONT')
  }
  const code = await run.closed
  const writes = t.writes().filter((w) => !(/TXT\/_azfail-lock$/.test(w.path) && w.status >= 400))
  assert.deepEqual(writes, [], `the thawed run wrote after the other's lock was taken (exit ${code}):\n${run.stdout()}`)
  assert.equal(code, 5, run.stdout() + run.stderr())
  const out = JSON.parse(run.stdout())
  assert.equal(out.error.code, 'LockLost', out.error.message)
  assert.match(out.error.message, /lost its lock/)
  return out
}

describe('a run frozen past its lease while another operator takes the lock', () => {
  it('frozen inside teardownEndpoints between deletes (one delete throttled): no delete after the takeover, exit 5, saying what it did', async () => {
    const t = await e2e()
    try {
      // The first delete of one endpoint is throttled: its retry comes after the freeze, so the teardown is mid-way.
      await t.sb.control('POST', 'faults', {kind: 'throttle', method: 'DELETE', path: 'privateEndpoints/pe-kv-app-eus2$', count: 1, retryAfterSeconds: 4})
      const run = spawnAzfail(t, ['drain', 'eus2', '--teardown', '--yes', '--json'], {env: LEASE})
      await eventually(() => t.sb.requests().some((r) => r.method === 'DELETE' && /pe-kv-app-eus2$/.test(r.path) && r.status === 429), 60_000)
      const {runId} = await lockOf(t)
      const out = await freezeThenTakeOver(t, run, runId)
      assert.match(out.error.message, /It had done: drainSteering .*waitOutTtl/)
      const teardown = out.result.steps.find((s: any) => s.id === 'teardownEndpoints')
      assert.notEqual(teardown?.status, 'succeeded')
    } finally {
      await t.stop()
    }
  })

  const rounds = Number(process.env.AZFAIL_FREEZE_ROUNDS ?? 3)
  it(`${rounds} rounds frozen at a random moment after the lock is taken: no write after the takeover, exit 5`, async () => {
    const t = await e2e()
    try {
      for (let round = 0; round < rounds; round++) {
        const work = tempDir('azfail-frozen-')
        const run = spawnAzfail(t, ['drain', 'eus2', '--teardown', '--yes', '--json'], {cwd: work, env: LEASE})
        const {runId} = await lockOf(t)
        const at = Math.floor(Math.random() * 2000)
        await sleep(at)
        if (run.child.exitCode !== null) throw new Error(`round ${round}: the run ended before the freeze at ${at} ms`)
        const step = journalEvents(work, runId).filter((e) => e.event === 'started').at(-1)?.step?.id
        await freezeThenTakeOver(t, run, runId).catch((e) => Promise.reject(new Error(`round ${round}, frozen ${at} ms after its lock, in ${step}: ${e.message}`)))
        // Back to the start: eus2 restored by the other operator, its endpoints re-created from the teardown record.
        assert.equal(await lockRecord(t), undefined)
      }
    } finally {
      await t.stop()
    }
  })
})
