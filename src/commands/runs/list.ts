import {AzfailCommand} from '../../cli/base.ts'
import {table} from '../../cli/table.ts'
import {runFlags} from '../../cli/run-command.ts'
import {listRuns} from '../../engine/journal.ts'
import type {RunMeta} from '../../engine/types.ts'

export default class RunsList extends AzfailCommand {
  static override summary = 'List the runs in the local journal, newest first.'
  static override examples = ['<%= config.bin %> runs list', '<%= config.bin %> runs list --json']
  static override flags = {'runs-dir': runFlags['runs-dir']}

  async run(): Promise<{runs: RunMeta[]}> {
    const {flags} = await this.parse(RunsList)
    const runs = listRuns(flags['runs-dir'])
    if (!this.jsonEnabled()) {
      this.log(
        runs.length === 0
          ? `no runs in ${flags['runs-dir']}`
          : table(
              ['run', 'action', 'status', 'started', 'by', 'target'],
              runs.map((r) => [r.runId, `${r.action}${r.region ? ` ${r.region}` : ''}${r.dryRun ? ' (dry run)' : ''}`, r.status, r.startedAt, r.principal, r.target.kind]),
            ),
      )
    }
    return {runs}
  }
}
