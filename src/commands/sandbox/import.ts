import {Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {confirmChanges} from '../../cli/consent.ts'
import {runningSandbox, sandboxTarget} from '../../azure/target.ts'
import {AzfailError} from '../../errors.ts'
import {checkWritableDir} from '../../cli/paths.ts'

export default class SandboxImport extends AzfailCommand {
  static override summary = "Copy the estate a runbook describes, read-only, into the sandbox, to rehearse failovers of your own topology offline."
  static override description =
    "Reads, through the same SDK clients and read permissions as 'azfail status', every resource the runbook names: Traffic Manager and Front Door, the regions' private endpoints and zone groups, the private DNS zones they write to (records and virtual network links), the PostgreSQL servers, the SQL failover group and the Cosmos DB account. Writes it as the sandbox state in --state-dir, replacing what was there. Azure is never changed."

  static override examples = [
    '<%= config.bin %> sandbox import --runbook prod.yaml --state-dir .azfail/prod-copy --yes',
    '<%= config.bin %> gameday --sandbox --state-dir .azfail/prod-copy --runbook prod.yaml --practice',
  ]

  static override flags = {
    'from-sandbox': Flags.string({summary: 'Read from the sandbox in this state dir instead of Azure (to copy a sandbox).'}),
    yes: Flags.boolean({char: 'y', default: false, summary: 'Do not ask before replacing the sandbox state.'}),
    'dry-run': Flags.boolean({default: false, summary: 'Read and count what would be imported; write nothing.'}),
  }

  async run(): Promise<{stateDir: string; written: boolean; counts: Record<string, number>; skipped: string[]}> {
    const {flags} = await this.parse(SandboxImport)
    const runbook = this.runbookFrom({...flags, sandbox: flags.sandbox || Boolean(flags['from-sandbox'])})
    if (!flags['dry-run']) checkWritableDir(flags['state-dir'], '--state-dir')
    const running = await runningSandbox(flags['state-dir'])
    if (running) {
      throw new AzfailError('locked', 'SandboxRunning', `A sandbox is running for ${flags['state-dir']} (pid ${running.pid}); importing would replace its state underneath it.`, {hint: 'Stop it first (Ctrl-C in its terminal), or import into another --state-dir.'})
    }
    const source = flags['from-sandbox'] ? await sandboxTarget(flags['from-sandbox']) : undefined
    const {target, clients} = source
      ? {target: source, clients: (await import('../../azure/clients.ts')).createClients(source)}
      : await this.connect({...flags, sandbox: false}, runbook)
    try {
      const {importEstate} = await import('../../azure/import.ts')
      const {world, counts, skipped} = await importEstate(runbook.runbook.estate, target, clients, '00000000-0000-0000-0000-000000000000')
      for (const s of skipped) this.note(`not imported: ${s}`)
      const total = Object.values(counts).reduce((a, b) => a + b, 0)
      if (!this.jsonEnabled()) this.logToStderr(`read ${total} resources: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`)
      if (flags['dry-run']) return {stateDir: flags['state-dir'], written: false, counts, skipped}
      if (!(await confirmChanges([`the sandbox state in ${flags['state-dir']} is replaced by the ${total} resources read`], {yes: flags.yes, what: 'azfail sandbox import'}))) {
        throw new AzfailError('declined', 'NotConfirmed', 'Import not confirmed; nothing was written.')
      }
      const {writeImportedState} = await import('#sandbox')
      writeImportedState(flags['state-dir'], world)
      if (!this.jsonEnabled()) this.logToStderr(`wrote ${flags['state-dir']}/state.json; 'azfail status --sandbox --state-dir ${flags['state-dir']} --runbook ${runbook.file}' reads it`)
      return {stateDir: flags['state-dir'], written: true, counts, skipped}
    } finally {
      await source?.close()
    }
  }
}
