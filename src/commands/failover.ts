import {Args, Flags} from '@oclif/core'
import {RunCommand, runFlags, skipLayerFlag, skipped} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Failover extends RunCommand {
  static override summary = 'Fail a whole region over in one plan: drain it, promote every data service the runbook configures away from it, repoint the CNAME, verify.'
  static override description = `One plan, one consent, one lock, one journal, one report. Steps, in the safe order (data-tier steps only where the runbook configures the service):
${stepKindsHelp('failover')}

Each data service goes to its partner region as the runbook names it (with several, to the replica / secondary /
next write region live state shows). --ungraceful is for a region that is down: forced promotions (PostgreSQL forced
switchover, SQL failover allowing data loss through the secondary's server, Cosmos DB offline region), nothing read
from the dead region; what could not be seen there is reported as not verified. The result lists what still lives in
the region afterwards.`

  static override examples = [
    '<%= config.bin %> failover eus2 --dry-run --sandbox',
    '<%= config.bin %> failover eus2 --sandbox --yes',
    '<%= config.bin %> failover eus2 --ungraceful --yes --json   # eus2 is down',
  ]

  static override args = {region: Args.string({description: 'the region to fail away from, e.g. eus2', required: true})}
  static override flags = {
    ...runFlags,
    ...skipLayerFlag,
    ungraceful: Flags.boolean({summary: 'The region is down: forced promotions allowing data loss; nothing is read from it.'}),
  }

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Failover)
    return this.runAction(flags, 'failover', {region: args.region, forced: flags.ungraceful, ...skipped(flags['skip-layer'])})
  }
}
