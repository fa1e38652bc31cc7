// Hostile text, put everywhere text enters azfail (a runbook's name and manual action, --reason, the strings Azure serves),
// leaves every output inert: report.html runs nothing in Chromium, junit.xml parses with the text whole, summary.md and
// `runs show --md` create nothing but their own structure under a GFM renderer, and the terminal, as a CI log and as a
// live pseudo-terminal, receives no control sequence it did not send itself.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {appendFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {micromark} from 'micromark'
import {gfm, gfmHtml} from 'micromark-extension-gfm'
import type {Page} from 'playwright-core'
import {requestLogFile} from '#sandbox'
import {FIELD_MAX} from '../../src/report/escape.ts'
import {BIN, HANG_MS, eventually, runCli} from '../helpers.ts'
import {haveChromium, inChromium} from './chromium.ts'
import {type E2E, STATE_ZONE, e2e} from './support.ts'

/** One value that tries every breakout: HTML, a comment, Markdown links and emphasis, CDATA ends, terminal sequences, NUL. */
const HOSTILE_PARTS = [
  '<script>window.pwned=1</script>',
  '<img src=x onerror="window.pwned=2">',
  '[click](javascript:window.pwned=3) ![i](x.png)',
  '**b** _e_ `c` ~~d~~ $m$ @ghost a@b.example https://evil.example www.evil.example &amp;',
  'A]]><injected-element/><![CDATA[ x]]>y',
  'title\u001b]0;pwned\u0007 clear\u001b[2J red\u001b[31m bidi\u202e nul\u0000byte',
  '<!-- hides the rest',
]
const HOSTILE = HOSTILE_PARTS.join(' | ')
/** What every output shows for HOSTILE: its control characters as escapes, nothing else changed. */
const VISIBLE = HOSTILE.replace('\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07').replace('\u001b[2J', '\\x1b[2J').replace('\u001b[31m', '\\x1b[31m').replace('\u202e', '\\u202e').replace('\u0000', '\\x00')
/**
 * A reason is at most 200 characters (inputs.ts), so it carries the corpus's HTML, link, terminal and comment parts,
 * without the NUL a flag cannot carry (the operating system ends the argument there).
 */
const REASON = [HOSTILE_PARTS[0], HOSTILE_PARTS[2], HOSTILE_PARTS[5].replace('\u0000', ''), HOSTILE_PARTS[6]].join(' | ')
assert.ok(REASON.length <= 200, `the reason fits --reason's 200 characters (${REASON.length})`)
const LONG = 'L'.repeat(30_000)
/** Traffic Manager's answer for wus2's endpoint health: hostile, then very long. */
const STATUS = `${HOSTILE} ${LONG}`
/** Another string Azure serves: its tag (so a test can tell which one it sees), the corpus, then very long. */
const azureText = (tag: string) => `${tag} ${HOSTILE} ${LONG}`
/** The same string as azfail shows it whole (junit.xml): its control characters as escapes. */
const azureVisible = (tag: string) => `${tag} ${VISIBLE} ${LONG}`

/**
 * The other strings Azure serves that azfail shows, each set in one place (wus2's, which already does not serve, and
 * the data tier's): `mutate` merges `properties` into the resource's, from what it holds; the rest are set in `before`
 * as a note says. `shownIn` names where each shows:
 * a CLI output (status's tables, the game day's checks, the drain's guards, `runs show --md`; a field cut at FIELD_MAX
 * drops what follows it there), and 'report' (report.html and junit.xml, whole) and 'summary' (summary.md).
 */
