// The reports of a game day: the JSON journal, JUnit XML for CI dashboards (one test case per check and per step), a
// Markdown summary for a pull request or issue comment, and a self-contained HTML page (no network needed to view).
import {mkdirSync} from 'node:fs'
import {join, resolve} from 'node:path'
import xmlbuilder from 'xmlbuilder'
import {esc, page} from '../report/page.ts'
import {mdCode, mdText, xmlText} from '../report/escape.ts'
import {type Timeline, secondsText, timelineHtml, timelineMarkdown} from '../report/timeline.ts'
import {redactDeep} from '../secrets.ts'
import type {Check} from './checks.ts'
import type {GamedayResult} from '../services/gameday.ts'
import type {PracticeResult} from '../services/practice.ts'
import {writeFileWhole} from '../write-whole.ts'

export interface ReportPaths {
  json: string
  junit: string
  markdown: string
  html: string
}

export function writeReports(dir: string, result: GamedayResult): ReportPaths {
  // redacted as data, before any format escapes it
  result = redactDeep(result)
  const out = resolve(dir)
  mkdirSync(out, {recursive: true})
  const paths: ReportPaths = {json: join(out, 'gameday.json'), junit: join(out, 'junit.xml'), markdown: join(out, 'summary.md'), html: join(out, 'report.html')}
  // All four rendered before any is written, and each written whole or not at all (a temporary file renamed over
  // it): a full disk or a kill on the way leaves each report as it was or as it is now, never cut short.
  const texts: Array<[string, string]> = [
    [paths.json, JSON.stringify(result, null, 2) + '\n'],
    [paths.junit, junitXml(result)],
    [paths.markdown, markdown(result)],
    [paths.html, html(result)],
  ]
  for (const [file, text] of texts) writeFileWhole(file, text)
  return paths
}

const verdict = (r: GamedayResult) => (r.status === 'ready' ? 'READY' : 'NOT READY')

interface JunitCase {
  classname: string
  name: string
  seconds?: number
  failure?: {message: string; type: string}
  skipped?: boolean
  output?: string
}

/**
 * JUnit XML for CI dashboards, written with xmlbuilder: every text is entity-escaped element content or attribute (no
 * CDATA section a `]]>` could end), whole, with the control characters XML 1.0 forbids shown as escapes (`\x00`, `\x1b`).
 */
export function junitXml(r: GamedayResult): string {
  const suites = new Map<string, JunitCase[]>()
  const add = (suite: string, c: JunitCase) => suites.set(suite, [...(suites.get(suite) ?? []), c])
  for (const c of r.checks) {
    const body = `observed: ${c.observed}\nexpected: ${c.expected}${c.remedy ? `\nremedy: ${c.remedy}` : ''}`
    add(c.category === 'practice' || c.category === 'rto' || c.category === 'rpo' ? 'practice' : 'readiness', {
      classname: `azfail.${c.category}`,
      name: c.title,
      ...(c.status === 'failed' ? {failure: {message: `${c.observed} (expected ${c.expected})${c.remedy ? `. Remedy: ${c.remedy}` : ''}`, type: c.category}} : {}),
      skipped: c.status === 'skipped',
      output: c.status === 'warning' ? `WARNING\n${body}` : body,
    })
  }
  for (const phase of r.practice?.phases ?? []) {
    for (const s of phase.steps) {
      const failed = s.status === 'failed' || s.status === 'refused'
      add('practice steps', {
        classname: `azfail.practice.${phase.phase}`,
        name: `${phase.action} ${s.id}`,
        seconds: (s.durationMs ?? 0) / 1000,
        ...(failed ? {failure: {message: s.message, type: s.status}} : {output: s.message}),
        skipped: s.status === 'skipped',
      })
    }
  }
  const all = [...suites.values()].flat()
  const counts = (cases: JunitCase[]) => ({tests: cases.length, failures: cases.filter((c) => c.failure).length, errors: 0, skipped: cases.filter((c) => c.skipped).length})
  // Anything the escapes above missed becomes U+FFFD rather than an invalid file.
  const root = xmlbuilder.create('testsuites', {encoding: 'UTF-8', invalidCharReplacement: '\ufffd'}).att(counts(all))
  for (const [name, cases] of suites) {
    const suite = root.ele('testsuite', {name: xmlText(`azfail gameday: ${name}`), timestamp: xmlText(r.startedAt), ...counts(cases)})
    for (const c of cases) {
      const tc = suite.ele('testcase', {classname: xmlText(c.classname), name: xmlText(c.name), ...(c.seconds !== undefined ? {time: c.seconds} : {})})
      if (c.failure) tc.ele('failure', {message: xmlText(c.failure.message), type: xmlText(c.failure.type)})
      if (c.skipped) tc.ele('skipped')
      if (c.output) tc.ele('system-out').txt(xmlText(c.output))
    }
  }
  return root.end({pretty: true})
}

