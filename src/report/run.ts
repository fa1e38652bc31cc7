// A run's post-incident record from its journal: who asked for what and when, each step on the timeline with its
// start, end, duration, status and message, the waits, the overrides and what the run warned of. HTML or Markdown.
import {existsSync} from 'node:fs'
import type {Journal} from '../engine/journal.ts'
import type {RunMeta, StepRecord} from '../engine/types.ts'
import {loadRunbook} from '../runbook/load.ts'
import {rtoSeconds} from '../runbook/schema.ts'
import {esc, page} from './page.ts'
import {mdCode, mdText} from './escape.ts'
import {type Timeline, measure, secondsText, timelineHtml, timelineMarkdown} from './timeline.ts'

export type RunReportFormat = 'html' | 'md'

interface RunRecord {
  meta: RunMeta
  /** its rto is the runbook's as the file reads now: the journal does not keep it */
  timeline: Timeline
  warnings: string[]
}

export function runReport(journal: Journal, format: RunReportFormat): string {
  const record = runRecord(journal.meta(), journal.steps(), journal.events())
  return format === 'html' ? html(record) : markdown(record)
}

const ENDED_WELL = new Set(['succeeded', 'planned'])

function runRecord(meta: RunMeta, steps: StepRecord[], events: ReturnType<Journal['events']>): RunRecord {
  const rto = rtoOf(meta.runbook)
  const bad = steps.find((s) => s.status === 'failed' || s.status === 'refused')
  return {
    meta,
    timeline: {
      origin: meta.startedAt,
      ...(rto !== undefined ? {rtoSeconds: rto} : {}),
      groups: [
        {
          id: meta.action,
          title: what(meta),
          rows: steps.map((step) => ({step})),
          // A run that ended badly with no step to blame (consent refused, the lock held, killed): say how it ended.
          ...(!ENDED_WELL.has(meta.status) && !bad ? {stoppedAt: `the run (${meta.status})`} : {}),
        },
      ],
    },
    warnings: [
      // What the run warned of as it ended; a journal from before runs kept them has its overridden guards' observations.
      ...(meta.warnings ?? steps.flatMap((s) => (s.plan?.verdicts ?? []).filter((v) => !v.ok && v.overridden).map((v) => `${s.id}: guard ${v.guard} was overridden; it saw: ${v.observed}`))),
      ...events.filter((e) => e.event === 'note' && e.note).map((e) => `${e.time}: ${e.note}`),
    ],
  }
}

/** The rto of the runbook the run used, if that file still reads as a runbook. */
function rtoOf(file: string): number | undefined {
  try {
    return existsSync(file) ? rtoSeconds(loadRunbook(file).runbook.rto) : undefined
  } catch {
    return undefined
  }
}

const what = (m: RunMeta) => `${m.action}${m.region ? ` ${m.region}` : ''}${typeof m.options.to === 'string' ? ` to ${m.options.to}` : ''}${m.dryRun ? ' (dry run)' : ''}`

const took = (m: RunMeta) => (m.endedAt ? secondsText(Date.parse(m.endedAt) - Date.parse(m.startedAt)) : 'no end recorded')

const target = (m: RunMeta) => [m.target.kind, m.target.subscription && `subscription ${m.target.subscription}`, m.target.cloud].filter(Boolean).join(', ')

function html(r: RunRecord): string {
  const m = r.meta
  const span = measure(r.timeline.groups[0].rows.map((x) => x.step))
  return page({
    title: `azfail run ${m.runId}: ${what(m)}: ${m.status}`,
    banner: m.status === 'succeeded' ? 'ok' : m.status === 'planned' ? 'neutral' : 'bad',
    heading: `Run ${m.runId}: ${what(m)}: ${m.status.toUpperCase()}`,
    subtitle: `requested by ${esc(m.principal)} &middot; ${esc(m.startedAt)} to ${esc(m.endedAt ?? '?')} (${took(m)}) &middot; ${m.attempts} attempt${m.attempts === 1 ? '' : 's'} &middot; ${esc(target(m))}`,
    counts: [`${r.timeline.groups[0].rows.length} steps`, span ? `steps took ${secondsText(span.ms)}` : 'no step ran', `${m.overrides.length} overrides`, `${r.warnings.length} warnings`],
    body: `<section id="timeline"><h2>Timeline</h2>
<p>Runbook <code>${esc(m.runbook)}</code>${r.timeline.rtoSeconds !== undefined ? `; its rto, as the file reads now, is ${r.timeline.rtoSeconds}s` : '; no rto is known for it'}.</p>
${timelineHtml(r.timeline)}
</section>
<section id="overrides"><h2>Overrides</h2>
${
  m.overrides.length === 0
    ? '<p class="note">No guard was overridden.</p>'
    : `<table><thead><tr><th>guard</th><th>by</th><th>reason</th><th>at</th></tr></thead><tbody>
${m.overrides.map((o) => `<tr><td>${esc(o.guard)}</td><td>${esc(o.by)}</td><td>${esc(o.reason)}</td><td>${esc(o.at)}</td></tr>`).join('\n')}
</tbody></table>`
}
</section>
<section id="warnings"><h2>Warnings</h2>
${r.warnings.length === 0 ? '<p class="note">None recorded in the journal.</p>' : `<ul>${r.warnings.map((w) => `<li class="warning">${esc(w)}</li>`).join('\n')}</ul>`}
</section>`,
    footer: `azfail run report &middot; ${esc(m.runId)} &middot; from the journal of runs`,
  })
}

function markdown(r: RunRecord): string {
  const m = r.meta
  const lines = [
    `## azfail run ${mdText(m.runId)}: ${mdText(what(m))}: ${m.status === 'succeeded' ? '✅' : m.status === 'planned' ? '📝' : '❌'} ${mdText(m.status)}`,
    '',
    `Requested by ${mdText(m.principal)}; ${mdText(m.startedAt)} to ${mdText(m.endedAt ?? '?')} (${took(m)}); ${m.attempts} attempt${m.attempts === 1 ? '' : 's'}; target ${mdText(target(m))}; runbook ${mdCode(m.runbook)}${r.timeline.rtoSeconds !== undefined ? ` (rto ${r.timeline.rtoSeconds}s as the file reads now)` : ''}. Times are seconds from the run's start.`,
    '',
    timelineMarkdown(r.timeline),
  ]
  if (m.overrides.length > 0) {
    lines.push('### Overrides', '', '| guard | by | reason | at |', '|---|---|---|---|', ...m.overrides.map((o) => `| ${[o.guard, o.by, o.reason, o.at].map(mdText).join(' | ')} |`), '')
  }
  if (r.warnings.length > 0) lines.push('### Warnings', '', ...r.warnings.map((w) => `- ${mdText(w)}`), '')
  return lines.join('\n')
}
