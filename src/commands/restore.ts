import {Args} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Restore extends RunCommand {
  static override summary = 'Fail back: re-enable a region at the steering layer once it is healthy and resolves its own records.'
  static override description = `Steps:
${stepKindsHelp('restore')}`

  static override examples = ['<%= config.bin %> restore eus2 --sandbox --yes', '<%= config.bin %> restore eus2 --dry-run --json']
  static override args = {region: Args.string({description: 'region key from the runbook', required: true})}
  static override flags = runFlags

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Restore)
    return this.runAction(flags, 'restore', {region: args.region})
  }
}