/** The practice as a timeline: failover (drain, promotions) then failback (restore, promotions back), each measured. */
export function practiceTimeline(p: PracticeResult): Timeline {
  const group = (stage: 'failover' | 'failback', title: string) => {
    const phases = p.phases.filter((x) => x.stage === stage)
    const stopped = p.stages.find((s) => s.stage === stage)?.stoppedAt
    return {
      id: stage,
      title,
      detail: [...new Set(phases.map((x) => x.phase))].join(' → '),
      rows: phases.flatMap((x) => x.steps.map((step) => ({label: x.action, columns: [x.phase, x.action], step}))),
      ...(stopped ? {stoppedAt: stopped} : {}),
    }
  }
  return {
    origin: p.startedAt,
    ...(p.rtoSeconds !== undefined ? {rtoSeconds: p.rtoSeconds} : {}),
    columns: ['phase', 'action'],
    groups: [group('failover', 'Failover'), group('failback', 'Failback')].filter((g) => g.rows.length > 0 || g.stoppedAt),
  }
}

/** "promote: RPO: 0 rows lost (…); failback: …": each promotion's measured recovery point, beside the RTO. */
const rpoText = (p: PracticeResult): string => (p.rpo ?? []).map((r) => `${r.phase}: ${r.text}`).join('; ')

const stageText = (p: PracticeResult) =>
  p.stages
    .filter((s) => s.durationMs !== undefined)
    .map((s) => `${s.stage} ${secondsText(s.durationMs)}${s.completed ? '' : ' (did not complete)'}`)
    .join(', ')

export function markdown(r: GamedayResult): string {
  const failed = r.checks.filter((c) => c.status === 'failed')
  const warnings = r.checks.filter((c) => c.status === 'warning')
  const lines = [
    `## azfail game day: ${r.status === 'ready' ? '✅' : '❌'} ${verdict(r)}`,
    '',
    `${r.runbooks.map((b) => mdCode(b.name)).join(', ')} on ${mdText(r.target)}, ${mdText(r.startedAt)}, ${secondsText(r.durationMs)}: **${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.warnings} warnings, ${r.summary.skipped} skipped**.`,
    '',
  ]
  if (failed.length > 0) {
    lines.push('### Failed checks', '', '| check | observed | expected | remedy |', '|---|---|---|---|')
    for (const c of failed) lines.push(`| ${mdText(c.title)} | ${mdText(c.observed)} | ${mdText(c.expected)} | ${mdText(c.remedy ?? '')} |`)
    lines.push('')
  }
  if (warnings.length > 0) {
    lines.push('### Warnings', '')
    for (const c of warnings) lines.push(`- **${mdText(c.title)}**: ${mdText(c.observed)}. ${mdText(c.remedy ?? '')}`)
    lines.push('')
  }
  const p = r.practice
  if (p) {
    lines.push(`### Practice: ${mdText(p.region)} → ${mdText(p.survivor)} and back${p.scenario ? ` under ${mdCode(p.scenario)}` : ''}`, '')
    lines.push(`Expected: ${mdText(p.expectation.text)}. Observed: ${mdText(p.expectation.observed)}. **${p.expectation.held ? 'Held' : 'Did not hold'}.**`, '')
    lines.push(`${stageText(p) ? `Measured: ${stageText(p)}; total` : 'Total'} ${secondsText(p.totalMs)}${p.rtoSeconds !== undefined ? `, against an RTO of ${p.rtoSeconds}s for each` : ''}.${p.faultHits.length > 0 ? ` Injected: ${mdText(p.faultHits.map((f) => `${f.kind} x${f.hits}`).join(', '))}.` : ''}`, '')
    if (rpoText(p)) lines.push(`Data: ${mdText(rpoText(p))}.`, '')
    lines.push(timelineMarkdown(practiceTimeline(p)))
  }
  lines.push('Full details: `report.html`, `junit.xml`, `gameday.json`.', '')
  return lines.join('\n')
}

const COUNTED: Array<[Check['status'], string]> = [['failed', 'failed'], ['warning', 'warnings'], ['skipped', 'skipped'], ['passed', 'passed']]

