// The run lock is a lease renewed while a run lives, checked before guards, never left behind; a live run is never
// resumed beside itself, a long-running operation in flight is followed, and a dead run is taken over from elsewhere.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {eventually, runCli, tempDir} from '../helpers.ts'
import {spawnAzfail, SHORT_LEASE, lockRecord, txtField, longDrain, runIdIn, startedStep} from './support.ts'

describe('the run lock is a lease', () => {
  it('is renewed through a wait longer than the lease, refuses a second operator (exit 6, naming the holder), and is released', async () => {
    const t = await longDrain(12)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'], {env: SHORT_LEASE})
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      const first = txtField(await lockRecord(t), 'expires')
      // Past the first lease's end the run still waits (a 13 s window): the lease has moved on.
      const later = (await eventually(async () => {
        const now = txtField(await lockRecord(t), 'expires')
        return Date.parse(now) > Date.parse(first) + 6000 && now
      }, 30_000)) as string
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

  it('a run whose lock is released by force stops before its next step (exit 5, LockLost); the release is recorded with who and why', async () => {
    const t = await longDrain(12)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'], {env: SHORT_LEASE})
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
      assert.ok(!out.result.steps.some((s: any) => s.id === 'verifySurvivorResolution' && s.status === 'succeeded'), 'no step ran after the lock was lost')
      const status = await t.json(['lock', 'status'])
      assert.equal(status.out.result.lock, undefined)
      assert.equal(status.out.result.lastRelease.reason, 'operator took over by hand')
    } finally {
      await t.stop()
    }
  })
})
