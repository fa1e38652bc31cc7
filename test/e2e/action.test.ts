// action.yml: valid as a GitHub Action (GitHub's schema, offline), and its run script does what the README says when
// run as a runner runs it (bash -eo pipefail, GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), against the
// sandbox: a game day's reports and summary, another command's output escaped into the summary, inputs never shell.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {parse} from 'yaml'
import {ROOT, tempDir} from '../helpers.ts'
import {type E2E, e2e} from './support.ts'

const {validateAction} = createRequire(import.meta.url)('@action-validator/core') as typeof import('@action-validator/core')
const ACTION = readFileSync(join(ROOT, 'action.yml'), 'utf8')

/** Runs the action's "Run azfail" step as a runner would, with `inputs`; returns the exit code and the files it wrote. */
async function runStep(t: E2E, inputs: Record<string, string>): Promise<{code: number | null; output: string; summary: string; reports: string}> {
  const step = parse(ACTION).runs.steps.find((s: {id?: string}) => s.id === 'azfail')
  const dir = tempDir('azfail-action-')
  const [output, summary, reports] = [join(dir, 'output'), join(dir, 'summary.md'), join(dir, 'reports')]
  writeFileSync(output, '')
  writeFileSync(summary, '')
  const env: Record<string, string> = {...(process.env as Record<string, string>), GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, AZFAIL_DNS_TIMEOUT: '3'}
  // the step's env, each input as the runner substitutes it
  for (const [k, v] of Object.entries(step.env as Record<string, string>)) env[k] = /inputs\.report-dir/.test(v) ? reports : (inputs[/inputs\.([\w-]+)/.exec(v)![1]] ?? '')
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {cwd: t.work, env, stdio: 'ignore'})
  const [code] = await new Promise<[number | null]>((resolve) => child.once('close', (c) => resolve([c])))
  return {code, output: readFileSync(output, 'utf8'), summary: readFileSync(summary, 'utf8'), reports}
}

describe('the GitHub Action (action.yml)', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it("is valid against GitHub's action schema", () => {
    const state = validateAction(ACTION)
    assert.deepEqual(state.errors, [], JSON.stringify(state.errors))
  })

  it('runs a game day: its four reports, its summary as the job summary, exit-code 0', async () => {
    const r = await runStep(t, {command: `gameday --sandbox --state-dir ${t.sb.dir}`, runbook: t.runbook})
    assert.equal(r.code, 0)
    assert.match(r.output, /^exit-code=0$/m)
    for (const f of ['gameday.json', 'junit.xml', 'summary.md', 'report.html']) assert.ok(existsSync(join(r.reports, f)), f)
    assert.equal(r.summary, readFileSync(join(r.reports, 'summary.md'), 'utf8'))
    assert.match(r.summary, /READY/)
  })

  it("another command: its exit code is the step's and the output's, escaped as text in the job summary", async () => {
    const r = await runStep(t, {command: `status --sandbox --state-dir ${t.sb.dir} --bogus<b>`, runbook: t.runbook})
    assert.equal(r.code, 2)
    assert.match(r.output, /^exit-code=2$/m)
    assert.match(r.summary, /^### azfail status: exit 2\n\n<pre>\n[^]*--bogus&lt;b&gt;[^]*<\/pre>\n$/)
    assert.doesNotMatch(r.summary, /<b>/)
  })

  it('an input is never shell: a command with ; $( ) and a path with quotes run nothing but azfail', async () => {
    const marker = join(tempDir('azfail-action-'), 'pwned')
    const r = await runStep(t, {command: `status;touch${'\t'}${marker} $(touch ${marker}) \`touch ${marker}\``, runbook: `x'"; touch ${marker}; "`})
    assert.notEqual(r.code, 0)
    assert.ok(!existsSync(marker), 'nothing but azfail ran')
  })
})