/** A check as a card that folds: what it observed, expected, and what to do. */
const checkCard = (c: Check, open: boolean) =>
  `<details class="check ${c.status}" data-check="${esc(c.id)}"${open ? ' open' : ''}><summary><span class="badge ${c.status}">${c.status}</span> <b>${esc(c.title)}</b></summary><dl><dt>Observed</dt><dd>${esc(c.observed)}</dd><dt>Expected</dt><dd>${esc(c.expected)}</dd>${c.remedy ? `<dt>Remedy</dt><dd>${esc(c.remedy)}</dd>` : ''}${c.region ? `<dt>Region</dt><dd>${esc(c.region)}</dd>` : ''}</dl></details>`

/** Failures first and open, then warnings (open), then what was skipped or passed, folded. */
function checksHtml(checks: Check[]): string {
  const of = (status: Check['status']) => checks.filter((c) => c.status === status)
  const folded = (status: Check['status'], label: string) =>
    of(status).length === 0 ? '' : `<details class="fold" id="${status}"><summary>${of(status).length} ${label}</summary>\n${of(status).map((c) => checkCard(c, false)).join('\n')}\n</details>`
  return `<section id="checks"><h2>Checks <span class="note">${COUNTED.map(([s, label]) => `${of(s).length} ${label}`).join(', ')}</span></h2>
<div id="failed">${of('failed').length > 0 ? of('failed').map((c) => checkCard(c, true)).join('\n') : '<p class="passed">No check failed: the estate is ready to fail over.</p>'}</div>
${of('warning').length > 0 ? `<div id="warning">${of('warning').map((c) => checkCard(c, true)).join('\n')}</div>` : ''}
${folded('skipped', 'skipped')}
${folded('passed', 'passed')}
</section>`
}

export function html(r: GamedayResult): string {
  const p = r.practice
  return page({
    title: `azfail game day: ${verdict(r)}`,
    banner: r.status === 'ready' ? 'ok' : 'bad',
    heading: `Game day: ${verdict(r)}`,
    subtitle: `${r.runbooks.map((b) => esc(b.name)).join(', ')} on ${esc(r.target)} &middot; ${esc(r.startedAt)} &middot; ${secondsText(r.durationMs)}`,
    counts: [`${r.summary.passed} passed`, `${r.summary.failed} failed`, `${r.summary.warnings} warnings`, `${r.summary.skipped} skipped`],
    body: `${checksHtml(r.checks)}
${
  p
    ? `<section id="practice"><h2>Practice timeline</h2>
<p>${esc(p.region)} &rarr; ${esc(p.survivor)} and back${p.scenario ? ` under <b>${esc(p.scenario)}</b>` : ''}: ${esc(stageText(p) || 'nothing measured')}; total ${secondsText(p.totalMs)}${p.rtoSeconds !== undefined ? ` against an RTO of ${p.rtoSeconds}s` : ''}.
Expected: ${esc(p.expectation.text)}; observed: ${esc(p.expectation.observed)} &mdash; <span class="${p.expectation.held ? 'passed' : 'failed'}">${p.expectation.held ? 'held' : 'did not hold'}</span>.</p>
${rpoText(p) ? `<p id="rpo">Data: ${esc(rpoText(p))}.</p>` : ''}
${timelineHtml(practiceTimeline(p))}
</section>`
    : ''
}
<section id="regions"><h2>Regions and what each resolved</h2>
${r.regions
  .map(
    (g) => `<h3>${esc(g.region)} <span class="note">${g.vantage ? `through its vantage ${esc(g.vantage)}` : `resolver ${esc(g.resolver)}`}, ${g.serving ? 'serving' : 'not serving'}</span></h3>
<table><thead><tr><th>name</th><th>answer</th><th>TTL</th><th>expected</th><th></th></tr></thead><tbody>
${g.names.map((n) => `<tr><td>${esc(n.name)}</td><td>${esc(n.answer)}</td><td>${n.ttl === undefined ? '' : `${n.ttl}s`}</td><td>${esc(n.expected)}</td><td class="${n.ok ? 'passed' : 'failed'}">${n.ok ? 'own IP' : 'WRONG'}</td></tr>`).join('\n')}
</tbody></table>`,
  )
  .join('\n')}
</section>`,
    footer: `azfail game day report &middot; ${esc(r.runbooks.map((b) => b.file).join(', '))} &middot; generated ${esc(r.endedAt)}`,
  })
}
