// Practice mode: drain -> promote -> restore -> failback, end to end, against a copy of the sandbox, optionally under
// a fault scenario, each scenario with the outcome it must have. Runs through the same runner as the CLI.
import {type Clients, createClients} from '../azure/clients.ts'
import {setARecord} from '../azure/actions.ts'
import {observeEstate} from '../azure/observe.ts'
import {type AzureTarget, sandboxControl, sandboxCopy, sandboxTarget} from '../azure/target.ts'
import type {RunObserver} from '../engine/events.ts'
import type {RpoMeasure, StepRecord} from '../engine/types.ts'
import {parseZoneId} from '../estate/predicates.ts'
import type {LiveState} from '../estate/state.ts'
import {AzfailError, InputError} from '../errors.ts'
import type {Check} from '../gameday/checks.ts'
import {measure} from '../report/timeline.ts'
import type {LoadedRunbook} from '../runbook/load.ts'
import {rtoSeconds} from '../runbook/schema.ts'
import type {Action} from '../steps/context.ts'
import {describeRpo} from '../steps/rpo.ts'
import {type ActionOptions, runAction} from './run.ts'

export const SCENARIOS = ['throttling', 'flaky-arm', 'failed-promotion', 'stale-record', 'region-outage'] as const
export type Scenario = (typeof SCENARIOS)[number]

/** failover: drain and the promotions; failback: restore and the promotions back */
export type Stage = 'failover' | 'failback'

export interface PracticePhase {
  phase: string
  stage: Stage
  action: Action
  options: ActionOptions
  status: string
  runId?: string
  error?: {code: string; message: string; guard?: string; hint?: string}
  steps: StepRecord[]
  startedAt: string
  endedAt?: string
  durationMs: number
  /** what the run warned about (a webhook not delivered, a post-condition violated, a manual action acknowledged for no one) */
  warnings?: string[]
}

/** A stage as measured: from its first step's start to its last step's end (the RTO a game day checks is failover's). */
export interface StageResult {
  stage: Stage
  /** every phase of the stage ran and succeeded */
  completed: boolean
  /** the phase that did not succeed */
  stoppedAt?: string
  startedAt?: string
  endedAt?: string
  durationMs?: number
}

export interface PracticeResult {
  runbook: string
  scenario?: Scenario
  region: string
  survivor: string
  rtoSeconds?: number
  startedAt: string
  totalMs: number
  phases: PracticePhase[]
  stages: StageResult[]
  expectation: {text: string; held: boolean; observed: string}
  /** how many requests each injected fault affected */
  faultHits: Array<{kind: string; hits: number}>
  /** each PostgreSQL promotion's recovery point, measured (rows committed through the CNAME before it, and kept) */
  rpo?: Array<{phase: string; stage: Stage; text: string} & RpoMeasure>
  /** under `--latency azure`: the ARM requests of the practice and the delay the sandbox gave them, in all */
  latency?: {profile: 'azure'; requests: number; injectedMs: number}
}

/** The RPO each promotion measured, in the order they ran. */
function rpoOf(phases: PracticePhase[]): PracticeResult['rpo'] {
  return phases.flatMap((p) => p.steps.filter((s) => s.rpo).map((s) => ({phase: p.phase, stage: p.stage, text: describeRpo(s.rpo!), ...s.rpo!})))
}

const EXPECTATIONS: Record<Scenario | 'none', string> = {
  none: 'drain, promote, restore and failback all complete',
  throttling: 'under 20 % throttling (429 + Retry-After) every phase still completes',
  'flaky-arm': 'under 20 % 5xx and dropped connections every phase still completes',
  'failed-promotion': 'the promotion fails, the run stops, and the CNAME is untouched',
  'stale-record': "the drain is refused by survivor-resolves-local before anything changes",
  'region-outage':
    "with the region down (its resource providers answering 503, its resolver silent) 'failover --ungraceful' completes, moves steering and every data service to the survivor and names what it could not verify in the region; once the region is back, 'failback' restores the original roles",
}

/** The outage the region-outage scenario puts on the region: the sandbox's full regional outage. */
const REGION_OUTAGE = {arm: 'error', status: 503, resolver: 'silent'} as const

