import {Args, Flags} from '@oclif/core'
import {AzfailCommand, toAzfailError} from '../cli/base.ts'
import {remedies, table} from '../cli/table.ts'
import {DEFAULT_RUNS_DIR} from '../engine/journal.ts'
import {AzfailError, InputError, InternalError} from '../errors.ts'
import type {FleetReport} from '../services/fleet.ts'
import {checkArgument} from '../inputs.ts'
import type {GamedayResult} from '../services/gameday.ts'
import {SCENARIOS, type Scenario} from '../services/practice.ts'
import {latencyFlag} from '../cli/sandbox-flags.ts'
import {bounded, terminalField} from '../report/escape.ts'
import {checkWritableDir} from '../cli/paths.ts'

export default class Gameday extends AzfailCommand {
  static override summary = 'Game day: check the estate is safe to fail over (read-only), or practise a full failover in the sandbox.'
  static override description = [
    "Readiness checks against LIVE state, read-only: each region's resolver answers its own private IP for every expected name; each dry-run plan of drain, restore and promote passes its guards; lint rules (steering and CNAME TTL, Pattern-B dependencies, forwarders); no hand-written record in the endpoints' zones; the replica's replication state and the failover group's partner; Traffic Manager monitor status and Front Door origins; and azfail doctor's checks: a token, every command's permissions at each scope, management locks that would block a change.",
    "--practice runs drain -> promote -> restore -> failback end to end against a copy of the sandbox (the demo estate, or one 'azfail sandbox import' made of your own), optionally under --faults, and measures each step against the runbook's rto. --report-dir writes gameday.json, junit.xml, summary.md and report.html.",
    'Exit 0: ready. Exit 4: not ready (the reports name every failed check, what was observed, expected, and the remedy). Exit 1: the game day itself could not run.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> gameday --sandbox --report-dir reports',
    '<%= config.bin %> gameday prod.yaml staging.yaml --report-dir reports --json',
    '<%= config.bin %> gameday --sandbox --practice --faults failed-promotion --report-dir reports',
    '<%= config.bin %> gameday --sandbox --practice --latency azure   # practise with Azure-like ARM timing',
    '<%= config.bin %> gameday --fleet runbooks/fleet/fleet.yaml --sandbox --json   # every runbook of a fleet, read-only',
  ]

  static override strict = false
  static override args = {runbooks: Args.string({description: 'runbook files (default: --runbook, ./azfail.yaml, or the demo runbook with --sandbox)'})}
  static override flags = {
    region: Flags.string({summary: 'Check (and practise) only this region.'}),
    practice: Flags.boolean({summary: 'Run drain -> promote -> restore -> failback end to end in a copy of the sandbox.', default: false}),
    faults: Flags.option({options: SCENARIOS, summary: 'Practise under a fault scenario (implies --practice).'})(),
    latency: latencyFlag("Practise with the sandbox copy's ARM answering as Azure does", 'implies --practice; default: as the sandbox is set'),
    'report-dir': Flags.string({summary: 'Write gameday.json, junit.xml, summary.md and report.html here.'}),
    'runs-dir': Flags.string({summary: 'Where practice runs are journaled.', default: DEFAULT_RUNS_DIR}),
    fleet: Flags.string({summary: "Check every runbook of this fleet file (read-only), wave by wave, in parallel up to its concurrency; exit 4 when any is not ready.", helpValue: 'FILE', exclusive: ['practice', 'faults', 'latency', 'report-dir']}),
  }