const AZURE_STRINGS = (sub: string): Array<{tag: string; shownIn: string[]; mutate?: {id: string; properties: (p: any) => Record<string, unknown>}}> => {
  const group = (name: string) => `/subscriptions/${sub}/resourceGroups/${name}/providers`
  const origin = `${group('rg-global')}/Microsoft.Cdn/profiles/fd-app/originGroups/og-app/origins/origin-wus2`
  return [
    {tag: 'tmEndpointStatus', shownIn: ['status', 'gameday', 'drain', 'runMd', 'report', 'summary'], mutate: {id: `${group('rg-global')}/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-wus2`, properties: () => ({endpointStatus: azureText('tmEndpointStatus')})}},
    {tag: 'tmProfileMonitorStatus', shownIn: ['status'], mutate: {id: `${group('rg-global')}/Microsoft.Network/trafficManagerProfiles/tm-app`, properties: (p) => ({monitorConfig: {...p.monitorConfig, profileMonitorStatus: azureText('tmProfileMonitorStatus')}})}},
    {tag: 'fdEnabledState', shownIn: ['status', 'gameday', 'report', 'summary'], mutate: {id: origin, properties: () => ({enabledState: azureText('fdEnabledState')})}},
    // the game day shows it after the enabled state, whose long value its terminal line and summary.md cut
    {tag: 'fdProvisioningState', shownIn: ['report'], mutate: {id: origin, properties: () => ({provisioningState: azureText('fdProvisioningState')})}},
    {tag: 'pgReplicationState', shownIn: ['status', 'gameday', 'report', 'summary'], mutate: {id: `${group('rg-data-wus2')}/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`, properties: (p) => ({replica: {...p.replica, replicationState: azureText('pgReplicationState')}})}},
    // a role Azure documents none of: the game day fails a check naming it (the sandbox derives a failover group's
    // roles from its partners, so the SQL one is in test/unit/unknown-roles.test.ts)
    {tag: 'pgRole', shownIn: ['gameday', 'report', 'summary'], mutate: {id: `${group('rg-data-eus2')}/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-eus2`, properties: (p) => ({replica: {...p.replica, role: azureText('pgRole')}})}},
    {tag: 'sqlReplicationState', shownIn: ['status', 'gameday', 'report', 'summary'], mutate: {id: `${group('rg-data-eus2')}/Microsoft.Sql/servers/sql-app-eus2/failoverGroups/app-fog`, properties: () => ({replicationState: azureText('sqlReplicationState')})}},
    {tag: 'peProvisioningState', shownIn: ['gameday', 'report', 'summary'], mutate: {id: `${group('rg-spoke-wus2')}/Microsoft.Network/privateEndpoints/pe-kv-app-wus2`, properties: () => ({provisioningState: azureText('peProvisioningState')})}},
    {tag: 'cosmosLocation', shownIn: ['status'], mutate: {id: `${group('rg-data-eus2')}/Microsoft.DocumentDB/databaseAccounts/cosmos-app`, properties: (p) => ({failoverPolicies: p.failoverPolicies.map((f: any) => (f.failoverPriority === 0 ? f : {...f, locationName: azureText('cosmosLocation')}))})}},
    {tag: 'cnameTarget', shownIn: ['status', 'gameday', 'report', 'summary', 'repoint'], mutate: {id: `${group('rg-connectivity-dns')}/Microsoft.Network/privateDnsZones/private.postgres.database.azure.com/CNAME/prod`, properties: () => ({cnameRecord: {cname: azureText('cnameTarget')}})}},
    // set in before: a drain record in the state zone; a write in the Activity Log; a fault's error on the CNAME's write
    {tag: 'drainRecordAt', shownIn: ['status', 'gameday', 'report', 'summary']},
    {tag: 'activityCaller', shownIn: ['teardown']},
    {tag: 'armMessage', shownIn: ['repoint page']},
  ]
}
/** Where an Azure string shows. */
const shownIn = (where: string) => AZURE_STRINGS('').filter((s) => s.shownIn.includes(where)).map((s) => s.tag)

const read = (file: string) => readFileSync(file, 'utf8')

