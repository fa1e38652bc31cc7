// Tells the webhooks a runbook names how a run goes: one observer of the engine's events among the others. Posting
// never holds the run up: each target's posts queue in order behind the run, and close() waits for what is left,
// at most one post timeout. A post that fails is a warning on the run, never its failure.
import pRetry from 'p-retry'
import type {RunEvent, RunObserver} from '../engine/events.ts'
import {ENVIRONMENT, setting, webhookUrl} from '../inputs.ts'
import {NOTIFY_EVENTS, type NotifyEvent, type Runbook} from '../runbook/schema.ts'
import {addSecret, redact, redactDeep} from '../secrets.ts'
import {type Notice, type NotifyKind, type RunInfo, noticeOf, payloadFor, runInfo} from './payloads.ts'

/** How long one notification may take, retries included, and how long a run's end waits for those still queued. */
export const POST_TIMEOUT_MS = 5000

/** Where a person sets the post timeout, in seconds: a receiver that answers slowly, or a busy machine's own stalls. */
export const POST_TIMEOUT_ENV = 'AZFAIL_NOTIFY_TIMEOUT'

/** The post timeout AZFAIL_NOTIFY_TIMEOUT asks for (its rule in inputs.ts), or why it cannot be one. */
export function postTimeoutOf(raw: string | undefined): number | string {
  try {
    const seconds = setting(POST_TIMEOUT_ENV, {[POST_TIMEOUT_ENV]: raw})
    return seconds === undefined ? POST_TIMEOUT_MS : seconds * 1000
  } catch {
    return `notify: $${POST_TIMEOUT_ENV} is '${raw}', not ${ENVIRONMENT[POST_TIMEOUT_ENV].accepts}: posts get the default ${POST_TIMEOUT_MS / 1000} s`
  }
}

interface Target {
  kind: NotifyKind
  urlEnv: string
  url: URL
  events: ReadonlySet<NotifyEvent>
  queue: Promise<void>
  delivered: number
  failed: number
  /** posts not tried after the receiver stopped answering */
  dropped: number
  /** why the first post failed */
  reason?: string
  /** no connection or no answer: later posts are not tried, so each does not wait out its own timeout */
  dead: boolean
}

export interface NotifyOptions {
  /** a dry run changes nothing and is not announced */
  dryRun: boolean
  env?: Record<string, string | undefined>
  timeoutMs?: number
}

/** An HTTP answer that is not 2xx: the receiver is there, so later posts are still tried. */
class NotAccepted extends Error {
  readonly status: number

  constructor(status: number) {
    super(`the receiver answered HTTP ${status}`)
    this.status = status
  }
}

export class Notifications implements RunObserver {
  private readonly targets: Target[] = []
  private readonly problems: string[] = []
  private readonly timeoutMs: number
  /** aborted when the run's end has waited long enough for the posts still queued */
  private readonly abandon = new AbortController()
  private run?: RunInfo

  constructor(runbook: Pick<Runbook, 'notify' | 'estate'>, options: NotifyOptions) {
    const env = options.env ?? process.env
    const timeout = options.timeoutMs ?? postTimeoutOf(env[POST_TIMEOUT_ENV])
    this.timeoutMs = typeof timeout === 'number' ? timeout : POST_TIMEOUT_MS
    if (typeof timeout === 'string' && runbook.notify?.length) this.problems.push(timeout)
    // What the runbook keeps in the environment (webhook URLs, the write check's password) is never posted, whatever
    // a message quotes.
    for (const name of [...(runbook.notify ?? []).map((t) => t.urlEnv), runbook.estate.data.postgres?.writeCheck?.passwordEnv]) if (name) addSecret(env[name])
    for (const spec of runbook.notify ?? []) {
      const off = `notify: ${spec.kind} notifications ($${spec.urlEnv}) are off for this run`
      const value = env[spec.urlEnv]
      if (!value) {
        this.problems.push(`${off}: $${spec.urlEnv} is not set`)
        continue
      }
      let url: URL
      try {
        url = webhookUrl(spec.urlEnv, value)
      } catch (error) {
        this.problems.push(`${off}: ${(error as Error).message}`)
        continue
      }
      if (options.dryRun) continue
      this.targets.push({kind: spec.kind, urlEnv: spec.urlEnv, url, events: new Set(spec.events ?? NOTIFY_EVENTS), queue: Promise.resolve(), delivered: 0, failed: 0, dropped: 0, dead: false})
    }
  }

  on(event: RunEvent): void {
    if (this.targets.length === 0) return
    if (event.type === 'run-started') this.run = runInfo(event.meta)
    const notice = noticeOf(event, this.run)
    if (!notice) return
    for (const t of this.targets) if (t.events.has(notice.event)) t.queue = t.queue.then(() => this.post(t, notice))
  }

  /** Waits for the posts still queued, at most one post timeout; what is not delivered by then is given up. */
  async close(): Promise<void> {
    const timer = setTimeout(() => this.abandon.abort(new Error('still queued when the run ended')), this.timeoutMs)
    try {
      await Promise.all(this.targets.map((t) => t.queue))
    } finally {
      clearTimeout(timer)
    }
  }

  /** After close(): what a person should know about the notifications. Never a webhook URL, never an env value. */
  warnings(): string[] {
    return [
      ...this.problems,
      ...this.targets
        .filter((t) => t.failed + t.dropped > 0)
        .map((t) => {
          const lost = t.failed + t.dropped
          const dropped = t.dropped > 0 ? ` (${t.dropped} not tried after that)` : ''
          return `notify: ${lost} of ${lost + t.delivered} ${t.kind} notifications to ${t.url.host} ($${t.urlEnv}) not delivered: ${t.reason}${dropped}`
        }),
    ]
  }

  private async post(t: Target, notice: Notice): Promise<void> {
    if (t.dead || this.abandon.signal.aborted) {
      t.dropped++
      return
    }
    // Redacted on the raw text, before a payload escapes it (Slack's &lt;), and once more as posted: an escaped form
    // the raw pass could not see is still found.
    const body = redact(JSON.stringify(payloadFor(t.kind, redactDeep(notice))))
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.abandon.signal])
    try {
      // Teams throttles bursts (HTTP 429) and any receiver may blip: retried within the post's timeout.
      await pRetry(
        async () => {
          const response = await fetch(t.url, {method: 'POST', headers: {'content-type': 'application/json'}, body, signal})
          await response.arrayBuffer().catch(() => {})
          if (!response.ok) throw new NotAccepted(response.status)
        },
        {retries: 2, minTimeout: 500, signal, shouldRetry: ({error}) => error instanceof NotAccepted && (error.status === 429 || error.status >= 500)},
      )
      t.delivered++
    } catch (error) {
      t.failed++
      t.reason ??= this.describe(error)
      if (!(error instanceof NotAccepted)) t.dead = true
    }
  }

  /** Why a post failed, in words that never quote the URL (a fetch error's message may). */
  private describe(error: unknown): string {
    if (error instanceof NotAccepted) return error.message
    const e = error as {name?: string; cause?: {code?: string}}
    if (e?.name === 'TimeoutError') return `no answer within ${this.timeoutMs / 1000} s`
    if (error === this.abandon.signal.reason) return `still queued ${this.timeoutMs / 1000} s after the run ended`
    return e?.cause?.code ? `cannot connect (${e.cause.code})` : 'cannot connect'
  }
}
