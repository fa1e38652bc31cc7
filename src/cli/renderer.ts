// The only module that knows listr2. The display of a run is an observer of the engine's events, chosen in exactly one
// function: --json (or an event stream on stderr) is silent; no terminal, CI, or a terminal with no usable width gets
// one timestamped line per event; a terminal gets listr2's live task list. Both draw on stderr: stdout is data.
// A step's title, progress, message and question are fields from the runbook and Azure: both renderers show them bounded,
// their control characters as escapes (report/escape.ts); listr2's own colours are the only sequences sent.
import {createInterface} from 'node:readline/promises'
import {Writable} from 'node:stream'
import {Listr, ListrLogger, ListrPromptAdapter, ProcessOutput} from 'listr2'
import type {RunEvent, RunObserver, StepInfo} from '../engine/events.ts'
import type {StepRecord} from '../engine/types.ts'
import {terminalField, terminalText} from '../report/escape.ts'
import {askYesNo} from './consent.ts'

export type RendererName = 'live' | 'lines' | 'silent'

/** Narrower than this, listr2's live view wraps into a column of single characters (a 0-column pseudo-terminal). */
const MIN_LIVE_COLUMNS = 40

/** A progress line (a countdown) is repeated at most this often by the line renderer. */
export const PROGRESS_EVERY_MS = 30_000

interface Stream {
  isTTY?: boolean
  columns?: number
}

export function chooseRenderer(quiet: boolean, stream: Stream = process.stderr, env: NodeJS.ProcessEnv = process.env): RendererName {
  if (quiet) return 'silent'
  const ci = Boolean(env.CI) && !/^(false|0)$/i.test(env.CI!)
  if (!stream.isTTY || ci || !((stream.columns ?? 0) >= MIN_LIVE_COLUMNS)) return 'lines'
  return 'live'
}

/** The display of a run: an observer of its events, and a way to ask a person a question while it is drawn. */
export interface RunDisplay extends RunObserver {
  /**
   * asks inside the live view, under the task of `step` (the step asking) once the view shows it; undefined when
   * nothing live is drawn (then plain readline is safe)
   */
  ask(question: string, step?: string): Promise<boolean> | undefined
}

export function runDisplay(renderer: RendererName, out: {write(text: string): unknown} = process.stderr, clock: () => Date = () => new Date()): RunDisplay {
  if (renderer === 'silent') return {on: () => {}, ask: () => undefined}
  if (renderer === 'lines') return lineRenderer(out, clock)
  return listrRenderer()
}

