// Plan, confirm, lock, execute. The whole plan is computed from live state (each step projecting the state the next
// one will see) before anything changes; execution re-plans each step against fresh state and acts only on that plan.
// The engine emits events (src/engine/events.ts) and knows no renderer, no journal file and nothing of Azure; every
// run ends with a run-ended event, whatever the ending, so its observers can close it.
import pLimit from 'p-limit'
import {AzfailError} from '../errors.ts'
import type {EventBus, StepInfo} from './events.ts'
import type {ActionablePlan, Change, GuardVerdict, RunMeta, RunReport, RunStatus, Step, StepOutcome, StepPlan, StepRecord} from './types.ts'

export interface EngineOptions<S> {
  meta: RunMeta
  steps: Step<S, any>[]
  /** reads live state; called once for a dry run, and before each step when executing */
  observe(step?: Step<S, any>): Promise<S>
  dryRun: boolean
  /** guard ids the operator bypassed with --override */
  overrides: Set<string>
  attempt: number
  /** steps a previous attempt finished; never applied again */
  completed?: Set<string>
  /** the last checkpoint each step recorded in a previous attempt */
  checkpoints?: Map<string, unknown>
  /** consent to the plan's changes; `waits` are the waits it will make, named in the same consent */
  confirm(changes: Change[], also?: {waits: string[]}): Promise<boolean>
  /** checks the first observed state before anything is planned; throws to turn the run away (another run holds the lock) */
  admit?(state: S): void
  /**
   * Run-wide guards judged before any change, on the first observed state and the kinds of the steps planned to act
   * (the permissions guard): a refusal turns the run away as a step's would.
   */
  preflight?(state: S, acting: string[]): Promise<GuardVerdict[]>
  /** what must hold after a run that went to its end (succeeded or partial), judged on fresh state: each violation becomes a warning */
  postconditions?(state: S, report: RunReport): string[]
  /** a resumed run: it takes (over) its lock even with nothing left to change, and releases it */
  resuming?: boolean
  lock?: RunLockHandle
  events: EventBus
  signal: AbortSignal
  /**
   * Asked before each step that has not run yet (not in a dry run): resolves true to go on, false to hold the run
   * there, which ends it interrupted (resumable). A fleet's waves order the steps after the TTL wait this way.
   */
  gate?: EngineGate
}

/** See EngineOptions.gate. */
export type EngineGate = (step: StepInfo) => Promise<boolean>

export interface RunLockHandle {
  /**
   * Resolves once the lock is this run's. `written` is called as soon as this run's record is in Azure, before it has
   * looked for rivals: from then on a run that starts sees this one, so what is read is what this run will act on,
   * unless the lock had to wait for another run to back off (`waited`): what was read may then be old.
   */
  acquire(written?: () => void): Promise<{waited?: boolean} | void>
  /** throws when the lock is no longer this run's: called before every step */
  check(): void
  /** a warning when the lock could not be released as this run's */
  release(): Promise<string | undefined>
  /** why the run lost its lock, if it did at any point: the run then ends interrupted, never succeeded */
  lost(): string | undefined
}

type Ending = 'failed' | 'partial' | 'refused' | 'not-ready' | 'interrupted' | 'declined'

export class RunError extends AzfailError {
  readonly report: RunReport

  constructor(status: Ending, code: string, message: string, report: RunReport, options: {hint?: string; guard?: string; cause?: unknown} = {}) {
    super(status, code, message, options)
    this.report = report
  }
}

