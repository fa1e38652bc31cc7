// Temporary directories: nothing of a practice (its sandbox copy with the token and TLS key, its PostgreSQL data)
// remains in TMPDIR however it ends, a private (0700) TMPDIR works, and a test file of the suite leaves nothing there.
// Each case gives the process its own TMPDIR, so what other tests running beside it make does not count.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {postgresAvailable} from '#sandbox'
import {HANG_MS, ROOT, eventually, runCli, tempDir} from '../helpers.ts'
import {e2e, spawnAzfail} from './support.ts'

/** A fresh TMPDIR that only its owner may enter, as a careful operator's is. */
function privateTmp(): string {
  const dir = join(tempDir('azfail-tmp-'), 'tmp')
  mkdirSync(dir, {mode: 0o700})
  chmodSync(dir, 0o700)
  return dir
}

/** What azfail or its tests left in a TMPDIR (Node's own compile cache is not theirs). */
const left = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('azfail-'))

describe('temporary directories', () => {
  it('a test file of the suite leaves nothing in TMPDIR (its sandboxes, work dirs and CLI runs included)', async () => {
    const tmp = privateTmp()
    const file = join('test', 'e2e', 'lint.test.ts')
    // the runner's NODE_TEST_CONTEXT would make the child report to this runner instead of running its own files
    const {NODE_TEST_CONTEXT: _, ...env} = process.env
    const child = spawn(process.execPath, ['--test', file, join('test', 'unit', 'journal.test.ts')], {cwd: ROOT, env: {...env, TMPDIR: tmp}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    // A hang guard for a whole test file of many CLI runs, not one: lint.test.ts took over HANG_MS beside two other
    // test runs (load ~18) and was killed mid-run.
    const timer = setTimeout(() => child.kill('SIGKILL'), 5 * HANG_MS)
    const code = await new Promise<number | null>((r) => child.once('close', r))
    clearTimeout(timer)
    assert.equal(code, 0, out.slice(-3000))
    assert.deepEqual(left(tmp), [], `left in TMPDIR by ${file}`)
  })

  it('a practice that fails, and one interrupted between its runs, leave nothing in a private TMPDIR', async () => {
    const t = await e2e()
    try {
      const tmp = privateTmp()
      const failed = await t.azfail(['gameday', '--practice', '--faults', 'failed-promotion', '--json'], {env: {TMPDIR: tmp}})
      assert.ok([0, 4].includes(failed.code!), failed.stderr)
      assert.deepEqual(left(tmp), [], 'the practice copy (token, TLS key, identities) is gone')

      const runs = join(t.work, 'interrupted-runs')
      const run = spawnAzfail(t, ['gameday', '--practice', '--runs-dir', runs], {env: {TMPDIR: tmp}})
      // a run of the practice has started in the copy: SIGTERM ends it, then the practice
      await eventually(() => existsSync(runs) && readdirSync(runs).length > 0)
      run.child.kill('SIGTERM')
      assert.equal(await run.closed, 5, run.stderr())
      assert.match(run.stderr(), /interrupted/)
      assert.deepEqual(left(tmp), [], 'the interrupted practice removed its copy')
    } finally {
      await t.stop()
    }
  })

  it('--postgres with a private (0700) TMPDIR as root: the servers run, their data is private and goes with the state dir', {skip: !postgresAvailable() && !process.env.CI ? "no PostgreSQL server binaries here ('pg_config' is missing)" : false}, async () => {
    const tmp = privateTmp()
    const work = tempDir('azfail-work-')
    const state = join(work, 'sandbox')
    const reset = await runCli(['sandbox', 'reset', '--postgres', '--yes', '--state-dir', state], {cwd: work, env: {TMPDIR: tmp}})
    assert.equal(reset.code, 0, reset.stderr)
    const status = await runCli(['status', '--sandbox', '--state-dir', state, '--json'], {cwd: work, env: {TMPDIR: tmp, AZFAIL_REQUEST_TIMEOUT: '60'}})
    assert.ok([0, 4].includes(status.code!), status.stderr + status.stdout)
    assert.match(status.stdout, /pg-app-eus2/)
    if (process.getuid?.() === 0) {
      // As root the data sits outside the state dir, in a private directory with an unpredictable name.
      const {readFileSync, statSync} = await import('node:fs')
      const data = readFileSync(join(state, 'postgres-root'), 'utf8').trim()
      assert.match(data, /\/azfail-pg-[A-Za-z0-9]{6}$/)
      assert.equal(statSync(data).mode & 0o777, 0o700)
      assert.ok(!data.startsWith(tmp), 'not under a TMPDIR the postgres user cannot traverse')
    }
    assert.deepEqual(left(tmp), [])
  })
})
