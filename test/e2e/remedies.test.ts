// Remedies and summaries come from the same observations as the verdicts (issue 16, item 6): a runbook expecting
// another region's IP is named by `lint --live` and the game day, whose remedy never asks for an address the zone
// groups did not write; a practice run's warnings are the warnings its reports count.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

const wrongExpectation = (text: string) => text.replace('kv-app-wus2.vault.azure.net: 10.30.3.7', 'kv-app-wus2.vault.azure.net: 10.20.3.7')

describe("a runbook expecting eus2's IP for wus2's vault", () => {
  let t: E2E
  before(async () => (t = await e2e(wrongExpectation)))
  after(() => t.stop())

  it('lint --live names the expected IP as another region\'s, and the address the zone group wrote', async () => {
    const {code, out} = await t.json(['lint', '--live'])
    assert.equal(code, 4, JSON.stringify(out))
    const f = out.result.findings.find((x: any) => x.rule === 'expected-ip-elsewhere')
    assert.ok(f, JSON.stringify(out.result.findings))
    assert.equal(f.region, 'wus2')
    assert.match(f.observed, /expects wus2 to resolve kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7, which eus2's endpoint pe-kv-app-eus2 wrote; wus2's own zone group wrote 10\.30\.3\.7/)
    assert.match(f.remedy, /to 10\.30\.3\.7/)
  })

  it('the game day fails it, and its remedy points at the runbook and the address the zone group wrote, never at 10.20.3.7', async () => {
    const {code, out} = await t.json(['gameday'])
    assert.equal(code, 4, JSON.stringify(out.error))
    const byId = (id: string) => out.result.checks.find((c: any) => c.id.startsWith(id))
    const resolution = byId('resolution/wus2/kv-app-wus2')
    assert.equal(resolution.status, 'failed')
    assert.doesNotMatch(resolution.remedy, /answer 10\.20\.3\.7/)
    assert.match(resolution.remedy, /The runbook's expectation is wrong: 10\.20\.3\.7 is eus2's endpoint pe-kv-app-eus2, not wus2's; wus2's zone group wrote 10\.30\.3\.7/)
    for (const c of out.result.checks) if (c.remedy) assert.doesNotMatch(c.remedy, /(answer|answers) 10\.20\.3\.7/, `${c.id}: ${c.remedy}`)
    assert.equal(byId('topology/expected-ip-elsewhere').status, 'failed')
  })
})

describe('a practice run that warns', () => {
  let t: E2E
  let deadPort: number
  before(async () => {
    t = await e2e((text) => `${text}notify:\n  - {kind: generic, urlEnv: AZFAIL_TEST_HOOK}\n`)
    // A port that was just free: every notification to it is refused, and each run of the practice warns.
    const server = createServer().listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    deadPort = (server.address() as {port: number}).port
    await new Promise((r) => server.close(r))
  })
  after(() => t.stop())

  it('counts in the terminal, summary.md and report.html exactly the warnings it lists', async () => {
    const dir = join(t.work, 'warned')
    const env = {AZFAIL_TEST_HOOK: `http://127.0.0.1:${deadPort}/hook`}
    const r = await t.azfail(['gameday', '--practice', '--report-dir', dir, '--json'], {env, timeoutMs: 240_000})
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    const listed = out.result.checks.filter((c: any) => c.status === 'warning')
    assert.ok(listed.length >= 4, `each practice run warned that its notifications were not delivered: ${JSON.stringify(listed)}`)
    assert.ok(listed.some((c: any) => /not delivered/.test(c.observed)))
    assert.equal(out.result.summary.warnings, listed.length)
    const md = readFileSync(join(dir, 'summary.md'), 'utf8')
    assert.match(md, new RegExp(`${listed.length} warnings`))
    assert.equal(md.split('\n').filter((l) => /^- \*\*.* warned\*\*/.test(l)).length, listed.length, md)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    assert.match(html, new RegExp(`${listed.length} warnings`))

    const plain = await t.azfail(['gameday', '--practice'], {env, timeoutMs: 240_000})
    assert.equal(plain.code, 0, plain.stderr)
    const counted = Number(/(\d+) warnings/.exec(plain.stdout)?.[1])
    const shown = plain.stdout.split('\n').filter((l) => /warned/.test(l) && /^\s*warning\b/.test(l)).length
    assert.equal(counted, shown, plain.stdout)
    assert.ok(counted >= 4, plain.stdout)
  })
})
