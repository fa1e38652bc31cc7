import {Args, Flags} from '@oclif/core'
import {AzfailCommand} from '../cli/base.ts'
import {remedies, table} from '../cli/table.ts'
import {AzfailError} from '../errors.ts'
import type {Finding} from '../guards/topology.ts'
import type {FleetPlan} from '../runbook/fleet.ts'

export default class Lint extends AzfailCommand {
  static override summary = 'Validate a runbook file, and analyse the topology it describes.'
  static override description = [
    'Always: the file against the schema (errors name file, line and field) and static rules (on-premises forwarders that all target one region; a write check asking for sslmode verify-full through the CNAME, which the certificates do not name).',
    "With --sandbox or --live, also live state: steering TTL above 60s, CNAME TTL above 60s, a region resolving a private dependency through another region's endpoint (Pattern B) that is not declared in estate.regions.<region>.crossRegion.",
    'Exits 0 when clean or only warnings, 4 on an error finding, 2 when the file is invalid.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> lint runbooks/demo.yaml',
    '<%= config.bin %> lint prod.yaml --live',
    '<%= config.bin %> lint --sandbox --json',
    '<%= config.bin %> lint --fleet runbooks/fleet/fleet.yaml   # the fleet file, each runbook it names, and its waves',
  ]
  static override args = {file: Args.string({description: 'runbook file (default: --runbook, ./azfail.yaml, or the demo runbook with --sandbox)'})}
  static override flags = {
    live: Flags.boolean({summary: 'Also analyse live state in Azure (implied by --sandbox).'}),
    fleet: Flags.string({summary: "Validate a fleet file instead: its fields, every runbook it names (each must load), their dependencies (no cycle, no unknown name) and estates (no two runbooks over one estate), then each runbook's static rules.", helpValue: 'FILE', exclusive: ['live']}),
  }

  async run(): Promise<{file: string; valid: true; live: boolean; findings: Finding[]; fleet?: FleetPlan}> {
    const {args, flags} = await this.parse(Lint)
    if (flags.fleet) return this.lintFleet(flags.fleet)
    const runbook = this.runbookFrom({...flags, runbook: args.file ?? flags.runbook})
    const {estate} = runbook.runbook
    const {liveFindings, staticFindings} = await import('../guards/topology.ts')
    const findings = staticFindings(estate)
    const live = flags.sandbox || flags.live
    if (live) {
      const {target, clients} = await this.connect(flags, runbook)
      const {observeEstate} = await import('../azure/observe.ts')
      const state = await observeEstate(estate, target, clients, {endpointsOf: Object.keys(estate.regions)})
      findings.push(...liveFindings(estate, state))
    }
    for (const f of findings.filter((x) => x.severity === 'warning')) this.note(`${f.rule}: ${f.observed}`)
    const errors = findings.filter((f) => f.severity === 'error')
    if (!this.jsonEnabled()) {
      this.log(`${runbook.file}: valid runbook${live ? '' : ' (file only; --live or --sandbox also checks live state)'}`)
      if (findings.length > 0) {
        this.log(table(['severity', 'rule', 'observed', 'expected'], findings.map((f) => [f.severity, f.rule, f.observed, f.expected])))
        this.log(['', 'To fix:', ...remedies(findings.map((f) => ({name: f.rule, remedy: f.remedy})))].join('\n'))
      }
    }
    if (errors.length > 0) {
      throw Object.assign(new AzfailError('not-ready', 'LintFindings', `${errors.length} error finding(s): ${errors.map((f) => `${f.rule}: ${f.observed}`).join('; ')}.`, {hint: errors[0].remedy}), {
        report: {file: runbook.file, valid: true, live, findings},
      })
    }
    return {file: runbook.file, valid: true, live, findings}
  }

  private async lintFleet(file: string): Promise<{file: string; valid: true; live: false; findings: Finding[]; fleet: FleetPlan}> {
    const {fleetPlan, loadFleet} = await import('../runbook/fleet.ts')
    const {staticFindings} = await import('../guards/topology.ts')
    const fleet = loadFleet(file)
    const findings = fleet.waves.flatMap((w) => w.runbooks.flatMap((r) => staticFindings(r.loaded.runbook.estate).map((f) => ({...f, observed: `${r.name}: ${f.observed}`}))))
    const plan = fleetPlan(fleet)
    if (!this.jsonEnabled()) {
      this.log(`${file}: valid fleet file '${fleet.name}': ${plan.waves.map((w) => `${w.name} (${w.runbooks.map((r) => r.name).join(', ')})`).join(' -> ')}; concurrency ${fleet.concurrency}, on failure ${fleet.onFailure}`)
      if (findings.length > 0) this.log(table(['severity', 'rule', 'observed', 'expected'], findings.map((f) => [f.severity, f.rule, f.observed, f.expected])))
    }
    const errors = findings.filter((f) => f.severity === 'error')
    const out = {file: fleet.file, valid: true as const, live: false as const, findings, fleet: plan}
    if (errors.length > 0) throw Object.assign(new AzfailError('not-ready', 'LintFindings', `${errors.length} error finding(s): ${errors.map((f) => `${f.rule}: ${f.observed}`).join('; ')}.`, {hint: errors[0].remedy}), {report: out})
    return out
  }
}
