import {Args, Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {table} from '../../cli/table.ts'
import {InputError} from '../../errors.ts'
import type {FleetPlan} from '../../runbook/fleet.ts'

export default class FleetPlanCommand extends AzfailCommand {
  static override summary = "A fleet file's waves as data: each wave's runbooks, for a CI matrix (one job per runbook, the waves as needs:)."
  static override description = `Loads and checks the fleet file as 'azfail lint --fleet' does (no live state, no Azure access), then prints its
waves in order. With --max-waves N, a fleet of more waves is refused (exit 2), and \`matrix\` holds exactly N lists, the
empty ones for the waves it lacks: the reusable workflow .github/workflows/fleet.yml runs 5 wave jobs from fromJSON(...)
and skips the empty ones.`

  static override examples = ['<%= config.bin %> fleet plan runbooks/fleet/fleet.yaml', '<%= config.bin %> fleet plan fleet.yaml --max-waves 5 --json | jq -c \'.result.matrix[0]\'']
  static override args = {file: Args.string({description: 'the fleet file', required: true})}
  static override flags = {'max-waves': Flags.integer({min: 1, max: 100, summary: 'Refuse a fleet of more waves than this, and pad `matrix` to this many waves.', helpValue: 'N'})}

  async run(): Promise<FleetPlan & {matrix: FleetPlan['waves'][number]['runbooks'][]}> {
    const {args, flags} = await this.parse(FleetPlanCommand)
    const {fleetPlan, loadFleet} = await import('../../runbook/fleet.ts')
    const plan = fleetPlan(loadFleet(args.file))
    const max = flags['max-waves']
    if (max !== undefined && plan.waves.length > max) {
      throw new InputError('TooManyWaves', `${args.file} has ${plan.waves.length} waves; --max-waves allows ${max}.`, `Merge waves (runbooks of one wave run side by side), or run more wave jobs than ${max}.`)
    }
    const matrix = Array.from({length: max ?? plan.waves.length}, (_, i) => plan.waves[i]?.runbooks ?? [])
    if (!this.jsonEnabled()) this.log(table(['wave', 'runbook', 'file'], plan.waves.flatMap((w) => w.runbooks.map((r) => [w.name, r.name, r.runbook]))))
    return {...plan, matrix}
  }
}