/** The terminal got no control character but newline and tab; the hostile text shows as escapes, bounded. */
function assertInertLog(out: string, what: string, shows = true) {
  const bad = [...out.matchAll(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/g)].map((m) => JSON.stringify(out.slice(Math.max(0, m.index - 30), m.index + 10)))
  assert.deepEqual(bad, [], `${what}: control characters reached the terminal`)
  if (shows) assert.ok(out.includes('\\x1b]0;pwned\\x07'), `${what} shows the escape sequence as text:\n${out.slice(0, 3000)}`)
  assert.ok(!out.includes('L'.repeat(FIELD_MAX + 1)), `${what}: a value is printed beyond ${FIELD_MAX} characters`)
}

/**
 * Runs `cmd` at a pseudo-terminal, types `answer` once `question` shows, and returns its exit code and what reached
 * the terminal. Not spawnSync: the sandbox answering it lives in this process. script(1) gives it a terminal, logs
 * what it draws (-f: as it draws it) and passes what we type to it.
 */
async function atPseudoTerminal(cmd: string, log: string, question: string, answer: string): Promise<{code: number | null; raw: string}> {
  const script = spawn('script', ['-q', '-f', '-e', '-c', cmd, log], {stdio: ['pipe', 'ignore', 'ignore']})
  const closed = once(script, 'close')
  await eventually(() => (existsSync(log) && read(log).includes(question)) || script.exitCode !== null, HANG_MS)
  script.stdin.write(`${answer}\r`)
  const [code] = await closed
  return {code, raw: read(log)}
}

