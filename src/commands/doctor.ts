import {AzfailCommand} from '../cli/base.ts'
import {remedies, table} from '../cli/table.ts'
import {AzfailError} from '../errors.ts'
import type {DoctorResult} from '../services/doctor.ts'

export default class Doctor extends AzfailCommand {
  static override summary = 'Preflight, read-only: a token and whose, the permissions every command needs, management locks, resolvers.'
  static override description = [
    "Checks, changing nothing: that a token for Azure Resource Manager can be had and for whom (the principal, from the token); for each command the runbook supports (status, gameday, drain, teardown and restore of each region, each promotion and repoint), the actions it needs at each scope (from the step registry) against what Azure says the principal may do there, naming every missing action and scope; management locks that would block a change (a CanNotDelete lock blocks a teardown); that each region's resolver answers DNS.",
    'Without --sandbox it signs in as a run would (README: Signing in); game days run the same checks.',
    'Exit 0: all well. Exit 4: something is missing (every failed check is listed with what to do).',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> doctor --runbook prod.yaml',
    'eval "$(<%= config.bin %> sandbox env --identity operator)" && <%= config.bin %> doctor --runbook runbooks/demo.yaml',
    '<%= config.bin %> doctor --sandbox --json | jq \'.result.checks[] | select(.status == "failed")\'',
  ]

  async run(): Promise<DoctorResult> {
    const {flags} = await this.parse(Doctor)
    const runbook = this.runbookFrom(flags)
    const {target, clients} = await this.connect(flags, runbook)
    const {doctor} = await import('../services/doctor.ts')
    const result = await doctor(runbook, target, clients)
    if (!this.jsonEnabled()) this.log(render(result))
    if (result.status === 'not-ready') {
      const failed = result.checks.filter((c) => c.status === 'failed')
      throw Object.assign(
        new AzfailError('not-ready', 'NotReady', `${failed.length} check(s) failed: ${failed.map((c) => c.title).join('; ')}.`, {hint: failed[0]?.remedy}),
        {report: result},
      )
    }
    return result
  }
}

const CELL = 800

/** A cell people can read: resource ids from their resource group on, and a long list cut (--json has it all). */
function brief(text: string): string {
  const short = text.replace(/\/subscriptions\/[^/\s]+\/resourceGroups\//gi, 'rg ')
  return short.length > CELL ? `${short.slice(0, CELL)}… (--json lists all)` : short
}

function render(r: DoctorResult): string {
  const who = r.principal ? `${r.principal.name}${r.credentialChain ? ` (via ${r.credentialChain.join(' → ')})` : ''}` : 'no token'
  const lines = [`doctor: ${r.status === 'ready' ? 'ALL WELL' : 'SOMETHING IS MISSING'} as ${who}: ${r.summary.passed} passed, ${r.summary.failed} failed`]
  lines.push(table(['status', 'check', 'observed'], r.checks.map((c) => [c.status, c.title, brief(c.observed)])))
  const failed = r.checks.filter((c) => c.status === 'failed')
  if (failed.some((c) => c.remedy)) lines.push('', 'To fix:', ...remedies(failed.map((c) => ({name: c.title, remedy: c.remedy}))))
  return lines.join('\n')
}
