import {Args, Flags} from '@oclif/core'
import {AzfailCommand, toAzfailError} from '../cli/base.ts'
import {remedies, table} from '../cli/table.ts'
import {DEFAULT_RUNS_DIR} from '../engine/journal.ts'
import {AzfailError, InputError, InternalError} from '../errors.ts'
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
  }

  async run(): Promise<GamedayResult & {reports?: Record<string, string>}> {
    const {argv, flags} = await this.parse(Gameday)
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
