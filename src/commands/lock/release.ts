import {Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import type {LockReleaseRecord} from '../../estate/state.ts'
import {terminalLine as f} from '../../report/escape.ts'

export default class LockRelease extends AzfailCommand {
  static override summary = 'Release the run lock by hand, recording who did it and why in Azure.'
  static override description =
    'Refused while a live run renews the lock, unless --force (that run then stops before its next change). The release is recorded beside the lock (TXT record _azfail-lock-released) with the principal and the reason.'

  static override examples = ['<%= config.bin %> lock release --reason "laptop died mid-drain; taking over" --sandbox', '<%= config.bin %> lock release --reason "stuck run" --force --runbook prod.yaml']

  static override flags = {
    reason: Flags.string({summary: 'Why the lock is released; recorded in Azure with who did it.', required: true}),
    force: Flags.boolean({summary: 'Release even while a live run renews the lock.', default: false}),
  }

  async run(): Promise<LockReleaseRecord> {
    const {flags} = await this.parse(LockRelease)
    const runbook = this.runbookFrom(flags)
    const {target, clients} = await this.connect(flags, runbook)
    const {releaseHeldLock} = await import('../../services/lock.ts')
    const release = await releaseHeldLock(runbook.runbook.estate, target, clients, {by: await target.principal(), reason: flags.reason, force: flags.force, subscriptionId: target.subscriptionId})
    if (!this.jsonEnabled()) this.logToStderr(`released the lock of run ${f(release.runId)} (held by ${f(release.holder)}); recorded: ${f(release.by)}: ${f(release.reason)}`)
    return release
  }
}
