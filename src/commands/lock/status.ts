import {AzfailCommand} from '../../cli/base.ts'
import type {LockStatus} from '../../services/lock.ts'

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
          ? `held by ${l.holder}\n  run      ${l.runId} (${l.action})\n  since    ${l.since}\n  lease    until ${l.expires} (${l.alive ? 'renewed: the run is alive' : "lapsed: the run died; 'azfail resume " + l.runId + "' takes it over"})`
          : `free (${target.kind === 'sandbox' ? 'sandbox' : 'Azure'})`,
      )
      const r = status.lastRelease
      if (r) this.log(`last released by hand: ${r.by} at ${r.at} (run ${r.runId}): ${r.reason}`)
    }
    return status
  }
}
