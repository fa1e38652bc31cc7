// A game day: readiness checks over live state for every runbook and region, optionally a practice run, and the
// reports people read.
import type {Clients} from '../azure/clients.ts'
import {observeEstate} from '../azure/observe.ts'
import type {AzureTarget} from '../azure/target.ts'
import type {RunObserver} from '../engine/events.ts'
import {isUnreachable} from '../estate/predicates.ts'
import {type Check, type PlannedAction, readinessChecks} from '../gameday/checks.ts'
import type {LoadedRunbook} from '../runbook/load.ts'
import type {Action, StepParams} from '../steps/context.ts'
import {doctor} from './doctor.ts'
import {checkRegion, defaultPromotionTarget, prepareRun} from './run.ts'
import {type PracticeResult, type Scenario, practice, practiceChecks} from './practice.ts'

export interface GamedayRequest {
  runbooks: LoadedRunbook[]
  region?: string
  practice: boolean
  scenario?: Scenario
  /** the practice sandbox's timing profile */
  latency?: 'none' | 'azure'
  target: AzureTarget
  clients: Clients
  runsDir: string
  /** what follows each practice run (the display) */
  observers(): RunObserver[]
  note(message: string): void
}

export interface RegionView {
  runbook: string
  region: string
  resolver: string
  /** the vantage the names were resolved through, where the runbook gives the region one */
  vantage?: string
  serving: boolean
  names: Array<{name: string; answer: string; ttl?: number; expected: string; ok: boolean}>
}

export interface GamedayResult {
  status: 'ready' | 'not-ready'
  startedAt: string
  endedAt: string
  durationMs: number
  target: 'azure' | 'sandbox'
  runbooks: Array<{file: string; name: string}>
  summary: {passed: number; failed: number; warnings: number; skipped: number}
  checks: Check[]
  regions: RegionView[]
  practice?: PracticeResult
}

export async function runGameday(req: GamedayRequest): Promise<GamedayResult> {
  const started = Date.now()
  const checks: Check[] = []
  const regions: RegionView[] = []
  for (const rb of req.runbooks) {
    const {estate} = rb.runbook
    checkRegion(estate, req.region, '--region')
    const inScope = req.region ? [req.region] : Object.keys(estate.regions)
    const state = await observeEstate(estate, req.target, req.clients, {endpointsOf: Object.keys(estate.regions)})
    const plan = async (action: Action, options: StepParams): Promise<PlannedAction> => {
      const prepared = await prepareRun({action, options, runbook: rb, target: req.target, clients: req.clients, acknowledge: async () => ({confirmed: false, why: 'a game day only plans'}), state})
      return {action, region: options.region ?? options.to, steps: prepared.steps}
    }
    const plans: PlannedAction[] = await Promise.all([
      ...inScope.map((region) => plan('drain', {region})),
      ...inScope.map((region) => plan('restore', {region})),
      ...(['promote-replica', 'promote-failover-group', 'promote-cosmos'] as const)
        .filter((a) => (a === 'promote-replica' ? estate.data.postgres : a === 'promote-failover-group' ? estate.data.sqlFailoverGroup : estate.data.cosmos))
        .map((action) => plan(action, {to: defaultPromotionTarget(action, estate, state) ?? Object.keys(estate.regions)[0]})),
    ])
    checks.push(...readinessChecks(estate, state, plans, state.zoneRecords ?? [], inScope).map((c) => ({...c, runbook: rb.file})))
    // doctor's checks: the token, every command's permissions, management locks (resolution is checked name by name above)
    const preflight = await doctor(rb, req.target, req.clients, {state, resolution: false})
    checks.push(...preflight.checks.map((c) => ({...c, runbook: rb.file})))
    for (const region of inScope) {
      const r = state.regions[region]
      regions.push({
        runbook: rb.file,
        region,
        resolver: r.resolver,
        ...(r.vantage ? {vantage: r.vantage} : {}),
        serving: r.serving,
        names: r.names.map((n) => ({name: n.name, answer: n.addresses.join(', ') || (isUnreachable(n) ? `no answer (${r.vantage ? `vantage ${r.vantage} did not answer` : 'resolver unreachable'}${n.detail ? `: ${n.detail}` : ''})` : n.outcome), ...(n.ttl !== undefined ? {ttl: n.ttl} : {}), expected: n.expected, ok: n.ok})),
      })
    }
  }
  let practiced: PracticeResult | undefined
  if (req.practice) {
    practiced = await practice({runbook: req.runbooks[0], source: req.target, region: req.region, scenario: req.scenario, latency: req.latency, runsDir: req.runsDir, observers: req.observers, note: req.note})
    checks.push(...practiceChecks(practiced).map((c) => ({...c, runbook: req.runbooks[0].file})))
  }
  const count = (s: Check['status']) => checks.filter((c) => c.status === s).length
  const ended = Date.now()
  return {
    status: count('failed') > 0 ? 'not-ready' : 'ready',
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    target: req.target.kind,
    runbooks: req.runbooks.map((rb) => ({file: rb.file, name: rb.runbook.name})),
    summary: {passed: count('passed'), failed: count('failed'), warnings: count('warning'), skipped: count('skipped')},
    checks,
    regions,
    ...(practiced ? {practice: practiced} : {}),
  }
}
