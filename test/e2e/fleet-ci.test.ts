// Fleets beyond one machine and their checks: the fleet file's errors (lint --fleet), 'fleet plan' for a CI matrix,
// the reusable workflow .github/workflows/fleet.yml, 'fleet merge' of journals from real runs, and a fleet's game day.
import assert from 'node:assert/strict'
import {cpSync, mkdirSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {parse} from 'yaml'
import {WorldStore, fleetWorld} from '#sandbox'
import {ROOT, type TestSandbox, runCli, startTestSandbox, tempDir} from '../helpers.ts'
import {FLEET_DIR, appName, fleetRunbookText, writeFleet} from './fleet-support.ts'
import {PATIENT_DNS} from './support.ts'

const {validateWorkflow} = createRequire(import.meta.url)('@action-validator/core') as typeof import('@action-validator/core')
const WORKFLOW = readFileSync(join(ROOT, '.github', 'workflows', 'fleet.yml'), 'utf8')

const cli = async (args: string[], cwd = ROOT) => {
  const r = await runCli([...args, '--json'], {cwd, env: {CI: 'true', ...PATIENT_DNS}})
  return {code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr}
}

describe('runbooks/fleet', () => {
  it('each runbook is the demo runbook in its copy of the fleet estate', () => {
    for (let n = 1; n <= 10; n++) assert.equal(readFileSync(join(FLEET_DIR, `${appName(n)}.yaml`), 'utf8'), fleetRunbookText(n), appName(n))
  })
})

describe('a fleet file that is wrong (exit 2, naming file, line and field)', () => {
  const dir = tempDir('azfail-fleet-')
  before(() => {
    writeFleet(dir, 'version: 1\nname: x\nwaves: [{runbooks: [app01.yaml]}]\n', 3)
    writeFileSync(join(dir, 'broken.yaml'), 'version: 1\nname: broken\n')
    writeFileSync(join(dir, 'twin.yaml'), readFileSync(join(dir, 'app01.yaml'), 'utf8').replace('name: app01', 'name: twin'))
  })
  const cases: Array<[string, string, RegExp]> = [
    ['a cycle', 'version: 1\nname: x\nrunbooks:\n  - {path: app01.yaml, after: [app02]}\n  - {path: app02.yaml, after: [app01.yaml]}\n', /bad\.yaml:4:\d+ runbooks\.0\.after: the dependencies go round in a cycle: app01\.yaml -> app02\.yaml -> app01\.yaml/],
    ['an unknown name', 'version: 1\nname: x\nrunbooks:\n  - {path: app01.yaml, after: [app09]}\n', /bad\.yaml:4:\d+ runbooks\.0\.after\.0: 'app09' is no runbook of this fleet/],
    ['a runbook that does not load', 'version: 1\nname: x\nwaves:\n  - runbooks: [app01.yaml, broken.yaml]\n', /bad\.yaml:4:\d+ waves\.0\.runbooks\.1: the runbook does not load: .*broken\.yaml is not a valid runbook/],
    ['two runbooks over one estate', 'version: 1\nname: x\nwaves:\n  - runbooks: [app01.yaml]\n  - runbooks: [twin.yaml]\n', /bad\.yaml:5:\d+ waves\.1\.runbooks\.0: twin\.yaml acts on the same estate as app01\.yaml .*contend for one lock/],
    ['both forms', 'version: 1\nname: x\nwaves: [{runbooks: [app01.yaml]}]\nrunbooks: [{path: app02.yaml}]\n', /bad\.yaml:1:1 \(document\): give either waves or runbooks/],
    ['onFailure misspelt', 'version: 1\nname: x\nonFailure: halt\nwaves: [{runbooks: [app01.yaml]}]\n', /bad\.yaml:3:\d+ onFailure: /],
  ]
  for (const [what, text, message] of cases) {
    it(what, async () => {
      writeFileSync(join(dir, 'bad.yaml'), text)
      const {code, out} = await cli(['lint', '--fleet', join(dir, 'bad.yaml')])
      assert.equal(code, 2, JSON.stringify(out))
      assert.equal(out.error.code, 'InvalidFleet')
      assert.match(out.error.message, message)
    })
  }
})

describe('fleet plan', () => {
  it("gives the waves in order, and `matrix` padded to --max-waves for the workflow's fromJSON", async () => {
    const {code, out} = await cli(['fleet', 'plan', 'runbooks/fleet/fleet.yaml', '--max-waves', '5'])
    assert.equal(code, 0)
    assert.equal(out.result.matrix.length, 5)
    assert.deepEqual(out.result.matrix.map((w: any[]) => w.map((r) => r.name)), [['app01', 'app02'], ['app03', 'app04', 'app05', 'app06'], ['app07', 'app08', 'app09', 'app10'], [], []])
    assert.deepEqual(out.result.matrix[0][0], {name: 'app01', runbook: 'runbooks/fleet/app01.yaml', subscription: 'f1ee7000-0000-4000-8000-000000000001'})
  })

  it('refuses a fleet of more waves than --max-waves (exit 2)', async () => {
    const {code, out} = await cli(['fleet', 'plan', 'runbooks/fleet/fleet.yaml', '--max-waves', '2'])
    assert.equal(code, 2)
    assert.match(out.error.message, /has 3 waves; --max-waves allows 2/)
  })
})

describe('the reusable workflow .github/workflows/fleet.yml', () => {
  const wf = parse(WORKFLOW)

  it("is valid against GitHub's workflow schema", () => {
    assert.deepEqual(validateWorkflow(WORKFLOW).errors, [])
  })

  it('plans with fleet plan, runs five wave jobs in order as matrices of the plan, and merges their journals', () => {
    assert.ok(wf.on.workflow_call.inputs.fleet && wf.on.workflow_call.inputs.mode)
    assert.match(wf.jobs.plan.steps.map((s: any) => s.run ?? '').join('\n'), /fleet plan "\$FLEET" --max-waves 5 --json/)
    for (let i = 1; i <= 5; i++) {
      const job = wf.jobs[`wave${i}`]
      assert.deepEqual(job.needs, i === 1 ? ['plan'] : ['plan', `wave${i - 1}`])
      assert.equal(job.strategy.matrix.include, `\${{ fromJSON(needs.plan.outputs.wave${i}) }}`)
      assert.match(job.if, new RegExp(`needs\\.plan\\.outputs\\.wave${i} != '\\[\\]'`), 'an empty wave is skipped')
      assert.ok(job.steps.some((s: any) => /upload-artifact/.test(s.uses ?? '')))
    }
    assert.deepEqual(wf.jobs.report.needs, ['plan', 'wave1', 'wave2', 'wave3', 'wave4', 'wave5'])
    assert.match(wf.jobs.report.steps.map((s: any) => s.run ?? '').join('\n'), /fleet merge artifacts\/\* --fleet "\$FLEET" --report-dir fleet-report/)
  })
})

describe('fleet merge of journals from real runs, and a fleet game day', () => {
  let sb: TestSandbox
  let work: string
  const jobs: string[] = []
  before(async () => {
    const dir = tempDir()
    new WorldStore(dir, () => fleetWorld({ttl: 1}))
    sb = await startTestSandbox(dir, {publish: true})
    work = tempDir('azfail-work-')
    writeFleet(work, 'version: 1\nname: three\nwaves:\n  - runbooks: [app01.yaml]\n  - runbooks: [app02.yaml, app03.yaml]\n', 3)
    // each job as the workflow runs it: one runbook, its journal and its --json report in a directory of its own
    await Promise.all(
      [1, 2].map(async (n) => {
        const job = join(work, `azfail-run-${appName(n)}`)
        mkdirSync(job)
        const r = await runCli(['failover', 'eus2', '--yes', '--json', '--runbook', `${appName(n)}.yaml`, '--runs-dir', join(job, 'runs'), '--sandbox', '--state-dir', sb.dir], {cwd: work, env: {CI: 'true', ...PATIENT_DNS}})
        assert.equal(r.code, 0, r.stderr)
        writeFileSync(join(job, 'report.json'), r.stdout)
        jobs.push(job)
      }),
    )
  })
  after(() => sb.stop())

  it('merges the jobs into one fleet report in the fleet\'s waves; a runbook with no job is not started', async () => {
    const report = join(work, 'report')
    const {code, out} = await cli(['fleet', 'merge', ...jobs, '--fleet', 'fleet.yaml', '--report-dir', report], work)
    assert.equal(code, 0, JSON.stringify(out))
    assert.deepEqual(out.result.waves.map((w: any) => w.runbooks.map((r: any) => [r.name, r.status])), [[['app01', 'succeeded']], [['app02', 'succeeded'], ['app03', 'not-started']]])
    const app01 = out.result.waves[0].runbooks[0]
    assert.ok(app01.runId && app01.rtoMs > 0)
    assert.deepEqual(app01.residue, [], 'what remains in eus2, from the job\'s report')
    assert.deepEqual(JSON.parse(readFileSync(join(report, 'fleet.json'), 'utf8')).waves, out.result.waves)
    assert.match(readFileSync(join(report, 'summary.md'), 'utf8'), /\| app02 \| succeeded \| `\d{8}-\d{6}-[0-9a-f]{6}` \|/)
  })

  it('refuses a journal given twice, and a corrupt one, naming the files; nothing is merged', async () => {
    const twice = await cli(['fleet', 'merge', jobs[0], jobs[0], jobs[1]], work)
    assert.equal(twice.code, 2)
    assert.equal(twice.out.error.code, 'DuplicateJournal')
    assert.match(twice.out.error.message, /found twice: .*run\.json and .*run\.json/)
    const copy = join(work, 'corrupt')
    cpSync(jobs[1], copy, {recursive: true})
    const [runId] = JSON.parse(readFileSync(join(jobs[1], 'report.json'), 'utf8')).result.runId.split(' ')
    writeFileSync(join(copy, 'runs', runId, 'run.json'), '{"runId": "' + runId + '", "action": "failover", "status": ')
    const corrupt = await cli(['fleet', 'merge', jobs[0], copy], work)
    assert.equal(corrupt.code, 2)
    assert.equal(corrupt.out.error.code, 'CorruptJournal')
    assert.match(corrupt.out.error.message, new RegExp(`corrupt/runs/${runId}/run\\.json is not a run journal azfail wrote: not JSON`))
  })

  it('gameday --fleet checks every runbook read-only; the fleet is ready when each is', async () => {
    sb.mark()
    const {code, out} = await cli(['gameday', '--fleet', 'fleet.yaml', '--sandbox', '--state-dir', sb.dir], work)
    // app01 and app02 were failed over above: a game day of eus2 -> wus2 is judged on what each estate is now
    assert.ok(code === 0 || code === 4, JSON.stringify(out))
    const byName = Object.fromEntries(out.result.waves.flatMap((w: any) => w.runbooks).map((r: any) => [r.name, r.status]))
    assert.equal(byName.app03, 'ready')
    assert.deepEqual(sb.requests().filter((r) => r.method !== 'GET' && r.method !== 'POST'), [], 'read-only')
  })
})
