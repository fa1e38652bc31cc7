// azfail gameday: readiness over live state, practice runs under faults, the four reports, the CI examples.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {createRequire} from 'node:module'
import {parse} from 'yaml'
import {ROOT, runCli, tempDir} from '../helpers.ts'
import {checkAxis, haveChromium, inChromium, PRINTED_SECONDS} from './chromium.ts'
import {type E2E, e2e} from './support.ts'

// @action-validator/core checks a workflow against GitHub's published schema, offline (WebAssembly, CommonJS).
const {validateWorkflow} = createRequire(import.meta.url)('@action-validator/core') as typeof import('@action-validator/core')

const REPORTS = ['gameday.json', 'junit.xml', 'summary.md', 'report.html']
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8')

describe('gameday readiness', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('passes the demo estate (exit 0) and writes the four reports', async () => {
    const dir = join(t.work, 'ready')
    const r = await t.azfail(['gameday', '--report-dir', dir])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const f of REPORTS) assert.ok(existsSync(join(dir, f)), f)
    const json = JSON.parse(read(dir, 'gameday.json'))
    assert.equal(json.status, 'ready')
    const categories = new Set(json.checks.map((c: any) => c.category))
    for (const c of ['resolution', 'steering', 'topology', 'plan', 'records', 'data']) assert.ok(categories.has(c), `checks of ${c}`)
    assert.ok(json.checks.every((c: any) => c.status === 'passed'), JSON.stringify(json.checks.filter((c: any) => c.status !== 'passed')))
    assert.equal((read(dir, 'junit.xml').match(/<testcase /g) ?? []).length, json.checks.length, 'one JUnit test case per check')
    assert.match(read(dir, 'summary.md'), /READY/)
    assert.match(read(dir, 'report.html'), /<title>azfail game day: READY<\/title>/)
  })

  it('is read-only: a readiness game day makes no write', async () => {
    t.sb.mark()
    await t.azfail(['gameday'])
    assert.deepEqual(t.writes(), [])
  })

  it('exits 4 after the Traffic Manager TTL is raised to 300 s; every report names the check, observed, expected, remedy', async () => {
    const tm = await t.sb.clients.trafficManager()
    await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 300}})
    try {
      const dir = join(t.work, 'ttl')
      const {code, out} = await t.json(['gameday', '--report-dir', dir])
      assert.equal(code, 4)
      assert.equal(out.status, 'not-ready')
      const check = out.result.checks.find((c: any) => c.title === 'steering-ttl' && c.status === 'failed')
      assert.deepEqual([check.observed, check.expected], ['Traffic Manager tm-app TTL is 300s', 'at most 60s (30s is the norm; 300s is the default to avoid)'])
      assert.match(check.remedy, /TTL to 30s/)
      for (const c of out.result.checks) for (const k of ['status', 'observed', 'expected']) assert.ok(k in c, `${c.id} has ${k}`)
      assert.match(read(dir, 'junit.xml'), /<failure message="Traffic Manager tm-app TTL is 300s \(expected at most 60s/)
      assert.match(read(dir, 'summary.md'), /\| steering-ttl \| Traffic Manager tm-app TTL is 300s \| at most 60s .* \| Set the profile's DNS TTL to 30s/)
      const html = read(dir, 'report.html')
      assert.match(html, /Game day: NOT READY/)
      assert.match(html, /<details class="check failed" data-check="[^"]+" open><summary><span class="badge failed">failed<\/span> <b>steering-ttl<\/b><\/summary><dl><dt>Observed<\/dt><dd>Traffic Manager tm-app TTL is 300s<\/dd>/)
    } finally {
      await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 1}})
    }
  })

  it('exits 4 after a wus2 record is pointed at an eus2 IP, naming the resolution, the stale record and the dependency', async () => {
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.20.3.7'}]})
    try {
      const dir = join(t.work, 'record')
      const {code, out} = await t.json(['gameday', '--report-dir', dir])
      assert.equal(code, 4)
      const failed = out.result.checks.filter((c: any) => c.status === 'failed')
      const byId = (prefix: string) => failed.find((c: any) => c.id.startsWith(prefix))
      assert.deepEqual([byId('resolution/wus2/kv-app-wus2').observed, byId('resolution/wus2/kv-app-wus2').expected], ['10.20.3.7 (TTL 1s)', '10.30.3.7'])
      assert.match(byId('records/stale/').observed, /kv-app-wus2\.privatelink\.vaultcore\.azure\.net A 10\.20\.3\.7 was not written by any private endpoint's zone group/)
      assert.match(byId('topology/cross-region-dependency').observed, /wus2 resolves kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7, eus2's endpoint/)
      assert.match(byId('plan/drain/eus2').observed, /survivor-resolves-local refused/)
      const html = read(dir, 'report.html')
      assert.match(html, /kv-app-wus2\.vault\.azure.net<\/td><td>10\.20\.3\.7<\/td>.*WRONG/)
      assert.ok(failed.every((c: any) => c.remedy), 'every failed check has a remedy')
    } finally {
      await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.30.3.7'}]})
    }
  })

  it('a steering layer Azure does not answer for is a failed check naming it (not ready, exit 4), not a crash', async () => {
    await t.sb.control('POST', 'faults', {kind: 'error', status: 500, path: 'trafficmanagerprofiles'})
    try {
      const {code, out} = await t.json(['gameday'])
      assert.equal(code, 4, JSON.stringify(out.error))
      const unread = out.result.checks.find((c: any) => c.id.startsWith('unread/trafficManager/'))
      assert.equal(unread?.status, 'failed', JSON.stringify(out.result.checks.map((c: any) => c.id)))
      assert.match(unread.observed, /^not read: HTTP 500/)
    } finally {
      await t.sb.control('DELETE', 'faults')
    }
  })
})

