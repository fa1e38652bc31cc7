import {Args} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Failback extends RunCommand {
  static override summary = 'Fail back to a region that has returned: re-enable it after its health checks, then give it back every data-tier role and the CNAME, planned.'
  static override description = `One plan, one consent, one lock, one journal, one report. Steps (data-tier steps only where the runbook configures the service):
${stepKindsHelp('failback')}

Promotions back are planned (a PostgreSQL switchover, a planned SQL failover, a Cosmos DB failover priority change):
the region must be back and healthy; region-healthy refuses otherwise.`

  static override examples = ['<%= config.bin %> failback eus2 --dry-run --sandbox', '<%= config.bin %> failback eus2 --sandbox --yes']
  static override args = {region: Args.string({description: 'the region that returns, e.g. eus2', required: true})}
  static override flags = runFlags

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Failback)
    return this.runAction(flags, 'failback', {region: args.region})
  }
}