/** Thrown by a step that saw the run's abort signal. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}

/** The gate's answer, or false once the run is interrupted while it waits. */
function untilAborted(answer: Promise<boolean>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve, reject) => {
    const abort = () => resolve(false)
    signal.addEventListener('abort', abort, {once: true})
    answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

const now = () => new Date().toISOString()
const info = (step: Step<unknown>): StepInfo => ({id: step.id, kind: step.kind, title: step.title})

function applyOverrides(verdicts: GuardVerdict[], overrides: Set<string>): GuardVerdict[] {
  return verdicts.map((v) => (!v.ok && overrides.has(v.guard) ? {...v, overridden: true} : v))
}

const refusals = (verdicts: GuardVerdict[]) => verdicts.filter((v) => !v.ok && !v.overridden)
const refusalMessage = (refused: GuardVerdict[]) => refused.map((v) => `${v.guard} refused: ${v.observed}`).join('; ')
/** What a step of an earlier attempt of the run says when it is not run again. */
const COMPLETED_EARLIER = 'completed in an earlier attempt'
/** Why a step is skipped: already done, or another reason the plan gives (not checked, not configured); undefined when it runs. */
const skipped = (plan: StepPlan): string | undefined => (plan.done ? `already done: ${plan.done}` : plan.skip)
const describePlan = (plan: StepPlan): string => skipped(plan) ?? plan.summary

/** Plans every step against live state, projecting each step's effect for the steps after it. */
export function planAll<S>(steps: Step<S, any>[], state: S, overrides: Set<string>, completed: Set<string>): StepRecord[] {
  const records: StepRecord[] = []
  const at = now()
  const timing = {startedAt: at, endedAt: at, durationMs: 0}
  let s = state
  for (const step of steps) {
    if (completed.has(step.id)) {
      records.push({id: step.id, kind: step.kind, status: 'skipped', ...timing, message: COMPLETED_EARLIER})
      continue
    }
    const plan = step.plan(s)
    plan.verdicts = applyOverrides(plan.verdicts, overrides)
    const refused = refusals(plan.verdicts)
    const status = refused.length > 0 ? 'refused' : skipped(plan) ? 'skipped' : 'planned'
    const message = refused.length > 0 ? refusalMessage(refused) : describePlan(plan)
    records.push({id: step.id, kind: step.kind, status, ...timing, message, plan})
    if (!skipped(plan) && step.project) s = step.project(s, plan)
  }
  return records
}

/** The run status an error ends a run with. */
export function endingOf(error: unknown): RunStatus {
  if (!(error instanceof AzfailError)) return 'failed'
  if (error.status === 'invalid') return 'refused' // refused before any change: no consent, bad input met mid-run
  return error.status
}

export async function runEngine<S>(o: EngineOptions<S>): Promise<RunReport> {
  const completed = o.completed ?? new Set<string>()
  const report: RunReport = {runId: o.meta.runId, action: o.meta.action, region: o.meta.region, dryRun: o.dryRun, status: 'running', steps: [], overrides: o.meta.overrides, warnings: []}
  o.events.emit({type: 'run-started', meta: o.meta, steps: o.steps.map(info)})
  let error: unknown
  try {
    report.status = await plannedRun(o, report, completed)
    return report
  } catch (e) {
    // Whatever a read or write threw once the run was interrupted (an aborted request), the run was interrupted.
    error = o.signal.aborted && endingOf(e) !== 'interrupted' ? new RunError('interrupted', 'Interrupted', `Interrupted. 'azfail resume ${o.meta.runId}' continues the run.`, report, {cause: e}) : e
    report.status = endingOf(error)
    throw error
  } finally {
    if (report.status === 'running') report.status = 'failed'
    o.events.emit({type: 'run-ended', report, ...(error ? {error: {code: (error as {code?: string}).code ?? 'Error', message: String((error as Error).message ?? error)}} : {})})
  }
}

async function plannedRun<S>(o: EngineOptions<S>, report: RunReport, completed: Set<string>): Promise<RunStatus> {
  const first = await o.observe()
  if (!o.dryRun) o.admit?.(first)
  const planned = planAll(o.steps, first, o.overrides, completed)
  o.steps.forEach((step, i) => o.events.emit({type: 'step-planned', step: info(step), record: planned[i]}))
  // what the plan would do: the steps planned to act, and those a guard refuses (a dry run names every obstacle)
  const acting = planned.filter((r) => r.status === 'planned' || r.status === 'refused').map((r) => r.kind)
  const preflight = o.preflight ? applyOverrides(await o.preflight(first, acting), o.overrides) : []
  report.guards = preflight
  const turnedAway = refusals(preflight)
  for (const v of preflight.filter((v) => !v.ok && v.overridden)) report.warnings.push(`guard ${v.guard} was overridden; it saw: ${v.observed}`)
  const refused = planned.filter((r) => r.status === 'refused')
  const problems = planned.flatMap((r) => r.plan?.problems ?? [])
  const ended = (records: StepRecord[]) => {
    report.steps = records
    o.steps.forEach((step, i) => o.events.emit({type: 'step-ended', step: info(step), record: records[i]}))
  }

  if (o.dryRun) {
    ended(planned)
    if (turnedAway.length > 0 || refused.length > 0 || problems.length > 0) {
      const first = turnedAway[0] ?? refused[0]?.plan?.verdicts.find((v) => !v.ok && !v.overridden)
      const seen = [...turnedAway.map((v) => `${v.guard} refuses: ${v.observed}.`), ...refused.map((r) => `${r.id}: ${r.message}`), ...problems]
      throw new RunError('not-ready', 'NotReady', `Dry run: the estate is not ready. ${seen.join(' ')}`, report, {guard: first?.guard, hint: first?.remedy})
    }
    return 'planned'
  }

  if (turnedAway.length > 0) {
    const v = turnedAway[0]
    ended(planned.map((r) => (r.status === 'planned' ? {...r, status: 'skipped', message: `not run: guard ${v.guard} refused the run`} : r)))
    throw new RunError('refused', 'GuardRefused', `Guard ${v.guard} refused the run; nothing was changed. It saw: ${v.observed}.`, report, {guard: v.guard, hint: v.remedy})
  }

  if (refused.length > 0) {
    ended(planned.map((r) => (r.status === 'planned' ? {...r, status: 'skipped', message: `not run: ${refused[0].id} refused`} : r)))
    const verdict = refused[0].plan!.verdicts.find((v) => !v.ok && !v.overridden)!
    throw new RunError('refused', 'GuardRefused', `Guard ${verdict.guard} refused step ${refused[0].id}; nothing was changed. It saw: ${verdict.observed}.`, report, {guard: verdict.guard, hint: verdict.remedy})
  }
  if (problems.length > 0) {
    report.steps = planned
    throw new RunError('failed', 'PreconditionFailed', `Nothing was changed: ${problems.join(' ')}`, report)
  }

  const changes = planned.filter((r) => r.status === 'planned' && r.plan).flatMap((r) => r.plan!.changes)
  if (changes.length > 0) {
    o.events.emit({type: 'prompt', prompt: 'consent', text: changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('\n')})
    const waits = planned.filter((r) => r.status === 'planned' && r.plan?.waitSeconds).map((r) => `${r.id}: ${r.plan!.summary}`)
    if (!(await o.confirm(changes, {waits}))) {
      report.steps = planned.map((r) => ({...r, status: r.status === 'planned' ? 'skipped' : r.status, message: r.status === 'planned' ? 'not confirmed' : r.message}))
      throw new RunError('declined', 'NotConfirmed', 'The plan was not confirmed at the prompt; nothing was changed.', report, {hint: 'Run the command again to be asked again, or --dry-run to read the plan without a prompt.'})
    }
  }

  // A run that changes nothing takes no lock; a resumed run always does, to take over and release its own.
  const lock = changes.length > 0 || o.resuming ? o.lock : undefined
  // The first step's read starts once this run's lock record is written, beside the look for rivals' locks: the step
  // acts only after the lock is this run's. Not with a gate, which may hold the step for a long time.
  const firstStep = o.gate ? undefined : o.steps.find((step) => !completed.has(step.id))
  let early: EarlyRead<S> | undefined
  const acquired = await lock?.acquire(() => {
    if (!firstStep || firstStep.planUnread?.()) return
    const state = o.observe(firstStep)
    state.catch(() => undefined)
    early = {step: firstStep, state}
  })
  if (acquired?.waited) early = undefined
  let failure: unknown
  let incomplete: Incomplete[] = []
  let closing: Promise<S> | undefined
  try {
    incomplete = await execute(o, report, completed, early)
  } catch (e) {
    failure = e
  }
  // The release is sent first; the closing read changes nothing and runs while it is in flight (its first read may
  // load SDK packages, which would hold the release back).
  const releasing = lock?.release().catch((e: Error) => `the lock was not released: ${e.message}`)
  if (!failure && o.postconditions) {
    closing = o.observe()
    closing.catch(() => undefined)
  }
  const warning = await releasing
  if (warning) report.warnings.push(warning)
  try {
    if (closing) report.warnings.push(...o.postconditions!(await closing, report))
  } catch (e) {
    failure = e
  }
  // A lock lost at any point (a step's write refused, a renewal answered 412, the release finding another's) ends the
  // run interrupted, whatever else happened: what it did is said, and a resume re-plans from live state.
  const lost = lock?.lost()
  if (lost) {
    // What holds now: the steps it ran, and those it found already done (a window already passed, a step of an
    // earlier attempt), so the operator is not told a step is missing that is in effect.
    const done = report.steps.filter((r) => r.status === 'succeeded' || (r.status === 'skipped' && (r.plan?.done || r.message === COMPLETED_EARLIER))).map((r) => `${r.id} (${r.message})`)
    throw new RunError('interrupted', 'LockLost', `The run lost its lock (${lost}). It had done: ${done.join('; ') || 'nothing'}. 'azfail resume ${o.meta.runId}' continues once no other run holds the lock.`, report, {
      hint: "'azfail lock status' shows who holds the lock now.",
      ...(failure ? {cause: failure} : {}),
    })
  }
  if (failure) throw failure
  if (incomplete.length === 0) return 'succeeded'
  // Every step ran, but one did only part of its job: a distinct ending, naming what is left and how to finish it.
  throw new RunError('partial', incomplete[0].code, incomplete.map((i) => i.message).join(' '), report, {hint: incomplete.map((i) => i.hint).filter(Boolean).join(' ')})
}

type Incomplete = NonNullable<StepOutcome['incomplete']>

/** A step's read of live state, started before the step itself (see plannedRun). */
interface EarlyRead<S> {
  step: Step<S, any>
  state: Promise<S>
}

/**
 * The steps in stages, in their order: a stage is one step, or a run of neighbouring steps with a lane (Step.lane) in
 * two or more lanes. A stage's lanes run beside each other, each lane's steps in their order: the data tiers are
 * independent, so the promotions' long-running operations overlap while each tier keeps promote, repoint, verify.
 */
export function stagesOf<T extends {lane?: string}>(steps: T[]): T[][][] {
  const stages: T[][][] = []
  let laned: T[] = []
  const flush = () => {
    const lanes = new Map<string, T[]>()
    for (const step of laned) lanes.set(step.lane!, [...(lanes.get(step.lane!) ?? []), step])
    if (lanes.size > 1) stages.push([...lanes.values()])
    else for (const step of laned) stages.push([[step]])
    laned = []
  }
  for (const step of steps) {
    if (step.lane) {
      laned.push(step)
      continue
    }
    flush()
    stages.push([[step]])
  }
  flush()
  return stages
}

/** The gate asked by one lane at a time: a fleet's gate takes and gives up a slot, which two askers at once would take twice. */
function oneAtATime(gate: EngineGate): EngineGate {
  const one = pLimit(1)
  return (step) => one(() => gate(step))
}

/**
 * Runs every step, stage by stage (stagesOf); returns what steps left undone while letting the run go on. A step that
 * ends the run lets the steps running beside it finish; nothing new starts. The report lists the steps in plan order.
 */
async function execute<S>(o: EngineOptions<S>, report: RunReport, completed: Set<string>, early?: EarlyRead<S>): Promise<Incomplete[]> {
  o.events.emit({type: 'execution-started', steps: o.steps.map(info)})
  const incomplete: Incomplete[] = []
  const run = o.gate ? {...o, gate: oneAtATime(o.gate)} : o
  let failure: RunError | undefined
  for (const stage of stagesOf(o.steps)) {
    await Promise.all(
      stage.map(async (lane) => {
        for (const step of lane) {
          if (failure) return
          // read after the step: another lane may have failed meanwhile, and the first failure is the run's
          const failed = await executeStep(run, report, step, completed, incomplete, early?.step === step ? early.state : undefined)
          if (failed) failure ??= failed
        }
      }),
    )
    if (failure) break
  }
  const order = new Map(o.steps.map((step, i) => [step.id, i]))
  if (failure) {
    const at = now()
    const ran = new Set(report.steps.map((r) => r.id))
    for (const rest of o.steps.filter((step) => !ran.has(step.id))) {
      report.steps.push({id: rest.id, kind: rest.kind, status: 'skipped', startedAt: at, endedAt: at, durationMs: 0, message: `not run: ${failure.code === 'Interrupted' ? 'interrupted' : 'an earlier step did not succeed'}`})
    }
  }
  report.steps.sort((a, b) => order.get(a.id)! - order.get(b.id)!)
  if (failure) throw failure
  return incomplete
}

/** Runs one step against fresh live state; returns the error that ends the run, if it does. */
async function executeStep<S>(o: EngineOptions<S>, report: RunReport, step: Step<S, any>, completed: Set<string>, incomplete: Incomplete[], read?: Promise<S>): Promise<RunError | undefined> {
  const record: StepRecord = {id: step.id, kind: step.kind, status: 'failed', startedAt: now(), message: ''}
  const started = Date.now()
  let failure: RunError | undefined
  try {
    if (completed.has(step.id)) {
      Object.assign(record, {status: 'skipped', message: COMPLETED_EARLIER})
      return undefined
    }
    if (o.gate && !o.dryRun && !(await untilAborted(o.gate(info(step)), o.signal))) throw new Interrupted()
    o.events.emit({type: 'step-started', step: info(step), record: {...record}})
    if (o.signal.aborted) throw new Interrupted()
    o.lock?.check()
    const plan = step.planUnread?.() ?? step.plan(await (read ?? o.observe(step)))
    plan.verdicts = applyOverrides(plan.verdicts, o.overrides)
    record.plan = plan
    const refused = refusals(plan.verdicts)
    if (refused.length > 0) {
      const v = refused[0]
      record.message = refusalMessage(refused)
      if (step.changes) {
        record.status = 'refused'
        failure = new RunError('refused', 'GuardRefused', `Guard ${v.guard} refused step ${step.id}. It saw: ${v.observed}.`, report, {guard: v.guard, hint: v.remedy})
      } else {
        // A guard on a step that changes nothing is a verification: it failing fails the run.
        failure = new RunError('failed', 'VerificationFailed', `${step.id} failed (${v.guard}): ${v.observed}.`, report, {guard: v.guard, hint: v.remedy})
      }
      return failure
    }
    if (plan.problems?.length) {
      record.message = plan.problems.join(' ')
      failure = new RunError('failed', 'VerificationFailed', `${step.id} failed: ${plan.problems.join(' ')}`, report)
      return failure
    }
    const skip = skipped(plan)
    if (skip) {
      Object.assign(record, {status: 'skipped', message: skip})
      return undefined
    }
    // An overridden guard still reports what it saw: the run's warnings name it, and a check it bypassed did not pass.
    const bypassed = plan.verdicts.filter((v) => !v.ok && v.overridden)
    for (const v of bypassed) report.warnings.push(`${step.id}: guard ${v.guard} was overridden; it saw: ${v.observed}`)
    if (bypassed.length > 0 && !step.changes) {
      Object.assign(record, {status: 'overridden', message: `not verified (overridden: ${bypassed.map((v) => v.guard).join(', ')}): ${bypassed.map((v) => v.observed).join('; ')}`})
      return undefined
    }
    const outcome = await step.apply(plan as ActionablePlan<unknown>, {
      runId: o.meta.runId,
      signal: o.signal,
      progress: (text) => o.events.emit({type: 'step-progress', step: info(step), text}),
      checkpoint: (data) => o.events.emit({type: 'step-checkpoint', step: info(step), data}),
      resumed: o.checkpoints?.get(step.id),
      holdsLock: () => o.lock?.check(),
    })
    const {message, rpo, notVerified, incomplete: left} = typeof outcome === 'string' ? {message: outcome, rpo: undefined, notVerified: undefined, incomplete: undefined} : outcome
    for (const what of notVerified ?? []) report.warnings.push(`${step.id}: NOT VERIFIED: ${what}`)
    Object.assign(record, {status: 'succeeded', message: bypassed.length > 0 ? `${message} (overridden: ${bypassed.map((v) => v.guard).join(', ')})` : message, ...(rpo ? {rpo} : {})})
    if (left) {
      // It did part of its job: not a success, but the steps after it still run.
      Object.assign(record, {status: 'failed', error: {code: left.code, message: left.message}})
      incomplete.push(left)
    }
    return undefined
  } catch (error: any) {
    const interrupted = error instanceof Interrupted || o.signal.aborted
    record.status = 'failed'
    record.message ||= interrupted ? 'interrupted' : String(error?.message ?? error).split('\n')[0]
    record.error = {code: interrupted ? 'Interrupted' : (error?.code ?? 'Error'), message: record.message}
    failure = interrupted
      ? new RunError('interrupted', 'Interrupted', `Interrupted during ${step.id}. 'azfail resume ${o.meta.runId}' continues from there.`, report)
      : error instanceof AzfailError && error.status === 'interrupted'
        ? new RunError('interrupted', error.code, error.message, report, {cause: error, hint: error.hint}) // stopped on purpose: resumable
        : new RunError('failed', error?.code ?? 'StepFailed', `${step.id} failed: ${record.message}`, report, {cause: error, hint: error?.hint})
    return failure
  } finally {
    record.endedAt = now()
    record.durationMs = Date.now() - started
    report.steps.push(record)
    o.events.emit({type: 'step-ended', step: info(step), record})
  }
}
