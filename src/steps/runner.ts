// Runs an action end to end: validate the request, pick targets from live state, build the steps, journal, lock in
// Azure, and hand the plan to the engine. Resume rebuilds the same steps from the journal.
import {hostname} from 'node:os'
import type {Clients} from '../azure/clients.ts'
import {type LiveState, observeEstate, regionResolvers} from '../azure/observe.ts'
import {whoAmI} from '../azure/principal.ts'
import {acquireLock, releaseLock} from '../azure/state-records.ts'
import type {AzureTarget} from '../azure/target.ts'
import {Journal, newRunId} from '../engine/journal.ts'
import {type RendererName, type RunReport, runEngine} from '../engine/run.ts'
import type {RunMeta} from '../engine/types.ts'
import {InputError} from '../errors.ts'
import {GUARD_IDS} from '../guards/guards.ts'
import type {LoadedRunbook} from '../runbook/load.ts'
import {type Action, type ActionOptions, buildSteps, defaultPromotionTarget} from './actions.ts'
import type {StepContext} from './context.ts'

export const OVERRIDABLE_GUARDS = [...GUARD_IDS, 'region-healthy'] as const
const LOCK_HOURS = 2

export interface ActionRequest {
  action: Action
  options: ActionOptions
  dryRun: boolean
  overrides: string[]
  reason?: string
  runbook: LoadedRunbook
  target: AzureTarget
  clients: Clients
  runsDir: string
  renderer: RendererName
  confirm(changes: string[]): Promise<boolean>
  acknowledge(instruction: string): Promise<boolean>
  /** continue this run instead of starting one */
  resume?: Journal
}

/** What a resumed run would do, planned as a dry run of its own, so the interrupted run's journal stays as it was. */
export async function planResume(req: ActionRequest & {resume: Journal}): Promise<RunReport> {
  const completed = req.resume.completedSteps()
  return runAction({...req, dryRun: true, resume: undefined, completedOverride: completed, resumeOf: req.resume.meta().runId})
}

export function checkRegion(estate: LoadedRunbook['runbook']['estate'], region: string | undefined, flag: string): void {
  if (region !== undefined && !estate.regions[region]) {
    throw new InputError('UnknownRegion', `Unknown region '${region}' (${flag}); the runbook declares: ${Object.keys(estate.regions).join(', ')}.`)
  }
}

export async function runAction(req: ActionRequest & {completedOverride?: Set<string>; resumeOf?: string}): Promise<RunReport> {
  const {estate} = req.runbook.runbook
  checkRegion(estate, req.options.region, 'region')
  checkRegion(estate, req.options.to, '--to')
  const unknown = req.overrides.filter((g) => !(OVERRIDABLE_GUARDS as readonly string[]).includes(g))
  if (unknown.length > 0) throw new InputError('UnknownGuard', `Unknown guard '${unknown[0]}' in --override; guards: ${OVERRIDABLE_GUARDS.join(', ')}.`)
  if (req.overrides.length > 0 && !req.reason) throw new InputError('OverrideNeedsReason', '--override needs --reason "<why>": the journal records who bypassed a guard and why.')

  const ctx: StepContext = {
    estate,
    clients: req.clients,
    resolvers: regionResolvers(estate, req.target),
    now: () => Date.now(),
    acknowledge: req.acknowledge,
    target: req.target,
  }
  const options = {...req.options}
  if (req.action.startsWith('promote') || req.action === 'repoint') {
    if (!options.to) {
      const state = await observeEstate(estate, req.target, req.clients, {resolution: false})
      options.to = defaultPromotionTarget(req.action, estate, state)
      if (!options.to) throw new InputError('NoPromotionTarget', `Cannot tell which region to ${req.action.replace('-', ' ')} to from live state; name it with --to <region>.`)
    }
  }
  const {steps, observe} = buildSteps(req.action, ctx, options, req.runbook.runbook.actions)

  const principal = await whoAmI(req.target)
  let journal: Journal
  let meta: RunMeta
  if (req.resume) {
    journal = req.resume
    const previous = journal.meta()
    const recorded = new Set(previous.overrides.map((o) => o.guard))
    meta = journal.updateMeta({status: 'running', attempts: previous.attempts + 1, overrides: [...previous.overrides, ...overrideRecords(req, principal).filter((o) => !recorded.has(o.guard))]})
  } else {
    meta = {
      runId: newRunId(),
      action: req.action,
      ...(options.region ? {region: options.region} : {}),
      options: {...options, ...(req.resumeOf ? {resumeOf: req.resumeOf} : {})},
      runbook: req.runbook.file,
      target: {kind: req.target.kind, ...(req.target.stateDir ? {stateDir: req.target.stateDir} : {}), subscription: req.target.subscriptionId},
      principal,
      startedAt: new Date().toISOString(),
      dryRun: req.dryRun,
      overrides: overrideRecords(req, principal),
      status: 'running',
      attempts: 1,
    }
    journal = Journal.create(req.runsDir, meta)
  }

  const controller = new AbortController()
  const onSignal = () => controller.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  let held: Awaited<ReturnType<typeof acquireLock>> | undefined
  try {
    return await runEngine<LiveState>({
      meta,
      steps,
      observe: () => observeEstate(estate, req.target, req.clients, observe),
      dryRun: req.dryRun,
      overrides: new Set(req.overrides),
      journal,
      attempt: meta.attempts,
      completed: req.resume ? journal.completedSteps() : req.completedOverride,
      confirm: req.confirm,
      lock: {
        acquire: async () => {
          const since = new Date()
          held = await acquireLock(estate, req.clients, {
            holder: `${principal} pid ${process.pid} on ${hostname()}`,
            runId: meta.runId,
            action: `${req.action}${options.region ? ` ${options.region}` : ''}`,
            since: since.toISOString(),
            expires: new Date(since.getTime() + LOCK_HOURS * 3600_000).toISOString(),
          })
        },
        release: async () => {
          if (held) await releaseLock(estate, req.clients, held)
        },
      },
      renderer: req.renderer,
      signal: controller.signal,
    })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

function overrideRecords(req: ActionRequest, principal: string): RunMeta['overrides'] {
  const at = new Date().toISOString()
  return req.overrides.map((guard) => ({guard, by: principal, reason: req.reason ?? '', at}))
}
