// What a notification says, and the three shapes it is posted in: a Teams Adaptive Card message (what Teams
// Workflows' "When a Teams webhook request is received" and the older Incoming Webhook accept), a Slack incoming
// webhook message, and a generic JSON event. Built only from the engine's events: run id, action, region, step ids,
// statuses and messages. Nothing else goes in, so no token or credential can.
import type {RunEvent} from '../engine/events.ts'
import type {RunMeta, RunReport, StepRecord} from '../engine/types.ts'
import type {NotifyEvent} from '../runbook/schema.ts'

export type NotifyKind = 'teams' | 'slack' | 'generic'

export interface RunInfo {
  id: string
  action: string
  region?: string
  attempt: number
  /** a rehearsal in the sandbox, or Azure for real */
  target: 'azure' | 'sandbox'
}

export interface Notice {
  event: NotifyEvent
  severity: 'info' | 'good' | 'warning' | 'bad'
  title: string
  text: string
  run: RunInfo
  step?: {id: string; kind: string; status: string; message: string; durationMs?: number; error?: {code: string; message: string}}
  /** the run's status, at its end */
  status?: string
  error?: {code: string; message: string}
  warnings?: string[]
  at: string
}

/** Teams cards are cut at 28 KB and Slack sections at 3,000 characters: a message is a summary, the journal has it all. */
const MAX_TEXT = 1500
const MAX_WARNINGS = 10

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text)

export const runInfo = (meta: RunMeta): RunInfo => ({id: meta.runId, action: meta.action, ...(meta.region ? {region: meta.region} : {}), attempt: meta.attempts, target: meta.target.kind})

const headline = (run: RunInfo) => `azfail ${run.action.replace('-', ' ')}${run.region ? ` ${run.region}` : ''}${run.target === 'sandbox' ? ' (sandbox)' : ''}`

const stepOf = (r: StepRecord): NonNullable<Notice['step']> => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  message: clip(r.message),
  ...(r.durationMs !== undefined ? {durationMs: r.durationMs} : {}),
  ...(r.error ? {error: {code: r.error.code, message: clip(r.error.message)}} : {}),
})

const SEVERITY: Record<string, Notice['severity']> = {succeeded: 'good', partial: 'bad', planned: 'info', skipped: 'info', overridden: 'warning', interrupted: 'warning', failed: 'bad', refused: 'bad', 'not-ready': 'bad', locked: 'bad'}

/** A manual action no person confirmed stops the run with this code: the run waits for a person, it did not fail. */
const WAITING = 'ManualActionPending'

/** The notice an event makes, if it makes one; `run` is what run-started said about the run. */
export function noticeOf(event: RunEvent, run: RunInfo | undefined, at = new Date().toISOString()): Notice | undefined {
  if (event.type === 'run-started') {
    const info = runInfo(event.meta)
    const attempt = info.attempt > 1 ? `, attempt ${info.attempt}` : ''
    return {event: 'run-started', severity: 'info', title: `${headline(info)}: started`, text: `Run ${info.id}${attempt}: ${event.steps.map((s) => s.id).join(' → ')}`, run: info, at}
  }
  if (!run) return undefined
  if (event.type === 'step-ended') {
    const step = stepOf(event.record)
    if (event.record.error?.code === WAITING) {
      return {event: 'waiting', severity: 'warning', title: `${headline(run)}: waiting for a person (${step.id})`, text: `${event.step.title}. Once it is done: azfail resume ${run.id} --ack ${step.id}`, run, step, at}
    }
    const took = step.durationMs ? ` (${(step.durationMs / 1000).toFixed(1)} s)` : ''
    return {event: 'step-ended', severity: SEVERITY[step.status] ?? 'info', title: `${headline(run)}: ${step.id} ${step.status}${took}`, text: step.message, run, step, at}
  }
  if (event.type === 'prompt' && event.prompt === 'manual-action') {
    return {event: 'waiting', severity: 'warning', title: `${headline(run)}: waiting for a person`, text: clip(event.text), run, at}
  }
  if (event.type === 'run-ended') return endNotice(event.report, event.error, run, at)
  return undefined
}

