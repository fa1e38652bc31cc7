import {Args} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {renderReport, runFlags} from '../../cli/run-command.ts'
import {Journal} from '../../engine/journal.ts'
import type {RunMeta, StepRecord} from '../../engine/types.ts'

export default class RunsShow extends AzfailCommand {
  static override summary = 'Show one run: what was asked, by whom, each step with its plan, status and timing.'
  static override examples = ['<%= config.bin %> runs show 20261121-221549-52c430', '<%= config.bin %> runs show 20261121-221549-52c430 --json']
  static override args = {id: Args.string({description: 'run id', required: true})}
  static override flags = {'runs-dir': runFlags['runs-dir']}

  async run(): Promise<RunMeta & {steps: StepRecord[]}> {
    const {args, flags} = await this.parse(RunsShow)
    const journal = Journal.open(flags['runs-dir'], args.id)
    const meta = journal.meta()
    const steps = journal.steps()
    if (!this.jsonEnabled()) {
      this.log(`requested by ${meta.principal} at ${meta.startedAt}, ${meta.attempts} attempt(s), runbook ${meta.runbook}, target ${meta.target.kind}`)
      this.log(renderReport({runId: meta.runId, action: meta.action, region: meta.region, dryRun: meta.dryRun, status: meta.status, steps, overrides: meta.overrides, warnings: []}))
    }
    return {...meta, steps}
  }
}
