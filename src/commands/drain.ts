import {Args, Flags} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Drain extends RunCommand {
  static override summary = 'Drain a region: disable it at the steering layer, wait out TTL + connection drain, verify the survivors.'
  static override description = `Steps, in the safe order:
${stepKindsHelp('drain')}

--teardown adds teardownEndpoints, guarded. Refused: draining the last region still serving (last-region).`

  static override examples = [
    '<%= config.bin %> drain eus2 --sandbox --yes',
    '<%= config.bin %> drain eus2 --dry-run --runbook prod.yaml',
    '<%= config.bin %> drain eus2 --teardown --yes --json',
  ]

  static override args = {region: Args.string({description: 'region key from the runbook, e.g. eus2', required: true})}
  static override flags = {...runFlags, teardown: Flags.boolean({summary: 'Also tear down the region\'s private endpoints once drained (guarded).'})}

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Drain)
    return this.runAction(flags, 'drain', {region: args.region, teardown: flags.teardown})
  }
}
