import {Flags} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Repoint extends RunCommand {
  static override summary = 'Repoint the CNAME alone at a region\'s PostgreSQL server (refused while that server is a replica).'
  static override description = `Steps:
${stepKindsHelp('repoint')}`

  static override examples = ['<%= config.bin %> repoint --to eus2 --sandbox --yes', '<%= config.bin %> repoint --to wus2 --dry-run']
  static override flags = {...runFlags, to: Flags.string({summary: 'Region whose server the CNAME should name (default: the current primary).'})}

  async run(): Promise<RunReport> {
    const {flags} = await this.parse(Repoint)
    return this.runAction(flags, 'repoint', {to: flags.to})
  }
}
