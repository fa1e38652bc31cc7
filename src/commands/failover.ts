import {Args, Flags} from '@oclif/core'
import {RunCommand, runFlags, skipLayerFlag, skipped} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {InputError} from '../errors.ts'
import type {FleetReport} from '../services/fleet.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Failover extends RunCommand {
  static override summary = 'Fail a whole region over in one plan: drain it, promote every data service the runbook configures away from it, repoint the CNAME, verify.'
  static override description = `One plan, one consent, one lock, one journal, one report. Steps, in the safe order (data-tier steps only where the runbook configures the service):
${stepKindsHelp('failover')}

Each data service goes to its partner region as the runbook names it (with several, to the replica / secondary /
next write region live state shows). --ungraceful is for a region that is down: forced promotions (PostgreSQL forced
switchover, SQL failover allowing data loss through the secondary's server, Cosmos DB offline region), nothing read
from the dead region; what could not be seen there is reported as not verified. The result lists what still lives in
the region afterwards.

--fleet F runs every runbook of the fleet file F (README, fleets): its waves in order, the runbooks of a wave side by
side up to its concurrency, each under its own lock and journal, after one consent listing what each will change. The
result gives each runbook's status, run id, RTO and what still lives in the region; the exit code is the worst (highest)
of its runbooks'. An interrupted fleet resumes with 'azfail resume <fleet run id>'.`

  static override examples = [
    '<%= config.bin %> failover eus2 --dry-run --sandbox',
    '<%= config.bin %> failover eus2 --sandbox --yes',
    '<%= config.bin %> failover eus2 --ungraceful --yes --json   # eus2 is down',
    '<%= config.bin %> failover eus2 --fleet runbooks/fleet/fleet.yaml --sandbox --dry-run   # every runbook of a fleet, wave by wave',
    '<%= config.bin %> failover eus2 --fleet fleet.yaml --yes --json   # one consent; each runbook under its own lock and journal',
  ]

  static override args = {region: Args.string({description: 'the region to fail away from, e.g. eus2', required: true})}
  static override flags = {
    ...runFlags,
    ...skipLayerFlag,
    ungraceful: Flags.boolean({summary: 'The region is down: forced promotions allowing data loss; nothing is read from it.'}),
    fleet: Flags.string({summary: 'Fail over every runbook of this fleet file, wave by wave, after one consent for all.', helpValue: 'FILE'}),
  }

  async run(): Promise<RunReport | FleetReport> {
    const {args, flags} = await this.parse(Failover)
    if (flags.fleet) {
      if (flags['skip-layer'].length > 0) throw new InputError('NotWithFleet', '--skip-layer cannot be given with --fleet: each runbook of the fleet runs as its file says.', 'Run that runbook on its own with the flag.')
      return this.runFleet({...flags, fleet: flags.fleet}, args.region, flags.ungraceful)
    }
    return this.runAction(flags, 'failover', {region: args.region, forced: flags.ungraceful, ...skipped(flags['skip-layer'])})
  }
}
