// Notifications on their own (the runbook's notify key is tested with the runbook): the payloads in Teams, Slack and
// generic shapes as a receiver on loopback gets them, and receivers that fail, refuse or hang, which cost the run a
// warning and at most one post timeout.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, describe, it} from 'node:test'
import type {RunEvent} from '../../src/engine/events.ts'
import type {RunMeta, RunReport, StepRecord} from '../../src/engine/types.ts'
import {Notifications, POST_TIMEOUT_MS} from '../../src/notify/notifier.ts'
import {DEMO_RUNBOOK, parseRunbook} from '../../src/runbook/load.ts'
import type {Runbook} from '../../src/runbook/schema.ts'
import {type Receiver, deadUrl, startReceiver} from '../receiver.ts'

const demo = readFileSync(DEMO_RUNBOOK, 'utf8')
const withNotify = (notify: string) => parseRunbook(`${demo}notify:\n${notify}`, '/tmp/rb.yaml').runbook

const meta: RunMeta = {runId: 'r-notify1', action: 'drain', region: 'eus2', options: {}, runbook: 'rb.yaml', target: {kind: 'sandbox'}, principal: 'tester', startedAt: new Date().toISOString(), dryRun: false, overrides: [], status: 'running', attempts: 1}
const step = (id: string, status: StepRecord['status'], message: string, error?: StepRecord['error']): RunEvent => ({type: 'step-ended', step: {id, kind: id, title: id}, record: {id, kind: id, status, message, durationMs: 1200, ...(error ? {error} : {})}})
const report = (status: RunReport['status'], steps: StepRecord[] = [], warnings: string[] = []): RunReport => ({runId: meta.runId, action: 'drain', region: 'eus2', dryRun: false, status, steps, overrides: [], warnings})

/** A drain as the engine tells it: started, two steps, ended. */
function drain(n: Notifications, message = 'Traffic Manager ep-eus2: Enabled -> Disabled') {
  n.on({type: 'run-started', meta, steps: [{id: 'drainSteering', kind: 'drainSteering', title: 'Drain'}, {id: 'waitOutTtl', kind: 'waitOutTtl', title: 'Wait'}]})
  n.on(step('drainSteering', 'succeeded', message))
  n.on(step('waitOutTtl', 'succeeded', 'waited 13 s'))
  n.on({type: 'run-ended', report: report('succeeded', [{id: 'drainSteering', kind: 'drainSteering', status: 'succeeded', message}])})
}

