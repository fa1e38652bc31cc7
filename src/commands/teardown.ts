import {Args} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Teardown extends RunCommand {
  static override summary = "Delete a drained region's private endpoints (and the records their zone groups wrote)."
  static override description = `Steps:
${stepKindsHelp('teardown')}`

  static override examples = ['<%= config.bin %> teardown eus2 --sandbox --yes', '<%= config.bin %> teardown eus2 --dry-run']
  static override args = {region: Args.string({description: 'region key from the runbook', required: true})}
  static override flags = runFlags

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Teardown)
    return this.runAction(flags, 'teardown', {region: args.region})
  }
}
