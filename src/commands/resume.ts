import {Args} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/run.ts'
import type {Action} from '../steps/actions.ts'

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
    const {Journal} = await import('../engine/journal.ts')
    const journal = Journal.open(flags['runs-dir'], args.id)
    const meta = journal.meta()
    const {loadRunbook} = await import('../runbook/load.ts')
    const runbook = loadRunbook(meta.runbook)
    const sandbox = meta.target.kind === 'sandbox'
    const {target, clients} = await this.connect({sandbox, 'state-dir': meta.target.stateDir ?? flags['state-dir'], subscription: meta.target.subscription, cloud: (meta.target.cloud ?? flags.cloud) as any}, runbook)
    return this.execute(
      {
        action: meta.action as Action,
        options: meta.options,
        dryRun: flags['dry-run'],
        overrides: meta.overrides.map((o) => o.guard),
        reason: meta.overrides.map((o) => o.reason).join('; ') || undefined,
        runbook,
        target,
        clients,
        runsDir: flags['runs-dir'],
        resume: journal,
      },
      flags.yes,
    )
  }
}
