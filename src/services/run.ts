// Runs an action end to end: validate the request, pick targets from live state, build the steps, journal, lock in
// Azure, and hand the plan to the engine. The CLI, game days and practice runs all prepare a run here.
import {hostname} from 'node:os'
import type {Clients} from '../azure/clients.ts'
import {azureClock} from '../azure/clock.ts'
import {observeEstate, regionResolvers} from '../azure/observe.ts'
import {judgePermissions} from '../azure/permissions.ts'
import {LockHeldError} from '../azure/state-records.ts'
import type {AzureTarget} from '../azure/target.ts'
import {EventBus, type RunObserver} from '../engine/events.ts'
import {Journal, newRunId} from '../engine/journal.ts'
import {type EngineGate, runEngine} from '../engine/run.ts'
import type {Change, GuardVerdict, RunMeta, RunReport} from '../engine/types.ts'
import {describeViolation, violations} from '../estate/invariants.ts'
import {isReplica} from '../estate/predicates.ts'
import {residue} from '../estate/residue.ts'
import {type LiveState, type Reads, STEERING_LAYERS, type SteeringLayer} from '../estate/state.ts'
import {AzfailError, InputError} from '../errors.ts'
import {GUARD_IDS} from '../guards/guards.ts'
import {permissionsVerdict} from '../guards/permissions.ts'
import {Notifications} from '../notify/notifier.ts'
import type {LoadedRunbook} from '../runbook/load.ts'
import {runbookDigest} from '../runbook/digest.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Action, DataService, LiveStep, StepContext, StepParams} from '../steps/context.ts'
import {neededPermissions, stepKindsOf} from '../steps/permissions.ts'
import {failOnDrift} from '../steps/drift.ts'
import {buildSteps, readsOfKind, RUNBOOK_KEY} from '../steps/registry.ts'
import {holderAlive, leaseSeconds, RunLock, thisHost} from './lock.ts'

export interface ActionOptions extends StepParams {
  teardown?: boolean
}

export interface RunRequest {
  action: Action
  options: ActionOptions
  dryRun: boolean
  overrides: string[]
  reason?: string
  runbook: LoadedRunbook
  target: AzureTarget
  clients: Clients
  runsDir: string
  /** the display and anything else that follows the run (notifiers, an event stream) */
  observers: RunObserver[]
  confirm(changes: Change[], also?: {waits: string[]}): Promise<boolean>
  acknowledge: StepContext['acknowledge']
  /** continue this run instead of starting one */
  resume?: Journal
  /** the new run's id, where the caller journals it before the run starts (a fleet); made here otherwise */
  runId?: string
  /** asked before each step (EngineOptions.gate): a fleet holds a run there until its wave's turn */
  gate?: EngineGate
}

export interface PreparedRun {
  ctx: StepContext
  options: ActionOptions
  steps: LiveStep[]
  /** live state read to choose the target region (data tier, no resolution), when it had to be read */
  observed?: LiveState
  reads: Reads
}

/** Bad input caught before anything is read: unknown regions and guards, an override without a reason. */
export function validateRequest(estate: Estate, r: {action?: Action; options: ActionOptions; overrides?: string[]; reason?: string}): void {
  checkRegion(estate, r.options.region, 'region')
  checkRegion(estate, r.options.to, '--to')
  const unknown = (r.overrides ?? []).filter((g) => !(GUARD_IDS as readonly string[]).includes(g))
  if (unknown.length > 0) throw new InputError('UnknownGuard', `Unknown guard '${unknown[0]}' in --override; guards: ${GUARD_IDS.join(', ')}.`)
  if ((r.action === 'failover' || r.action === 'failback') && !r.options.region) throw new InputError('StepNeedsRegion', `${r.action} needs the region it is about, e.g. 'azfail ${r.action} eus2'.`)
  if ((r.overrides ?? []).length > 0 && !r.reason) throw new InputError('OverrideNeedsReason', '--override needs --reason "<why>": the journal records who bypassed a guard and why.')
  checkSkipLayers(estate, r)
}

