// Secrets never leave azfail, whatever quotes them. ARM answers a drain's write with an error that quotes the write
// check's PostgreSQL password, the client secret, the federated assertion, a webhook URL and the sandbox's token, each
// with characters every format escapes (<>&"'\) and Unicode. The run reports the error everywhere it reports
// anything: stdout (--json and not), stderr, the --events file, the journal, the Teams, Slack and generic
// notifications, the run's Markdown and HTML reports and a game day's reports. No secret may be found in any of
// them, raw or escaped (JSON, HTML, Slack's &lt;, URL-encoded, base64).
import assert from 'node:assert/strict'
import {readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type Receiver, startReceiver} from '../receiver.ts'
import {type E2E, TM_EP, e2e} from './support.ts'

const NOTIFY = 'notify:\n  - {kind: teams, urlEnv: AZFAIL_TEST_TEAMS}\n  - {kind: slack, urlEnv: AZFAIL_TEST_SLACK}\n  - {kind: generic, urlEnv: AZFAIL_TEST_HOOK}\n'
const withSecrets = (text: string) => `${text.replace('writeCheck: {database: postgres, user: azfail, ssl: true, sslmode: verify-ca}', 'writeCheck: {database: postgres, user: azfail, ssl: true, sslmode: verify-ca, passwordEnv: AZFAIL_TEST_PG_PASSWORD}')}${NOTIFY}`

// Each secret starts with a marker found nowhere else, so even a clipped piece of one is seen.
const PASSWORD = `Zq7Kp<&>"'\\é漢-pg-password`
const CLIENT_SECRET = `Cs9Lx<&>"'\\é漢-client-secret`
const ASSERTION = `Fa4Mv<&>"'\\é漢.federated.assertion`

/** The forms a secret could take in azfail's output, computed here without azfail's redactor. */
function encodings(secret: string): string[] {
  const json = (s: string) => JSON.stringify(s).slice(1, -1)
  const html = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
  const slack = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  const forms = [secret, html(secret), slack(secret), encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')]
  return [...new Set([...forms, ...forms.map(json), ...forms.map((f) => json(json(f)))])]
}

/** Every file under a directory, with its text. */
function filesUnder(dir: string): Array<{file: string; text: string}> {
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((file) => ({file, text: readFileSync(file, 'utf8')}))
}

describe('secrets in messages Azure sends back', () => {
  let t: E2E
  let r: Receiver
  let env: Record<string, string>
  let token: string
  let slackUrl: string
  let quoted: string
  const outputs: Array<{where: string; text: string}> = []

  before(async () => {
    t = await e2e(withSecrets)
    r = await startReceiver()
    const assertion = join(t.work, 'federated-token')
    writeFileSync(assertion, ASSERTION)
    slackUrl = `${r.url}/slack/Wh5Ny<&>"'é漢-webhook`
    token = JSON.parse(readFileSync(join(t.sb.dir, 'connection.json'), 'utf8')).token
    env = {
      AZFAIL_TEST_TEAMS: `${r.url}/teams/Tm3Qr-webhook-signature`,
      AZFAIL_TEST_SLACK: slackUrl,
      AZFAIL_TEST_HOOK: `${r.url}/generic?token=Gn8Hw-webhook-token`,
      AZFAIL_TEST_PG_PASSWORD: PASSWORD,
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
      AZURE_FEDERATED_TOKEN_FILE: assertion,
      AZFAIL_NOTIFY_TIMEOUT: '300',
    }
    // Azure quoting what it was sent: the one answer that puts every secret into a message azfail reports.
    quoted = `The value '${PASSWORD}' is not valid for ${CLIENT_SECRET}; assertion ${ASSERTION}; hook ${slackUrl}; token ${token}; teams ${env.AZFAIL_TEST_TEAMS}; generic ${env.AZFAIL_TEST_HOOK}`
    await t.sb.fault({kind: 'error', status: 400, path: TM_EP('eus2').source, method: 'PUT', message: quoted})
    await t.sb.fault({kind: 'error', status: 400, path: TM_EP('eus2').source, method: 'PATCH', message: quoted})
  })
  after(async () => {
    await r.close()
    await t.stop()
  })

  it('a failed drain reports the error without a secret: stdout, stderr, --events, journal, notifications', async () => {
    const events = join(t.work, 'events.jsonl')
    const json = await t.azfail(['drain', 'eus2', '--yes', '--json', '--events', events], {env})
    outputs.push({where: 'drain --json stdout', text: json.stdout}, {where: 'drain --json stderr', text: json.stderr})
    const out = JSON.parse(json.stdout)
    assert.notEqual(json.code, 0, json.stdout)
    // the error is reported, with what Azure said around the secrets
    assert.match(out.error.message, /The value '\[redacted\]' is not valid for \[redacted\]; assertion \[redacted\]; hook \[redacted\]; token \[redacted\]/)
    const plain = await t.azfail(['drain', 'eus2', '--yes'], {env})
    outputs.push({where: 'drain stdout', text: plain.stdout}, {where: 'drain stderr', text: plain.stderr})
    assert.match(plain.stderr, /The value '\[redacted\]'/)
    const shown = await t.azfail(['runs', 'show', out.result.runId, '--json'], {env})
    outputs.push({where: 'runs show --json', text: shown.stdout + shown.stderr})
    for (const format of ['md', 'html']) {
      const report = await t.azfail(['runs', 'show', out.result.runId, `--${format}`, '--output', join(t.work, `run.${format}`)], {env})
      assert.equal(report.code, 0, report.stderr)
      outputs.push({where: `runs show --${format}`, text: report.stdout + report.stderr})
    }
    assert.ok(r.received.some((p) => p.path.startsWith('/slack') && p.raw.includes('[redacted]')), 'no Slack post quoted the error')
  })

  it("a game day's checks and reports quote what Azure said without a secret", async () => {
    // Azure's answers carry it too: a replication state that quotes it, shown by the check that reads it.
    await t.sb.control('POST', 'mutate', {
      id: `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-data-wus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`,
      properties: {replica: {role: 'GeoAsyncReplica', capacity: 0, replicationState: quoted}},
    })
    const reports = join(t.work, 'reports')
    const day = await t.azfail(['gameday', '--report-dir', reports, '--json'], {env})
    outputs.push({where: 'gameday --json', text: day.stdout + day.stderr})
    assert.ok(filesUnder(reports).some((f) => f.text.includes('[redacted]')), 'no report quoted the error')
  })

  it('no secret is in any output, file or notification, in any encoding', () => {
    const places = [...outputs, ...filesUnder(t.work).map((f) => ({where: f.file, text: f.text})), ...r.received.map((p) => ({where: `POST ${p.path.split('/')[1]}`, text: p.raw}))]
    const secrets = [PASSWORD, CLIENT_SECRET, ASSERTION, slackUrl, new URL(slackUrl).pathname, token, env.AZFAIL_TEST_TEAMS, env.AZFAIL_TEST_HOOK]
    const leaks: string[] = []
    for (const {where, text} of places) {
      if (where === join(t.work, 'federated-token')) continue
      for (const secret of secrets) for (const form of encodings(secret)) if (text.includes(form)) leaks.push(`${where}: ${form}`)
      for (const marker of ['Zq7Kp', 'Cs9Lx', 'Fa4Mv', 'Wh5Ny', 'Tm3Qr', 'Gn8Hw']) if (text.includes(marker)) leaks.push(`${where}: ${marker}`)
    }
    assert.deepEqual(leaks, [])
  })
})
