// The run lock is a lease renewed while a run lives, checked before guards, never left behind; a live run is never
// resumed beside itself, a long-running operation in flight is followed, and a dead run is taken over from elsewhere.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {eventually, HANG_MS, runCli, tempDir} from '../helpers.ts'
import {spawnAzfail, lockRecord, txtField, longDrain, runIdIn, startedStep} from './support.ts'

// The lease these runs hold, and the TTL window they wait out. The window must outlast what the test does while the
// run waits (a second operator's azfail starting, planning and reading the lock: seconds alone, tens of seconds on a
// loaded 2-core machine, where a 13 s window ended before the second operator looked and it found no lock). The lease
// is ten seconds, not less: renewals every third of it must land for the holder to count as alive, and on a loaded
// machine a 6 s lease lapsed between two of them. A run whose lock is lost stops while it waits, so test 2 does not
// wait the window out.
const LEASE = {AZFAIL_LOCK_LEASE_SECONDS: '10'}
const WINDOW_DRAIN_SECONDS = 60

describe('the run lock is a lease', () => {
  it('is renewed through a wait longer than the lease, refuses a second operator (exit 6, naming the holder), and is released', async () => {
    const t = await longDrain(WINDOW_DRAIN_SECONDS)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'], {env: LEASE})
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      const first = txtField(await lockRecord(t), 'expires')
      // Past the first lease's end the run still waits: the lease has moved on.
      const later = (await eventually(async () => {
        const now = txtField(await lockRecord(t), 'expires')
        return Date.parse(now) > Date.parse(first) + Number(LEASE.AZFAIL_LOCK_LEASE_SECONDS) * 1000 && now
      }, HANG_MS)) as string
      assert.ok(Date.parse(later) > Date.now(), `the lease runs on while the run waits (${first} -> ${later})`)
      const other = tempDir('azfail-other-')
      const second = await runCli(['promote', '--replica', '--yes', '--json', '--sandbox', '--state-dir', t.sb.dir, '--runbook', t.runbook], {cwd: other, env: {CI: 'true'}})
      assert.equal(second.code, 6, `${second.stdout}\nthe first run so far: ${run.stdout()}`)
      assert.match(JSON.parse(second.stdout).error.message, new RegExp(`run ${runId} \\(drain eus2\\)`))
      assert.equal(await run.closed, 0, run.stdout())
      assert.equal(await lockRecord(t), undefined, 'released')
    } finally {
      await t.stop()
    }
  })

  it('a run whose lock is released by force stops where it is, in the wait too (exit 5, LockLost); the release is recorded with who and why', async () => {
    const t = await longDrain(WINDOW_DRAIN_SECONDS)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'], {env: LEASE})
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      const refused = await t.json(['lock', 'release', '--reason', 'drill'])
      assert.equal(refused.code, 6, `a live holder is not released without --force: ${JSON.stringify(refused.out)}\nthe run so far: ${run.stdout()}`)
      const released = await t.json(['lock', 'release', '--reason', 'operator took over by hand', '--force'])
      assert.equal(released.code, 0, JSON.stringify(released.out))
      assert.equal(released.out.result.runId, runId)
      assert.equal(await run.closed, 5, run.stdout())
      const out = JSON.parse(run.stdout())
      assert.equal(out.error.code, 'LockLost')
      const wait = out.result.steps.find((s: any) => s.id === 'waitOutTtl')
      assert.equal(wait.status, 'failed', 'the wait stopped when the lock was lost, not at the end of its window')
      assert.ok(!out.result.steps.some((s: any) => s.id === 'verifySurvivorResolution' && s.status === 'succeeded'), 'no step ran after the lock was lost')
      const status = await t.json(['lock', 'status'])
      assert.equal(status.out.result.lock, undefined)
      assert.equal(status.out.result.lastRelease.reason, 'operator took over by hand')
    } finally {
      await t.stop()
    }
  })
})
