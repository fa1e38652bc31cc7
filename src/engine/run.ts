// Plan, confirm, lock, execute, journal. The whole plan is computed from live state (each step projecting the state
// the next one will see) before anything changes; execution re-plans each step against fresh state and acts only on
// that plan. Every step's record is journaled in a finally. Nothing here knows Azure.
import {Listr, ListrLogger, ProcessOutput} from 'listr2'
import {AzfailError} from '../errors.ts'
import type {Journal} from './journal.ts'
import type {GuardVerdict, RunMeta, RunStatus, Step, StepPlan, StepRecord} from './types.ts'

export type RendererName = 'default' | 'verbose' | 'silent'

/** The one place the renderer is chosen: --json is silent, no TTY or CI gets plain lines, a terminal gets live. */
export function chooseRenderer(json: boolean, stream: {isTTY?: boolean} = process.stderr, env = process.env): RendererName {
  if (json) return 'silent'
  if (!stream.isTTY || env.CI) return 'verbose'
  return 'default'
}

export interface RunReport {
  runId: string
  action: string
  region?: string
  dryRun: boolean
  status: RunStatus
  steps: StepRecord[]
  overrides: RunMeta['overrides']
}

export interface EngineOptions<S> {
  meta: RunMeta
  steps: Step<S>[]
  /** reads live state; called once for a dry run, and before each step when executing */
  observe(step?: Step<S>): Promise<S>
  dryRun: boolean
  /** guard ids the operator bypassed with --override */
  overrides: Set<string>
  journal: Journal
  attempt: number
  /** steps a previous attempt finished; never applied again */
  completed?: Set<string>
  confirm(changes: string[]): Promise<boolean>
  lock?: {acquire(): Promise<void>; release(): Promise<void>}
  renderer: RendererName
  signal: AbortSignal
}

export class RunError extends AzfailError {
  readonly report: RunReport

  constructor(status: 'failed' | 'refused' | 'not-ready' | 'interrupted', code: string, message: string, report: RunReport, options: {hint?: string; guard?: string; cause?: unknown} = {}) {
    super(status, code, message, options)
    this.report = report
  }
}

const now = () => new Date().toISOString()

function applyOverrides(plan: StepPlan, overrides: Set<string>): GuardVerdict[] {
  return plan.verdicts.map((v) => (!v.ok && overrides.has(v.guard) ? {...v, overridden: true} : v))
}

const refusals = (verdicts: GuardVerdict[]) => verdicts.filter((v) => !v.ok && !v.overridden)

const describePlan = (plan: StepPlan): string => (plan.done ? `already done: ${plan.done}` : plan.summary)

/** Plans every step against live state, projecting each step's effect for the steps after it. */
export function planAll<S>(steps: Step<S>[], state: S, overrides: Set<string>, completed: Set<string>): StepRecord[] {
  const records: StepRecord[] = []
  const at = now()
  const timing = {startedAt: at, endedAt: at, durationMs: 0}
  let s = state
  for (const step of steps) {
    if (completed.has(step.id)) {
      records.push({id: step.id, kind: step.kind, status: 'skipped', ...timing, message: 'completed in an earlier attempt'})
      continue
    }
    const plan = step.plan(s)
    plan.verdicts = applyOverrides(plan, overrides)
    const refused = refusals(plan.verdicts)
    const status = refused.length > 0 ? 'refused' : plan.done ? 'skipped' : 'planned'
    const message = refused.length > 0 ? refusalMessage(refused) : describePlan(plan)
    records.push({id: step.id, kind: step.kind, status, ...timing, message, plan})
    if (!plan.done && step.project) s = step.project(s, plan)
  }
  return records
}

const refusalMessage = (refused: GuardVerdict[]) => refused.map((v) => `${v.guard} refused: ${v.observed}`).join('; ')

