// The base of commands that change things: --dry-run, --yes, --override/--reason, consent, and the run report.
import {Flags} from '@oclif/core'
import {DEFAULT_RUNS_DIR} from '../engine/journal.ts'
import type {RunReport} from '../engine/types.ts'
import type {SteeringLayer} from '../estate/state.ts'
import {GUARD_IDS} from '../guards/guards.ts'
import {terminalField} from '../report/escape.ts'
import type {ActionOptions, RunRequest} from '../services/run.ts'
import {type Acknowledgement, type Action, MAX_WAIT_SECONDS} from '../steps/context.ts'
import {AzfailError, InputError} from '../errors.ts'
import type {FleetIo, FleetReport} from '../services/fleet.ts'
import {AzfailCommand} from './base.ts'
import {askYesNo, confirmChanges, hasTerminal} from './consent.ts'
import {checkWritableDir} from './paths.ts'
import {table} from './table.ts'

export const runFlags = {
  'dry-run': Flags.boolean({default: false, summary: 'Read live state and print the full plan with guard verdicts; change nothing. Exits 4 if a step would refuse or fail.'}),
  yes: Flags.boolean({char: 'y', default: false, summary: 'Do not ask for confirmation (required without a terminal).'}),
  // Non-greedy: `--override last-region eus2` leaves eus2 to the region argument.
  override: Flags.string({summary: `Bypass one guard (repeatable); needs --reason. Guards: ${GUARD_IDS.join(', ')}.`, multiple: true, multipleNonGreedy: true, default: []}),
  reason: Flags.string({summary: 'Why a guard is overridden; recorded in the journal with who did it.'}),
  'runs-dir': Flags.string({summary: 'Where the journal of runs is kept.', default: DEFAULT_RUNS_DIR}),
  ack: Flags.string({summary: 'Confirm that a person has carried out this manual action (its step id, e.g. manualAction1; repeatable). --yes never does.', multiple: true, multipleNonGreedy: true, default: []}),
  events: Flags.string({summary: "Stream the run's events as they happen, one JSON object a line (NDJSON), to this file; '-' streams them on stderr instead of the progress display.", helpValue: 'FILE|-'}),
  'max-wait': Flags.integer({min: 1, max: 10 ** 10, summary: `The longest wait the run may take from the TTLs Azure serves, in seconds (default ${MAX_WAIT_SECONDS}); a longer one stops the run before any change and names this flag.`, helpValue: 'SECONDS'}),
}

/** Commands that drain steering: a layer the operator chooses to leave as it is, audited like --override. */
export const skipLayerFlag = {
  'skip-layer': Flags.string({
    summary: 'Leave this steering layer as it is (trafficManager or frontDoor; repeatable); needs --reason. Journaled with who and why; the run warns that the layer still sends traffic.',
    options: ['trafficManager', 'frontDoor'],
    multiple: true,
    multipleNonGreedy: true,
    default: [],
  }),
}

/** --skip-layer's values as the run's options take them. */
export const skipped = (layers: string[]): {skipLayers?: SteeringLayer[]} => (layers.length > 0 ? {skipLayers: layers as SteeringLayer[]} : {})

export interface RunFlags {
  'dry-run': boolean
  yes: boolean
  ack: string[]
  events?: string
  'max-wait'?: number
  override: string[]
  reason?: string
  'runs-dir': string
  runbook?: string
  sandbox: boolean
  'state-dir': string
  subscription?: string
  cloud: any
}

export abstract class RunCommand extends AzfailCommand {
  protected async runAction(flags: RunFlags, action: Action, options: ActionOptions): Promise<RunReport> {
    const runbook = this.runbookFrom(flags)
    const {validateRequest} = await import('../services/run.ts')
    validateRequest(runbook.runbook.estate, {action, options, overrides: flags.override, reason: flags.reason})
    checkWritableDir(flags['runs-dir'], '--runs-dir')
    const {target, clients} = await this.connect(flags, runbook)
    if (flags['max-wait'] !== undefined) options = {...options, maxWaitSeconds: flags['max-wait']}
    return this.execute({action, options, dryRun: flags['dry-run'], overrides: flags.override, reason: flags.reason, runbook, target, clients, runsDir: flags['runs-dir']}, flags)
  }