/** --skip-layer names a steering layer the runbook configures, on a command that drains, with a reason to journal. */
function checkSkipLayers(estate: Estate, r: {action?: Action; options: ActionOptions; reason?: string}): void {
  const skip = r.options.skipLayers ?? []
  if (skip.length === 0) return
  const unknown = skip.find((l) => !(STEERING_LAYERS as readonly string[]).includes(l))
  if (unknown) throw new InputError('UnknownLayer', `Unknown steering layer '${unknown}' in --skip-layer; layers: ${STEERING_LAYERS.join(', ')}.`)
  const absent = skip.find((l) => !estate.steering[l])
  if (absent) throw new InputError('UnknownLayer', `--skip-layer ${absent}: the runbook configures no ${absent} (estate.steering.${absent}).`)
  if (r.action && r.action !== 'drain' && r.action !== 'failover') throw new InputError('SkipLayerNotApplicable', `--skip-layer applies to drain and failover, not ${r.action}.`)
  if (!r.reason) throw new InputError('OverrideNeedsReason', '--skip-layer needs --reason "<why>": the journal records who left a steering layer sending traffic and why.')
}

/** The journal's override entry for a steering layer the operator skipped; resume tells it from a guard by its prefix. */
export const SKIP_LAYER = 'skip-layer:'

/** A journaled run's overrides as a request takes them again: the guards bypassed, and the steering layers skipped. */
export function journaledOverrides(records: Array<{guard: string}>): {overrides: string[]; skipLayers?: SteeringLayer[]} {
  const skipLayers = records.filter((o) => o.guard.startsWith(SKIP_LAYER)).map((o) => o.guard.slice(SKIP_LAYER.length) as SteeringLayer)
  return {overrides: records.filter((o) => !o.guard.startsWith(SKIP_LAYER)).map((o) => o.guard), ...(skipLayers.length > 0 ? {skipLayers} : {})}
}

export function checkRegion(estate: Estate, region: string | undefined, flag: string): void {
  if (region !== undefined && !estate.regions[region]) {
    throw new InputError('UnknownRegion', `Unknown region '${region}' (${flag}); the runbook declares: ${Object.keys(estate.regions).join(', ')}.`)
  }
}

/** The region a promotion goes to when the operator does not say: where the replica / secondary / a read region is. */
export function defaultPromotionTarget(action: Action, estate: Estate, state: Pick<LiveState, 'data'>): string | undefined {
  if (action === 'promote-replica') return state.data.postgres?.servers.find((s) => isReplica(s.role))?.region
  if (action === 'repoint') return state.data.postgres?.primaryRegion
  if (action === 'promote-failover-group') return state.data.sqlFailoverGroup?.servers.find((s) => s.role === 'Secondary')?.region
  if (action === 'promote-cosmos') return Object.keys(estate.regions).find((r) => r !== state.data.cosmos?.writeRegion)
  return undefined
}

/** The step context's clock: Azure's, the earliest it can be now for comparisons, the latest for times written. */
function clockOf(target: AzureTarget): Pick<StepContext, 'now' | 'stamp' | 'stampedHere'> {
  const clock = azureClock(target)
  return {now: () => clock.now(), stamp: () => clock.stamp(), stampedHere: (time) => clock.stampedHere(time)}
}

const promotes = (action: Action) => action.startsWith('promote') || action === 'repoint'

/** The services a region's failover promotes, where the runbook configures them, and the regions each has a partner in. */
function partnersOf(estate: Estate): Array<{service: DataService; action: Action; regions: string[]}> {
  const {postgres, sqlFailoverGroup, cosmos} = estate.data
  return [
    ...(postgres ? [{service: 'postgres' as const, action: 'promote-replica' as const, regions: Object.keys(postgres.servers)}] : []),
    ...(sqlFailoverGroup ? [{service: 'sql' as const, action: 'promote-failover-group' as const, regions: Object.keys(sqlFailoverGroup.servers)}] : []),
    ...(cosmos ? [{service: 'cosmos' as const, action: 'promote-cosmos' as const, regions: Object.keys(estate.regions)}] : []),
  ]
}

/**
 * Where each data service goes when `region` fails: its one partner region as the runbook names it (nothing read, so a
 * dead region costs nothing), or, with several, the replica / secondary / next write region live state shows.
 */
async function failoverTargets(estate: Estate, region: string, read: () => Promise<Pick<LiveState, 'data'>>): Promise<NonNullable<StepParams['promoteTo']>> {
  const out: NonNullable<StepParams['promoteTo']> = {}
  let state: Pick<LiveState, 'data'> | undefined
  for (const {service, action, regions} of partnersOf(estate)) {
    const others = regions.filter((r) => r !== region)
    if (others.length === 1) out[service] = others[0]
    else if (others.length > 1) {
      state ??= await read()
      const live = defaultPromotionTarget(action, {...estate, regions: Object.fromEntries(Object.entries(estate.regions).filter(([r]) => r !== region))}, state)
      if (!live || live === region) throw new InputError('NoPromotionTarget', `Cannot tell from live state where ${service} goes when ${region} fails; fail it over on its own with 'azfail promote … --to <region>'.`)
      out[service] = live
    }
  }
  return out
}

