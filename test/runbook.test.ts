// The runbook file: the demo loads, errors name file, line and field, the committed JSON Schema is current, and a
// webhook URL never sits in the file.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {DEMO_RUNBOOK, RunbookError, loadRunbook, parseRunbook} from '../src/runbook/load.ts'
import {runbookJsonSchema} from '../src/runbook/schema.ts'
import {ROOT} from './helpers.ts'

const demo = readFileSync(DEMO_RUNBOOK, 'utf8')

function problems(text: string) {
  try {
    parseRunbook(text, '/tmp/rb.yaml')
  } catch (error) {
    assert.ok(error instanceof RunbookError, String(error))
    return error.problems
  }
  assert.fail('expected the runbook to be rejected')
}

describe('runbook', () => {
  it('loads the demo runbook with defaults applied', () => {
    const {runbook} = loadRunbook(DEMO_RUNBOOK)
    assert.deepEqual(Object.keys(runbook.estate.regions), ['eus2', 'wus2'])
    assert.equal(runbook.estate.steering.trafficManager?.endpointType, 'AzureEndpoints')
    assert.equal(runbook.estate.regions.wus2.expect['cosmos-app.documents.azure.com'], '10.30.4.5')
  })

  it('names the line and field of a bad value', () => {
    const text = demo.replace('kv-app-wus2.vault.azure.net: 10.30.3.7', 'kv-app-wus2.vault.azure.net: 10.30.3.700')
    const [p] = problems(text)
    const line = text.split('\n').findIndex((l) => l.includes('10.30.3.700')) + 1
    assert.equal(p.line, line)
    assert.equal(p.field, 'estate.regions.wus2.expect.kv-app-wus2.vault.azure.net')
    assert.match(p.message, /IPv4/)
  })

  it('names an unknown field, and a missing one at its parent', () => {
    const typo = demo.replace('connectionDrainSeconds: 3', 'connectionDrainSecs: 3')
    const [p] = problems(typo)
    assert.match(p.message, /connectionDrainSecs/)
    assert.equal(p.line, typo.split('\n').findIndex((l) => l.includes('subscription:')) + 1, 'reported at the estate mapping')
    const noProfile = demo.replace('      profile: tm-app\n', '')
    const [q] = problems(noProfile)
    assert.equal(q.field, 'estate.steering.trafficManager.profile')
  })

  it('rejects a steering entry for a region that is not declared', () => {
    const text = demo.replace('        wus2: origin-wus2', '        weu: origin-weu')
    const [p] = problems(text)
    assert.equal(p.field, 'estate.steering.frontDoor.origins.weu')
    assert.equal(p.line, text.split('\n').findIndex((l) => l.includes('weu: origin-weu')) + 1)
  })

  it('reports YAML syntax errors with their position', () => {
    const [p] = problems('version: 1\nname: [unclosed\n')
    assert.equal(p.field, '(yaml)')
    assert.ok(p.line >= 2)
  })

  it('the committed JSON Schema is the one the loader uses (npm run schema regenerates it)', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'schema', 'runbook.schema.json'), 'utf8'))
    assert.deepEqual(committed, runbookJsonSchema())
    assert.match(demo, /\$schema=\.\.\/schema\/runbook\.schema\.json/)
  })
})

describe('runbook: notify names webhooks by environment variable, never by URL', () => {
  it('accepts teams, slack and generic targets with an event filter', () => {
    const notify = 'notify:\n  - {kind: teams, urlEnv: AZFAIL_TEAMS_WEBHOOK}\n  - {kind: slack, urlEnv: SLACK_HOOK, events: [waiting, run-ended]}\n  - {kind: generic, urlEnv: HOOK}\n'
    const rb = parseRunbook(demo + notify, '/tmp/rb.yaml').runbook
    assert.deepEqual(rb.notify?.map((t) => [t.kind, t.urlEnv, t.events]), [['teams', 'AZFAIL_TEAMS_WEBHOOK', undefined], ['slack', 'SLACK_HOOK', ['waiting', 'run-ended']], ['generic', 'HOOK', undefined]])
  })

  it('rejects a webhook URL written in the file, in urlEnv or under any other key, saying why and where', () => {
    const inEnv = `${demo}notify:\n  - kind: teams\n    urlEnv: https://prod-01.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s3cr3t\n`
    const [p] = problems(inEnv)
    assert.equal(p.field, 'notify.0.urlEnv')
    assert.equal(p.line, inEnv.split('\n').findIndex((l) => l.includes('sig=s3cr3t')) + 1)
    assert.match(p.message, /is a URL: a webhook URL is a secret and never goes in the runbook; put it in an environment variable/)
    const asKey = problems(`${demo}notify:\n  - kind: slack\n    url: https://hooks.slack.com/services/T0/B0/XYZ\n`)
    assert.ok(asKey.some((q) => q.field === 'notify.0.url' && /a webhook URL is a secret/.test(q.message)), JSON.stringify(asKey))
    const [name] = problems(`${demo}notify:\n  - {kind: slack, urlEnv: my hook}\n`)
    assert.match(name.message, /must be the name of an environment variable/)
    const [event] = problems(`${demo}notify:\n  - {kind: slack, urlEnv: HOOK, events: [step-started]}\n`)
    assert.equal(event.field, 'notify.0.events.0')
  })
})