  async run(): Promise<(GamedayResult & {reports?: Record<string, string>}) | FleetReport> {
    const {argv, flags} = await this.parse(Gameday)
    if (flags.fleet) {
      if ((argv as string[]).length > 0 || flags.runbook) throw new InputError('NotWithFleet', 'Runbook files cannot be given with --fleet: the fleet file names its runbooks.', 'Drop the runbook files, or the --fleet flag.')
      return this.fleetGameday(flags.fleet, flags)
    }
    for (const file of argv as string[]) checkArgument('runbooks', file)
    const files = (argv as string[]).length > 0 ? (argv as string[]) : [undefined]
    const runbooks = files.map((f) => this.runbookFrom({...flags, runbook: f ?? flags.runbook}))
    const practising = flags.practice || Boolean(flags.faults) || Boolean(flags.latency)
    if (practising && !flags.sandbox) {
      // Refused before any credential is created: practice changes things, so it never talks to Azure.
      throw new InputError('PracticeNeedsSandbox', 'Practice runs change things, so they run against the sandbox only.', "Add --sandbox (use 'azfail sandbox import' to rehearse a copy of your own estate).")
    }
    // Where the reports and the practice journals go is checked now, not found unwritable after the whole game day ran.
    if (flags['report-dir'] !== undefined) checkWritableDir(flags['report-dir'], '--report-dir')
    if (practising) checkWritableDir(flags['runs-dir'], '--runs-dir')
    const {target, clients} = await this.connect(flags, runbooks[0])
    const {runGameday} = await import('../services/gameday.ts')
    const {chooseRenderer, runDisplay} = await import('../cli/renderer.ts')
    let result: GamedayResult
    try {
      result = await runGameday({
        runbooks,
        region: flags.region,
        practice: practising,
        scenario: flags.faults as Scenario | undefined,
        ...(flags.latency ? {latency: flags.latency} : {}),
        target,
        clients,
        runsDir: flags['runs-dir'],
        observers: () => [runDisplay(chooseRenderer(this.jsonEnabled()))],
        note: (m) => this.note(m),
      })
    } catch (error) {
      const e = toAzfailError(error)
      if (e.status === 'invalid' || e.status === 'interrupted') throw e
      const known = !(e instanceof InternalError)
      throw new AzfailError('failed', 'GamedayFailed', `The game day could not run: ${known ? e.message : (error as Error).message}`, {
        cause: error,
        hint: (known && e.hint) || 'Check access to the estate (or the sandbox), then run it again.',
      })
    }
    const reports = flags['report-dir'] ? {...(await import('../gameday/report.ts')).writeReports(flags['report-dir'], result)} : undefined
    if (!this.jsonEnabled()) this.log(render(result, reports))
    const out = {...result, ...(reports ? {reports} : {})}
    if (result.status === 'not-ready') {
      const failed = result.checks.filter((c) => c.status === 'failed')
      throw Object.assign(
        new AzfailError('not-ready', 'NotReady', `The estate is not ready to fail over: ${failed.length} check(s) failed: ${failed.slice(0, 3).map((c) => `${c.title}: ${bounded(c.observed)}`).join('; ')}${failed.length > 3 ? '; …' : ''}.`, {hint: failed[0]?.remedy && bounded(failed[0].remedy)}),
        {report: out},
      )
    }
    return out
  }

  /** A fleet's game day, read-only: each runbook's readiness; not ready (exit 4) when any is not. */
  /** A fleet's game day, read-only: each runbook's readiness; not ready (exit 4) when any is not. */
  private async fleetGameday(file: string, flags: {region?: string; 'runs-dir': string; sandbox: boolean; 'state-dir': string; subscription?: string; cloud: any}): Promise<FleetReport> {
    const {loadFleet} = await import('../runbook/fleet.ts')
    const fleet = loadFleet(file)
    const {target} = await this.connect(flags, fleet.waves[0].runbooks[0].loaded)
    const {fleetGameday} = await import('../services/fleet.ts')
    const report = await fleetGameday({fleet, region: flags.region, target, runsDir: flags['runs-dir'], note: (m) => this.note(m)})
    const {renderFleet} = await import('../cli/fleet-view.ts')
    if (!this.jsonEnabled()) this.log(renderFleet(report))
    if (report.status !== 'ready') {
      const bad = report.waves.flatMap((w) => w.runbooks).filter((r) => r.status !== 'ready')
      throw Object.assign(new AzfailError(report.status === 'not-ready' ? 'not-ready' : 'failed', report.status === 'not-ready' ? 'NotReady' : 'GamedayFailed', `Fleet ${fleet.name} is not ready to fail over: ${bad.map((r) => `${r.name} ${r.status}`).join(', ')}.`, {hint: bad[0]?.error?.message}), {report})
    }
    return report
  }
}

function render(r: GamedayResult, reports?: Record<string, string>): string {
  const failed = r.checks.filter((c) => c.status !== 'passed')
  const lines = [`game day: ${r.status === 'ready' ? 'READY' : 'NOT READY'}: ${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.warnings} warnings, ${r.summary.skipped} skipped (${(r.durationMs / 1000).toFixed(1)}s)`]
  if (failed.length > 0) {
    lines.push(table(['status', 'check', 'observed', 'expected'], failed.map((c) => [c.status, c.title, c.observed, c.expected])))
    if (failed.some((c) => c.remedy)) lines.push('', 'To fix:', ...remedies(failed.map((c) => ({name: c.title, remedy: c.remedy}))))
  }
  if (r.practice) lines.push(`practice ${r.practice.region} -> ${r.practice.survivor} and back${r.practice.scenario ? ` under ${r.practice.scenario}` : ''}: ${(r.practice.totalMs / 1000).toFixed(1)}s; expectation ${r.practice.expectation.held ? 'held' : 'did NOT hold'}: ${terminalField(r.practice.expectation.observed)}`)
  if (r.practice?.latency) lines.push(`  with Azure-like ARM timing: ${r.practice.latency.requests} ARM requests delayed ${(r.practice.latency.injectedMs / 1000).toFixed(1)}s in all`)
  if (reports) lines.push(...Object.values(reports).map((p) => `report: ${p}`))
  return lines.join('\n')
}
