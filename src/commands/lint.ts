import {Args, Flags} from '@oclif/core'
import {AzfailCommand} from '../cli/base.ts'
import {remedies, table} from '../cli/table.ts'
import {AzfailError} from '../errors.ts'
import type {Finding} from '../guards/topology.ts'

export default class Lint extends AzfailCommand {
  static override summary = 'Validate a runbook file, and analyse the topology it describes.'
  static override description = [
    'Always: the file against the schema (errors name file, line and field) and static rules (on-premises forwarders that all target one region; a write check asking for sslmode verify-full through the CNAME, which the certificates do not name).',
    "With --sandbox or --live, also live state: steering TTL above 60s, CNAME TTL above 60s, a region resolving a private dependency through another region's endpoint (Pattern B) that is not declared in estate.regions.<region>.crossRegion.",
    'Exits 0 when clean or only warnings, 4 on an error finding, 2 when the file is invalid.',
  ].join('\n\n')

  static override examples = ['<%= config.bin %> lint runbooks/demo.yaml', '<%= config.bin %> lint prod.yaml --live', '<%= config.bin %> lint --sandbox --json']
  static override args = {file: Args.string({description: 'runbook file (default: --runbook, ./azfail.yaml, or the demo runbook with --sandbox)'})}
  static override flags = {live: Flags.boolean({summary: 'Also analyse live state in Azure (implied by --sandbox).'})}

  async run(): Promise<{file: string; valid: true; live: boolean; findings: Finding[]}> {
    const {args, flags} = await this.parse(Lint)
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
}
