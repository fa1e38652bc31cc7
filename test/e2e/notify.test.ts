// Notifications from real runs: `azfail drain` against the sandbox tells webhooks on loopback, in Teams, Slack and
// generic shapes, when it starts, as each step ends (a guard refusal too), when a manual action waits for a person,
// and when it ends. A dead receiver only warns: the run still exits 0. No webhook URL or secret is ever posted.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type Receiver, deadUrl, startReceiver} from '../receiver.ts'
import {type E2E, e2e} from './support.ts'

const NOTIFY = 'notify:\n  - {kind: teams, urlEnv: AZFAIL_TEST_TEAMS}\n  - {kind: slack, urlEnv: AZFAIL_TEST_SLACK}\n  - {kind: generic, urlEnv: AZFAIL_TEST_HOOK}\n'
const PASSWORD = 'Pg-5ecret-Passw0rd'
const withNotify = (text: string) => `${text.replace('writeCheck: {database: postgres, user: azfail, ssl: true, sslmode: verify-ca}', 'writeCheck: {database: postgres, user: azfail, ssl: true, sslmode: verify-ca, passwordEnv: AZFAIL_TEST_PG_PASSWORD}')}${NOTIFY}`

describe('notifications from runs', () => {
  let t: E2E
  let r: Receiver
  let env: Record<string, string>
  before(async () => {
    t = await e2e(withNotify)
    r = await startReceiver()
    env = {
      AZFAIL_TEST_TEAMS: `${r.url}/teams/workflows/sig=teams-SECRET-sig`,
      AZFAIL_TEST_SLACK: `${r.url}/slack/services/T000/B000/slack-SECRET-token`,
      AZFAIL_TEST_HOOK: `${r.url}/generic?token=generic-SECRET-token`,
      AZFAIL_TEST_PG_PASSWORD: PASSWORD,
      // These receivers answer at once, but share this process with the sandbox while the machine is loaded: a post
      // timed out by a busy machine would be a lost notification these tests do not test (the unit tests time out).
      AZFAIL_NOTIFY_TIMEOUT: '300',
    }
  })
  after(async () => {
    await r.close()
    await t.stop()
  })

  /** Runs azfail with the receivers' URLs in the environment; returns the exit code, the envelope and the posts it made. */
  const run = async (args: string[], options: {env?: Record<string, string>; runbook?: string} = {}) => {
    const before = r.received.length
    const out = await t.azfail([...args, '--json'], {env: {...env, ...options.env}, ...(options.runbook ? {runbook: options.runbook} : {})})
    const posts = r.received.slice(before)
    for (const p of posts) {
      for (const secret of ['SECRET', PASSWORD]) assert.ok(!p.raw.includes(secret), `${secret} was posted to ${p.path.split('/')[1]}: ${p.raw}`)
    }
    for (const secret of ['SECRET', PASSWORD]) assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret), `${secret} was printed`)
    return {code: out.code, out: JSON.parse(out.stdout), posts, generic: posts.filter((p) => p.path.startsWith('/generic')).map((p) => p.body)}
  }

  it('a drain posts its start, each step and its end to Teams, Slack and a generic receiver', async () => {
    const {code, out, posts, generic} = await run(['drain', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(out.warnings, [])
    const runId = out.result.runId
    assert.deepEqual(generic.map((g) => [g.event, g.step?.id ?? g.status ?? '']), [
      ['run-started', ''],
      ['step-ended', 'drainSteering'],
      ['step-ended', 'waitOutTtl'],
      ['step-ended', 'verifySurvivorResolution'],
      ['run-ended', 'succeeded'],
    ])
    assert.ok(generic.every((g) => g.source === 'azfail' && g.run.id === runId && g.run.action === 'drain' && g.run.region === 'eus2' && g.run.target === 'sandbox'))
    assert.match(generic[1].step.message, /Traffic Manager endpoint ep-eus2 disabled/)
    const teams = posts.filter((p) => p.path.startsWith('/teams')).map((p) => p.body)
    assert.equal(teams.length, 5)
    assert.ok(teams.every((m) => m.type === 'message' && m.attachments[0].contentType === 'application/vnd.microsoft.card.adaptive' && m.attachments[0].content.type === 'AdaptiveCard'))
    assert.equal(teams[0].attachments[0].content.body[0].inlines[0].text, 'azfail drain eus2 (sandbox): started')
    assert.equal(teams[4].attachments[0].content.body[0].inlines[0].text, 'azfail drain eus2 (sandbox): succeeded')
    const slack = posts.filter((p) => p.path.startsWith('/slack')).map((p) => p.body)
    assert.equal(slack.length, 5)
    assert.ok(slack.every((m) => typeof m.text === 'string' && m.blocks[0].type === 'section'))
    assert.match(slack[3].text, /verifySurvivorResolution succeeded/)
  })

  it('a guard refusal is posted as the refused step and a refused run', async () => {
    // eus2 is drained: draining wus2 too would leave no region serving.
    const {code, out, generic} = await run(['drain', 'wus2', '--yes'])
    assert.equal(code, 3, JSON.stringify(out.error))
    const refused = generic.find((g) => g.event === 'step-ended' && g.step.status === 'refused')
    assert.equal(refused.step.id, 'drainSteering')
    assert.match(refused.step.message, /last-region refused/)
    assert.equal(refused.severity, 'bad')
    const end = generic.at(-1)
    assert.deepEqual([end.event, end.status, end.error.code], ['run-ended', 'refused', 'GuardRefused'])
  })

  it('a manual action with nobody to confirm it is posted as waiting for a person, with how to go on', async () => {
    const runbook = join(t.work, 'manual.yaml')
    writeFileSync(runbook, withNotify(`${readFileSync(t.runbook, 'utf8').replace(NOTIFY, '')}actions:\n  drain:\n    - drainSteering\n    - manualAction: Point the on-premises forwarders at wus2\n`))
    const {code, out, posts} = await run(['drain', 'eus2', '--yes'], {runbook})
    assert.equal(code, 5, JSON.stringify(out.error))
    const runId = out.result.runId
    const generic = posts.filter((p) => p.path.startsWith('/generic')).map((p) => p.body)
    const waiting = generic.find((g) => g.event === 'waiting')
    assert.equal(waiting.step.id, 'manualAction1')
    assert.match(waiting.text, new RegExp(`Point the on-premises forwarders at wus2\\. Once it is done: azfail resume ${runId} --ack manualAction1`))
    assert.equal(generic.at(-1).title, 'azfail drain eus2 (sandbox): stopped, waiting for a person')
    const card = posts.filter((p) => p.path.startsWith('/teams')).map((p) => p.body.attachments[0].content.body[0].inlines[0].text)
    assert.ok(card.includes('azfail drain eus2 (sandbox): waiting for a person (manualAction1)'), card.join('\n'))
  })

  it('a dead receiver only warns: the run succeeds, exits 0, and the warning names the variable, not the URL', async () => {
    const dead = `${await deadUrl()}/dead-SECRET-path`
    const {code, out} = await run(['restore', 'eus2', '--yes'], {env: {AZFAIL_TEST_HOOK: dead}})
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.equal(out.status, 'succeeded')
    const warnings = out.warnings.filter((w: string) => w.startsWith('notify:'))
    assert.equal(warnings.length, 1, out.warnings.join('\n'))
    const [, lost, total, more] = /^notify: (\d+) of (\d+) generic notifications to 127\.0\.0\.1:\d+ \(\$AZFAIL_TEST_HOOK\) not delivered: cannot connect \(ECONNREFUSED\) \((\d+) not tried after that\)$/.exec(warnings[0]) ?? []
    // The first refused post makes the receiver dead: every later one is counted, not tried.
    assert.deepEqual([Number(lost), Number(more)], [Number(total), Number(total) - 1], warnings[0])
    // Without --json the warning is on stderr and the exit code is still 0.
    const plain = await t.azfail(['drain', 'eus2', '--yes'], {env: {...env, AZFAIL_TEST_TEAMS: dead, AZFAIL_TEST_SLACK: dead, AZFAIL_TEST_HOOK: dead}})
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stderr, /warning: notify: (\d+) of \1 teams notifications to 127\.0\.0\.1:\d+ \(\$AZFAIL_TEST_TEAMS\) not delivered: cannot connect/)
    assert.ok(!plain.stderr.includes('SECRET') && !plain.stdout.includes('SECRET'))
  })
})