  /** The one place a run request gets its renderer, consent and manual-action prompt; a resume passes its journal. */
  protected async execute(request: Omit<RunRequest, 'observers' | 'confirm' | 'acknowledge'>, flags: {yes: boolean; ack: string[]; events?: string}): Promise<RunReport> {
    const {planResume, runAction} = await import('../services/run.ts')
    const {chooseRenderer, runDisplay} = await import('./renderer.ts')
    const what = request.resume ? `azfail resume ${request.resume.meta().runId}` : `azfail ${request.action.replace('-', ' ')}`
    const stream = flags.events === undefined ? undefined : (await import('./event-stream.ts')).eventStream(flags.events)
    // NDJSON on stderr leaves it to the stream: progress lines there would break a reader's parsing.
    const display = runDisplay(chooseRenderer(this.jsonEnabled() || flags.events === '-'))
    const full: RunRequest = {
      ...request,
      observers: stream ? [display, stream] : [display],
      confirm: (changes, also) => confirmChanges(changes, {yes: flags.yes, what, where: describeTarget(request.target.record), waits: also?.waits ?? []}),
      acknowledge: (step) => this.acknowledge(step, flags.ack, request.target, (q) => display.ask(q, step.id) ?? askYesNo(q)),
    }
    // A dry run of a resume plans what is left as a run of its own; the interrupted run's journal stays untouched.
    const report = full.resume && full.dryRun ? await planResume({...full, resume: full.resume}) : await runAction(full)
    this.report(report)
    return report
  }

  /** A manual action is confirmed by a person: --ack <step>, or an answer at the terminal. --yes confirms the plan only. */
  protected async acknowledge(step: {id: string; instruction: string}, acks: string[], target: RunRequest['target'], ask: (question: string) => Promise<boolean>): Promise<Acknowledgement> {
    if (acks.includes(step.id)) return {confirmed: true, by: `${await target.principal()} with --ack ${step.id}`}
    if (!hasTerminal()) return {confirmed: false, why: 'there is no terminal to ask a person (--yes confirms the plan, never a manual action)'}
    const done = await ask(`Manual action ${step.id}: ${terminalField(step.instruction)}\nDone? [y/N] `)
    return done ? {confirmed: true, by: `${await target.principal()} at the prompt`} : {confirmed: false, why: 'the person at the prompt answered no'}
  }

  /** The run report on stdout (data), for people; --json gets the envelope instead. */
  protected report(report: RunReport): void {
    for (const w of report.warnings) this.note(w)
    if (this.jsonEnabled()) return
    this.log(renderReport(report))
  }

  /** `--fleet F`: every runbook of the fleet, wave by wave, after one consent for all; each run under its own lock and journal. */
  protected async runFleet(flags: RunFlags & {fleet: string}, region: string, forced: boolean): Promise<FleetReport> {
    const refused = [flags.override.length > 0 && '--override', flags.reason && '--reason', flags.runbook && '--runbook'].filter(Boolean)
    if (refused.length > 0) throw new InputError('NotWithFleet', `${refused.join(', ')} cannot be given with --fleet: each runbook of the fleet runs as its file says.`, 'Run that runbook on its own with the flag, or drop the flag.')
    const {loadFleet} = await import('../runbook/fleet.ts')
    const fleet = loadFleet(flags.fleet)
    const {fleetError, planFleet, runFleet, validateFleetRequest} = await import('../services/fleet.ts')
    validateFleetRequest(fleet, region)
    checkWritableDir(flags['runs-dir'], '--runs-dir')
    if (!flags.yes && !flags['dry-run'] && !hasTerminal()) {
      throw new InputError('ConsentRequired', `azfail failover --fleet changes ${fleet.waves.flatMap((w) => w.runbooks).length} estates and there is no terminal to ask for consent; nothing was changed.`, 'Re-run with --yes to proceed, or --dry-run to see the plan.')
    }
    const {target} = await this.connect(flags, fleet.waves[0].runbooks[0].loaded)
    const request = {fleet, action: 'failover' as const, region, forced, dryRun: flags['dry-run'], target, runsDir: flags['runs-dir'], ...(await this.fleetIo(flags, target))}
    let report: FleetReport
    if (flags['dry-run']) report = await planFleet(request)
    else {
      if (!flags.yes) {
        // One consent for the whole fleet: every runbook's plan, read from live state as a dry run of each.
        const plan = await planFleet(request)
        const changes = plan.waves.flatMap((w) => w.runbooks.flatMap((r) => (r.changes ?? []).map((c) => ({...c, what: `${w.name} / ${r.name}: ${c.what}`}))))
        if (!(await confirmChanges(changes, {yes: false, what: `azfail failover ${region} --fleet ${fleet.name}`, where: describeTarget(target.record)}))) {
          throw new AzfailError('declined', 'NotConfirmed', 'The fleet was not confirmed; nothing was changed.', {hint: 'Run the command again to be asked again, or --dry-run to see the plan.'})
        }
      }
      report = await runFleet(request)
    }
    return await this.fleetOutcome(report, fleetError(report))
  }

