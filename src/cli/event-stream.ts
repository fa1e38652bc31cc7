// --events: the engine's events as NDJSON, one object a line, written the moment they happen, so a pipeline or a
// dashboard can follow a run live. An observer like the renderers; each field is picked, so no token or checkpoint
// state (a long-running operation's URLs) ever reaches the stream.
import {closeSync, writeSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import type {RunEvent, RunObserver, StepInfo} from '../engine/events.ts'
import type {StepRecord} from '../engine/types.ts'
import {machineCondition} from '../errors.ts'
import {openForWriting, READER_GONE} from './paths.ts'
import {redact} from '../secrets.ts'

/** The event types a stream carries, in the order a run emits them (README, "Event stream"). */
export const STREAMED_EVENTS = ['run-started', 'step-planned', 'prompt', 'execution-started', 'step-started', 'step-progress', 'step-ended', 'run-ended'] as const

export type StreamedEvent = {type: (typeof STREAMED_EVENTS)[number]; time: string; runId: string} & Record<string, unknown>

const step = (s: StepInfo) => ({id: s.id, kind: s.kind, title: s.title})
const record = (r: StepRecord) => ({
  status: r.status,
  message: r.message,
  ...(r.startedAt ? {startedAt: r.startedAt} : {}),
  ...(r.endedAt ? {endedAt: r.endedAt} : {}),
  ...(r.durationMs === undefined ? {} : {durationMs: r.durationMs}),
  ...(r.error ? {error: {code: r.error.code, message: r.error.message}} : {}),
})

/** The JSON line of one event; undefined for what is not streamed (checkpoints). */
export function streamedEvent(e: RunEvent, runId: string, time: Date): StreamedEvent | undefined {
  const base = {time: time.toISOString(), runId}
  switch (e.type) {
    case 'run-started': {
      const m = e.meta
      return {type: e.type, ...base, runId: m.runId, action: m.action, ...(m.region ? {region: m.region} : {}), dryRun: m.dryRun, target: m.target.kind, principal: m.principal, attempt: m.attempts, steps: e.steps.map(step)}
    }
    case 'execution-started':
      return {type: e.type, ...base, steps: e.steps.map(step)}
    case 'step-planned':
    case 'step-ended':
      return {type: e.type, ...base, step: step(e.step), ...record(e.record)}
    case 'step-started':
      return {type: e.type, ...base, step: step(e.step)}
    case 'step-progress':
      return {type: e.type, ...base, step: step(e.step), text: e.text}
    case 'prompt':
      return {type: e.type, ...base, prompt: e.prompt, text: e.text}
    case 'run-ended': {
      const r = e.report
      return {
        type: e.type,
        ...base,
        status: r.status,
        dryRun: r.dryRun,
        steps: r.steps.map((s) => ({id: s.id, kind: s.kind, ...record(s)})),
        warnings: r.warnings,
        ...(e.error ? {error: {code: e.error.code, message: e.error.message}} : {}),
      }
    }
    case 'step-checkpoint':
      return undefined
  }
}

/** What a FIFO's reader may leave unread before the stream gives up on it: the run never waits for its log. */
export const UNREAD_MAX_BYTES = 1 << 20
/** How long the end of a run waits for a FIFO's reader to take what is left. */
const CLOSE_WAIT_MS = 5000

/**
 * Streams to `target`, a file (created or truncated now) or '-' for stderr; each line is written synchronously. A FIFO
 * or a device is written without waiting: what its reader has not taken yet is kept (up to UNREAD_MAX_BYTES) and
 * written with the next event, so a reader that stops reading never stops the failover.
 */
export function eventStream(target: string, clock: () => Date = () => new Date()): RunObserver {
  // A directory, a full device, a FIFO nobody reads (opening it would wait forever): refused before the run.
  const out = target === '-' ? undefined : openForWriting(target, '--events')
  let runId = ''
  let lost: string | undefined
  let unread = Buffer.alloc(0)
  let closed = false
  const giveUp = (at: string, what: string, todo: string) => {
    // The run goes on (a failover must not stop for its log), but the operator hears the stream broke, once.
    lost = `--events ${target}: writing failed at ${at}: ${what}; the events after it are not in the stream. ${todo}.`
    unread = Buffer.alloc(0)
    process.stderr.write(`warning: ${lost}\n`)
  }
  /** Writes what the reader can take now; true when nothing is left. */
  const drain = (): boolean => {
    while (unread.length > 0) {
      try {
        unread = unread.subarray(writeSync(out!.fd, unread))
      } catch (error: any) {
        if (error.code === 'EAGAIN') return false
        throw error
      }
    }
    return true
  }
  return {
    on(e) {
      if (e.type === 'run-started') runId = e.meta.runId
      const line = streamedEvent(e, runId, clock())
      if (!line || lost) return
      const text = `${redact(JSON.stringify(line))}\n`
      try {
        if (!out) process.stderr.write(text)
        else if (!out.nonBlocking) writeSync(out.fd, text)
        else {
          unread = Buffer.concat([unread, Buffer.from(text)])
          if (!drain() && unread.length > UNREAD_MAX_BYTES) giveUp(line.type, `the program reading it took nothing of the last ${unread.length} bytes`, 'Keep the reader reading, or name a regular file')
        }
      } catch (error: any) {
        const condition = error.code === 'EPIPE' ? READER_GONE : machineCondition(error.code)
        giveUp(line.type, condition?.what ?? error.message, condition?.todo ?? 'Check the file')
      }
    },
    async close() {
      if (!out || closed) return
      closed = true
      try {
        // The reader gets a moment to take the last events (run-ended among them), never more.
        for (const until = Date.now() + CLOSE_WAIT_MS; !lost && out.nonBlocking && !drain() && Date.now() < until; ) await sleep(20)
        if (!lost && unread.length > 0) giveUp('run-ended', `the program reading it took nothing for ${CLOSE_WAIT_MS / 1000} s`, 'Keep the reader reading, or name a regular file')
      } catch (error: any) {
        giveUp('run-ended', machineCondition(error.code)?.what ?? error.message, 'Check the file')
      } finally {
        closeSync(out.fd)
      }
    },
  }
}
