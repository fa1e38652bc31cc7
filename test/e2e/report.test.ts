// azfail runs show <id> --html / --md: a run's journal as its post-incident record: the timeline of its steps (start,
// end, duration, status, message), the waits, the RTO line, the overrides and the warnings.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {checkAxis, haveChromium, inChromium, PRINTED_SECONDS} from './chromium.ts'
import {type E2E, e2e} from './support.ts'

describe('runs show --html / --md', () => {
  let t: E2E
  let run: any
  before(async () => {
    t = await e2e()
    // A drain whose survivor check is overridden (wus2 answers eus2's address for the key vault): a wait, an
    // override with its reason, and a warning of what the overridden guard saw.
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.20.3.7'}]})
    const {code, out} = await t.json(['drain', 'eus2', '--override', 'survivor-resolves-local', '--reason', 'incident 4711: wus2 must take traffic', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    run = out.result
  })
  after(() => t.stop())

  it('--md prints the record on stdout: the steps with start, end, duration, status and message, the override and the warning', async () => {
    const r = await t.azfail(['runs', 'show', run.runId, '--md'])
    assert.equal(r.code, 0, r.stderr)
    const md = r.stdout
    assert.match(md, new RegExp(`^## azfail run ${run.runId}: drain eus2: ✅ succeeded\\n`))
    assert.match(md, /Requested by .*\(sandbox\); .* 1 attempt; target sandbox, subscription [-\w]+; runbook `.*azfail\.yaml` \(rto 300s as the file reads now\)/)
    assert.match(md, /\*\*drain eus2\*\*: measured RTO \d+\.\ds \(first step start to last step end\), within the RTO of 300s\./)
    assert.match(md, /\| step \| status \| duration \| start \| end \| message \|\n\|---\|---\|---\|---\|---\|---\|\n\| drainSteering \| succeeded \| \d+\.\ds \| \+\d+\.\ds \| \+\d+\.\ds \| Traffic Manager endpoint ep-eus2 disabled/)
    assert.match(md, /\| waitOutTtl \| succeeded \| \d+\.\ds \| \+\d+\.\ds \| \+\d+\.\ds \| waited out \d+s since the drain, eus2 drained at every look \|/)
    assert.match(md, /\| verifySurvivorResolution \| overridden \| .* \| not verified \(overridden: survivor-resolves-local\)/)
    assert.match(md, /### Overrides\n\n\| guard \| by \| reason \| at \|\n\|---\|---\|---\|---\|\n\| survivor-resolves-local \| .*\(sandbox\) \| incident 4711: wus2 must take traffic \|/)
    assert.match(md, /### Warnings\n\n- verifySurvivorResolution: guard survivor-resolves-local was overridden; it saw: wus2 resolves kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7/)
  })

  it('--html --output writes the page and names it; --json needs --output; --output needs a format', async () => {
    const file = join(t.work, 'records', 'incident.html')
    const r = await t.json(['runs', 'show', run.runId, '--html', '--output', file])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.out.result.report, file)
    assert.match(readFileSync(file, 'utf8'), /^<!doctype html>[^]*<title>azfail run [-\w]+: drain eus2: succeeded<\/title>/)
    const noFile = await t.json(['runs', 'show', run.runId, '--html'])
    assert.deepEqual([noFile.code, noFile.out.error.code], [2, 'ReportNeedsOutput'])
    const noFormat = await t.azfail(['runs', 'show', run.runId, '--output', join(t.work, 'x.html')])
    assert.equal(noFormat.code, 2)
    assert.match(noFormat.stderr, /--output writes the --html or --md report/)
    assert.ok(!existsSync(join(t.work, 'x.html')))
    const both = await t.azfail(['runs', 'show', run.runId, '--html', '--md'])
    assert.equal(both.code, 2)
  })

  it('--html in headless Chromium: the time axis, the RTO line, the wait, the overridden check, the override and the warning', async (ctx) => {
    if (!haveChromium(ctx)) return
    const r = await t.azfail(['runs', 'show', run.runId, '--html'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^<!doctype html>/, 'the page is the data on stdout')
    const file = join(t.work, 'run.html')
    writeFileSync(file, r.stdout)
    await inChromium(file, 'run-report.png', async (page) => {
      assert.equal(await page.textContent('h1'), `Run ${run.runId}: drain eus2: SUCCEEDED`)
      const {lines} = await checkAxis(page)
      const first = Number(await page.locator('.bar[data-step="drainSteering"]').getAttribute('data-start-seconds'))
      assert.ok(Math.abs(lines.drain - (first + 300)) <= PRINTED_SECONDS, 'the RTO line stands 300 s after the first step started')
      assert.match((await page.locator('.phase[data-phase="drain"] .rto-verdict').textContent())!, /^Measured RTO \d+\.\ds \(first step start to last step end\), within the RTO of 300s\.$/)
      assert.deepEqual(await page.locator('.phase .bar').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.className}`)), [
        'drainSteering:bar succeeded',
        'waitOutTtl:bar wait succeeded',
        'verifySurvivorResolution:bar overridden',
      ])
      const rows = await page.locator('table.steps tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
      assert.deepEqual(rows.map((c) => [c[0], c[1]]), [['drainSteering', 'succeeded'], ['waitOutTtl', 'succeeded'], ['verifySurvivorResolution', 'overridden']])
      for (const c of rows) assert.match(`${c[2]} ${c[3]} ${c[4]}`, /^\+\d+\.\ds \+\d+\.\ds \d+\.\ds$/, 'start, end and duration of each step')
      assert.deepEqual(await page.locator('#overrides tbody tr td').evaluateAll((tds) => tds.slice(0, 3).map((td) => td.textContent)), ['survivor-resolves-local', run.overrides[0].by, 'incident 4711: wus2 must take traffic'])
      assert.match((await page.locator('#warnings li').first().textContent())!, /survivor-resolves-local was overridden; it saw: wus2 resolves kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7/)
    })
  })
})