function endNotice(report: RunReport, error: {code: string; message: string} | undefined, run: RunInfo, at: string): Notice {
  const waiting = error?.code === WAITING
  const counts = new Map<string, number>()
  for (const s of report.steps) counts.set(s.status, (counts.get(s.status) ?? 0) + 1)
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(', ')
  const warnings = report.warnings.slice(0, MAX_WARNINGS).map(clip)
  return {
    event: 'run-ended',
    severity: waiting ? 'warning' : report.status === 'succeeded' && warnings.length > 0 ? 'warning' : (SEVERITY[report.status] ?? 'info'),
    title: `${headline(run)}: ${waiting ? 'stopped, waiting for a person' : report.status}`,
    text: [error ? clip(error.message) : '', tally ? `Steps: ${tally}.` : '', warnings.length > 0 ? `${report.warnings.length} warning(s).` : ''].filter(Boolean).join(' '),
    run,
    status: report.status,
    ...(error ? {error: {code: error.code, message: clip(error.message)}} : {}),
    ...(warnings.length > 0 ? {warnings} : {}),
    at,
  }
}

const facts = (n: Notice): Array<[string, string]> => [
  ['Run', n.run.id],
  ['Action', `${n.run.action}${n.run.region ? ` ${n.run.region}` : ''}`],
  ...(n.step ? [['Step', `${n.step.id} (${n.step.kind}): ${n.step.status}`] as [string, string]] : []),
  ...(n.status ? [['Status', n.status] as [string, string]] : []),
  ['Target', n.run.target === 'sandbox' ? 'the sandbox (a rehearsal)' : 'Azure'],
]

const TEAMS_COLOR: Record<Notice['severity'], string> = {info: 'Default', good: 'Good', warning: 'Warning', bad: 'Attention'}

/**
 * Teams reads a TextBlock's and a fact's text as Markdown ([click](https://…) is a link), and documents no escape for
 * it; a TextRun's text is never Markdown. So every text goes in a RichTextBlock of TextRuns, whatever it quotes.
 */
const teamsText = (runs: Array<{text: string} & Record<string, unknown>>, block: Record<string, unknown> = {}) => ({type: 'RichTextBlock', inlines: runs.map((r) => ({type: 'TextRun', ...r})), ...block})

/** Slack's longest section or context text; a longer one makes Slack refuse the whole message (invalid_blocks). */
const SLACK_TEXT_MAX = 3000

/**
 * Slack mrkdwn treats &, < and > as control characters (<!channel>, <@U…>, <#C…>, <url|text>): escaped as Slack
 * documents, everything else shows as written. Bounded after escaping, never inside an entity.
 */
function slackEscape(text: string, max = SLACK_TEXT_MAX): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1).replace(/&[a-z]*$/, '')}…`
}

/** The JSON body posted to a webhook of this kind. */
export function payloadFor(kind: NotifyKind, n: Notice): unknown {
  if (kind === 'teams') {
    return {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              teamsText([{text: n.title, weight: 'Bolder', size: 'Medium', color: TEAMS_COLOR[n.severity]}]),
              ...(n.text ? [teamsText([{text: n.text}])] : []),
              ...(n.warnings ?? []).map((w) => teamsText([{text: `⚠ ${w}`, color: 'Warning'}], {spacing: 'Small'})),
              ...facts(n).map(([title, value]) => teamsText([{text: `${title}: `, weight: 'Bolder'}, {text: value}], {spacing: 'None'})),
            ],
          },
        },
      ],
    }
  }
  if (kind === 'slack') {
    return {
      text: slackEscape(`${n.title}${n.text ? `: ${n.text}` : ''}`),
      blocks: [
        {type: 'section', text: {type: 'mrkdwn', text: slackEscape(`*${n.title}*${n.text ? `\n${n.text}` : ''}`)}},
        ...(n.warnings?.length ? [{type: 'section', text: {type: 'mrkdwn', text: slackEscape(n.warnings.map((w) => `⚠ ${w}`).join('\n'))}}] : []),
        {type: 'context', elements: [{type: 'mrkdwn', text: slackEscape(facts(n).map(([k, v]) => `${k}: ${v}`).join(' · '))}]},
      ],
    }
  }
  return {source: 'azfail', ...n}
}
