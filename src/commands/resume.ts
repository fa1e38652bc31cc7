import {Args} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'

export default class Resume extends RunCommand {
  static override summary = 'Continue an interrupted run where it stopped; completed writes are never repeated.'
  static override description = `Rebuilds the run's steps from its journal (.azfail/runs/<id>/), skips the steps it finished, re-plans the rest
against live state (a step whose write already landed plans as "already done"), waits only what is left of a TTL
window, and takes over its own lock.`

  static override examples = ['<%= config.bin %> resume 20261121-221549-52c430 --yes', '<%= config.bin %> resume 20261121-221549-52c430 --dry-run', '<%= config.bin %> runs list']
  static override args = {id: Args.string({description: "run id ('azfail runs list')", required: true})}
  static override flags = {yes: runFlags.yes, 'dry-run': runFlags['dry-run'], 'runs-dir': runFlags['runs-dir']}

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Resume)
    const {openResume} = await import('../services/resume.ts')
    const {isCloudName} = await import('../azure/target.ts')
    const r = openResume(flags['runs-dir'], args.id)
    const recorded = r.meta.target
    const {target, clients} = await this.connect(
      {sandbox: recorded.kind === 'sandbox', 'state-dir': recorded.stateDir ?? flags['state-dir'], subscription: recorded.subscription, cloud: isCloudName(recorded.cloud) ? recorded.cloud : flags.cloud},
      r.runbook,
    )
    return this.execute({action: r.action, options: r.options, dryRun: flags['dry-run'], overrides: r.overrides, reason: r.reason, runbook: r.runbook, target, clients, runsDir: flags['runs-dir'], resume: r.journal}, flags.yes)
  }
}