/** Only azfail's own CSI sequences (cursor, erase, colour) reached the terminal: no OSC, no clear screen, no BEL or NUL. */
function assertOwnSequences(raw: string) {
  const sequences = raw.match(/\x1b(\[[0-9;?]*[ -/]*[@-~]|.)/g) ?? []
  assert.deepEqual(sequences.filter((s) => s === '\x1b[2J' || !/^\x1b\[[0-9;?]*[A-HJKSTfhlmsu]$/.test(s)), [], "only azfail's own CSI sequences")
  assert.ok(!/[\x00\x07]/.test(raw.replace(/^Script (started|done).*$/gm, '')), 'no BEL, no NUL')
}

/** A page (a report, or rendered Markdown) created no element, link, image or comment from the text, and shows it. */
async function assertInertPage(page: Page, allowed: string[], shows: string[]) {
  // Runs in the page (a string: this project compiles without the DOM's types).
  const found: {tags: string[]; comments: string[]; attrs: string[]; pwned: unknown; text: string} = await page.evaluate(`(() => {
    const tags = [...document.body.querySelectorAll('*')].map((e) => e.tagName.toLowerCase())
    const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_COMMENT)
    const comments = []
    while (walker.nextNode()) comments.push(walker.currentNode.nodeValue)
    const attrs = [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith('on') || n === 'href' || n === 'src')
    return {tags: [...new Set(tags)], comments, attrs, pwned: window.pwned ?? null, text: document.body.innerText}
  })()`)
  assert.equal(found.pwned, null, 'no script ran')
  assert.deepEqual(found.tags.filter((t) => !allowed.includes(t)), [], 'no element from the text')
  assert.deepEqual(found.comments, [], 'no comment')
  assert.deepEqual(found.attrs, [], 'no link, source or handler')
  for (const s of shows) assert.ok(found.text.includes(s), `shows ${JSON.stringify(s.slice(0, 80))}`)
}

/** GitHub's flavour of Markdown, raw HTML allowed as GitHub allows it before sanitizing: what a PR comment would make. */
const gfmHtmlOf = (markdown: string) => micromark(markdown, {allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()]})

const MARKDOWN_TAGS = ['h2', 'h3', 'p', 'strong', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li']

describe('hostile text in every place text enters', () => {
  let t: E2E
  const dir = () => join(t.work, 'reports')
  const outputs: Record<string, string> = {}
  let runId = ''

  before(async () => {
    const yaml = JSON.stringify(HOSTILE)
    t = await e2e((text) => `${text.replace(/^name: demo$/m, `name: ${yaml}`)}actions:\n  drain:\n    - drainSteering\n    - waitOutTtl\n    - verifySurvivorResolution\n    - manualAction: ${yaml}\n`)
    const endpoint = `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-wus2`
    const set = await t.sb.control('POST', 'mutate', {id: endpoint, properties: {endpointMonitorStatus: STATUS}, sandbox: {health: STATUS}})
    assert.equal(set.status, 200)
    for (const {tag, mutate} of AZURE_STRINGS(t.sb.target.subscriptionId)) {
      if (!mutate) continue
      const world = await t.sb.control('GET', 'state')
      const mutated = await t.sb.control('POST', 'mutate', {id: mutate.id, properties: mutate.properties(world.body.resources[mutate.id.toLowerCase()]?.properties ?? {})})
      assert.equal(mutated.status, 200, `${tag}: ${JSON.stringify(mutated.body).slice(0, 300)}`)
    }
    // wus2's drain record, as another azfail (or anyone) could have written it in the state zone
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.createOrUpdate(...STATE_ZONE, 'TXT', '_azfail-drain-wus2', {ttl: 10, txtRecords: [{value: [`drainedAt=${azureText('drainRecordAt')}`, `run=${azureText('drainRecordRun')}`]}]})

    const gameday = await t.azfail(['gameday', '--report-dir', dir()])
    assert.equal(gameday.code, 4, gameday.stdout + gameday.stderr)
    outputs.gameday = gameday.stdout + gameday.stderr

    const drain = await t.azfail(['drain', 'eus2', '--yes', '--override', 'last-region', '--reason', REASON])
    assert.equal(drain.code, 5, drain.stdout + drain.stderr)
    outputs.drain = drain.stdout + drain.stderr
    runId = /run (\d{8}-\d{6}-[0-9a-f]+)/.exec(drain.stdout + drain.stderr)![1]

    for (const [name, args] of Object.entries({status: ['status'], runsShow: ['runs', 'show', runId], runsList: ['runs', 'list']})) {
      const r = await t.azfail(args)
      outputs[name] = r.stdout + r.stderr
    }
    // A mistyped command and help for one that does not exist repeat what was typed.
    for (const [name, args] of Object.entries({notFound: [`drain${REASON}`], help: ['help', `drain${REASON}`]})) {
      const r = await runCli(args, {cwd: t.work})
      assert.equal(r.code, 2, r.stdout + r.stderr)
      outputs[name] = r.stdout + r.stderr
    }

    const md = await t.azfail(['runs', 'show', runId, '--md'], {runbook: null})
    assert.equal(md.code, 0, md.stderr)
    outputs.runMd = md.stdout
    const html = await t.azfail(['runs', 'show', runId, '--html', '--output', join(dir(), 'run.html')], {runbook: null})
    assert.equal(html.code, 0, html.stderr)

    // Two more strings from Azure, each where azfail shows it. The Activity Log's caller: a write on eus2's steering
    // after its drain, as the sandbox's log (which it serves the Activity Log from) records one; a teardown's plan names
    // who wrote. An ARM error's message: the CNAME's write refused, as the failed step's reason.
    const endpointEus2 = `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-eus2`
    const write = {time: new Date().toISOString(), method: 'PUT', path: endpointEus2, apiVersion: '2022-04-01', status: 200, durationMs: 5, caller: azureText('activityCaller')}
    appendFileSync(requestLogFile(t.sb.dir), `${JSON.stringify(write)}\n`)
    const teardown = await t.azfail(['teardown', 'eus2', '--dry-run'])
    outputs.teardown = teardown.stdout + teardown.stderr
    await t.sb.fault({kind: 'error', status: 400, path: 'CNAME/prod$', method: 'PUT', count: 1, message: `armMessage ${HOSTILE} ${'L'.repeat(3000)}`})
    // pg-app-eus2's role is one Azure documents none of (pgRole): the guard says so, and is overridden to reach the write
    const repoint = await t.azfail(['repoint', '--to', 'eus2', '--yes', '--override', 'promote-before-repoint', '--reason', REASON])
    assert.equal(repoint.code, 1, repoint.stdout + repoint.stderr)
    outputs.repoint = repoint.stdout + repoint.stderr
    const repointRun = /run (\d{8}-\d{6}-[0-9a-f]+)/.exec(outputs.repoint)![1]
    const repointPage = await t.azfail(['runs', 'show', repointRun, '--html', '--output', join(dir(), 'repoint.html')], {runbook: null})
    assert.equal(repointPage.code, 0, repointPage.stderr)
  })
  after(() => t.stop())

  it('junit.xml parses as XML 1.0 with the text whole, its control characters as escapes, and no injected element', async (ctx) => {
    if (!haveChromium(ctx)) return
    const xml = read(join(dir(), 'junit.xml'))
    await inChromium(join(dir(), 'report.html'), 'hostile-report.png', async (page) => {
      const parsed: {error: string | null; injected: number; message: string; out: string; texts: string[]} = await page.evaluate(`(() => {
        const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml')
        const failure = [...doc.querySelectorAll('testcase')].find((c) => c.getAttribute('name') === 'Traffic Manager endpoint ep-wus2 is enabled and Online')
        return {
          error: doc.querySelector('parsererror')?.textContent ?? null,
          injected: doc.getElementsByTagName('injected-element').length,
          message: failure?.querySelector('failure')?.getAttribute('message') ?? '',
          out: failure?.querySelector('system-out')?.textContent ?? '',
          texts: [...doc.querySelectorAll('testcase')].flatMap((c) => [c.getAttribute('name'), c.querySelector('failure')?.getAttribute('message') ?? '']),
        }
      })()`)
      assert.equal(parsed.error, null, 'junit.xml is well-formed')
      assert.equal(parsed.injected, 0)
      assert.ok(parsed.message.includes(`${VISIBLE} ${LONG}`), `the failure message keeps the whole status: ${parsed.message.slice(0, 300)}`)
      assert.ok(parsed.out.includes(`${VISIBLE} ${LONG}`), 'so does its output')
      for (const tag of shownIn('report')) {
        assert.ok(parsed.texts.some((m) => m.includes(azureVisible(tag))), `a test case's name or failure keeps the whole ${tag}`)
      }
    })
  })

  it('report.html and the run page run nothing and show the text', async (ctx) => {
    if (!haveChromium(ctx)) return
    const allowed = ['header', 'h1', 'p', 'ul', 'li', 'main', 'section', 'h2', 'h3', 'div', 'details', 'summary', 'span', 'b', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'footer', 'code', 'time']
    await inChromium(join(dir(), 'report.html'), 'hostile-gameday.png', (page) => assertInertPage(page, allowed, [VISIBLE, ...shownIn('report').map((tag) => `${tag} ${VISIBLE}`)]))
    await inChromium(join(dir(), 'run.html'), 'hostile-run.png', (page) => assertInertPage(page, allowed, [VISIBLE]))
    // The failed repoint's page: the CNAME's long target, then the message ARM refused the write with, both whole.
    await inChromium(join(dir(), 'repoint.html'), 'hostile-repoint.png', (page) => assertInertPage(page, allowed, [`cnameTarget ${VISIBLE} ${LONG}`, ...shownIn('repoint page').map((tag) => `${tag} ${VISIBLE}`)]))
  })

  it('summary.md and runs show --md render under GFM as the text itself: no element, link, image or comment', async (ctx) => {
    if (!haveChromium(ctx)) return
    const summary = read(join(dir(), 'summary.md'))
    for (const [name, markdown] of [['summary.md', summary], ['runs show --md', outputs.runMd]]) {
      assert.ok(!markdown.includes(LONG), `${name}: a long value is bounded`)
      const file = join(t.work, `${name.replace(/\W+/g, '-')}.html`)
      writeFileSync(file, `<!doctype html><meta charset="utf-8"><title>${name}</title><body>${gfmHtmlOf(markdown)}</body>`)
      await inChromium(file, `hostile-${name.replace(/\W+/g, '-')}.png`, (page) => assertInertPage(page, MARKDOWN_TAGS, [VISIBLE, ...(name === 'summary.md' ? shownIn('summary').map((tag) => `${tag} ${VISIBLE}`) : [])]))
    }
    assert.match(summary, /… \(\d{5} characters\)/, 'the long status ends with its length')
  })

  it('the terminal of a CI run shows the text as escapes, bounded', () => {
    for (const [name, out] of Object.entries(outputs)) if (name !== 'runMd') assertInertLog(out, name, name !== 'runsList')
    for (const {tag, shownIn: where} of AZURE_STRINGS('')) for (const name of where.filter((w) => w in outputs)) assert.ok(outputs[name].includes(tag), `${name} shows ${tag}`)
    assert.ok(outputs.teardown.includes('by activityCaller <script>'), "a teardown's plan names who wrote the steering since the drain")
    assert.match(outputs.status, /not asked: the drain record's time is not a time: 'drainRecordAt <script>/, 'a drain record holding no time is said to be that')
    assert.doesNotMatch(outputs.status, /Invalid time value/)
    assert.match(outputs.gameday, /… \(\d{5} characters\)/)
  })

  it("the live task list and the manual action's question at a pseudo-terminal send only the renderer's own sequences", async () => {
    const cmd = `stty cols 160 rows 40; cd ${t.work}; env -u CI ${process.execPath} ${BIN} resume ${runId} --yes --sandbox --state-dir ${t.sb.dir}`
    const {code, raw} = await atPseudoTerminal(cmd, join(t.work, 'pty.log'), 'Done? [y/N]', 'y')
    assert.equal(code, 0, raw)
    // The question wraps at the terminal's width.
    assert.match(raw, /Manual action manualAction1: <script>[\s\S]*\\x1b\]0;pwned\\x07[\s\S]*<!-- hides the rest Done\? \[y\/N\]/, 'the question shows the text as escapes')
    assert.match(raw, /confirmed by .* at the prompt/)
    assert.ok((raw.match(/\x1b/g) ?? []).length > 0, 'the live renderer drew')
    assertOwnSequences(raw)
    assert.ok(raw.includes('\\x1b]0;pwned\\x07'), 'the sequence shows as text')
  })
})

describe('hostile text in what others write: the lock records, a PostgreSQL server\'s role', () => {
  let t: E2E
  before(async () => {
    t = await e2e()
  })
  after(() => t.stop())

  it('lock status and lock release show holder, run, action and reason as escapes, bounded; --json keeps them whole', async () => {
    const dns = await t.sb.clients.privateDns()
    const [group, zone] = ['rg-connectivity-dns', 'private.postgres.database.azure.com']
    const at = (ms: number) => new Date(Date.now() + ms).toISOString()
    const field = `${HOSTILE}\n  run      20261121-000000-forged ${LONG}`
    // lapsed a minute ago, so a release needs no --force
    await dns.recordSets.createOrUpdate(group, zone, 'TXT', '_azfail-lock', {ttl: 10, txtRecords: [{value: [`holder=${field}`, `run=${field}`, `action=${field}`, `since=${field}`, `expires=${at(-60_000)}`]}]})
    await dns.recordSets.createOrUpdate(group, zone, 'TXT', '_azfail-lock-released', {ttl: 10, txtRecords: [{value: [`by=${field}`, `reason=${field}`, `at=${field}`, `run=${field}`, `holder=${field}`]}]})

    const status = await t.azfail(['lock', 'status'])
    assert.equal(status.code, 0, status.stderr)
    assertInertLog(status.stdout + status.stderr, 'lock status')
    assert.doesNotMatch(status.stdout, /\n {2}run {6}20261121-000000-forged/, 'a value cannot forge a line of its own')
    const json = await t.json(['lock', 'status'])
    assert.equal(json.out.result.lock.holder, field, '--json keeps the value whole')
    assert.equal(json.out.result.lastRelease.reason, field)

    const release = await t.azfail(['lock', 'release', '--reason', REASON])
    assert.equal(release.code, 0, release.stderr)
    assertInertLog(release.stdout + release.stderr, 'lock release')
  })

  // Apart from the first corpus: a replica whose role is no replica's is no replica, and the game day and the repoint
  // there need one. `status` shows the role.
  it("status shows a PostgreSQL server's role as escapes, bounded", async () => {
    const id = `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-data-wus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`
    const world = await t.sb.control('GET', 'state')
    const set = await t.sb.control('POST', 'mutate', {id, properties: {replica: {...world.body.resources[id.toLowerCase()].properties.replica, role: azureText('pgRole')}}})
    assert.equal(set.status, 200)
    const status = await t.azfail(['status'])
    assert.equal(status.code, 0, status.stderr)
    assertInertLog(status.stdout + status.stderr, 'status')
    assert.match(status.stdout, /pg-app-wus2\s+pgRole <script>/)
  })
})

describe('hostile text in the consent prompt', () => {
  let t: E2E
  before(async () => {
    t = await e2e()
  })
  after(() => t.stop())

  it("lists each change with Azure's values as escapes, each bounded and on its own line, then the waits; a pseudo-terminal gets no sequence of the text's", async () => {
    // The CNAME's current target is what Azure serves: hostile, a line forging a change of its own, then very long.
    const cname = `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-connectivity-dns/providers/Microsoft.Network/privateDnsZones/private.postgres.database.azure.com/CNAME/prod`
    const forged = `${HOSTILE}\n  - Traffic Manager endpoint ep-wus2: Enabled -> Enabled ${LONG}`
    const set = await t.sb.control('POST', 'mutate', {id: cname, properties: {cnameRecord: {cname: forged}}})
    assert.equal(set.status, 200)
    t.sb.mark()
    const cmd = `stty cols 160 rows 40; cd ${t.work}; env -u CI ${process.execPath} ${BIN} failover eus2 --sandbox --state-dir ${t.sb.dir} --runbook ${t.runbook}`
    const {code, raw} = await atPseudoTerminal(cmd, join(t.work, 'consent.log'), 'Proceed? [y/N]', 'n')
    assert.equal(code, 5, `declined: nothing changed, exit 5\n${raw.slice(0, 3000)}`)
    assert.deepEqual(t.writes(), [], 'nothing was written')
    assert.match(raw, /will change:/, raw.slice(0, 3000))
    assert.ok(raw.includes('\\x1b]0;pwned\\x07'), 'the sequence shows as text')
    assert.ok(raw.includes('<!-- hides the rest\\n  - Traffic Manager endpoint'), 'the line break shows as \\n')
    assert.doesNotMatch(raw, /^\s*- Traffic Manager endpoint ep-wus2: Enabled -> Enabled/m, 'a value cannot forge a change of its own')
    assert.ok(!raw.includes('L'.repeat(FIELD_MAX + 1)), `a value is printed beyond ${FIELD_MAX} characters`)
    assert.match(raw, /LLL… \(\d{5} characters\) -> pg-app-wus2\.private\.postgres\.database\.azure\.com/, 'the value it changes to shows after the bounded one')
    assert.match(raw, /and will wait:\r?\n {2}- waitOutTtl: /, 'the waits are named in the same consent')
    assertOwnSequences(raw)
  })
})
