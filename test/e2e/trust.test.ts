// Verdicts azfail gives must be true: only an interrupted run resumes; an overridden check still says what it saw;
// the estate's invariants are judged by status and game days; bad flags and directories are bad input.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {runCli} from '../helpers.ts'
import {e2e, STATE_ZONE} from './support.ts'

describe('resume refuses what is not an interrupted run', () => {
  it('a refused run: exit 2, and nothing is written (it never ran its steps)', async () => {
    const t = await e2e()
    try {
      assert.equal((await t.json(['drain', 'eus2', '--yes'])).code, 0)
      const refused = await t.json(['drain', 'wus2', '--yes'])
      assert.deepEqual([refused.code, refused.out.error.guard], [3, 'last-region'])
      assert.equal((await t.json(['restore', 'eus2', '--yes'])).code, 0)
      t.sb.mark()
      const {code, out} = await t.json(['resume', refused.out.result.runId, '--yes'])
      assert.deepEqual([code, out.error.code], [2, 'NotResumable'])
      assert.match(out.error.message, /refused before it changed anything/)
      assert.deepEqual(t.writes(), [], 'wus2 stays enabled: no steering write')
    } finally {
      await t.stop()
    }
  })

  it('a dry run: exit 2, and nothing is written', async () => {
    const t = await e2e()
    try {
      const dry = await t.json(['drain', 'eus2', '--dry-run'])
      assert.equal(dry.code, 0)
      t.sb.mark()
      const {code, out} = await t.json(['resume', dry.out.result.runId, '--yes'])
      assert.deepEqual([code, out.error.code], [2, 'NotResumable'])
      assert.match(out.error.message, /dry run/)
      assert.deepEqual(t.writes(), [])
    } finally {
      await t.stop()
    }
  })
})

describe('verdicts and input', () => {
  it('an overridden survivor check reports what it saw, not a pass, and the run warns of every mismatch', async () => {
    const t = await e2e()
    try {
      const dns = await t.sb.clients.privateDns()
      await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.20.3.7'}]})
      const {code, out} = await t.json(['drain', 'eus2', '--override', 'survivor-resolves-local', '--reason', 'drill', '--yes'])
      assert.equal(code, 0, JSON.stringify(out.error))
      const verify = out.result.steps.find((s: any) => s.id === 'verifySurvivorResolution')
      assert.equal(verify.status, 'overridden')
      assert.match(verify.message, /wus2 resolves kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7/)
      assert.doesNotMatch(verify.message, /resolve to their own private IPs/)
      assert.ok(out.warnings.some((w: string) => /survivor-resolves-local was overridden; it saw: wus2 resolves kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7/.test(w)), JSON.stringify(out.warnings))
    } finally {
      await t.stop()
    }
  })

  it('a CNAME moved to the read-only replica behind azfail\'s back: status warns and a game day is not ready (exit 4)', async () => {
    const t = await e2e()
    try {
      const dns = await t.sb.clients.privateDns()
      await dns.recordSets.update(...STATE_ZONE, 'CNAME', 'prod', {cnameRecord: {cname: 'pg-app-wus2.private.postgres.database.azure.com'}})
      const status = await t.json(['status'])
      assert.equal(status.code, 0)
      assert.ok(status.out.warnings.some((w: string) => /CNAME prod\.private\.postgres\.database\.azure\.com leads to a writable primary: observed .*pg-app-wus2 is GeoAsyncReplica/.test(w)), JSON.stringify(status.out.warnings))
      const gameday = await t.json(['gameday'])
      assert.equal(gameday.code, 4, JSON.stringify(gameday.out.error))
      assert.ok(gameday.out.result.checks.some((c: any) => c.status === 'failed' && /writable primary/.test(c.title)))
    } finally {
      await t.stop()
    }
  })

  it('--override before the region does not swallow it; missing arguments say only that', async () => {
    const t = await e2e()
    try {
      const {code, out} = await t.json(['drain', '--override', 'last-region', 'eus2', '--reason', 'x', '--dry-run'])
      assert.equal(code, 0, JSON.stringify(out.error))
      assert.equal(out.result.region, 'eus2')
      const missing = await t.json(['drain', '--dry-run'])
      assert.equal(missing.code, 2)
      assert.doesNotMatch(missing.out.error.message, /override/i)
    } finally {
      await t.stop()
    }
  })

  it('a --runs-dir that is a file or a --state-dir under a file is bad input (exit 2), and nothing is written', async () => {
    const t = await e2e()
    try {
      const file = join(t.work, 'not-a-dir')
      writeFileSync(file, 'x')
      t.sb.mark()
      const runs = await t.json(['drain', 'eus2', '--yes', '--runs-dir', file])
      assert.deepEqual([runs.code, runs.out.error.code], [2, 'BadDirectory'], JSON.stringify(runs.out))
      assert.match(runs.out.error.message, /--runs-dir .*not-a-dir is a file/)
      assert.deepEqual(t.writes(), [])
      const list = await runCli(['runs', 'list', '--runs-dir', file, '--json'], {cwd: t.work})
      assert.equal(list.code, 2, list.stdout)
      const state = await runCli(['status', '--sandbox', '--state-dir', join(file, 'sandbox'), '--json'], {cwd: t.work})
      assert.equal(state.code, 2, state.stdout)
      assert.match(JSON.parse(state.stdout).error.message, /--state-dir .* is under .*not-a-dir, which is a file/)
      // Read-only: an immutable directory refuses writes even to root (where chattr works on this file system).
      const frozen = join(t.work, 'frozen')
      mkdirSync(frozen)
      if (spawnSync('chattr', ['+i', frozen]).status === 0) {
        try {
          const ro = await t.json(['drain', 'eus2', '--yes', '--runs-dir', join(frozen, 'runs')])
          assert.deepEqual([ro.code, ro.out.error.code], [2, 'BadDirectory'], JSON.stringify(ro.out))
          assert.match(ro.out.error.message, /is not writable/)
          assert.deepEqual(t.writes(), [])
        } finally {
          spawnSync('chattr', ['-i', frozen])
        }
      }
    } finally {
      await t.stop()
    }
  })
})
