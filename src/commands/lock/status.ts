import {AzfailCommand} from '../../cli/base.ts'
import {terminalLine as f} from '../../report/escape.ts'
import type {LockStatus} from '../../services/lock.ts'

/**
 * The lease as observed: judged on Azure's clock, and a dead process said as that, not as a lapsed lease. Every value
 * comes from a record others write: each is one bounded field, its controls and line breaks shown as escapes.
 */
function lease(l: NonNullable<LockStatus['lock']>): string {
  const resume = `'azfail resume ${f(l.runId)}' takes it over`
  if (l.holderState === 'lapsed') return `lapsed at ${f(l.expires)} (Azure's time is ${l.azureNow}): the run stopped renewing it; ${resume}`
  if (l.holderState === 'gone') return `until ${f(l.expires)}, not lapsed (Azure's time is ${l.azureNow}), but its process (pid ${l.pid} on this machine) has ended: the run died; ${resume}`
  return `until ${f(l.expires)}, not lapsed (Azure's time is ${l.azureNow}): the run renews it while it lives`
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
          ? `held by ${f(l.holder)}\n  run      ${f(l.runId)} (${f(l.action)})\n  since    ${f(l.since)}\n  lease    ${lease(l)}`
          : `free (${target.kind === 'sandbox' ? 'sandbox' : 'Azure'})`,
      )
      const r = status.lastRelease
      if (r) this.log(`last released by hand: ${f(r.by)} at ${f(r.at)} (run ${f(r.runId)}): ${f(r.reason)}`)
    }
    return status
  }
}
