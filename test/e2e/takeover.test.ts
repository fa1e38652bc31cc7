// Resuming: a live run is never resumed beside itself, a run killed after its last write leaves no lock, a
// long-running operation in flight is followed instead of asked for again, and a dead run is taken over from elsewhere.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {thisHost} from '../../src/services/lock.ts'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {eventually, runCli, tempDir} from '../helpers.ts'
import {FD_ORIGIN, TM_EP, e2e, spawnAzfail, STATE_ZONE, SHORT_LEASE, lockRecord, longDrain, runIdIn, startedStep} from './support.ts'

describe('resuming and taking over a run', () => {
  it("refuses a resume beside the still-living original (exit 6), which then finishes alone", async () => {
    const t = await longDrain()
    try {
      // The default lease: the original's liveness must not hang on its renewals firing on time on a loaded machine.
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes'])
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      // Held still in its wait (as a paused laptop is: alive, its lease running) while the resume is judged, so it cannot
      // finish first however long the resume takes to start: on a loaded machine (load ~18) the 7 s window passed
      // before the resume looked, and the resume found every step done (exit 0).
      run.child.kill('SIGSTOP')
      let judged
      try {
        judged = await t.json(['resume', runId, '--yes'])
      } finally {
        run.child.kill('SIGCONT')
      }
      const {code, out} = judged
      assert.equal(code, 6, JSON.stringify(out))
      assert.match(out.error.message, new RegExp(`Run ${runId} is still alive`))
      assert.equal(await run.closed, 0, run.stderr())
      const writes = t.sb.requests().filter((r) => r.method !== 'GET' && r.status < 400)
      assert.equal(writes.filter((w) => TM_EP('eus2').test(w.path)).length, 1, 'the drain was written once')
    } finally {
      await t.stop()
    }
  })

  it('a resume of a run killed after its last write takes its lock over and releases it', async () => {
    const t = await e2e()
    try {
      const done = await t.json(['promote', '--failover-group', '--yes'])
      assert.equal(done.code, 0, JSON.stringify(done.out.error))
      const runId = done.out.result.runId
      // Leave the run as a kill -9 right after the failover's write leaves it: running, no step recorded as ended, its
      // lock held by a process that is gone; on resume every step plans as done, so nothing is left to change.
      const dir = join(t.work, '.azfail', 'runs', runId)
      const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))
      writeFileSync(join(dir, 'run.json'), JSON.stringify({...meta, status: 'running'}))
      const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n')
      // Killed after the failover's write landed but before the journal recorded the step's end.
      writeFileSync(join(dir, 'journal.jsonl'), lines.filter((l) => !(l.includes('"finished"') && /flipFailoverGroup|verifyListener/.test(l))).join('\n') + '\n')
      const dead = spawnSync(process.execPath, ['-e', '0']).pid
      const dns = await t.sb.clients.privateDns()
      const expires = new Date(Date.now() + 600_000).toISOString()
      await dns.recordSets.createOrUpdate(...STATE_ZONE, 'TXT', '_azfail-lock', {ttl: 10, txtRecords: [{value: [`holder=killed pid ${dead}`, `run=${runId}`, 'action=promote-failover-group', `since=${meta.startedAt}`, `expires=${expires}`, `host=${thisHost()}`, `pid=${dead}`]}]})
      t.sb.mark()
      const {code, out} = await t.json(['resume', runId, '--yes'])
      assert.equal(code, 0, JSON.stringify(out.error))
      assert.equal(await lockRecord(t), undefined, 'no lock is left behind')
      assert.ok(!t.writes().some((w) => /failover$/i.test(w.path)), 'the failover is not repeated')
      assert.equal((await t.json(['drain', 'eus2', '--dry-run'])).code, 0)
    } finally {
      await t.stop()
    }
  })

  it('a resumed failover-group promotion follows the failover still in flight instead of asking for another', async () => {
    const t = await e2e()
    try {
      await t.sb.control('PATCH', 'settings', {lroMs: 8000})
      const run = spawnAzfail(t, ['promote', '--failover-group', '--yes'])
      const runId = await runIdIn(t.work)
      const failovers = () => t.sb.requests().filter((r) => r.method === 'POST' && /failoverGroups\/app-fog\/failover$/i.test(r.path))
      await eventually(() => failovers().some((r) => r.status === 202), 30_000)
      await new Promise((r) => setTimeout(r, 300))
      run.child.kill('SIGKILL')
      await run.closed
      const {code, out} = await t.json(['resume', runId, '--yes'])
      assert.equal(code, 0, JSON.stringify(out.error))
      assert.equal(failovers().length, 1, `one failover request: ${JSON.stringify(failovers())}`)
      const sql = await t.sb.clients.sql()
      assert.equal((await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')).replicationRole, 'Primary')
      assert.equal(await lockRecord(t), undefined)
    } finally {
      await t.stop()
    }
  })

  it('a run whose machine died is taken over from another working directory once its lease lapses', async () => {
    const t = await longDrain(4)
    try {
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes'], {env: SHORT_LEASE})
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      run.child.kill('SIGKILL')
      await run.closed
      // As if it ran on a laptop that is gone: another host, its lease still running (for a minute: no resume on a
      // loaded machine takes that long to start), then, as if that minute had passed, lapsed.
      const dns = await t.sb.clients.privateDns()
      const leaseEnds = async (at: number) => {
        const rs = (await lockRecord(t))!
        const values = rs.txtRecords![0].value!.map((v: string) => (v.startsWith('host=') ? 'host=laptop-that-died' : v.startsWith('expires=') ? `expires=${new Date(at).toISOString()}` : v))
        await dns.recordSets.createOrUpdate(...STATE_ZONE, 'TXT', '_azfail-lock', {ttl: 10, txtRecords: [{value: values}]}, {ifMatch: rs.etag})
      }
      await leaseEnds(Date.now() + 60_000)
      const elsewhere = tempDir('azfail-elsewhere-')
      const resume = () => runCli(['resume', runId, '--yes', '--json', '--sandbox', '--state-dir', t.sb.dir, '--runbook', t.runbook], {cwd: elsewhere, env: {CI: 'true', ...SHORT_LEASE}})
      const early = await resume()
      assert.equal(early.code, 6, early.stdout)
      assert.match(JSON.parse(early.stdout).error.message, /still alive/)
      await leaseEnds(Date.now() - 1000)
      const late = await resume()
      assert.equal(late.code, 0, late.stdout)
      const out = JSON.parse(late.stdout)
      assert.equal(out.result.runId, runId)
      assert.equal(out.result.steps.find((s: any) => s.id === 'drainSteering').status, 'skipped', 'the landed drain plans as done')
      const writes = t.sb.requests().filter((r) => r.method !== 'GET' && r.status < 400)
      assert.equal(writes.filter((w) => TM_EP('eus2').test(w.path)).length, 1)
      assert.equal(writes.filter((w) => FD_ORIGIN('eus2').test(w.path)).length, 1)
      assert.equal(await lockRecord(t), undefined)
      assert.ok(existsSync(join(elsewhere, '.azfail', 'runs', runId, 'run.json')), 'the taking-over directory journals the run')
    } finally {
      await t.stop()
    }
  })
})
