// Pipeline policies every SDK client gets (clients.ts adds them in one line): Azure's clock read from each answer,
// and the fence that asks the run's lease before any change is sent.
import {performance} from 'node:perf_hooks'
import type {PipelinePolicy, PipelineRequest} from '@azure/core-rest-pipeline'
import {azureClock} from './clock.ts'
import type {AzureTarget} from './target.ts'

/** What a write asks before it is sent: resolves when the lease surely holds, throws (LockLost) when it does not. */
export interface WriteFence {
  beforeWrite(what: string): Promise<void>
}

const fences = new WeakMap<AzureTarget, WriteFence>()

/** While a run holds its lease, every change sent to this target asks it first; `undefined` lifts the fence. */
export function fenceWrites(target: AzureTarget, fence: WriteFence | undefined): void {
  if (fence) fences.set(target, fence)
  else fences.delete(target)
}

/** The lock's TXT record set in the state zone (state-records.ts keeps it there). */
export const LOCK_NAME = '_azfail-lock'

const LOCK_RECORD = new RegExp(`/TXT/${LOCK_NAME}$`, 'i')

/** A change to Azure, as the fence sees it: not a read, and not the lock record's own renewal or release. */
export function isFencedWrite(request: Pick<PipelineRequest, 'method' | 'url'>): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false
  return !LOCK_RECORD.test(new URL(request.url).pathname)
}

function clockPolicy(target: AzureTarget): PipelinePolicy {
  const clock = azureClock(target)
  return {
    name: 'azfailAzureClock',
    async sendRequest(request, next) {
      const sentAt = performance.now()
      const response = await next(request)
      clock.observe(response.headers.get('date'), sentAt, performance.now())
      return response
    },
  }
}

function fencePolicy(target: AzureTarget): PipelinePolicy {
  return {
    name: 'azfailLeaseFence',
    async sendRequest(request, next) {
      const fence = fences.get(target)
      if (fence && isFencedWrite(request)) await fence.beforeWrite(`${request.method} ${new URL(request.url).pathname}`)
      return next(request)
    },
  }
}

/** The longest Azure may ask a client to wait before it asks again (a throttled request, a long-running operation's poll). */
export const MAX_RETRY_AFTER_SECONDS = 60

/** Seconds an answer's Retry-After asks for (seconds or an HTTP date), or undefined when it asks for none. */
function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds
  const at = Date.parse(value)
  return Number.isFinite(at) ? (at - now) / 1000 : undefined
}

/**
 * Every wait is bounded: a Retry-After past a minute (Azure's answer may say 2147483647 s) is read as a minute, so a
 * throttled request or a long-running operation's poll asks again then, instead of waiting out whatever was asked.
 */
function retryAfterPolicy(): PipelinePolicy {
  return {
    name: 'azfailBoundedRetryAfter',
    async sendRequest(request, next) {
      const response = await next(request)
      const asked = retryAfterSeconds(response.headers.get('retry-after'))
      if (asked !== undefined && asked > MAX_RETRY_AFTER_SECONDS) response.headers.set('retry-after', String(MAX_RETRY_AFTER_SECONDS))
      for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
        const ms = Number(response.headers.get(name))
        if (Number.isFinite(ms) && ms > MAX_RETRY_AFTER_SECONDS * 1000) response.headers.set(name, String(MAX_RETRY_AFTER_SECONDS * 1000))
      }
      return response
    },
  }
}

/** Per attempt, closest to the wire: the fence is asked right before each attempt is sent, retries included. */
export const azfailPolicies = (target: AzureTarget) => [
  {policy: fencePolicy(target), position: 'perRetry' as const},
  {policy: clockPolicy(target), position: 'perRetry' as const},
  {policy: retryAfterPolicy(), position: 'perRetry' as const},
]
