// The reports of a game day: the JSON journal, JUnit XML for CI dashboards (one test case per check and per step), a
// Markdown summary for a pull request or issue comment, and a self-contained HTML page (no network needed to view).
import {mkdirSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import junitModule, {type Builder} from 'junit-report-builder'
import type {Check} from './checks.ts'
import type {GamedayResult} from '../services/gameday.ts'

export interface ReportPaths {
  json: string
  junit: string
  markdown: string
  html: string
}

export function writeReports(dir: string, result: GamedayResult): ReportPaths {
  const out = resolve(dir)
  mkdirSync(out, {recursive: true})
  const paths: ReportPaths = {json: join(out, 'gameday.json'), junit: join(out, 'junit.xml'), markdown: join(out, 'summary.md'), html: join(out, 'report.html')}
  writeFileSync(paths.json, JSON.stringify(result, null, 2) + '\n')
  writeFileSync(paths.junit, junitXml(result))
  writeFileSync(paths.markdown, markdown(result))
  writeFileSync(paths.html, html(result))
  return paths
}

const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}s`
const verdict = (r: GamedayResult) => (r.status === 'ready' ? 'READY' : 'NOT READY')

export function junitXml(r: GamedayResult): string {
  // A CommonJS package: under Node's ESM loader its default export may sit one level down.
  const junit = ((junitModule as unknown as {default?: Builder}).default ?? (junitModule as unknown as Builder))
  const builder = junit.newBuilder()
  const suites = new Map<string, ReturnType<typeof builder.testSuite>>()
  const suite = (name: string) => {
    if (!suites.has(name)) suites.set(name, builder.testSuite().name(`azfail gameday: ${name}`).timestamp(r.startedAt))
    return suites.get(name)!
  }
  for (const c of r.checks) {
    const tc = suite(c.category === 'practice' || c.category === 'rto' ? 'practice' : 'readiness').testCase().className(`azfail.${c.category}`).name(c.title)
    const body = `observed: ${c.observed}\nexpected: ${c.expected}${c.remedy ? `\nremedy: ${c.remedy}` : ''}`
    if (c.status === 'failed') tc.failure(`${c.observed} (expected ${c.expected})${c.remedy ? `. Remedy: ${c.remedy}` : ''}`, c.category).standardOutput(body)
    else if (c.status === 'skipped') tc.skipped().standardOutput(body)
    else tc.standardOutput(c.status === 'warning' ? `WARNING\n${body}` : body)
  }
  for (const phase of r.practice?.phases ?? []) {
    for (const s of phase.steps) {
      const tc = suite('practice steps').testCase().className(`azfail.practice.${phase.phase}`).name(`${phase.action} ${s.id}`).time((s.durationMs ?? 0) / 1000)
      if (s.status === 'failed' || s.status === 'refused') tc.failure(s.message, s.status)
      else if (s.status === 'skipped') tc.skipped().standardOutput(s.message)
      else tc.standardOutput(s.message)
    }
  }
  return builder.build()
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function markdown(r: GamedayResult): string {
  const failed = r.checks.filter((c) => c.status === 'failed')
  const warnings = r.checks.filter((c) => c.status === 'warning')
  const lines = [
    `## azfail game day: ${r.status === 'ready' ? '✅' : '❌'} ${verdict(r)}`,
    '',
    `${r.runbooks.map((b) => `\`${b.name}\``).join(', ')} on ${r.target}, ${r.startedAt}, ${seconds(r.durationMs)}: **${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.warnings} warnings, ${r.summary.skipped} skipped**.`,
    '',
  ]
  if (failed.length > 0) {
    lines.push('### Failed checks', '', '| check | observed | expected | remedy |', '|---|---|---|---|')
    for (const c of failed) lines.push(`| ${md(c.title)} | ${md(c.observed)} | ${md(c.expected)} | ${md(c.remedy ?? '')} |`)
    lines.push('')
  }
  if (warnings.length > 0) {
    lines.push('### Warnings', '')
    for (const c of warnings) lines.push(`- **${md(c.title)}**: ${md(c.observed)}. ${md(c.remedy ?? '')}`)
    lines.push('')
  }
  const p = r.practice
  if (p) {
    lines.push(`### Practice: ${p.region} → ${p.survivor} and back${p.scenario ? ` under \`${p.scenario}\`` : ''}`, '')
    lines.push(`Expected: ${p.expectation.text}. Observed: ${md(p.expectation.observed)}. **${p.expectation.held ? 'Held' : 'Did not hold'}.**`, '')
    lines.push(`Total ${seconds(p.totalMs)}${p.rtoSeconds !== undefined ? ` against an RTO of ${p.rtoSeconds}s` : ''}.${p.faultHits.length > 0 ? ` Injected: ${p.faultHits.map((f) => `${f.kind} x${f.hits}`).join(', ')}.` : ''}`, '')
    lines.push('| phase | action | step | status | time |', '|---|---|---|---|---|')
    for (const phase of p.phases) for (const s of phase.steps) lines.push(`| ${phase.phase} | ${phase.action} | ${s.id} | ${s.status} | ${seconds(s.durationMs)} |`)
    lines.push('')
  }
  lines.push('Full details: `report.html`, `junit.xml`, `gameday.json`.', '')
  return lines.join('\n')
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)

