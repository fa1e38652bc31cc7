import {Args, Flags} from '@oclif/core'
import {RunCommand, runFlags} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {InputError} from '../errors.ts'
import type {FleetReport} from '../services/fleet.ts'

/** A resume keeps the wait the run accepted, unless --max-wait says another. */
const withMaxWait = <O extends object>(options: O, max: number | undefined): O => (max === undefined ? options : {...options, maxWaitSeconds: max})

export default class Resume extends RunCommand {
  static override summary = 'Continue an interrupted run where it stopped; completed writes are never repeated.'
  static override description = [
    'Rebuilds the run\'s steps from its journal (.azfail/runs/<id>/), skips the steps it ran to success, re-plans the rest against live state (a step whose write already landed plans as "already done"), waits only what is left of a TTL window, and takes over its own lock. Only an interrupted run resumes: a dry, refused or finished run does not.',
    'A resume runs on the runbook the run was consented on (its digest is journaled, a copy kept beside it): a changed runbook, or another one given with --runbook, is refused (exit 2) naming the keys that changed, unless --replan, which plans the rest on it and asks consent again.',
    'From another machine (no journal of the run here), give the runbook: what the run asked for is kept beside its lock in Azure, and the run is taken over once its lease has lapsed, re-planned from live state.',
    "A fleet run's id (fleet-…, from 'azfail failover --fleet') finishes the fleet, wave by wave: runbooks whose run succeeded are not run again, interrupted runs resume through their own journal, runbooks not started start. A fleet file or runbook changed since the fleet was consented to is refused.",
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> resume 20261121-221549-52c430 --yes',
    '<%= config.bin %> resume 20261121-221549-52c430 --dry-run',
    '<%= config.bin %> resume 20261121-221549-52c430 --runbook prod.yaml --yes   # take over a run from a machine that died',
    '<%= config.bin %> resume fleet-20261121-221549-9f04aa --yes   # finish an interrupted fleet',
  ]

  static override args = {id: Args.string({description: "run id ('azfail runs list', or 'azfail lock status' for a run started elsewhere)", required: true})}
  static override flags = {
    yes: runFlags.yes,
    'dry-run': runFlags['dry-run'],
    'runs-dir': runFlags['runs-dir'],
    ack: runFlags.ack,
    events: runFlags.events,
    'max-wait': runFlags['max-wait'],
    replan: Flags.boolean({summary: 'Resume on a runbook that changed since the run was consented to: plan the rest on it, show the plan, and ask consent (or --yes) before any change.'}),
  }

  async run(): Promise<RunReport | FleetReport> {
    const {args, flags} = await this.parse(Resume)
    const {checkWritableDir} = await import('../cli/paths.ts')
    checkWritableDir(flags['runs-dir'], '--runs-dir')
    const {FleetJournal} = await import('../engine/fleet-journal.ts')
    if (FleetJournal.exists(flags['runs-dir'], args.id)) {
      // A fleet's dry run would be each run's: 'failover --fleet … --dry-run' plans the fleet from live state.
      if (flags['dry-run'] || flags.replan || flags.runbook) throw new InputError('NotWithFleet', `--dry-run, --replan and --runbook do not apply to a fleet run (${args.id}).`, "'azfail failover <region> --fleet <file> --dry-run' plans the fleet from live state (finished runbooks plan as already done).")
      return this.resumeFleet(flags, args.id)
    }
    const {localResume, remoteResume} = await import('../services/resume.ts')
    const local = localResume(flags['runs-dir'], args.id, {runbook: flags.runbook, replan: flags.replan})
    if (local) {
      const {isCloudName} = await import('../azure/target.ts')
      const recorded = local.meta.target
      const {target, clients} = await this.connect(
        {sandbox: recorded.kind === 'sandbox', 'state-dir': recorded.stateDir ?? flags['state-dir'], subscription: recorded.subscription, cloud: isCloudName(recorded.cloud) ? recorded.cloud : flags.cloud},
        local.runbook,
      )
      return this.execute({action: local.action, options: withMaxWait(local.options, flags['max-wait']), dryRun: flags['dry-run'], overrides: local.overrides, reason: local.reason, runbook: local.runbook, target, clients, runsDir: flags['runs-dir'], resume: local.journal}, flags)
    }
    const runbook = this.runbookFrom(flags)
    const {target, clients} = await this.connect(flags, runbook)
    const taken = await remoteResume(runbook, target, clients, flags['runs-dir'], args.id, await target.principal())
    return this.execute({action: taken.action, options: withMaxWait(taken.options, flags['max-wait']), dryRun: flags['dry-run'], overrides: taken.overrides, reason: taken.reason, runbook, target, clients, runsDir: flags['runs-dir'], resume: taken.journal}, flags)
  }
}