const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}s`
const oneLine = (text: string) => terminalText(text.replace(/\s*\n\s*/g, ' ').trim())

/**
 * One line per event, each stamped with the UTC time of day, for CI logs and anything that is not a terminal. A step's
 * progress shows at once, then at most every PROGRESS_EVERY_MS (the latest text wins), so a 5-minute wait costs a
 * dozen lines, not 300.
 */
function lineRenderer(out: {write(text: string): unknown}, clock: () => Date): RunDisplay {
  let executing = false
  let startedAt = 0
  const progress = new Map<string, {shownAt: number; pending?: string; timer?: NodeJS.Timeout}>()
  const line = (text: string) => out.write(`${clock().toISOString().slice(11, 19)}Z ${oneLine(text)}\n`)
  const stopProgress = (id: string) => {
    clearTimeout(progress.get(id)?.timer)
    progress.delete(id)
  }
  const showProgress = (step: StepInfo, text: string) => {
    const now = clock().getTime()
    const p = progress.get(step.id)
    if (!p || now - p.shownAt >= PROGRESS_EVERY_MS) {
      clearTimeout(p?.timer)
      progress.set(step.id, {shownAt: now})
      return line(`${step.id}: ${terminalField(text)}`)
    }
    p.pending = text
    // A step that goes quiet (a long-running update) still shows its latest progress when its 30 s come round.
    p.timer ??= setTimeout(() => {
      const latest = progress.get(step.id)?.pending
      if (latest !== undefined) showProgress(step, latest)
    }, PROGRESS_EVERY_MS - (now - p.shownAt)).unref()
  }
  const ended = (r: StepRecord) => {
    const took = ` after ${seconds(r.durationMs)}`
    const message = terminalField(r.message)
    switch (r.status) {
      case 'succeeded':
        return `${r.id} succeeded in ${seconds(r.durationMs)}: ${message}`
      case 'skipped':
        return `${r.id} skipped: ${message}`
      case 'overridden':
        return `${r.id} OVERRIDDEN${took}: ${message}`
      default:
        return `${r.id} ${r.status.toUpperCase()}${took}: ${message || terminalField(r.error?.message)}`
    }
  }
  return {
    on(e: RunEvent) {
      switch (e.type) {
        case 'run-started':
          startedAt = clock().getTime()
          return line(`run ${e.meta.runId}: ${e.meta.action}${e.meta.region ? ` ${e.meta.region}` : ''}${e.meta.dryRun ? ' (dry run)' : ''} by ${terminalField(e.meta.principal)}: ${e.steps.map((s) => s.id).join(', ')}`)
        case 'execution-started':
          executing = true
          return
        case 'step-started':
          return line(`${e.step.id} started: ${terminalField(e.step.title)}`)
        case 'step-progress':
          return showProgress(e.step, e.text)
        case 'step-ended':
          stopProgress(e.step.id)
          // Before execution the report on stdout lists the plan; lines follow what runs.
          if (executing) line(ended(e.record))
          return
        case 'prompt':
          if (e.prompt === 'manual-action') line(`waiting for a person: ${terminalField(e.text)}`)
          return
        case 'run-ended':
          for (const id of [...progress.keys()]) stopProgress(id)
          return line(`run ${e.report.runId} ${e.report.status} after ${seconds(clock().getTime() - startedAt)}${e.error ? `: ${terminalField(e.error.message)}` : ''}`)
      }
    },
    ask: () => undefined,
  }
}

interface Pending {
  ended: Promise<StepRecord>
  end(record: StepRecord): void
  /** how to ask under this step's task, once listr2 runs it */
  asking: Promise<(question: string) => Promise<boolean>>
  canAsk(ask: (question: string) => Promise<boolean>): void
  /** the latest progress line, kept until the task shows it */
  output?: string
  show?(text: string): void
}

function pending(): Pending {
  let end!: (r: StepRecord) => void
  const ended = new Promise<StepRecord>((resolve) => (end = resolve))
  let canAsk!: Pending['canAsk']
  const asking = new Promise<(question: string) => Promise<boolean>>((resolve) => (canAsk = resolve))
  return {ended, end, asking, canAsk}
}

/**
 * A y/N question asked inside the live task list: its text and what the person types are drawn by listr2 under the
 * running task, so the renderer and readline do not fight over the terminal.
 */
class YesNoPrompt extends ListrPromptAdapter {
  async run<T = boolean>(question: string): Promise<T> {
    this.reportStarted()
    let shown = ''
    const output = new Writable({
      write: (chunk, _encoding, done) => {
        shown += String(chunk)
        this.task.promptOutput$ = shown
        done()
      },
    })
    const rl = createInterface({input: process.stdin, output, terminal: true})
    try {
      const yes = /^y(es)?$/i.test((await rl.question(question)).trim())
      this.reportCompleted()
      return yes as T
    } catch (error) {
      this.reportFailed()
      throw error
    } finally {
      rl.close()
    }
  }
}

/** listr2's live task list that follows the steps as they execute; nothing is shown for planning or dry runs. */
function listrRenderer(): RunDisplay {
  let askInTask: ((question: string) => Promise<boolean>) | undefined
  const steps = new Map<string, Pending>()
  let running: Promise<unknown> | undefined
  // listr2 writes through its renderer's logger: give it one whose "stdout" is stderr, so stdout stays data only.
  const logger = new ListrLogger({useIcons: true, processOutput: new ProcessOutput(process.stderr, process.stderr)})

  const liveOptions = {logger, collapseSubtasks: false, collapseSkips: false, showSkipMessage: true}

  const start = (infos: StepInfo[]) => {
    for (const s of infos) steps.set(s.id, pending())
    const list = new Listr<unknown, 'default', 'default'>(
      infos.map((s) => ({
        title: terminalField(s.title),
        task: async (_ctx, task) => {
          const p = steps.get(s.id)!
          askInTask = (question) => task.prompt(YesNoPrompt).run<boolean>(question)
          p.canAsk(askInTask)
          p.show = (text) => (task.output = terminalField(text))
          if (p.output) p.show(p.output)
          const record = await p.ended
          const [title, message] = [terminalField(s.title), terminalField(record.message)]
          if (record.status === 'skipped') return task.skip(`${title}: ${message}`)
          if (record.status === 'overridden') return void (task.title = `${title}: OVERRIDDEN: ${message}`)
          if (record.status !== 'succeeded') throw new Error(message || record.status)
          task.title = `${title}: ${message}`
        },
      })),
      {
        concurrent: false,
        exitOnError: true,
        // The choice is made above (chooseRenderer): listr2's own fallback would also trigger when only stdout is redirected.
        renderer: 'default',
        fallbackRenderer: 'default',
        registerSignalListeners: false,
        collectErrors: false,
        rendererOptions: liveOptions,
        fallbackRendererOptions: liveOptions,
      },
    )
    running = list.run().catch(() => {})
  }

  return {
    on(e: RunEvent) {
      if (e.type === 'execution-started') start(e.steps)
      if (!running) return
      if (e.type === 'step-progress') {
        const p = steps.get(e.step.id)
        if (!p) return
        p.output = e.text
        p.show?.(e.text)
      }
      if (e.type === 'step-ended') steps.get(e.step.id)?.end(e.record)
      if (e.type === 'run-ended') for (const p of steps.values()) p.end({id: '', kind: '', status: 'skipped', message: 'not run'})
    },
    async close() {
      await running
    },
    ask(question, step) {
      const text = terminalText(question.replace(/\n/g, ' '))
      const p = step === undefined ? undefined : steps.get(step)
      if (!running || !p) return askInTask ? askInTask(text) : undefined
      // The step may ask before listr2 has drawn its task (it starts a frame later): wait for the task, not ask under
      // the one before it or outside the view. A list that stopped first (an earlier step failed) asks plainly.
      const listed = running
      return Promise.race([p.asking, listed.then(() => undefined)]).then((inTask) => (inTask ? inTask(text) : askYesNo(question)))
    },
  }
}