const STYLE = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:20px 32px;color:#fff}header.ready{background:var(--ok)}header.not-ready{background:var(--bad)}
header h1{margin:0 0 4px;font-size:24px}header p{margin:0;opacity:.9}
.counts{display:flex;gap:12px;margin:12px 0 0;padding:0;list-style:none}.counts li{background:rgba(255,255,255,.18);padding:4px 10px;border-radius:12px}
main{padding:8px 32px 32px;max-width:1200px}h2{border-bottom:1px solid var(--line);padding-bottom:6px;margin-top:28px}
.check{border:1px solid var(--line);border-left:6px solid var(--bad);border-radius:6px;padding:10px 14px;margin:10px 0;background:var(--bg)}
.check h3{margin:0 0 6px;font-size:15px}.check dl{display:grid;grid-template-columns:90px 1fr;gap:2px 12px;margin:0}.check dt{color:var(--muted)}.check dd{margin:0}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{background:var(--bg)}
.passed{color:var(--ok)}.failed{color:var(--bad);font-weight:600}.warning{color:var(--warn)}.skipped{color:var(--muted)}
.timeline{border:1px solid var(--line);border-radius:6px;padding:8px}.row{display:grid;grid-template-columns:320px 1fr 60px;align-items:center;gap:8px;height:22px}
.row .label{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.track{position:relative;height:14px;background:var(--bg);border-radius:3px}
.bar{position:absolute;top:0;height:14px;border-radius:3px;min-width:2px;background:#0969da}.bar.wait{background:repeating-linear-gradient(45deg,#8c959f,#8c959f 4px,#afb8c1 4px,#afb8c1 8px)}
.bar.failed,.bar.refused{background:var(--bad)}.bar.skipped{background:#d0d7de}.dur{text-align:right;color:var(--muted)}
.note{color:var(--muted)}footer{padding:16px 32px;color:var(--muted);border-top:1px solid var(--line)}
`

export function html(r: GamedayResult): string {
  const failed = r.checks.filter((c) => c.status === 'failed')
  const checkCard = (c: Check) =>
    `<article class="check"><h3>${esc(c.title)}</h3><dl><dt>Observed</dt><dd>${esc(c.observed)}</dd><dt>Expected</dt><dd>${esc(c.expected)}</dd>${c.remedy ? `<dt>Remedy</dt><dd>${esc(c.remedy)}</dd>` : ''}${c.region ? `<dt>Region</dt><dd>${esc(c.region)}</dd>` : ''}</dl></article>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>azfail game day: ${verdict(r)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="${r.status}">
<h1>Game day: ${verdict(r)}</h1>
<p>${r.runbooks.map((b) => esc(b.name)).join(', ')} on ${esc(r.target)} &middot; ${esc(r.startedAt)} &middot; ${seconds(r.durationMs)}</p>
<ul class="counts"><li>${r.summary.passed} passed</li><li>${r.summary.failed} failed</li><li>${r.summary.warnings} warnings</li><li>${r.summary.skipped} skipped</li></ul>
</header>
<main>
<section id="failed"><h2>Failed checks</h2>
${failed.length > 0 ? failed.map(checkCard).join('\n') : '<p class="passed">None: the estate is ready to fail over.</p>'}
</section>
${r.practice ? timeline(r) : ''}
<section id="regions"><h2>Regions and what each resolved</h2>
${r.regions
  .map(
    (g) => `<h3>${esc(g.region)} <span class="note">resolver ${esc(g.resolver)}, ${g.serving ? 'serving' : 'not serving'}</span></h3>
<table><thead><tr><th>name</th><th>answer</th><th>TTL</th><th>expected</th><th></th></tr></thead><tbody>
${g.names.map((n) => `<tr><td>${esc(n.name)}</td><td>${esc(n.answer)}</td><td>${n.ttl === undefined ? '' : `${n.ttl}s`}</td><td>${esc(n.expected)}</td><td class="${n.ok ? 'passed' : 'failed'}">${n.ok ? 'own IP' : 'WRONG'}</td></tr>`).join('\n')}
</tbody></table>`,
  )
  .join('\n')}
</section>
<section id="checks"><h2>All checks</h2>
<table><thead><tr><th>status</th><th>check</th><th>observed</th><th>expected</th></tr></thead><tbody>
${r.checks.map((c) => `<tr><td class="${c.status}">${c.status}</td><td>${esc(c.title)}</td><td>${esc(c.observed)}</td><td>${esc(c.expected)}</td></tr>`).join('\n')}
</tbody></table>
</section>
</main>
<footer>azfail game day report &middot; ${esc(r.runbooks.map((b) => b.file).join(', '))} &middot; generated ${esc(r.endedAt)}</footer>
</body>
</html>
`
}

function timeline(r: GamedayResult): string {
  const p = r.practice!
  const t0 = Date.parse(p.startedAt)
  const span = Math.max(1, p.totalMs)
  const rows = p.phases.flatMap((phase) =>
    phase.steps
      .filter((s) => s.startedAt && s.endedAt && !(s.status === 'skipped' && /not run/.test(s.message)))
      .map((s) => {
        const left = ((Date.parse(s.startedAt!) - t0) / span) * 100
        const width = ((s.durationMs ?? 0) / span) * 100
        const kind = s.kind === 'waitOutTtl' || s.kind === 'verifyAlias' ? 'wait' : ''
        return `<div class="row"><span class="label">${esc(phase.phase)} &middot; ${esc(s.id)}</span><span class="track"><span class="bar ${kind} ${esc(s.status)}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%" title="${esc(`${s.status}: ${s.message}`)}"></span></span><span class="dur">${seconds(s.durationMs)}</span></div>`
      }),
  )
  return `<section id="timeline"><h2>Practice timeline</h2>
<p>${esc(p.region)} &rarr; ${esc(p.survivor)} and back${p.scenario ? ` under <b>${esc(p.scenario)}</b>` : ''}: ${seconds(p.totalMs)}${p.rtoSeconds !== undefined ? ` against an RTO of ${p.rtoSeconds}s` : ''}.
Expected: ${esc(p.expectation.text)}; observed: ${esc(p.expectation.observed)} &mdash; <span class="${p.expectation.held ? 'passed' : 'failed'}">${p.expectation.held ? 'held' : 'did not hold'}</span>.</p>
<div class="timeline">${rows.join('\n')}</div>
<p class="note">Hatched bars are waits (TTL, connection drain, resolver caches); red bars failed or were refused.</p>
</section>`
}
