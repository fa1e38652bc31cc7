// One clock for facts other machines read: Azure's. Another operator's machine is simulated with libfaketime putting
// only the azfail process 10 minutes ahead or behind; the sandbox (Azure) keeps the real clock. No teardown inside the
// TTL window, no live lock taken over or released without --force, no lease born expired, and doctor says the skew.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {describe, it} from 'node:test'
import {tempDir} from '../helpers.ts'
import {type E2E, e2e, lockRecord, longDrain, runIdIn, spawnAzfail, startedStep, STATE_ZONE, txtField} from './support.ts'

/** A connection drain of 10 minutes: a window no test step outlasts, however loaded the machine; these tests end the run themselves. */
const WINDOW_OUTLASTING = 600

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find(existsSync)
const skip = LIBFAKETIME ? false : 'libfaketime is not installed (.ci/run installs the faketime package)'

/** The environment of an azfail process whose clock (wall and monotonic alike) is `offset` off, e.g. '+10m'. */
const skewed = (offset: string) => ({LD_PRELOAD: LIBFAKETIME!, FAKETIME: offset, FAKETIME_NO_CACHE: '1'})

async function json(t: E2E, args: string[], offset: string, cwd?: string) {
  const r = cwd ? await runIn(t, cwd, args, offset) : await t.azfail([...args, '--json'], {env: skewed(offset)})
  try {
    return {code: r.code, out: JSON.parse(r.stdout)}
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

async function runIn(t: E2E, cwd: string, args: string[], offset: string) {
  const run = spawnAzfail(t, [...args, '--json'], {cwd, env: skewed(offset)})
  await run.closed
  return {code: await run.closed, stdout: run.stdout(), stderr: run.stderr()}
}

const KV_ZONE = ['rg-connectivity-dns', 'privatelink.vaultcore.azure.net'] as const
const peDeletes = (t: E2E) => t.writes().filter((w) => w.method === 'DELETE' && /privateEndpoints\//i.test(w.path))

/** Drains eus2 (2 s window), then raises a record's TTL so the window becomes 91 s: a teardown now is inside it. */
async function drainedWithLongWindow(t: E2E, offset?: string) {
  const drained = offset ? await json(t, ['drain', 'eus2', '--yes'], offset) : await t.json(['drain', 'eus2', '--yes'])
  assert.equal(drained.code, 0, JSON.stringify(drained.out.error))
  const dns = await t.sb.clients.privateDns()
  await dns.recordSets.update(...KV_ZONE, 'A', 'kv-app-eus2', {ttl: 90})
  t.sb.mark()
}

describe("one clock for facts other machines read: Azure's", {skip}, () => {
  it('an operator whose clock is 10 minutes ahead cannot tear down inside the TTL window (exit 3, nothing deleted)', async () => {
    const t = await e2e()
    try {
      await drainedWithLongWindow(t)
      const {code, out} = await json(t, ['teardown', 'eus2', '--yes'], '+10m')
      assert.equal(code, 3, JSON.stringify(out))
      assert.equal(out.error.guard, 'drained-before-teardown')
      assert.match(out.error.message, /needs 91s/)
      assert.deepEqual(peDeletes(t), [])
    } finally {
      await t.stop()
    }
  })

  it('a drain by an operator whose clock is 10 minutes behind records Azure\'s time: an honest colleague cannot tear down at once', async () => {
    const t = await e2e()
    try {
      const before = Date.now()
      await drainedWithLongWindow(t, '-10m')
      const dns = await t.sb.clients.privateDns()
      const drainedAt = Date.parse(txtField(await dns.recordSets.get(...STATE_ZONE, 'TXT', '_azfail-drain-eus2'), 'drainedAt'))
      assert.ok(drainedAt >= before - 2000 && drainedAt <= Date.now() + 2000, `the drain time is Azure's (${new Date(drainedAt).toISOString()}), not ten minutes behind`)
      const {code, out} = await t.json(['teardown', 'eus2', '--yes'])
      assert.equal(code, 3, JSON.stringify(out))
      assert.equal(out.error.guard, 'drained-before-teardown')
      assert.deepEqual(peDeletes(t), [])
    } finally {
      await t.stop()
    }
  })

  it('a clock 10 minutes ahead neither takes a live run\'s lock over, nor releases it without --force, nor resumes it', async () => {
    // A window that outlasts the three commands below (the test stops the run): a 41 s one ended before the second
    // of them on a loaded machine, and the release found no lock to refuse.
    const t = await longDrain(WINDOW_OUTLASTING)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'])
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      t.sb.mark()
      const elsewhere = tempDir('azfail-ahead-')
      const promote = await json(t, ['promote', '--replica', '--yes'], '+10m', elsewhere)
      assert.equal(promote.code, 6, JSON.stringify(promote.out))
      assert.match(promote.out.error.message, new RegExp(`run ${runId} \\(drain eus2\\)`))
      const release = await json(t, ['lock', 'release', '--reason', 'looks stale from here'], '+10m', elsewhere)
      assert.equal(release.code, 6, JSON.stringify(release.out))
      const resume = await json(t, ['resume', runId, '--yes'], '+10m', elsewhere)
      assert.equal(resume.code, 6, JSON.stringify(resume.out))
      assert.deepEqual(t.writes().filter((w) => !/_azfail-lock$/.test(w.path)), [], 'the operator ahead changed nothing')
      assert.equal(txtField(await lockRecord(t), 'run'), runId, 'the lock is still the live run\'s')
      run.child.kill('SIGTERM')
      assert.equal(await run.closed, 5)
    } finally {
      await t.stop()
    }
  })

  it('a holder whose clock is 10 minutes behind writes a lease that runs on Azure\'s clock, not one born expired', async () => {
    const t = await longDrain(40)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'], {env: skewed('-10m')})
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      const lock = await lockRecord(t)
      const [since, expires] = [Date.parse(txtField(lock, 'since')), Date.parse(txtField(lock, 'expires'))]
      assert.ok(expires > Date.now() + 60_000, `the lease runs ahead on Azure's clock (expires ${txtField(lock, 'expires')})`)
      assert.ok(Math.abs(since - Date.now()) < 60_000, `since is Azure's time (${txtField(lock, 'since')})`)
      const other = await json(t, ['promote', '--replica', '--yes'], '+0', tempDir('azfail-honest-'))
      assert.equal(other.code, 6, 'an honest colleague finds it alive')
      run.child.kill('SIGTERM')
      assert.equal(await run.closed, 5)
    } finally {
      await t.stop()
    }
  })

  it("a resume on a clock 10 minutes ahead does not count the wait as already done", async () => {
    const t = await longDrain(WINDOW_OUTLASTING)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--json'])
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      run.child.kill('SIGKILL')
      await run.closed
      const {code, out} = await json(t, ['resume', runId, '--dry-run'], '+10m')
      assert.equal(code, 0, JSON.stringify(out.error))
      const wait = out.result.steps.find((s: any) => s.id === 'waitOutTtl')
      assert.equal(wait.status, 'planned', wait.message)
      // Judged on the local clock, 10 minutes ahead, the window would be over; on Azure's, most of it is left.
      assert.ok(wait.plan.waitSeconds > WINDOW_OUTLASTING / 2, `most of the window is left on Azure's clock: ${wait.message}`)
    } finally {
      await t.stop()
    }
  })

  it('doctor reports a local clock 10 minutes ahead as a warning, measured against Azure\'s Date header', async () => {
    const t = await e2e()
    try {
      const {out} = await json(t, ['doctor'], '+10m')
      const check = out.result.checks.find((c: any) => c.id === 'clock/skew')
      assert.equal(check?.status, 'warning', JSON.stringify(check))
      assert.match(check.observed, /clock is (59\d|60\d)\.\ds ahead of Azure's/)
      const honest = await t.json(['doctor'])
      assert.equal(honest.out.result.checks.find((c: any) => c.id === 'clock/skew')?.status, 'passed')
    } finally {
      await t.stop()
    }
  })
})