/** How an operator types an azfail command against this estate: the same runbook and target as this run. */
function commandLine(runbook: LoadedRunbook, target: AzureTarget): (args: string) => string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)
  const t = target.record
  const where = t.kind === 'sandbox' ? ['--sandbox', ...(t.stateDir ? ['--state-dir', quote(t.stateDir)] : [])] : t.subscription ? ['--subscription', t.subscription] : []
  return (args) => ['azfail', args, '--runbook', quote(runbook.file), ...where].join(' ')
}

/** Everything a run needs before it starts: the context, the target region from live state if not given, the steps. */
export async function prepareRun(req: Pick<RunRequest, 'action' | 'options' | 'runbook' | 'target' | 'clients' | 'acknowledge'> & {overrides?: string[]; reason?: string; state?: Pick<LiveState, 'data'>}): Promise<PreparedRun> {
  const {estate} = req.runbook.runbook
  validateRequest(estate, req)
  const ctx: StepContext = {estate, clients: req.clients, resolvers: regionResolvers(estate, req.target), ...clockOf(req.target), acknowledge: req.acknowledge, target: req.target, command: commandLine(req.runbook, req.target)}
  const options = {...req.options}
  let observed: LiveState | undefined
  // --ungraceful: the operator says the region is down; nothing is read from it (its ARM and its resolver are not asked).
  if (req.action === 'failover' && options.forced) req.clients.declareDown(options.region!, 'failover --ungraceful')
  if (req.action === 'failover' && !options.promoteTo) {
    options.promoteTo = await failoverTargets(estate, options.region!, async () => req.state ?? (observed = await observeEstate(estate, req.target, req.clients, {resolution: false})))
  }
  if (req.action === 'failback') options.to ??= options.region
  if (promotes(req.action) && !options.to) {
    const state = req.state ?? (observed = await observeEstate(estate, req.target, req.clients, {resolution: false}))
    options.to = defaultPromotionTarget(req.action, estate, state)
    if (!options.to) throw new InputError('NoPromotionTarget', `Cannot tell which region to ${req.action.replace('-', ' ')} to from live state; name it with --to <region>.`)
  }
  const {steps, reads} = buildSteps(req.action, ctx, options, req.runbook.runbook.actions)
  return {ctx, options, steps, reads, ...(observed ? {observed} : {})}
}

/** What a resumed run would do, planned as a dry run of its own, so the interrupted run's journal stays as it was. */
export async function planResume(req: RunRequest & {resume: Journal}): Promise<RunReport> {
  return runAction({...req, dryRun: true, resume: undefined}, {completed: req.resume.completedSteps(), resumeOf: req.resume.meta().runId})
}