describe('gameday practice', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('runs drain -> promote -> restore -> failback in a copy of the sandbox and reports measured step times against the RTO', async () => {
    const dir = join(t.work, 'practice')
    t.sb.mark()
    const {code, out} = await t.json(['gameday', '--practice', '--report-dir', dir])
    assert.equal(code, 0, JSON.stringify(out.error))
    const p = out.result.practice
    assert.deepEqual(p.phases.map((x: any) => `${x.phase}:${x.action}`), [
      'drain:drain', 'promote:promote-replica', 'promote:promote-failover-group', 'promote:promote-cosmos',
      'restore:restore', 'failback:promote-replica', 'failback:promote-failover-group', 'failback:promote-cosmos',
    ])
    assert.ok(p.phases.every((x: any) => x.status === 'succeeded'))
    assert.ok(p.phases.flatMap((x: any) => x.steps).every((s: any) => typeof s.durationMs === 'number'))
    assert.equal(p.rtoSeconds, 300)
    // The RTO is the failover's (drain to the last promotion); the failback is measured on its own.
    const [failover, failback] = p.stages
    assert.deepEqual([failover.stage, failover.completed, failback.stage, failback.completed], ['failover', true, 'failback', true])
    const steps = (stage: string) => p.phases.filter((x: any) => x.stage === stage).flatMap((x: any) => x.steps)
    assert.equal(failover.startedAt, steps('failover')[0].startedAt)
    assert.equal(failover.endedAt, steps('failover').at(-1).endedAt)
    assert.ok(failover.durationMs + failback.durationMs < p.totalMs)
    const rto = out.result.checks.find((c: any) => c.id === 'rto')
    assert.equal(rto.status, 'passed')
    assert.equal(rto.observed, `${(failover.durationMs / 1000).toFixed(1)}s from the drain's first step to the last promotion's end`)
    assert.equal(out.result.checks.find((c: any) => c.id === 'rto/failback').status, 'passed')
    assert.deepEqual(t.writes(), [], 'the practice ran in a copy: the sandbox it was given is untouched')
    assert.match(read(dir, 'summary.md'), /\| drain \| drain \| waitOutTtl \| succeeded \| \d+\.\ds \|/)
    assert.match(read(dir, 'junit.xml'), /<testsuite name="azfail gameday: practice steps"/)
    assert.match(read(dir, 'summary.md'), /\*\*Failover\*\* \(drain → promote\): measured RTO \d+\.\ds \(first step start to last step end\), within the RTO of 300s\./)
    assert.match(read(dir, 'summary.md'), /\*\*Failback\*\* \(restore → failback\): measured RTO \d+\.\ds/)
    assert.match(read(dir, 'report.html'), /Practice timeline/)
  })

  it('under --faults failed-promotion the promotion fails, the CNAME is untouched, the report says why, and the game day passes (exit 0)', async () => {
    const dir = join(t.work, 'failed-promotion')
    const {code, out} = await t.json(['gameday', '--faults', 'failed-promotion', '--report-dir', dir])
    assert.equal(code, 0, JSON.stringify(out.error))
    const p = out.result.practice
    assert.equal(p.scenario, 'failed-promotion')
    assert.deepEqual(p.phases.map((x: any) => [x.phase, x.status]), [['drain', 'succeeded'], ['promote', 'failed']])
    assert.equal(p.expectation.held, true)
    assert.match(p.expectation.observed, /OperationFailed.*CNAME untouched \(still pg-app-eus2\.private\.postgres\.database\.azure\.com\)/)
    const md = read(dir, 'summary.md')
    assert.match(md, /promoteReplica .*OperationFailed/)
    assert.match(md, /CNAME untouched/)
    const html = read(dir, 'report.html')
    assert.match(html, /the promotion fails, the run stops, and the CNAME is untouched/)
    assert.match(html, /<section class="phase" data-phase="failover" data-verdict="stopped"[^]*Did not complete: stopped at promote \(promote-replica\) failed after/)
    assert.doesNotMatch(html, /data-phase="failback"/, 'the failback never ran')
  })

  it('under --faults stale-record the drain is refused by survivor-resolves-local before anything changes (exit 0: as expected)', async () => {
    const {code, out} = await t.json(['gameday', '--faults', 'stale-record'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const p = out.result.practice
    assert.deepEqual(p.phases.map((x: any) => [x.phase, x.status, x.error?.guard]), [['drain', 'refused', 'survivor-resolves-local']])
    assert.equal(p.expectation.held, true)
  })

  it('refuses to practise against Azure (exit 2), before any network', async () => {
    const r = await runCli(['gameday', '--practice', '--runbook', t.runbook, '--subscription', '5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11', '--json'], {cwd: t.work, env: {AZURE_CLIENT_ID: '', AZURE_TENANT_ID: '', IDENTITY_ENDPOINT: '', MSI_ENDPOINT: ''}})
    assert.equal(r.code, 2, r.stdout)
    assert.equal(JSON.parse(r.stdout).error.code, 'PracticeNeedsSandbox')
  })
})

describe('sandbox import', () => {
  it('copies the estate a runbook describes into another sandbox, where the game day finds it ready', async () => {
    const t = await e2e()
    try {
      const copy = tempDir()
      const r = await runCli(['sandbox', 'import', '--from-sandbox', t.sb.dir, '--runbook', t.runbook, '--state-dir', copy, '--yes', '--json'], {cwd: t.work})
      assert.equal(r.code, 0, r.stderr)
      const out = JSON.parse(r.stdout).result
      assert.equal(out.counts.privateEndpoints, 6)
      assert.equal(out.counts.privateDnsZones, 5)
      t.sb.mark()
      const gd = await runCli(['gameday', '--sandbox', '--state-dir', copy, '--runbook', t.runbook, '--json'], {cwd: t.work})
      assert.equal(gd.code, 0, gd.stdout)
      assert.deepEqual(t.writes(), [], 'import only read the source')
      const refused = await runCli(['sandbox', 'import', '--from-sandbox', t.sb.dir, '--runbook', t.runbook, '--state-dir', t.sb.dir, '--yes'], {cwd: t.work})
      assert.equal(refused.code, 6, 'never imports under a running sandbox')
    } finally {
      await t.stop()
    }
  })
})

describe('gameday HTML report in headless Chromium', () => {
  it('renders the time axis, the RTO line and failover and failback with their own RTOs; failed checks open, passes folded', async (ctx) => {
    if (!haveChromium(ctx)) return
    const t = await e2e()
    const dir = join(t.work, 'html')
    let result: any
    try {
      // A readiness failure that does not stop the practice (a hand-written record no zone group will reap), and a
      // full practice, failover and failback: both on one page.
      const dns = await t.sb.clients.privateDns()
      await dns.recordSets.createOrUpdate('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-rogue', {ttl: 1, aRecords: [{ipv4Address: '10.20.9.9'}]})
      const r = await t.json(['gameday', '--practice', '--report-dir', dir])
      assert.equal(r.code, 4)
      result = r.out.result ?? r.out.error.report
    } finally {
      await t.stop()
    }
    const p = result.practice
    await inChromium(join(dir, 'report.html'), 'gameday-report.png', async (page) => {
      assert.equal(await page.textContent('h1'), 'Game day: NOT READY')
      // Checks fold: the failure first and open, every pass folded away.
      const cards = page.locator('#checks details.check')
      assert.deepEqual([await cards.first().getAttribute('class'), await cards.first().getAttribute('open')], ['check failed', ''])
      assert.equal(await page.locator('#failed details.check').count(), 1, 'the hand-written record')
      assert.equal(await page.locator('#passed').getAttribute('open'), null)
      assert.equal(await page.locator('details.check.passed[open]').count(), 0)
      assert.equal(await page.locator('details.check.passed').first().isVisible(), false, 'passes are folded')
      // The axis, and one RTO line per phase, rto seconds after the phase's first step started.
      const {end, lines} = await checkAxis(page)
      assert.equal(p.rtoSeconds, 300)
      for (const s of p.stages) {
        const first = (Date.parse(s.startedAt) - Date.parse(p.startedAt)) / 1000
        assert.ok(Math.abs(lines[s.stage] - (first + 300)) <= PRINTED_SECONDS, `${s.stage}: RTO line at ${first} + 300 s`)
      }
      assert.ok(end >= lines.failback)
      // Failover, then failback, each with its measured RTO against the runbook's.
      const phases = page.locator('.timeline .phase')
      assert.deepEqual(await phases.evaluateAll((els) => els.map((e) => e.getAttribute('data-phase'))), ['failover', 'failback'])
      for (const s of p.stages) {
        const text = await page.locator(`.phase[data-phase="${s.stage}"] .rto-verdict`).textContent()
        assert.equal(text, `Measured RTO ${(s.durationMs / 1000).toFixed(1)}s (first step start to last step end), within the RTO of 300s.`)
      }
      assert.ok((await page.locator('.phase[data-phase="failover"] .bar').count()) >= 4)
      assert.equal(await page.locator('.phase[data-phase="failover"] .bar.wait[data-step="waitOutTtl"]').count(), 1, 'the TTL wait is drawn as a wait')
      assert.equal(await page.locator('.phase[data-phase="failback"] .bar[data-step="enableSteering"]').count(), 1)
    })
  })
})

describe('scheduling examples', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')).commands
  /** Every `azfail ...` command line in a pipeline file: the command exists and takes each flag it is given. */
  function checkCommands(file: string, scripts: string[]) {
    const lines = scripts.flatMap((s) => s.split('\n')).filter((l) => /\bazfail\b/.test(l))
    assert.ok(lines.length > 0, `${file} runs azfail`)
    for (const line of lines) {
      const words = line.slice(line.indexOf('azfail') + 'azfail'.length).trim().split(/\s+/)
      const id = words.slice(0, 2).join(':') in manifest ? words.slice(0, 2).join(':') : words[0]
      assert.ok(manifest[id], `${file}: 'azfail ${id}' exists`)
      for (const flag of words.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=')[0])) {
        assert.ok(flag in manifest[id].flags, `${file}: 'azfail ${id}' takes --${flag}`)
      }
      assert.ok(words.includes('--report-dir'), `${file} writes reports`)
    }
  }

  it("GitHub Actions: a cron schedule, OIDC sign-in, azfail's action with inputs it declares, JUnit from its reports", () => {
    const file = join(ROOT, 'examples', 'github-actions-gameday.yml')
    const wf = parse(readFileSync(file, 'utf8'))
    assert.match(wf.on.schedule[0].cron, /^\S+ \S+ \S+ \S+ \S+$/)
    assert.equal(wf.permissions['id-token'], 'write')
    assert.equal(wf.permissions.checks, 'write', 'the JUnit reporter publishes a check run')
    assert.deepEqual(validateWorkflow(readFileSync(file, 'utf8')).errors, [], "valid against GitHub's workflow schema")
    const steps = wf.jobs.gameday.steps
    for (const s of steps.filter((x: any) => x.uses)) assert.match(s.uses, /@v\d+$/, `${s.uses} is pinned by major version`)
    assert.ok(steps.some((s: any) => s.uses?.startsWith('azure/login@') && s.with['client-id'] && !s.with['client-secret']), 'federated sign-in, no secret')
    assert.deepEqual(steps.filter((s: any) => s.run), [], 'the action installs and runs azfail: the workflow runs no script of its own')

    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
    const azfail = steps.find((s: any) => /^[^/\s]+\/azfail@v\d+$/.test(s.uses ?? ''))
    assert.ok(azfail, "a step uses azfail's action")
    for (const input of Object.keys(azfail.with)) assert.ok(input in action.inputs, `action.yml declares the input ${input}`)
    assert.notEqual(azfail.with['upload-reports'], 'false', 'the action uploads the reports')
    // the command the action runs: the command input, the flags the action adds for the runbook, subscription and reports
    const command = azfail.with.command ?? action.inputs.command.default
    assert.equal(command.split(' ')[0], 'gameday')
    const flags = [azfail.with.runbook && '--runbook x', azfail.with.subscription && '--subscription x', '--report-dir x'].filter(Boolean)
    checkCommands(file, [`azfail ${command} ${flags.join(' ')}`])
    const reportDir = azfail.with['report-dir'] ?? action.inputs['report-dir'].default
    const junit = steps.find((s: any) => s.uses?.startsWith('mikepenz/action-junit-report@'))
    assert.equal(junit.with.report_paths, `${reportDir}/junit.xml`)
    assert.equal(junit.if, 'always()', 'test results also when the game day fails')
  })

  it("Azure DevOps: the action's shape: the package installed, the game day with the same inputs, JUnit, reports and summary published", () => {
    const file = join(ROOT, 'examples', 'azure-pipelines-gameday.yml')
    const p = parse(readFileSync(file, 'utf8'))
    assert.match(p.schedules[0].cron, /^\S+ \S+ \S+ \S+ \S+$/)
    const scripts = p.steps.filter((s: any) => s.script).map((s: any) => s.script as string)
    assert.ok(scripts.some((s: string) => /^npm install --global .*\bazfail@\S+/m.test(s)), 'installs azfail from its package')
    assert.ok(!scripts.some((s: string) => /\bnpm ci\b|\bnpx\b/.test(s)), 'nothing of a clone of azfail')
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
    const parameters = Object.fromEntries(p.parameters.map((x: any) => [x.name, x]))
    for (const input of ['runbook', 'subscription']) assert.ok(parameters[input], `the action's input ${input} is a parameter`)
    assert.equal(parameters.subscription.default, action.inputs.subscription.default, 'empty: the signed-in subscription, as the action')

    const cli = p.steps.find((s: any) => s.task === 'AzureCLI@2')
    assert.ok(cli.inputs.azureSubscription)
    checkCommands(file, [cli.inputs.inlineScript])
    // the parameters reach azfail through the environment, never pasted into the script
    assert.doesNotMatch(cli.inputs.inlineScript, /\$\{\{|\$\(/)
    assert.equal(cli.env.AZFAIL_RUNBOOK, '${{ parameters.runbook }}')
    assert.match(cli.inputs.inlineScript, /--runbook "\$AZFAIL_RUNBOOK"/)
    const reports = cli.env[cli.inputs.inlineScript.match(/--report-dir "\$(\w+)"/)[1]]
    assert.equal(reports, '${{ parameters.reportDir }}')
    const after = p.steps.slice(p.steps.indexOf(cli) + 1)
    for (const s of after) assert.equal(s.condition, 'always()', `${s.task ?? s.displayName} also when the game day fails`)
    assert.equal(after.find((s: any) => s.task === 'PublishTestResults@2').inputs.testResultsFiles, `${reports}/junit.xml`)
    assert.equal(after.find((s: any) => s.task === 'PublishPipelineArtifact@1').inputs.targetPath, reports)
    const summary = after.find((s: any) => /##vso\[task\.uploadsummary\]/.test(s.script ?? ''))
    assert.ok(summary, "summary.md on the run's summary page")
    assert.match(summary.script, /##vso\[task\.uploadsummary\]\$(\w+)\/summary\.md/)
    assert.equal(summary.env[summary.script.match(/##vso\[task\.uploadsummary\]\$(\w+)/)[1]], reports)
  })
})
