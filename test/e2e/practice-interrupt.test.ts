// A practice (gameday --practice) interrupted outside any of its runs: while it sets up its sandbox copy, between two
// of its runs, or while it reads the outcome after the last one. Each ends interrupted (exit 5) and says so, with no
// practice result and no "ready" game day, nothing of the copy left in TMPDIR, and the sandbox it copied untouched.
// Under --latency azure each ARM answer takes Azure's time, so the setup's and the outcome's reads last long enough
// for a signal to land in them.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {HANG_MS, eventually, tempDir} from '../helpers.ts'
import {type E2E, e2e, spawnAzfail} from './support.ts'

/** The runs a practice journaled in `runs`, with their status (`running` until each ends). */
function runsIn(runs: string): Array<{id: string; action: string; status: string}> {
  if (!existsSync(runs)) return []
  return readdirSync(runs).flatMap((id) => {
    try {
      const meta = JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8'))
      return [{id, action: meta.action, status: meta.status}]
    } catch {
      return [{id, action: '?', status: 'running'}]
    }
  })
}

describe('a practice interrupted outside its runs', () => {
  let t: E2E
  let phases = 0
  before(async () => {
    t = await e2e()
    const whole = await t.json(['gameday', '--practice', '--region', 'eus2'], {timeoutMs: HANG_MS})
    assert.equal(whole.code, 0, whole.stderr)
    phases = whole.out.result.practice.phases.length
  })
  after(() => t.stop())

  /** Starts a practice, signals it once `when` holds of its runs, and checks how it ended. */
  async function interrupted(signal: NodeJS.Signals, when: (runs: ReturnType<typeof runsIn>, tmp: string[]) => boolean, args: string[] = []) {
    const base = tempDir('azfail-tmp-')
    const runs = join(base, 'runs')
    const tmp = join(base, 'tmp')
    const {mkdirSync} = await import('node:fs')
    mkdirSync(tmp, {mode: 0o700})
    t.sb.mark()
    const run = spawnAzfail(t, ['gameday', '--practice', '--latency', 'azure', '--region', 'eus2', '--runs-dir', runs, ...args], {env: {TMPDIR: tmp}})
    await eventually(() => when(runsIn(runs), readdirSync(tmp).filter((n) => n.startsWith('azfail-'))) || run.child.exitCode !== null, HANG_MS)
    assert.equal(run.child.exitCode, null, `the practice ended before the signal: ${run.stderr()}`)
    const at = runsIn(runs)
    const sent = Date.now()
    run.child.kill(signal)
    const code = await run.closed
    const took = Date.now() - sent
    const out = run.stdout() + run.stderr()
    assert.equal(code, 5, out)
    assert.match(run.stderr(), /The practice was interrupted/)
    assert.doesNotMatch(out, /expectation held|game day: READY/, 'no practice result, no ready game day')
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('azfail-')), [], 'the copy is gone from TMPDIR')
    assert.deepEqual((await t.sb.control('GET', 'faults')).body.value ?? [], [], 'no fault in the sandbox copied')
    assert.deepEqual(t.writes(), [], 'the sandbox copied was not written to')
    return {at, runs: runsIn(runs), took}
  }

  it('SIGTERM while it sets up its copy, before its first run: exit 5, no run started', async () => {
    const {at, runs, took} = await interrupted('SIGTERM', (runs, tmp) => tmp.length > 0 && runs.length === 0)
    assert.deepEqual(at, [], 'the signal came before the first run')
    assert.deepEqual(runs, [], 'no run started after it')
    // the contract's 2 s, and slack for a loaded machine
    assert.ok(took < 8000, `ended ${took} ms after the signal`)
  })

  it('SIGINT once the last run has ended, while it reads the outcome: exit 5, never a passed practice', async () => {
    const {at} = await interrupted('SIGINT', (runs) => runs.length === phases && runs.every((r) => r.status !== 'running'))
    assert.ok(at.every((r) => r.status === 'succeeded'), JSON.stringify(at))
  })

  it('SIGTERM between its two runs of a region outage, while it reads where everything lives: exit 5, the failback never starts', async () => {
    // the failover is over, the region still down: the practice reads the estate and ends the outage before the failback
    const {at, runs} = await interrupted('SIGTERM', (runs) => runs.length === 1 && runs[0].status !== 'running', ['--faults', 'region-outage'])
    assert.deepEqual(at.map((r) => [r.action, r.status]), [['failover', 'succeeded']])
    assert.deepEqual(runs.map((r) => r.action), ['failover'], 'no failback run')
  })
})
