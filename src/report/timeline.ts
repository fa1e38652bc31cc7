// The timeline of a failover: its steps as bars on a time axis (seconds from a start), grouped into phases, each with
// its measured RTO (first step's start to last step's end) against the runbook's rto, drawn as a line. The game-day report
// and the run report (`runs show --html/--md`) both draw it here, in HTML and in Markdown.
import type {StepRecord} from '../engine/types.ts'
import {mdText} from './escape.ts'
import {esc} from './page.ts'

export interface TimelineRow {
  /** what the bar is labelled with before the step id: the action the step belongs to */
  label?: string
  /** the Markdown table's leading cells, under Timeline.columns */
  columns?: string[]
  step: StepRecord
}

export interface TimelineGroup {
  /** 'failover', 'failback', or a run's action */
  id: string
  title: string
  /** what the group is made of, e.g. 'drain → promote' */
  detail?: string
  rows: TimelineRow[]
  /** set when the group did not complete although no step of it failed (a run refused or stopped before its steps) */
  stoppedAt?: string
}

export interface Timeline {
  /** time zero of the axis */
  origin: string
  rtoSeconds?: number
  /** headers of the rows' leading Markdown cells */
  columns?: string[]
  groups: TimelineGroup[]
}

export interface Span {
  startedAt: string
  endedAt: string
  ms: number
}

export const secondsText = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}s`

/** A step that ran: its start and end are recorded, and it was neither only planned nor left out after a failure. */
export const ran = (s: StepRecord): boolean => Boolean(s.startedAt && s.endedAt) && s.status !== 'planned' && !(s.status === 'skipped' && s.message.startsWith('not run'))

/** From the first step's start to the last step's end, over the steps that ran. */
export function measure(steps: StepRecord[]): Span | undefined {
  const done = steps.filter(ran)
  if (done.length === 0) return undefined
  const start = Math.min(...done.map((s) => Date.parse(s.startedAt!)))
  const end = Math.max(...done.map((s) => Date.parse(s.endedAt!)))
  return {startedAt: new Date(start).toISOString(), endedAt: new Date(end).toISOString(), ms: end - start}
}

// Waits: out the DNS TTL and the connection drain, and out resolver caches until an alias leads to the new primary.
const WAIT_KINDS = new Set(['waitOutTtl', 'verifyCname', 'verifyListener'])

const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400]

/** Ticks at round seconds, at most 10 intervals; the axis ends on the first tick at or past `seconds`. */
export function axisOf(seconds: number): {end: number; ticks: number[]} {
  const step = NICE_STEPS.find((s) => seconds / s <= 10) ?? Math.ceil(seconds / 10)
  const end = Math.max(step, Math.ceil(seconds / step) * step)
  return {end, ticks: Array.from({length: end / step + 1}, (_, i) => i * step)}
}

export interface Verdict {
  kind: 'within' | 'over' | 'measured' | 'stopped' | 'unmeasured'
  text: string
  span?: Span
}

/** A group's measured RTO, read against the runbook's. */
export function verdictOf(g: TimelineGroup, rtoSeconds: number | undefined): Verdict {
  const steps = g.rows.map((r) => r.step)
  const span = measure(steps)
  const bad = steps.find((s) => s.status === 'failed' || s.status === 'refused' || (s.startedAt && !s.endedAt))
  const stoppedAt = g.stoppedAt ?? (bad ? `${bad.id} (${bad.endedAt ? bad.status : 'unfinished'})` : undefined)
  if (!span) return {kind: stoppedAt ? 'stopped' : 'unmeasured', text: stoppedAt ? `stopped at ${stoppedAt} before any step ran` : 'not measured: nothing ran (a dry run plans only)'}
  const took = secondsText(span.ms)
  if (stoppedAt) return {kind: 'stopped', text: `did not complete: stopped at ${stoppedAt} after ${took}`, span}
  if (rtoSeconds === undefined) return {kind: 'measured', text: `measured ${took} from the first step start to the last step end; the runbook sets no rto`, span}
  if (span.ms / 1000 <= rtoSeconds) return {kind: 'within', text: `measured RTO ${took} (first step start to last step end), within the RTO of ${rtoSeconds}s`, span}
  return {kind: 'over', text: `measured RTO ${took} (first step start to last step end), ${secondsText(span.ms - rtoSeconds * 1000)} over the RTO of ${rtoSeconds}s`, span}
}

const stepName = (r: TimelineRow) => (r.label ? `${r.label} · ${r.step.id}` : r.step.id)
const statusOf = (s: StepRecord) => (s.startedAt && !s.endedAt ? 'unfinished' : s.status)

export function timelineHtml(t: Timeline): string {
  const t0 = Date.parse(t.origin)
  const at = (iso: string) => (Date.parse(iso) - t0) / 1000
  const groups = t.groups.map((g) => ({g, verdict: verdictOf(g, t.rtoSeconds)}))
  // Each group's RTO line stands rto seconds after its first step started: where its last bar must end.
  const rtoLine = (v: Verdict) => (v.span && t.rtoSeconds !== undefined ? at(v.span.startedAt) + t.rtoSeconds : undefined)
  const ends = t.groups.flatMap((g) => g.rows.map((r) => r.step).filter(ran).map((s) => at(s.endedAt!)))
  const axis = axisOf(Math.max(0, ...ends, ...groups.map(({verdict}) => rtoLine(verdict) ?? 0)))
  const pct = (seconds: number) => `${((Math.max(0, seconds) / axis.end) * 100).toFixed(2)}%`
  const grid = axis.ticks.map((s) => `<span class="grid" style="left:${pct(s)}"></span>`).join('')

  const bar = (r: TimelineRow) => {
    const s = r.step
    const start = at(s.startedAt!)
    const duration = (s.durationMs ?? Date.parse(s.endedAt!) - Date.parse(s.startedAt!)) / 1000
    const kind = WAIT_KINDS.has(s.kind) ? ' wait' : ''
    return `<div class="row"><span class="label" title="${esc(stepName(r))}">${esc(stepName(r))}</span><span class="track"><span class="bar${kind} ${esc(s.status)}" data-step="${esc(s.id)}" data-start-seconds="${start.toFixed(2)}" data-duration-seconds="${duration.toFixed(2)}" style="left:${pct(start)};width:${pct(duration)}" title="${esc(`${s.status}: ${s.message}`)}"></span></span><span class="dur">${secondsText(duration * 1000)}</span></div>`
  }
  const offset = (iso: string | undefined) => (iso ? `<time datetime="${esc(iso)}" title="${esc(iso)}">+${at(iso).toFixed(1)}s</time>` : '')
  const table = (g: TimelineGroup) => `<table class="steps"><thead><tr><th>step</th><th>status</th><th>start</th><th>end</th><th>duration</th><th>message</th></tr></thead><tbody>
