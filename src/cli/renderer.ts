// The only module that knows listr2: it turns the engine's events into a task list on stderr. The renderer is chosen
// in exactly one function: --json is silent, no TTY or CI gets plain lines, a terminal gets the live view.
import {createInterface} from 'node:readline/promises'
import {Writable} from 'node:stream'
import {Listr, ListrLogger, ListrPromptAdapter, ProcessOutput} from 'listr2'
import type {RunEvent, RunObserver, StepInfo} from '../engine/events.ts'
import type {StepRecord} from '../engine/types.ts'

export type RendererName = 'default' | 'verbose' | 'silent'

export function chooseRenderer(json: boolean, stream: {isTTY?: boolean} = process.stderr, env = process.env): RendererName {
  if (json) return 'silent'
  if (!stream.isTTY || env.CI) return 'verbose'
  return 'default'
}

interface Pending {
  ended: Promise<StepRecord>
  end(record: StepRecord): void
  /** the latest progress line, kept until the task shows it */
  output?: string
  show?(text: string): void
}

function pending(): Pending {
  let end!: (r: StepRecord) => void
  const ended = new Promise<StepRecord>((resolve) => (end = resolve))
  return {ended, end}
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

/** The display of a run: an observer of its events, and a way to ask a person a question while it is drawn. */
export interface RunDisplay extends RunObserver {
  /** asks inside the live view; undefined when nothing live is drawn (then plain readline is safe) */
  ask(question: string): Promise<boolean> | undefined
}

/** A listr2 task list that follows the steps as they execute; nothing is shown for planning or dry runs. */
export function listrRenderer(renderer: RendererName): RunDisplay {
  if (renderer === 'silent') return {on: () => {}, ask: () => undefined}
  let askInTask: ((question: string) => Promise<boolean>) | undefined
  const steps = new Map<string, Pending>()
  let running: Promise<unknown> | undefined
  // listr2 writes through its renderer's logger: give it one whose "stdout" is stderr, so stdout stays data only.
  const logger = new ListrLogger({useIcons: renderer === 'default', processOutput: new ProcessOutput(process.stderr, process.stderr)})

  const start = (infos: StepInfo[]) => {
    for (const s of infos) steps.set(s.id, pending())
    const list = new Listr<unknown, 'default' | 'verbose', 'verbose'>(
      infos.map((s) => ({
        title: s.title,
        task: async (_ctx, task) => {
          const p = steps.get(s.id)!
          askInTask = (question) => task.prompt(YesNoPrompt).run<boolean>(question)
          p.show = (text) => (task.output = text)
          if (p.output) p.show(p.output)
          const record = await p.ended
          if (record.status === 'skipped') return task.skip(`${s.title}: ${record.message}`)
          if (record.status === 'overridden') return void (task.title = `${s.title}: OVERRIDDEN: ${record.message}`)
          if (record.status !== 'succeeded') throw new Error(record.message || record.status)
          task.title = `${s.title}: ${record.message}`
        },
      })),
      {
        concurrent: false,
        exitOnError: true,
        renderer: renderer === 'default' ? 'default' : 'verbose',
        fallbackRenderer: 'verbose',
        registerSignalListeners: false,
        collectErrors: false,
        rendererOptions: {logger, collapseSubtasks: false, collapseSkips: false, showSkipMessage: true},
        fallbackRendererOptions: {logger},
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
    ask(question) {
      return renderer === 'default' && askInTask ? askInTask(question.replace(/\n/g, ' ')) : undefined
    },
  }
}
