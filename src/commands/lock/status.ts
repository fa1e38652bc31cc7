import {AzfailCommand} from '../../cli/base.ts'
import type {LockStatus} from '../../services/lock.ts'

/** The lease as observed: judged on Azure's clock, and a dead process said as that, not as a lapsed lease. */
function lease(l: NonNullable<LockStatus['lock']>): string {
  const resume = `'azfail resume ${l.runId}' takes it over`
  if (l.holderState === 'lapsed') return `lapsed at ${l.expires} (Azure's time is ${l.azureNow}): the run stopped renewing it; ${resume}`
  if (l.holderState === 'gone') return `until ${l.expires}, not lapsed (Azure's time is ${l.azureNow}), but its process (pid ${l.pid} on this machine) has ended: the run died; ${resume}`
  return `until ${l.expires}, not lapsed (Azure's time is ${l.azureNow}): the run renews it while it lives`
}

export default class LockStatusCommand extends AzfailCommand {
  static override summary = 'Show the run lock kept in Azure: who holds it, for which run, and until when its lease runs.'
  static override description =
    "The lock is a short lease in the runbook's state zone (TXT record _azfail-lock), renewed by the run holding it for as long as it lives. A lock whose lease has lapsed belongs to a run that died: 'azfail resume <run>' takes that run over, from any machine. The last hand release is shown with who released it and why."

  static override examples = ['<%= config.bin %> lock status --sandbox', '<%= config.bin %> lock status --runbook prod.yaml --json']

  async run(): Promise<LockStatus> {
    const {flags} = await this.parse(LockStatusCommand)
    const runbook = this.runbookFrom(flags)
    const {target, clients} = await this.connect(flags, runbook)
    const {lockStatus} = await import('../../services/lock.ts')
    const status = await lockStatus(runbook.runbook.estate, target, clients)
    if (!this.jsonEnabled()) {
      const l = status.lock
      this.log(
        l
          ? `held by ${l.holder}\n  run      ${l.runId} (${l.action})\n  since    ${l.since}\n  lease    ${lease(l)}`
          : `free (${target.kind === 'sandbox' ? 'sandbox' : 'Azure'})`,
      )
      const r = status.lastRelease
      if (r) this.log(`last released by hand: ${r.by} at ${r.at} (run ${r.runId}): ${r.reason}`)
    }
    return status
  }
}