  /** `azfail resume <fleet run id>`: the interrupted fleet, finished where it stopped. */
  protected async resumeFleet(flags: {'runs-dir': string; yes: boolean; ack: string[]; 'state-dir': string; cloud: any}, fleetRunId: string): Promise<FleetReport> {
    const {fleetError, openFleetResume, resumeFleet} = await import('../services/fleet.ts')
    const source = openFleetResume(flags['runs-dir'], fleetRunId)
    if (!flags.yes && !hasTerminal()) throw new InputError('ConsentRequired', `Resuming fleet run ${fleetRunId} changes things and there is no terminal to ask for consent; nothing was changed.`, 'Re-run with --yes to proceed.')
    if (!flags.yes && !(await askYesNo(`Resume fleet ${source.meta.fleet.name} (${source.meta.action} ${source.meta.region ?? ''}) where it stopped? [y/N] `))) {
      throw new AzfailError('declined', 'NotConfirmed', 'The resume was not confirmed; nothing was changed.')
    }
    const recorded = source.meta.target
    const first = source.fleet.waves[0].runbooks[0].loaded
    const {target} = await this.connect({sandbox: recorded.kind === 'sandbox', 'state-dir': recorded.stateDir ?? flags['state-dir'], subscription: recorded.subscription, cloud: flags.cloud}, first)
    const report = await resumeFleet(source, {target, runsDir: flags['runs-dir'], ...(await this.fleetIo(flags, target))})
    return await this.fleetOutcome(report, fleetError(report))
  }

  private async fleetIo(flags: Pick<RunFlags, 'ack'>, target: RunRequest['target']): Promise<FleetIo> {
    const {fleetRunDisplay} = await import('./fleet-view.ts')
    return {
      observers: (r) => [fleetRunDisplay(this.jsonEnabled(), r.name)],
      acknowledge: (step) => this.acknowledge(step, flags.ack, target, askYesNo),
    }
  }

  private async fleetOutcome(report: FleetReport, error: Error | undefined): Promise<FleetReport> {
    for (const r of report.waves.flatMap((w) => w.runbooks)) for (const w of r.warnings ?? []) this.note(`${r.name}: ${w}`)
    if (error) throw error
    if (!this.jsonEnabled()) this.log((await import('./fleet-view.ts')).renderFleet(report))
    return report
  }

  override async catch(err: any): Promise<any> {
    if (err?.report && 'waves' in err.report) {
      if (!this.jsonEnabled()) this.log((await import('./fleet-view.ts')).renderFleet(err.report))
      return super.catch(err)
    }
    for (const w of err?.report?.warnings ?? []) this.note(w)
    if (err?.report && !this.jsonEnabled()) this.log(renderReport(err.report))
    return super.catch(err)
  }
}

/** Where a run acts, for its consent: "subscription 5a4d… (AzurePublicCloud)", "the sandbox in .azfail/sandbox, subscription 5a4d…". */
function describeTarget(t: RunRequest['target']['record']): string {
  return t.kind === 'sandbox' ? `the sandbox in ${t.stateDir ?? '?'}, subscription ${t.subscription ?? '?'}` : `subscription ${t.subscription ?? '?'}${t.cloud ? ` (${t.cloud})` : ''}`
}

export function renderReport(r: RunReport): string {
  const f = terminalField
  const lines = [`run ${r.runId}: ${r.action}${r.region ? ` ${r.region}` : ''}${r.dryRun ? ' (dry run)' : ''}: ${r.status}`]
  for (const v of r.guards ?? []) lines.push(`guard ${v.guard}: ${v.ok ? 'ok' : v.overridden ? 'OVERRIDDEN' : 'REFUSES'}: ${f(v.observed)}`)
  if (r.dryRun) {
    for (const s of r.steps) {
      lines.push(`${s.status === 'refused' ? '✗' : s.status === 'skipped' ? '-' : '•'} ${s.id} [${s.status}] ${f(s.message)}`)
      for (const c of s.plan?.changes ?? []) lines.push(`    ${f(c.what)}: ${f(c.from)} -> ${f(c.to)}`)
      for (const v of s.plan?.verdicts ?? []) lines.push(`    guard ${v.guard}: ${v.ok ? 'ok' : v.overridden ? 'OVERRIDDEN' : 'REFUSES'}: ${f(v.observed)}`)
      for (const p of s.plan?.problems ?? []) lines.push(`    problem: ${f(p)}`)
    }
  } else {
    lines.push(
      table(
        ['step', 'status', 'duration', 'message'],
        r.steps.map((s) => [s.id, s.status, s.durationMs === undefined ? '' : `${(s.durationMs / 1000).toFixed(1)}s`, s.message]),
      ),
    )
  }
  for (const o of r.overrides) lines.push(`override ${o.guard} by ${f(o.by)}: ${f(o.reason)}`)
  for (const x of r.residue ?? []) lines.push(`still in ${x.region}: ${f(x.what)}`)
  return lines.join('\n')
}
