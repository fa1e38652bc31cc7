import {Flags} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Promote extends RunCommand {
  static override summary = 'Promote the data tier: the PostgreSQL replica (then repoint the CNAME), the SQL failover group, or Cosmos DB.'
  static override description = `--replica:
${stepKindsHelp('promote-replica')}
--failover-group:
${stepKindsHelp('promote-failover-group')}
--cosmos:
${stepKindsHelp('promote-cosmos')}`

  static override examples = [
    '<%= config.bin %> promote --replica --sandbox --yes',
    '<%= config.bin %> promote --replica --forced --to wus2 --yes',
    '<%= config.bin %> promote --replica --standalone --yes   # stop replication; the old primary stays a primary',
    '<%= config.bin %> promote --failover-group --dry-run',
    '<%= config.bin %> promote --cosmos --to wus2 --yes',
  ]

  static override flags = {
    ...runFlags,
    replica: Flags.boolean({summary: 'Promote the PostgreSQL flexible read replica and repoint the CNAME.', exactlyOne: ['replica', 'failover-group', 'cosmos']}),
    'failover-group': Flags.boolean({summary: 'Fail over the SQL failover group.', exactlyOne: ['replica', 'failover-group', 'cosmos']}),
    cosmos: Flags.boolean({summary: 'Move the Cosmos DB write region.', exactlyOne: ['replica', 'failover-group', 'cosmos']}),
    forced: Flags.boolean({summary: 'Forced promotion / failover allowing data loss.'}),
    standalone: Flags.boolean({summary: 'With --replica: promote to a standalone server (replication stops, the old primary stays a primary) instead of a switchover.', dependsOn: ['replica']}),
    to: Flags.string({summary: 'Region that becomes primary (default: where the replica / secondary / a read region is).'}),
  }

  async run(): Promise<RunReport> {
    const {flags} = await this.parse(Promote)
    const action = flags.replica ? 'promote-replica' : flags['failover-group'] ? 'promote-failover-group' : 'promote-cosmos'
    return this.runAction(flags, action, {to: flags.to, forced: flags.forced, ...(flags.standalone ? {standalone: true} : {})})
  }
}