${g.rows.map((r) => `<tr data-step="${esc(r.step.id)}"><td>${esc(stepName(r))}</td><td class="${esc(statusOf(r.step))}">${esc(statusOf(r.step))}</td><td>${offset(r.step.startedAt)}</td><td>${offset(r.step.endedAt)}</td><td>${ran(r.step) ? secondsText(r.step.durationMs) : ''}</td><td>${esc(r.step.message)}</td></tr>`).join('\n')}
</tbody></table>`

  const section = ({g, verdict}: (typeof groups)[number]) => {
    const line = rtoLine(verdict)
    const marker = line === undefined ? '' : `<span class="rto-marker" data-phase="${esc(g.id)}" data-seconds="${line.toFixed(2)}" style="left:${pct(line)}"><span class="rto-label${line / axis.end > 0.75 ? ' left' : ''}">RTO ${t.rtoSeconds}s</span></span>`
    return `<section class="phase" data-phase="${esc(g.id)}" data-verdict="${verdict.kind}"${verdict.span ? ` data-measured-seconds="${(verdict.span.ms / 1000).toFixed(1)}"` : ''}>
<h3>${esc(g.title)}${g.detail ? ` <span class="note">${esc(g.detail)}</span>` : ''}</h3>
<p class="rto-verdict ${verdict.kind}">${esc(verdict.text[0].toUpperCase() + verdict.text.slice(1))}.</p>
<div class="lanes"><div class="marks">${grid}${marker}</div>
${g.rows.filter((r) => ran(r.step)).map(bar).join('\n')}
</div>
${table(g)}
</section>`
  }

  return `<div class="timeline" data-origin="${esc(t.origin)}" data-axis-seconds="${axis.end}"${t.rtoSeconds !== undefined ? ` data-rto-seconds="${t.rtoSeconds}"` : ''}>
<div class="row axis"><span class="label note">seconds from ${esc(t.origin)}</span><span class="track scale">${axis.ticks.map((s) => `<span class="tick" data-seconds="${s}" style="left:${pct(s)}">${s}s</span>`).join('')}</span><span></span></div>
${groups.map(section).join('\n')}
<p class="note">Hatched bars are waits (TTL, connection drain, resolver caches); red bars failed or were refused, amber ones were overridden. ${t.rtoSeconds !== undefined ? `The dashed line of each phase stands ${t.rtoSeconds}s (the RTO) after its first step started.` : 'The runbook sets no rto.'}</p>
</div>`
}

export function timelineMarkdown(t: Timeline): string {
  const t0 = Date.parse(t.origin)
  const offset = (iso: string | undefined) => (iso ? `+${((Date.parse(iso) - t0) / 1000).toFixed(1)}s` : '')
  const headers = [...(t.columns ?? []), 'step', 'status', 'duration', 'start', 'end', 'message']
  return t.groups
    .map((g) => {
      const v = verdictOf(g, t.rtoSeconds)
      return [
        `**${mdText(g.title)}**${g.detail ? ` (${mdText(g.detail)})` : ''}: ${mdText(v.text)}.`,
        '',
        `| ${headers.join(' | ')} |`,
        `|${headers.map(() => '---|').join('')}`,
        ...g.rows.map((r) => `| ${[...(r.columns ?? []), r.step.id, statusOf(r.step), ran(r.step) ? secondsText(r.step.durationMs) : '', offset(r.step.startedAt), offset(r.step.endedAt), r.step.message].map(mdText).join(' | ')} |`),
        '',
      ].join('\n')
    })
    .join('\n')
}
