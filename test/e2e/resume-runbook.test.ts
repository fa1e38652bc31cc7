// A resume acts on what the operator consented to (issue 16, item 5): the journal keeps the runbook's digest and a copy;
// a resume on a changed runbook (edited, or another one given with --runbook) is refused with exit 2 naming the keys
// that changed, before anything is read or written; --replan plans the rest on it, shows it and asks consent again.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type E2E, longDrain, runIdIn, spawnAzfail, startedStep} from './support.ts'

const PE_LINE = '        - {resourceGroup: rg-spoke-eus2, name: pe-cosmos-eus2}\n'

describe('resume with an edited runbook', () => {
  let t: E2E
  let runId: string
  let consented: string
  before(async () => {
    t = await longDrain(20) // a 21 s window: the kill lands inside the wait
    consented = readFileSync(t.runbook, 'utf8')
    const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--teardown'])
    runId = await runIdIn(t.work)
    await startedStep(t.work, runId, 'waitOutTtl')
    run.child.kill('SIGKILL')
    await run.closed
  })
  after(() => t.stop())

  const endpointExists = async (name: string) => {
    const network = await t.sb.clients.network()
    return network.privateEndpoints.get('rg-spoke-eus2', name).then(() => true, (e: any) => (e.statusCode === 404 ? false : Promise.reject(e)))
  }

  it('journals the digest of the runbook consented to, and keeps a copy of it', () => {
    const meta = JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8'))
    assert.match(meta.runbookDigest, /^[0-9a-f]{64}$/)
    assert.ok(existsSync(join(t.work, '.azfail', 'runs', runId, 'runbook.json')))
  })

  it('refuses (exit 2) a runbook with a private endpoint removed, naming the change, and changes nothing', async () => {
    writeFileSync(t.runbook, consented.replace(PE_LINE, ''))
    t.sb.mark()
    const {code, out} = await t.json(['resume', runId, '--yes'])
    assert.equal(code, 2, JSON.stringify(out))
    assert.equal(out.error.code, 'RunbookChanged')
    assert.match(out.error.message, /has changed since the run was consented to: estate\.regions\.eus2\.privateEndpoints\[2\]: \{"resourceGroup":"rg-spoke-eus2","name":"pe-cosmos-eus2"\} -> absent/)
    assert.match(out.error.hint ?? JSON.stringify(out.error), /--replan/)
    assert.deepEqual(t.sb.requests(), [], 'refused before any request')
  })

  it('refuses a renamed Traffic Manager profile the same way', async () => {
    writeFileSync(t.runbook, consented.replace('profile: tm-app', 'profile: tm-other'))
    const {code, out} = await t.json(['resume', runId, '--yes'])
    assert.equal(code, 2, JSON.stringify(out))
    assert.match(out.error.message, /estate\.steering\.trafficManager\.profile: "tm-app" -> "tm-other"/)
  })

  it('honours --runbook for a local run: another file is checked, never ignored', async () => {
    const other = join(t.work, 'other.yaml')
    writeFileSync(other, consented.replace(PE_LINE, ''))
    writeFileSync(t.runbook, consented)
    const r = await t.azfail(['resume', runId, '--yes', '--json'], {runbook: other})
    assert.equal(r.code, 2, r.stdout)
    const out = JSON.parse(r.stdout)
    assert.match(out.error.message, /other\.yaml is not the runbook the run was consented on \(.*azfail\.yaml\): estate\.regions\.eus2\.privateEndpoints\[2\]/)
  })

  it('--replan plans the rest on the edited runbook and shows it; with consent only what the plan showed is deleted', async () => {
    writeFileSync(t.runbook, consented.replace(PE_LINE, ''))
    const shown = await t.azfail(['resume', runId, '--replan', '--dry-run'])
    assert.ok(shown.code === 0 || shown.code === 4, shown.stderr)
    const plan = shown.stdout + shown.stderr
    assert.match(plan, /private endpoint rg-spoke-eus2\/pe-kv-app-eus2/)
    assert.doesNotMatch(plan, /pe-cosmos-eus2/, 'the endpoint the edited runbook no longer lists is not in the plan')

    const unconsented = await t.azfail(['resume', runId, '--replan'])
    assert.equal(unconsented.code, 2, 'no terminal, no --yes: no consent')
    assert.equal(await endpointExists('pe-kv-app-eus2'), true, 'nothing deleted without consent')
    const still = await t.json(['resume', runId, '--yes'])
    assert.equal(still.code, 2, 'a re-plan no one consented to does not make the edited runbook the consented one')
    assert.equal(still.out.error.code, 'RunbookChanged')
    const digestBefore = JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8')).runbookDigest

    const {code, out} = await t.json(['resume', runId, '--replan', '--yes'], {timeoutMs: 120_000})
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(await Promise.all(['pe-kv-app-eus2', 'pe-sqlfog-eus2', 'pe-cosmos-eus2'].map(endpointExists)), [false, false, true])
    const meta = JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8'))
    assert.notEqual(meta.runbookDigest, digestBefore, 'the consented re-plan is the runbook the run goes on with')
  })
})