export async function runEngine<S>(o: EngineOptions<S>): Promise<RunReport> {
  const completed = o.completed ?? new Set<string>()
  const report: RunReport = {runId: o.meta.runId, action: o.meta.action, region: o.meta.region, dryRun: o.dryRun, status: 'running', steps: [], overrides: o.meta.overrides}
  const finish = (status: RunStatus) => {
    report.status = status
    o.journal.updateMeta({status, endedAt: now()})
    return report
  }

  const planned = planAll(o.steps, await o.observe(), o.overrides, completed)
  const refused = planned.filter((r) => r.status === 'refused')
  const problems = planned.flatMap((r) => r.plan?.problems ?? [])

  if (o.dryRun) {
    report.steps = planned
    for (const r of planned) o.journal.append({event: 'finished', step: r, attempt: o.attempt})
    if (refused.length > 0 || problems.length > 0) {
      finish('not-ready')
      const first = refused[0]
      throw new RunError('not-ready', 'NotReady', `Dry run: the estate is not ready. ${[...refused.map((r) => `${r.id}: ${r.message}`), ...problems].join(' ')}`, report, {
        guard: first?.plan?.verdicts.find((v) => !v.ok && !v.overridden)?.guard,
        hint: first?.plan?.verdicts.find((v) => !v.ok && !v.overridden)?.remedy,
      })
    }
    return finish('planned')
  }

  if (refused.length > 0) {
    report.steps = planned.map((r) => (r.status === 'planned' ? {...r, status: 'skipped', message: `not run: ${refused[0].id} refused`} : r))
    for (const r of report.steps) o.journal.append({event: 'finished', step: r, attempt: o.attempt})
    finish('refused')
    const verdict = refused[0].plan!.verdicts.find((v) => !v.ok && !v.overridden)!
    throw new RunError('refused', 'GuardRefused', `Guard ${verdict.guard} refused step ${refused[0].id}; nothing was changed. It saw: ${verdict.observed}.`, report, {guard: verdict.guard, hint: verdict.remedy})
  }
  if (problems.length > 0) {
    report.steps = planned
    finish('failed')
    throw new RunError('failed', 'PreconditionFailed', `Nothing was changed: ${problems.join(' ')}`, report)
  }

  const changes = planned.filter((r) => r.status === 'planned' && r.plan).flatMap((r) => r.plan!.changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`))
  if (changes.length > 0 && !(await o.confirm(changes))) {
    report.steps = planned.map((r) => ({...r, status: r.status === 'planned' ? 'skipped' : r.status, message: r.status === 'planned' ? 'not confirmed' : r.message}))
    finish('refused')
    throw new RunError('refused', 'NotConfirmed', 'The plan was not confirmed; nothing was changed.', report)
  }

  // A run that changes nothing takes no lock; a resumed run always does, to take over and release its own.
  const locking = changes.length > 0 || completed.size > 0
  if (locking) await o.lock?.acquire()
  try {
    return await execute(o, report, completed, finish)
  } finally {
    if (locking) await o.lock?.release().catch(() => {})
  }
}

async function execute<S>(o: EngineOptions<S>, report: RunReport, completed: Set<string>, finish: (s: RunStatus) => RunReport): Promise<RunReport> {
  let failure: RunError | undefined
  // listr2 writes through its renderer's logger: give it one whose "stdout" is stderr, so stdout stays data only.
  const logger = new ListrLogger({useIcons: o.renderer === 'default', processOutput: new ProcessOutput(process.stderr, process.stderr)})
  const tasks = new Listr(
    o.steps.map((step) => ({
      title: step.title,
      task: async (_ctx: unknown, task: any) => {
        const record: StepRecord = {id: step.id, kind: step.kind, status: 'failed', startedAt: now(), message: ''}
        const started = Date.now()
        if (completed.has(step.id)) {
          Object.assign(record, {status: 'skipped', message: 'completed in an earlier attempt'})
        } else {
          o.journal.append({event: 'started', step: record, attempt: o.attempt})
        }
        try {
          if (record.status === 'skipped') return task.skip(`${step.title}: ${record.message}`)
          if (o.signal.aborted) throw new Interrupted()
          const plan = step.plan(await o.observe(step))
          plan.verdicts = applyOverrides(plan, o.overrides)
          record.plan = plan
          const refused = refusals(plan.verdicts)
          if (refused.length > 0) {
            const v = refused[0]
            if (step.changes) {
              Object.assign(record, {status: 'refused', message: refusalMessage(refused)})
              failure = new RunError('refused', 'GuardRefused', `Guard ${v.guard} refused step ${step.id}. It saw: ${v.observed}.`, report, {guard: v.guard, hint: v.remedy})
            } else {
              // A guard on a step that changes nothing is a verification: it failing fails the run.
              Object.assign(record, {status: 'failed', message: refusalMessage(refused)})
              failure = new RunError('failed', 'VerificationFailed', `${step.id} failed (${v.guard}): ${v.observed}.`, report, {guard: v.guard, hint: v.remedy})
            }
            throw failure
          }
          if (plan.problems?.length) {
            Object.assign(record, {status: 'failed', message: plan.problems.join(' ')})
            failure = new RunError('failed', 'VerificationFailed', `${step.id} failed: ${plan.problems.join(' ')}`, report)
            throw failure
          }
          if (plan.done) {
            Object.assign(record, {status: 'skipped', message: `already done: ${plan.done}`})
            return task.skip(`${step.title}: already done (${plan.done})`)
          }
          const message = await step.apply(plan, {runId: o.meta.runId, signal: o.signal, progress: (text) => (task.output = text)})
          Object.assign(record, {status: 'succeeded', message})
          task.title = `${step.title}: ${message}`
        } catch (error: any) {
          if (!failure) {
            const interrupted = error instanceof Interrupted || o.signal.aborted
            record.status = 'failed'
            record.message ||= interrupted ? 'interrupted' : String(error?.message ?? error).split('\n')[0]
            record.error = {code: interrupted ? 'Interrupted' : (error?.code ?? 'Error'), message: record.message}
            failure ??= interrupted
              ? new RunError('interrupted', 'Interrupted', `Interrupted during ${step.id}. 'azfail resume ${o.meta.runId}' continues from there.`, report)
              : new RunError('failed', error?.code ?? 'StepFailed', `${step.id} failed: ${record.message}`, report, {cause: error, hint: error?.hint})
          }
          throw failure
        } finally {
          record.endedAt = now()
          record.durationMs = Date.now() - started
          report.steps.push(record)
          o.journal.append({event: 'finished', step: record, attempt: o.attempt})
        }
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      renderer: o.renderer,
      fallbackRenderer: 'verbose',
      registerSignalListeners: false,
      collectErrors: false,
      rendererOptions: {logger, collapseSubtasks: false, collapseSkips: false, showSkipMessage: true},
      fallbackRendererOptions: {logger},
    } as any,
  )
  try {
    await tasks.run()
  } catch (error) {
    const f = failure ?? new RunError('failed', 'StepFailed', String((error as Error)?.message ?? error), report)
    const at = now()
    for (const step of o.steps.slice(report.steps.length)) {
      report.steps.push({id: step.id, kind: step.kind, status: 'skipped', startedAt: at, endedAt: at, durationMs: 0, message: `not run: ${f.code === 'Interrupted' ? 'interrupted' : 'an earlier step did not succeed'}`})
    }
    finish(f.status as RunStatus)
    throw f
  }
  return finish('succeeded')
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}