export async function runAction(req: RunRequest, planning: {completed?: Set<string>; resumeOf?: string} = {}): Promise<RunReport> {
  const {estate} = req.runbook.runbook
  // Who is acting, first: a token that cannot be had ends the command here, before anything is read or written.
  const principal = await req.target.principal()
  const lease = leaseSeconds() // bad input before anything is read
  const checked = !req.overrides.includes('permissions')
  // Azure refusing a read before the plan is made is the permissions guard's refusal: ask it what the principal may
  // do, and name what is missing.
  const judgeFor = (kinds: string[], params: StepParams) => async () =>
    permissionsVerdict(await judgePermissions(neededPermissions(kinds, {estate, subscriptionId: req.target.subscriptionId, params}), req.clients), principal)
  // The kinds of step the request plans, as the runbook lists them: what the permissions guard judges before the plan.
  const key = RUNBOOK_KEY[req.action]
  const judgeRequest = judgeFor(stepKindsOf(req.action, key ? req.runbook.runbook.actions[key] : undefined), req.options)
  // The preflight's reads of what the principal may do, started beside the plan's reads (a run that changes Azure),
  // once the request is known to be good.
  validateRequest(estate, req)
  if (checked && !req.dryRun) void judgeRequest().catch(() => undefined)
  const {options, steps, reads, observed} = await prepareRun(req).catch(async (e: unknown) => {
    throw checked ? await readRefused(e, judgeRequest, req.dryRun) : e
  })
  // The state just read to choose the target is what the plan would read again: plan on it instead.
  let fresh = !reads.resolution && !reads.endpoints && !reads.zones ? observed : undefined
  let firstRead = true
  const {journal, meta} = req.resume ? continueJournal(req.resume, req, principal) : startJournal(req, options, principal, planning.resumeOf)

  // The first Ctrl-C or SIGTERM aborts every request in flight, and the run ends interrupted (exit 5). `process.on`,
  // not `once`: listr2's live display registers signal-exit, which re-raises a signal nobody else listens to (exit 130).
  const controller = new AbortController()
  const onSignal = () => {
    if (!controller.signal.aborted) {
      controller.abort()
      req.clients.interrupt()
      return
    }
    // A second one does not wait for the run to wind down: the journal is closed as interrupted and the process exits.
    journal.updateMeta({status: 'interrupted', endedAt: new Date().toISOString()})
    process.stderr.write(`\nazfail: interrupted again; exiting now. 'azfail resume ${meta.runId}' continues the run.\n`)
    process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // The runbook's webhooks follow the run like any observer; what they could not deliver becomes the run's warnings.
  const notifications = new Notifications(req.runbook.runbook, {dryRun: req.dryRun})
  const events = new EventBus([journal.observer(meta.attempts), ...req.observers, notifications])
  const lock = new RunLock(estate, req.target, req.clients, {
    holder: `${principal} pid ${process.pid} on ${hostname()}`,
    runId: meta.runId,
    action: `${req.action}${options.region ? ` ${options.region}` : ''}`,
    host: thisHost(),
    pid: process.pid,
    request: {action: req.action, region: options.region, to: options.to, forced: options.forced, ...(options.standalone ? {standalone: true} : {}), teardown: options.teardown, overrides: meta.overrides.map(({guard, by, reason}) => ({guard, by, reason}))},
  }, lease)
  if (!req.dryRun) lock.prepare()
  let report: RunReport | undefined
  try {
    report = await runEngine<LiveState>({
      meta,
      steps,
      observe: async (step) => {
        const reuse = fresh
        fresh = undefined
        const first = firstRead
        firstRead = false
        // The read after the last step (no step, not the first) also reads the data tier: the result says what still lives in a drained region.
        // A run that read no data tier (a drain) still asks nothing of the drained region's servers: their partners say.
        const closing = !first && !step
        const notRead = closing && !reads.data && options.region ? {notRead: {[options.region]: `${req.action} reads nothing of ${options.region}'s servers`}} : {}
        // Before a step, what that step's kind reads; for the plan and after the last step, what every step reads.
        const want = step ? readsOfKind(step.kind) : reads
        const read = reuse ? Promise.resolve(reuse) : observeEstate(estate, req.target, req.clients, {endpointsOf: want.endpoints && options.region ? [options.region] : [], zonesOf: want.zones && options.region ? [options.region] : [], resolution: want.resolution, data: want.data || closing, ...notRead})
        const state = await (!first || !checked ? read : read.catch(async (e: unknown) => Promise.reject(await readRefused(e, judgeFor(steps.map((s) => s.kind), options), req.dryRun))))
        // Every step after this run's drain watches the steering layer: the region serving again fails the run.
        const drained = options.region ? state.regions[options.region] : undefined
        if (drained?.drain?.runId === meta.runId) await failOnDrift(estate, req.clients, drained)
        return state
      },
      // Before any change (the lock included): may the principal do what the plan will do, where it will do it?
      preflight: async (state, acting) => {
        const needs = neededPermissions(acting, {estate, subscriptionId: req.target.subscriptionId, params: options, state}, {changes: acting.length > 0})
        return [permissionsVerdict(await judgePermissions(needs, req.clients), principal)]
      },
      dryRun: req.dryRun,
      overrides: new Set(req.overrides),
      attempt: meta.attempts,
      completed: req.resume ? journal.completedSteps() : planning.completed,
      ...(req.resume ? {checkpoints: journal.checkpoints()} : {}),
      confirm: async (changes, also) => {
        const given = await req.confirm(changes, also)
        // A resume re-planned on another runbook (--replan) runs on it from here: its consent now covers that one.
        const digest = runbookDigest(req.runbook.runbook)
        if (given && req.resume && digest !== meta.runbookDigest) {
          journal.keepRunbook(req.runbook.runbook)
          journal.updateMeta({runbook: req.runbook.file, runbookDigest: digest})
        }
        return given
      },
      // The lock is checked before any guard: a plan made beside another run would judge its half-finished state.
      admit: (state) => {
        if (state.lock && holderAlive(state.lock, azureClock(req.target).now()) && (state.lock.runId !== meta.runId || state.lock.pid !== process.pid)) throw new LockHeldError(state.lock, state.lock.runId === meta.runId)
      },
      postconditions: (state, done) => {
        done.residue = residue(state)
        return [...violations(state).map((v) => `after the run: ${describeViolation(v)}`), ...skippedLayers(state, options, meta)]
      },
      resuming: Boolean(req.resume),
      lock,
      events,
      signal: controller.signal,
      ...(req.gate ? {gate: req.gate} : {}),
    })
    return report
  } catch (error) {
    report = (error as {report?: RunReport}).report
    throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await events.close()
    report?.warnings.push(...notifications.warnings())
  }
}

/** Azure refused one of the plan's first reads (403): the permissions guard's refusal, naming what is missing and where. */
async function readRefused(error: any, judge: () => Promise<GuardVerdict>, dryRun: boolean): Promise<unknown> {
  if (error?.statusCode !== 403 || !/AuthorizationFailed/.test(error?.code ?? '')) return error
  const verdict = await judge().catch(() => undefined)
  const said = /perform action '([^']+)' over scope '([^']+)'/.exec(armErrorMessage(error))
  const observed = verdict && !verdict.ok ? verdict.observed : said ? `Azure refused ${said[1]} at ${said[2]} (one of the run's reads)` : `Azure refused a read: ${armErrorMessage(error).split('\n')[0]}`
  const [status, code, lead] = dryRun ? (['not-ready', 'NotReady', 'Dry run: the estate is not ready. permissions refuses'] as const) : (['refused', 'GuardRefused', 'Guard permissions refused the run; nothing was changed. It saw'] as const)
  return new AzfailError(status, code, `${lead}: ${observed}.`, {
    guard: 'permissions',
    hint: "Grant the missing action at that scope (the README's permission table lists what each step needs), or run as an identity that has it. 'azfail doctor' checks every command.",
    cause: error,
  })
}

/** ARM's own error message: a paged list's error carries it only in the response body. */
function armErrorMessage(error: any): string {
  if (error?.details?.error?.message) return error.details.error.message
  try {
    return JSON.parse(error?.response?.bodyAsText ?? '').error.message
  } catch {
    return String(error?.message ?? '')
  }
}

function startJournal(req: RunRequest, options: ActionOptions, principal: string, resumeOf: string | undefined): {journal: Journal; meta: RunMeta} {
  const meta: RunMeta = {
    runId: req.runId ?? newRunId(),
    action: req.action,
    ...(options.region ? {region: options.region} : {}),
    options: {...options, ...(resumeOf ? {resumeOf} : {})},
    runbook: req.runbook.file,
    runbookDigest: runbookDigest(req.runbook.runbook),
    target: req.target.record,
    principal,
    startedAt: new Date().toISOString(),
    dryRun: req.dryRun,
    overrides: overrideRecords(req, principal),
    status: 'running',
    attempts: 1,
  }
  const journal = Journal.create(req.runsDir, meta)
  journal.keepRunbook(req.runbook.runbook)
  return {journal, meta}
}

function continueJournal(journal: Journal, req: RunRequest, principal: string): {journal: Journal; meta: RunMeta} {
  const previous = journal.meta()
  const recorded = new Set(previous.overrides.map((o) => o.guard))
  const meta = journal.updateMeta({status: 'running', attempts: previous.attempts + 1, overrides: [...previous.overrides, ...overrideRecords(req, principal).filter((o) => !recorded.has(o.guard))]})
  return {journal, meta}
}

function overrideRecords(req: RunRequest, principal: string): RunMeta['overrides'] {
  const at = new Date().toISOString()
  const skipped = (req.options.skipLayers ?? []).map((layer) => `${SKIP_LAYER}${layer}`)
  return [...req.overrides, ...skipped].map((guard) => ({guard, by: principal, reason: req.reason ?? '', at}))
}

/** A warning for each layer the operator skipped that still sends traffic to the region, with who skipped it and why. */
function skippedLayers(state: LiveState, options: ActionOptions, meta: RunMeta): string[] {
  const r = options.region ? state.regions[options.region] : undefined
  if (!r) return []
  const enabled: Record<SteeringLayer, string | undefined> = {
    trafficManager: r.trafficManager?.status === 'Enabled' ? `Traffic Manager endpoint ${r.trafficManager.name}` : undefined,
    frontDoor: r.frontDoor?.enabledState === 'Enabled' ? `Front Door origin ${r.frontDoor.name}` : undefined,
  }
  return (options.skipLayers ?? []).flatMap((layer) => {
    const o = meta.overrides.find((x) => x.guard === `${SKIP_LAYER}${layer}`)
    return enabled[layer] ? [`${enabled[layer]} still sends traffic to ${r.region}: skipped with --skip-layer ${layer} by ${o?.by ?? 'the operator'} (${o?.reason ?? ''}).`] : []
  })
}