describe('notify: posting', () => {
  const receivers: Receiver[] = []
  const receiver = async (...a: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...a)
    receivers.push(r)
    return r
  }
  after(() => Promise.all(receivers.map((r) => r.close())))

  it('posts each event in Teams, Slack and generic shapes, in order, as JSON', async () => {
    const r = await receiver()
    const rb = withNotify('  - {kind: teams, urlEnv: T}\n  - {kind: slack, urlEnv: S}\n  - {kind: generic, urlEnv: G}\n')
    const n = new Notifications(rb, {dryRun: false, env: {T: `${r.url}/teams`, S: `${r.url}/slack`, G: `${r.url}/generic`}})
    drain(n)
    await n.close()
    assert.deepEqual(n.warnings(), [])
    for (const path of ['/teams', '/slack', '/generic']) {
      assert.equal(r.at(path).length, 4, path)
      assert.ok(r.at(path).every((p) => p.contentType === 'application/json'))
    }
    const card = r.at('/teams')[1].body
    assert.equal(card.type, 'message')
    assert.equal(card.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive')
    assert.equal(card.attachments[0].content.type, 'AdaptiveCard')
    assert.equal(card.attachments[0].content.body[0].inlines[0].text, 'azfail drain eus2 (sandbox): drainSteering succeeded (1.2 s)')
    assert.ok(card.attachments[0].content.body.some((b: any) => b.inlines.map((r: any) => r.text).join('') === 'Run: r-notify1'))
    const slack = r.at('/slack')[1].body
    assert.equal(slack.text, 'azfail drain eus2 (sandbox): drainSteering succeeded (1.2 s): Traffic Manager ep-eus2: Enabled -&gt; Disabled')
    assert.equal(slack.blocks[0].type, 'section')
    assert.equal(slack.blocks[0].text.type, 'mrkdwn')
    const generic = r.at('/generic').map((p) => p.body)
    assert.deepEqual(generic.map((g) => g.event), ['run-started', 'step-ended', 'step-ended', 'run-ended'])
    assert.deepEqual(generic[1].step, {id: 'drainSteering', kind: 'drainSteering', status: 'succeeded', message: 'Traffic Manager ep-eus2: Enabled -> Disabled', durationMs: 1200})
    assert.deepEqual(generic[0].run, {id: 'r-notify1', action: 'drain', region: 'eus2', attempt: 1, target: 'sandbox'})
    assert.equal(generic[3].status, 'succeeded')
  })

  it("text from Azure and the runbook pings no one and links nowhere: Slack gets &, < and > escaped in every text field, within its 3,000-character texts; Teams gets it in text runs, which are never Markdown", async () => {
    const r = await receiver()
    const n = new Notifications(withNotify('  - {kind: teams, urlEnv: T}\n  - {kind: slack, urlEnv: S}\n'), {dryRun: false, env: {T: `${r.url}/teams`, S: `${r.url}/slack`}})
    const hostile = 'ok <!channel> <!here> <@U123> <#C123> <https://evil.example|click> [click](https://evil.example) &lt;!here&gt; done'
    // escaped, 1,500 characters of < become 6,000
    const long = `${hostile} ${'<'.repeat(1500)}`
    const manual = {id: 'manualAction1', kind: 'manualAction', title: hostile}
    n.on({type: 'run-started', meta, steps: [manual, {id: 'drainSteering', kind: 'drainSteering', title: hostile}]})
    n.on({type: 'prompt', prompt: 'manual-action', text: hostile})
    n.on({type: 'step-ended', step: manual, record: {id: manual.id, kind: manual.kind, status: 'failed', message: hostile, error: {code: 'ManualActionPending', message: hostile}}})
    n.on(step('drainSteering', 'failed', long, {code: 'Hostile', message: long}))
    n.on({type: 'run-ended', report: report('failed', [], Array(10).fill(long)), error: {code: 'Hostile', message: long}})
    await n.close()
    assert.deepEqual(n.warnings(), [])

    const slack = r.at('/slack').map((p) => p.body)
    assert.equal(slack.length, 5)
    const texts = slack.flatMap((m) => [m.text, ...m.blocks.flatMap((b: any) => [b.text?.text, ...(b.elements ?? []).map((e: any) => e.text)])]).filter((t) => t !== undefined)
    for (const text of texts) {
      assert.doesNotMatch(text, /[<>]/, 'no Slack control sequence')
      assert.doesNotMatch(text, /&(?!(amp|lt|gt);)/, 'no entity cut in two')
      assert.ok(text.length <= 3000, `a text of ${text.length} characters: Slack refuses the message`)
    }
    for (const shown of ['&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;https://evil.example|click&gt;', '&amp;lt;!here&amp;gt;']) assert.ok(texts.some((t) => t.includes(shown)), shown)

    const teams = r.at('/teams').map((p) => p.body.attachments[0].content.body)
    assert.equal(teams.length, 5)
    const elements = teams.flat()
    assert.deepEqual([...new Set(elements.map((e: any) => e.type))], ['RichTextBlock'], 'no TextBlock or FactSet: Teams reads their text as Markdown')
    const runs = elements.flatMap((e: any) => e.inlines)
    assert.deepEqual([...new Set(runs.map((i: any) => i.type))], ['TextRun'])
    assert.ok(runs.some((i: any) => i.text.includes(hostile)), 'Teams shows the text as written')
  })

  it('posts only the events a target asks for; a manual action left undone is "waiting for a person"', async () => {
    const r = await receiver()
    const n = new Notifications(withNotify('  - {kind: generic, urlEnv: G, events: [waiting, run-ended]}\n'), {dryRun: false, env: {G: `${r.url}/g`}})
    n.on({type: 'run-started', meta, steps: []})
    n.on(step('drainSteering', 'succeeded', 'done'))
    n.on(step('manualAction1', 'failed', 'Stopped before manual action manualAction1', {code: 'ManualActionPending', message: 'Stopped before manual action manualAction1'}))
    n.on({type: 'run-ended', report: report('interrupted'), error: {code: 'ManualActionPending', message: 'Stopped before manual action manualAction1 ("Repoint forwarders")'}})
    await n.close()
    const [waiting, ended] = r.at('/g').map((p) => p.body)
    assert.equal(r.at('/g').length, 2)
    assert.equal(waiting.event, 'waiting')
    assert.match(waiting.title, /waiting for a person \(manualAction1\)/)
    assert.match(waiting.text, /azfail resume r-notify1 --ack manualAction1/)
    assert.equal(ended.title, 'azfail drain eus2 (sandbox): stopped, waiting for a person')
    assert.equal(ended.error.code, 'ManualActionPending')
  })

  it('never posts what the runbook keeps in the environment: webhook URLs and the write check password', async () => {
    const r = await receiver()
    const secret = 'pg-Passw0rd-5ecret'
    const rb = withNotify('  - {kind: slack, urlEnv: S}\n  - {kind: generic, urlEnv: G}\n')
    rb.estate.data.postgres!.writeCheck!.passwordEnv = 'AZFAIL_PG_PASSWORD'
    const env = {S: `${r.url}/slack/T000/B000/hook-token-XYZ`, G: `${r.url}/generic?sig=sig-token-ABC`, AZFAIL_PG_PASSWORD: secret}
    const n = new Notifications(rb, {dryRun: false, env})
    // A message that quotes them (an error text, say) still does not carry them out.
    drain(n, `connect failed with password ${secret} via ${env.G} and ${env.S}`)
    await n.close()
    assert.equal(r.received.length, 8)
    for (const p of r.received) {
      for (const s of [secret, 'hook-token-XYZ', 'sig-token-ABC']) assert.ok(!p.raw.includes(s), `${s} posted to ${p.path}`)
    }
    assert.match(r.at('/generic?sig=sig-token-ABC')[1].body.step.message, /password \[redacted\] via \[redacted\]/)
  })

  it('a dead receiver costs a warning, once, naming the variable and host but never the URL', async () => {
    const url = `${await deadUrl()}/secret-path-123`
    const n = new Notifications(withNotify('  - {kind: teams, urlEnv: AZFAIL_TEAMS_WEBHOOK}\n'), {dryRun: false, env: {AZFAIL_TEAMS_WEBHOOK: url}})
    const t0 = Date.now()
    drain(n)
    await n.close()
    // Refused connections fail at once: the run's end waits out no post timeout at all (however slow the machine).
    assert.ok(Date.now() - t0 < POST_TIMEOUT_MS, `close took ${Date.now() - t0} ms`)
    const warnings = n.warnings()
    assert.equal(warnings.length, 1)
    assert.match(warnings[0], /^notify: 4 of 4 teams notifications to 127\.0\.0\.1:\d+ \(\$AZFAIL_TEAMS_WEBHOOK\) not delivered: cannot connect \(ECONNREFUSED\) \(3 not tried after that\)$/)
    assert.ok(!warnings[0].includes('secret-path-123'))
  })

  it('a receiver that never answers is given up after the post timeout; the run end waits no longer than that', async () => {
    const r = await receiver(() => {}) // reads the post, never answers
    // AZFAIL_NOTIFY_TIMEOUT sets the post timeout. Each of the 4 posts waiting out its own would take 4 of them: the
    // bound, which leaves 3 timeouts of slack for a loaded machine.
    const timeoutMs = 2000
    const n = new Notifications(withNotify('  - {kind: generic, urlEnv: G}\n'), {dryRun: false, env: {G: `${r.url}/g`, AZFAIL_NOTIFY_TIMEOUT: String(timeoutMs / 1000)}})
    const t0 = Date.now()
    drain(n)
    await new Promise((resolve) => setTimeout(resolve, 100)) // the run goes on while the first post waits
    await n.close()
    assert.ok(Date.now() - t0 < 4 * timeoutMs, `close took ${Date.now() - t0} ms`)
    assert.equal(r.received.length, 1, 'no more posts to a receiver that does not answer')
    assert.match(n.warnings()[0], /^notify: 4 of 4 generic notifications .* not delivered: no answer within 2 s \(3 not tried after that\)$/)
  })

  it('an AZFAIL_NOTIFY_TIMEOUT that is not a number of seconds is a warning, and posts get the default timeout', async () => {
    const r = await receiver()
    for (const bad of ['0', '-1', 'soon', '601']) {
      const n = new Notifications(withNotify('  - {kind: generic, urlEnv: G}\n'), {dryRun: false, env: {G: `${r.url}/g`, AZFAIL_NOTIFY_TIMEOUT: bad}})
      drain(n)
      await n.close()
      assert.deepEqual(n.warnings(), [`notify: $AZFAIL_NOTIFY_TIMEOUT is '${bad}', not a number of seconds from 0.1 to 600: posts get the default 5 s`])
    }
    assert.equal(r.received.length, 16, 'every post delivered')
  })

  it('retries a throttled post (HTTP 429); a receiver that refuses posts (HTTP 400) warns but still gets the later ones', async () => {
    const throttled = await receiver((_q, res, n) => {
      res.statusCode = n === 1 ? 429 : 200
      res.end()
    })
    const failing = await receiver((_q, res) => {
      res.statusCode = 400
      res.end('bad payload')
    })
    const rb = withNotify('  - {kind: teams, urlEnv: T}\n  - {kind: slack, urlEnv: S}\n')
    const n = new Notifications(rb, {dryRun: false, env: {T: `${throttled.url}/t`, S: `${failing.url}/s`}})
    drain(n)
    await n.close()
    assert.equal(throttled.received.length, 5, 'the throttled first post was sent again')
    assert.equal(failing.received.length, 4)
    assert.deepEqual(n.warnings(), [`notify: 4 of 4 slack notifications to ${failing.url.slice(7)} ($S) not delivered: the receiver answered HTTP 400`])
  })

  it('an unset or unusable variable is a warning and turns that target off; a dry run posts nothing', async () => {
    const r = await receiver()
    const rb: Runbook = withNotify('  - {kind: teams, urlEnv: UNSET}\n  - {kind: slack, urlEnv: PLAIN}\n  - {kind: generic, urlEnv: NOTURL}\n  - {kind: generic, urlEnv: G}\n')
    const n = new Notifications(rb, {dryRun: false, env: {PLAIN: 'http://hooks.example.com/x', NOTURL: 'hooks', G: `${r.url}/g`}})
    drain(n)
    await n.close()
    assert.deepEqual(n.warnings(), [
      'notify: teams notifications ($UNSET) are off for this run: $UNSET is not set',
      'notify: slack notifications ($PLAIN) are off for this run: PLAIN is set, which is not an https URL (plain http only on loopback: the URL is a secret, never sent in the clear).',
      'notify: generic notifications ($NOTURL) are off for this run: NOTURL is set, which is not an https URL (plain http only on loopback: the URL is a secret, never sent in the clear).',
    ])
    assert.equal(r.received.length, 4)
    const dry = new Notifications(rb, {dryRun: true, env: {G: `${r.url}/dry`}})
    drain(dry)
    await dry.close()
    assert.equal(r.at('/dry').length, 0)
  })
})
