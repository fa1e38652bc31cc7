import {Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {confirmChanges} from '../../cli/consent.ts'
import {runningSandbox} from '../../azure/target.ts'
import {AzfailError} from '../../errors.ts'
import {ESTATES, TOKEN_LIFETIME_FLAG, latencyFlag, tokenLifetimeSeconds} from '../../cli/sandbox-flags.ts'
import {checkWritableDir} from '../../cli/paths.ts'

export default class SandboxReset extends AzfailCommand {
  static override summary = 'Restore the sandbox to a bundled estate (the demo unless --estate names another) and clear its request log.'
  static override examples = [
    '<%= config.bin %> sandbox reset --yes',
    '<%= config.bin %> sandbox reset --ttl 1 --yes   # quick rehearsals: 1 s TTLs',
    '<%= config.bin %> sandbox reset --postgres --yes   # real PostgreSQL behind pg-app-eus2 / pg-app-wus2',
    '<%= config.bin %> sandbox reset --estate hub-spoke --yes   # the landing zone of runbooks/hub-spoke.yaml: four subscriptions',
    '<%= config.bin %> sandbox reset --estate fleet --yes   # ten copies of the demo estate, one subscription each: runbooks/fleet/',
    '<%= config.bin %> sandbox reset --latency azure --yes   # Azure-like timing of ARM answers and long-running operations',
    '<%= config.bin %> sandbox reset --dry-run',
  ]

  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
    'dry-run': Flags.boolean({summary: 'Show what would be reset; change nothing.'}),
    estate: Flags.option({summary: 'Which bundled estate: demo (one subscription, runbooks/demo.yaml) hub-spoke (connectivity, shared-services and one workload subscription per region, runbooks/hub-spoke.yaml) or fleet (ten copies of the demo estate, one subscription each, runbooks/fleet/).', options: ESTATES, default: 'demo' as const})(),
    ttl: Flags.integer({summary: 'Build the estate with this TTL (seconds, 0-2147483647 as Azure allows) for steering and every private record, instead of 10.', min: 0, max: 2_147_483_647}),
    'token-lifetime': TOKEN_LIFETIME_FLAG,
    postgres: Flags.boolean({default: false, summary: 'Also run a real PostgreSQL server (on loopback, with TLS) for each flexible server, the replica a streaming hot standby of its primary, so promote can verify a write through the CNAME and measure what a promotion loses.'}),
    latency: latencyFlag('Timing of ARM answers', 'default: none'),
  }

  async run(): Promise<{stateDir: string; estate?: string; reset: boolean; dryRun: boolean}> {
    const {flags} = await this.parse(SandboxReset)
    const tokenLifetime = tokenLifetimeSeconds(flags['token-lifetime'])
    const changes = [`every resource in the sandbox at ${flags['state-dir']} returns to the ${flags.estate} estate`, 'the request log is emptied', 'injected faults are removed', 'any outage ends']
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) this.log(changes.map((c) => `would: ${c}`).join('\n'))
      return {stateDir: flags['state-dir'], reset: false, dryRun: true}
    }
    checkWritableDir(flags['state-dir'], '--state-dir')
    if (!(await confirmChanges(changes, {yes: flags.yes, what: 'azfail sandbox reset'}))) {
      throw new AzfailError('declined', 'NotConfirmed', 'Reset not confirmed; nothing was changed.')
    }
    const running = await runningSandbox(flags['state-dir'])
    const {resetSandbox} = await import('#sandbox')
    try {
      await resetSandbox(flags['state-dir'], running, {
        estate: flags.estate,
        ...(flags.ttl === undefined ? {} : {ttl: flags.ttl}),
        ...(flags.postgres ? {postgres: true} : {}),
        ...(flags.latency ? {latency: flags.latency} : {}),
        ...(tokenLifetime === undefined ? {} : {tokenLifetimeSeconds: tokenLifetime}),
      })
    } catch (error: any) {
      if (!running || error?.name !== 'SandboxControlError' || error.status !== 409) throw error
      // The running sandbox keeps whether it runs PostgreSQL: only a stopped one can change that.
      throw new AzfailError('locked', 'SandboxRunning', `The sandbox running for ${flags['state-dir']} (pid ${running.pid}) refused the reset: ${error.serverMessage ?? error.message}`, {
        cause: error,
        hint: `Stop it (Ctrl-C where 'azfail sandbox start' runs, or kill ${running.pid}) and reset again, or reset ${flags.postgres ? 'without' : 'with'} --postgres, as it runs.`,
      })
    }
    if (!this.jsonEnabled()) this.logToStderr(`sandbox at ${flags['state-dir']} reset to the ${flags.estate} estate${running ? ' (running instance)' : ''}`)
    return {stateDir: flags['state-dir'], estate: flags.estate, reset: true, dryRun: false}
  }
}
