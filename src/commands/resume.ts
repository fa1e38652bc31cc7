import {Args} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/run.ts'

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
    const {planResume, runAction} = await import('../steps/runner.ts')
    const {chooseRenderer} = await import('../engine/run.ts')
    const {confirmChanges} = await import('../cli/consent.ts')
    const request = {
      action: meta.action as any,
      options: meta.options,
      dryRun: false,
      overrides: meta.overrides.map((o) => o.guard),
      reason: meta.overrides.map((o) => o.reason).join('; ') || undefined,
      runbook,
      target,
      clients,
      runsDir: flags['runs-dir'],
      renderer: chooseRenderer(this.jsonEnabled()),
      confirm: (changes: string[]) => confirmChanges(changes, {yes: flags.yes, what: `azfail resume ${args.id}`}),
      acknowledge: (instruction: string) => this.acknowledge(instruction, flags.yes),
      resume: journal,
    }
    // A dry run plans what is left as a run of its own; the interrupted run's journal stays untouched.
    const report = flags['dry-run'] ? await planResume(request) : await runAction(request)
    this.report(report)
    return report
  }
}
