// --events: the engine's events as NDJSON, one object a line, written the moment they happen, so a pipeline or a
// dashboard can follow a run live. An observer like the renderers; each field is picked, so no token or checkpoint
// state (a long-running operation's URLs) ever reaches the stream.
import {closeSync, writeSync} from 'node:fs'
import type {RunEvent, RunObserver, StepInfo} from '../engine/events.ts'
import type {StepRecord} from '../engine/types.ts'
import {machineCondition} from '../errors.ts'
import {openForWriting} from './paths.ts'
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

/** Streams to `target`, a file (created or truncated now) or '-' for stderr; each line is written synchronously. */
export function eventStream(target: string, clock: () => Date = () => new Date()): RunObserver {
  let fd: number | undefined
  if (target !== '-') {
    // A directory, a full device, a FIFO nobody reads (opening it would wait forever): refused before the run.
    fd = openForWriting(target, '--events')
  }
  let runId = ''
  let lost: string | undefined
  const write = (text: string) => (fd === undefined ? process.stderr.write(text) : writeSync(fd, text))
  return {
    on(e) {
      if (e.type === 'run-started') runId = e.meta.runId
      const line = streamedEvent(e, runId, clock())
      if (!line || lost) return
      try {
        write(`${redact(JSON.stringify(line))}\n`)
      } catch (error: any) {
        // The run goes on (a failover must not stop for its log), but the operator hears the stream broke, once.
        const condition = machineCondition(error.code)
        lost = `--events ${target}: writing failed at ${line.type}: ${condition?.what ?? error.message}; the events after it are not in the stream. ${condition?.todo ?? 'Check the file'}.`
        process.stderr.write(`warning: ${lost}\n`)
      }
    },
    async close() {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}