/** Where a scenario expects the run to stop, and how: a step refused or failed there is the outcome it asks for. */
const EXPECTED_STOP: Partial<Record<Scenario, {phase: string; action: Action; status: 'refused' | 'failed'}>> = {
  'failed-promotion': {phase: 'promote', action: 'promote-replica', status: 'failed'},
  'stale-record': {phase: 'drain', action: 'drain', status: 'refused'},
}

const stopPhase = (scenario: Scenario | undefined, phases: PracticePhase[]): PracticePhase | undefined => {
  const stop = scenario && EXPECTED_STOP[scenario]
  return stop ? phases.find((p) => p.phase === stop.phase && p.action === stop.action) : undefined
}

export interface PracticeRequest {
  runbook: LoadedRunbook
  source: AzureTarget
  region?: string
  scenario?: Scenario
  /** the timing profile of the copy's ARM (`--latency azure`); absent: the source sandbox's */
  latency?: 'none' | 'azure'
  runsDir: string
  /** what follows each phase's run (the display) */
  observers(): RunObserver[]
  note(message: string): void
}

export async function practice(req: PracticeRequest): Promise<PracticeResult> {
  if (req.source.kind !== 'sandbox' || !req.source.stateDir) {
    throw new InputError('PracticeNeedsSandbox', 'Practice runs change things, so they run against the sandbox only.', "Add --sandbox (use 'azfail sandbox import' to rehearse a copy of your own estate).")
  }
  const {estate} = req.runbook.runbook
  // The copy holds the sandbox's token, TLS key and identities: it goes however the practice ends. A signal during a
  // run ends that run interrupted (the run's own handler); one anywhere else (the copy's set-up, the reads between two
  // runs, the outcome's reads after the last) aborts the copy's reads in flight and stops the practice at the next
  // point it checks: never a result judged from half a practice. An exit removes the copy too.
  let interrupted = false
  let clients: Clients | undefined
  const onSignal = () => {
    interrupted = true
    clients?.interrupt()
  }
  const phases: PracticePhase[] = []
  const stopIfInterrupted = () => {
    if (interrupted) throw new AzfailError('interrupted', 'PracticeInterrupted', `The practice was interrupted after ${phases.length} phase(s); its sandbox copy is removed and the sandbox in ${req.source.stateDir} is as it was.`, {hint: 'Run the game day again to practise the whole failover.'})
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let copy: {dir: string; remove(): void} | undefined
  let target: AzureTarget | undefined
  try {
    copy = await sandboxCopy(req.source.stateDir)
    process.on('exit', copy.remove)
    stopIfInterrupted()
    target = await sandboxTarget(copy.dir)
    clients = createClients(target, {estate})
    // The copy starts whole: no fault and no outage the source sandbox may have been left with.
    await sandboxControl(target, 'DELETE', 'faults')
    await sandboxControl(target, 'DELETE', 'outage')
    if (req.latency) await sandboxControl(target, 'PATCH', 'settings', {latency: req.latency})
    const before = await observeEstate(estate, target, clients, {resolution: false, endpointsOf: Object.keys(estate.regions)})
    stopIfInterrupted()
    const region = req.region ?? before.data.postgres?.primaryRegion ?? Object.keys(estate.regions)[0]
    const survivor = Object.keys(estate.regions).find((r) => r !== region)!
    const cnameBefore = (await observeEstate(estate, target, clients, {resolution: false})).cname
    stopIfInterrupted()
    await injectScenario(req.scenario, target, clients, before, region, survivor)

    const data = estate.data
    const promote = (to: string): Array<[Action, ActionOptions]> => [
      ...(data.postgres ? [['promote-replica', {to}] as [Action, ActionOptions]] : []),
      ...(data.sqlFailoverGroup ? [['promote-failover-group', {to}] as [Action, ActionOptions]] : []),
      ...(data.cosmos ? [['promote-cosmos', {to}] as [Action, ActionOptions]] : []),
    ]
    // A region that is down is failed over as a whole, ungracefully; the single commands practise the planned path.
    const plan: Array<[string, Stage, Action, ActionOptions]> =
      req.scenario === 'region-outage'
        ? [
            ['failover', 'failover', 'failover', {region, forced: true}],
            ['failback', 'failback', 'failback', {region}],
          ]
        : [
            ['drain', 'failover', 'drain', {region}],
            ...promote(survivor).map(([a, o]) => ['promote', 'failover', a, o] as [string, Stage, Action, ActionOptions]),
            ['restore', 'failback', 'restore', {region}],
            ...promote(region).map(([a, o]) => ['failback', 'failback', a, o] as [string, Stage, Action, ActionOptions]),
          ]
    const started = Date.now()
    let duringOutage: LiveState | undefined
    for (const [phase, stage, action, options] of plan) {
      stopIfInterrupted()
      if (stage === 'failback' && req.scenario === 'region-outage' && !duringOutage) {
        // The failover is over while the region is still down: see where everything lives, as another operator's
        // 'azfail status' would (clients that have not written the region off), then bring the region back.
        clients = createClients(target, {estate})
        duringOutage = await observeEstate(estate, target, clients, {resolution: false})
        await sandboxControl(target, 'DELETE', 'outage')
        // The failback is a later azfail process: its clients know nothing of the failover's declaring the region down.
        clients = createClients(target, {estate})
        stopIfInterrupted()
      }
      const t0 = Date.now()
      const record: PracticePhase = {phase, stage, action, options, status: 'running', steps: [], startedAt: new Date(t0).toISOString(), durationMs: 0}
      // The run's warnings become the game day's warning checks: counted and listed wherever the checks are.
      const warned: string[] = []
      phases.push(record)
      try {
        const report = await runAction({
          action, options, dryRun: false, overrides: [], runbook: req.runbook, target, clients, runsDir: req.runsDir, observers: req.observers(),
          confirm: async () => true,
          acknowledge: async ({instruction}) => {
            warned.push(`manual action acknowledged automatically: ${instruction}`)
            return {confirmed: true, by: 'the practice run, in the sandbox'}
          },
        })
        Object.assign(record, {status: report.status, runId: report.runId, steps: report.steps})
        warned.push(...report.warnings)
      } catch (error: any) {
        warned.push(...(error.report?.warnings ?? []))
        Object.assign(record, {status: error.status ?? 'failed', runId: error.report?.runId, steps: error.report?.steps ?? [], error: {code: error.code ?? 'Error', message: error.message, ...(error.guard ? {guard: error.guard} : {}), ...(error.hint ? {hint: error.hint} : {})}})
      } finally {
        const t1 = Date.now()
        Object.assign(record, {endedAt: new Date(t1).toISOString(), durationMs: t1 - t0, ...(warned.length > 0 ? {warnings: warned} : {})})
      }
      if (record.status !== 'succeeded') break
    }
    stopIfInterrupted()
    const faultHits = ((await sandboxControl(target, 'GET', 'faults'))?.value ?? []).map((f: {kind: string; hits: number}) => ({kind: f.kind, hits: f.hits}))
    const logged: Array<{injectedDelayMs?: number; fault?: string}> = req.latency === 'azure' || req.scenario === 'region-outage' ? ((await sandboxControl(target, 'GET', 'requests'))?.value ?? []) : []
    const delayed = req.latency === 'azure' ? logged : []
    if (req.scenario === 'region-outage') faultHits.push({kind: `outage of ${region} (ARM ${REGION_OUTAGE.status}, resolver ${REGION_OUTAGE.resolver})`, hits: logged.filter((r) => r.fault?.startsWith(`outage:${region}`)).length})
    await sandboxControl(target, 'DELETE', 'faults')
    await sandboxControl(target, 'DELETE', 'outage')
    const after = await observeEstate(estate, target, clients, {resolution: false})
    stopIfInterrupted()
    return {
      runbook: req.runbook.file,
      ...(req.scenario ? {scenario: req.scenario} : {}),
      region,
      survivor,
      ...(rtoSeconds(req.runbook.runbook.rto) ? {rtoSeconds: rtoSeconds(req.runbook.runbook.rto)} : {}),
      startedAt: new Date(started).toISOString(),
      totalMs: Date.now() - started,
      phases,
      stages: measureStages(phases),
      expectation: req.scenario === 'region-outage' ? judgeRegionOutage(phases, region, survivor, before, duringOutage, after) : judge(req.scenario, phases, cnameBefore, after.cname),
      faultHits,
      rpo: rpoOf(phases),
      ...(req.latency === 'azure' ? {latency: {profile: 'azure' as const, requests: delayed.length, injectedMs: delayed.reduce((sum, r) => sum + (r.injectedDelayMs ?? 0), 0)}} : {}),
    }
  } catch (error) {
    // a read the signal aborted (set-up, between runs, the outcome) fails as aborted: the practice was interrupted
    stopIfInterrupted()
    throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await target?.close()
    if (copy) {
      process.off('exit', copy.remove)
      copy.remove()
    }
  }
}

export function measureStages(phases: PracticePhase[]): StageResult[] {
  return (['failover', 'failback'] as const).map((stage) => {
    const of = phases.filter((p) => p.stage === stage)
    const stopped = of.find((p) => p.status !== 'succeeded')
    const span = measure(of.flatMap((p) => p.steps))
    return {
      stage,
      completed: of.length > 0 && !stopped,
      ...(stopped ? {stoppedAt: `${stopped.phase} (${stopped.action}) ${stopped.status}`} : {}),
      ...(span ? {startedAt: span.startedAt, endedAt: span.endedAt, durationMs: span.ms} : {}),
    }
  })
}

async function injectScenario(scenario: Scenario | undefined, target: AzureTarget, clients: Clients, state: LiveState, region: string, survivor: string) {
  if (scenario === 'throttling') await sandboxControl(target, 'POST', 'faults', {kind: 'throttle', path: '.', rate: 0.2, retryAfterSeconds: 1, seed: 41})
  if (scenario === 'flaky-arm') {
    await sandboxControl(target, 'POST', 'faults', {kind: 'error', status: 503, path: '.', rate: 0.2, seed: 43})
    await sandboxControl(target, 'POST', 'faults', {kind: 'drop', path: '.', rate: 0.05, seed: 47})
  }
  if (scenario === 'failed-promotion') await sandboxControl(target, 'POST', 'faults', {kind: 'fail-lro', method: 'PATCH', path: 'flexibleServers/[^/]+$'})
  if (scenario === 'region-outage') await sandboxControl(target, 'POST', 'outage', {region, ...REGION_OUTAGE})
  if (scenario === 'stale-record') {
    // A hand-written record: the survivor's first endpoint record now answers the drained region's address.
    const record = state.regions[survivor]?.endpoints?.flatMap((e) => e.records)[0]
    const wrongIp = state.regions[region]?.endpoints?.flatMap((e) => e.records)[0]?.ips[0]
    if (!record || !wrongIp) throw new InputError('ScenarioNotApplicable', `The stale-record scenario needs private endpoints in ${region} and ${survivor}.`)
    await setARecord(clients, parseZoneId(record.zoneId)!, record.recordSetName, [wrongIp])
  }
}

function judge(scenario: Scenario | undefined, phases: PracticePhase[], cnameBefore: {etag?: string; target?: string} | undefined, cnameAfter: {etag?: string; target?: string} | undefined): PracticeResult['expectation'] {
  const text = EXPECTATIONS[scenario ?? 'none']
  const last = phases.at(-1)!
  const where = `${last.phase} (${last.action}) ${last.status}${last.error ? `: ${last.error.message}` : ''}`
  if (scenario === 'failed-promotion') {
    const failed = stopPhase(scenario, phases)
    const untouched = cnameBefore?.etag === cnameAfter?.etag && cnameBefore?.target === cnameAfter?.target
    return {text, held: failed?.status === 'failed' && untouched, observed: `${where}; CNAME ${untouched ? `untouched (still ${cnameAfter?.target})` : `CHANGED to ${cnameAfter?.target}`}`}
  }
  if (scenario === 'stale-record') {
    const drain = stopPhase(scenario, phases)
    return {text, held: drain?.status === 'refused' && drain.error?.guard === 'survivor-resolves-local' && !drain.steps.some((s) => s.status === 'succeeded'), observed: where}
  }
  const done = phases.every((p) => p.status === 'succeeded')
  return {text, held: done, observed: done ? `all ${phases.length} phases succeeded` : where}
}

/** Where each role of the estate lives, as observed: steering of the region, each data service's primary, the CNAME. */
function rolesOf(state: LiveState, region: string): Array<{role: string; region?: string}> {
  const r = state.regions[region]
  const {postgres, sqlFailoverGroup: fog, cosmos} = state.data
  const steering = (on: boolean | undefined) => (on === undefined ? undefined : on ? region : 'none')
  return [
    ...(r?.trafficManager ? [{role: `Traffic Manager sends ${region} traffic`, region: steering(r.trafficManager.status === 'Enabled')}] : []),
    ...(r?.frontDoor ? [{role: `Front Door sends ${region} traffic`, region: steering(r.frontDoor.enabledState === 'Enabled')}] : []),
    ...(postgres ? [{role: 'PostgreSQL primary', region: postgres.primaryRegion}] : []),
    ...(fog ? [{role: `SQL failover group ${fog.name} primary`, region: fog.primaryRegion}] : []),
    ...(cosmos ? [{role: `Cosmos DB ${cosmos.account} write region`, region: cosmos.writeRegion}] : []),
    ...(state.cname ? [{role: `CNAME ${state.cname.fqdn} target`, region: state.cname.targetRegion}] : []),
  ]
}

/**
 * The region-outage scenario holds when the ungraceful failover succeeded with every role (steering included) away
 * from the region, saying what it could not verify there, and the failback restored every role the estate began with.
 */
export function judgeRegionOutage(phases: PracticePhase[], region: string, survivor: string, before: LiveState, during: LiveState | undefined, after: LiveState): PracticeResult['expectation'] {
  const text = EXPECTATIONS['region-outage']
  const failover = phases.find((p) => p.phase === 'failover')
  const failback = phases.find((p) => p.phase === 'failback')
  const said = (p: PracticePhase | undefined) => (p ? `${p.phase} ${p.status}${p.error ? `: ${p.error.message}` : ''}` : 'not run')
  // During the outage: steering off the region, every data service in the survivor (an unknown is not moved).
  const isSteering = (role: string) => role.startsWith('Traffic Manager') || role.startsWith('Front Door')
  const moved = during ? rolesOf(during, region).filter((r) => r.region !== (isSteering(r.role) ? 'none' : survivor)) : []
  const notVerified = [...(failover?.warnings ?? []), ...(failover?.steps ?? []).map((s) => s.message)].filter((m) => /not verified/i.test(m))
  // After the failback: every role where it began.
  const start = new Map(rolesOf(before, region).map((r) => [r.role, r.region]))
  const restored = rolesOf(after, region).filter((r) => start.get(r.role) !== r.region)
  const held = failover?.status === 'succeeded' && failback?.status === 'succeeded' && !!during && moved.length === 0 && notVerified.length > 0 && restored.length === 0
  const where = (list: Array<{role: string; region?: string}>) => list.map((r) => `${r.role}: ${r.region ?? 'unknown'}`).join(', ')
  const observed = [
    `${said(failover)}${moved.length > 0 ? `; not moved off ${region}: ${where(moved)}` : during ? `; every role off ${region}` : ''}`,
    notVerified.length > 0 ? `${notVerified.length} item(s) in ${region} named as not verified` : `nothing in ${region} named as not verified`,
    `${said(failback)}${failback?.status === 'succeeded' ? (restored.length > 0 ? `; not restored: ${where(restored)}` : '; original roles restored') : ''}`,
  ]
  return {text, held, observed: observed.join('; ')}
}

export function practiceChecks(p: PracticeResult): Check[] {
  const checks: Check[] = []
  // Where the scenario's expectation held, the steps that stopped the run as it asks did what the scenario is for.
  const stop = p.scenario && p.expectation.held ? EXPECTED_STOP[p.scenario] : undefined
  const stopAt = stopPhase(p.scenario, p.phases)
  for (const phase of p.phases) {
    for (const s of phase.steps) {
      if (s.status === 'skipped' && /not run/.test(s.message)) continue
      const stopped = s.status === 'failed' || s.status === 'refused'
      const asExpected = stopped && phase === stopAt && s.status === stop?.status
      checks.push({
        id: `practice/${phase.phase}/${phase.action}/${s.id}`,
        category: 'practice',
        title: `${phase.phase}: ${phase.action} ${s.id}`,
        status: stopped && !asExpected ? 'failed' : 'passed',
        observed: asExpected ? `${s.status} as the scenario expects: ${s.message}` : `${s.status} in ${((s.durationMs ?? 0) / 1000).toFixed(1)}s: ${s.message}`,
        expected: asExpected ? p.expectation.text : 'succeeded (or already done)',
        ...(stopped && !asExpected ? {remedy: stepRemedy(phase, s)} : {}),
      })
    }
  }
  for (const phase of p.phases) {
    ;(phase.warnings ?? []).forEach((w, i) =>
      checks.push({id: `practice/${phase.phase}/warning/${i + 1}`, category: 'practice', title: `${phase.phase}: ${phase.action} warned`, status: 'warning', observed: w, expected: 'no warning', ...(phase.runId ? {remedy: `'azfail runs show ${phase.runId}' has the run's journal.`} : {})}),
    )
  }
  checks.push({
    id: `practice/expectation/${p.scenario ?? 'none'}`,
    category: 'practice',
    title: `scenario ${p.scenario ?? 'none'}: ${p.expectation.text}`,
    status: p.expectation.held ? 'passed' : 'failed',
    observed: p.expectation.observed,
    expected: p.expectation.text,
    ...(p.expectation.held ? {} : {remedy: 'azfail did not behave as this scenario requires: keep the journal (azfail runs show) and report it.'}),
  })
  for (const r of p.rpo ?? []) {
    // Practice promotions are planned: a planned promotion that loses a committed row is a failure, not a number.
    checks.push({
      id: `rpo/${r.phase}`,
      category: 'rpo',
      title: `${r.phase}: the promotion keeps every row committed through the CNAME (RPO 0)`,
      status: !r.measured ? 'skipped' : r.lost === 0 ? 'passed' : 'failed',
      observed: r.text,
      expected: 'no row lost',
      ...(r.measured && r.lost !== 0 ? {remedy: 'A planned promotion must replay everything its primary committed: check the replica was streaming (azfail status) and keep the journal (azfail runs show).'} : {}),
    })
  }
  if (p.rtoSeconds !== undefined && p.scenario && EXPECTED_STOP[p.scenario]) {
    checks.push({id: 'rto', category: 'rto', title: `RTO (${p.rtoSeconds}s)`, status: 'skipped', observed: `not measured: the ${p.scenario} scenario stops the run by design`, expected: `at most ${p.rtoSeconds}s`})
  } else if (p.rtoSeconds !== undefined) {
    // The RTO is the failover's: drain to the last promotion. The failback is planned work, shown on its own.
    const [failover, failback] = (['failover', 'failback'] as const).map((stage) => p.stages.find((s) => s.stage === stage) ?? {stage, completed: false})
    const within = (s: StageResult) => s.completed && (s.durationMs ?? 0) / 1000 <= p.rtoSeconds!
    const took = (s: StageResult) => `${((s.durationMs ?? 0) / 1000).toFixed(1)}s`
    checks.push({
      id: 'rto',
      category: 'rto',
      title: `the failover (drain and promotions) completes within the RTO (${p.rtoSeconds}s)`,
      status: within(failover) ? 'passed' : 'failed',
      observed: failover.completed ? `${took(failover)} from the drain's first step to the last promotion's end` : `did not complete (stopped at ${failover.stoppedAt ?? 'the start'})`,
      expected: `at most ${p.rtoSeconds}s`,
      ...(within(failover) ? {} : {remedy: failover.completed ? 'Shorten TTLs and the connection drain, or revisit the RTO.' : 'See the failed step above.'}),
    })
    checks.push({
      id: 'rto/failback',
      category: 'rto',
      title: `the failback (restore and promotions back) completes within the RTO (${p.rtoSeconds}s)`,
      status: !failback.completed ? 'skipped' : within(failback) ? 'passed' : 'warning',
      observed: failback.completed ? `${took(failback)} from the restore's first step to the last promotion's end` : `not measured: ${failback.stoppedAt ? `stopped at ${failback.stoppedAt}` : 'the failback did not run'}`,
      expected: `at most ${p.rtoSeconds}s`,
      ...(failback.completed && !within(failback) ? {remedy: 'A failback is planned, so it does not fail the game day; shorten its waits if it must fit the RTO too.'} : {}),
    })
  }
  return checks
}

function stepRemedy(phase: PracticePhase, s: StepRecord): string {
  const run = phase.runId ? ` 'azfail runs show ${phase.runId}' has the journal.` : ''
  if (s.status === 'refused') return `${phase.error?.hint ?? 'Fix what the guard saw, then run it again.'}${run}`
  return `The run stopped here, so nothing after it ran. Fix the cause (${phase.error?.code ?? 'see the message'}), then 'azfail resume <run id>' continues a real run from this step.${run}`
}
