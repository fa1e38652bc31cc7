import {AzfailCommand} from '../../cli/base.ts'
import {runningSandbox} from '../../azure/target.ts'
import type {SandboxStatus as Status} from '#sandbox'

export default class SandboxStatus extends AzfailCommand {
  static override summary = 'Show whether the sandbox runs for this state dir, and what it holds.'
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json']

  async run(): Promise<Status> {
    const {flags} = await this.parse(SandboxStatus)
    const running = await runningSandbox(flags['state-dir'])
    const {outageLines, sandboxStatus} = await import('#sandbox')
    const status = sandboxStatus(flags['state-dir'], running)
    if (!this.jsonEnabled()) {
      this.log(`state dir      ${status.stateDir}`)
      this.log(`running        ${status.running ? `yes, pid ${status.connection!.pid}, ${status.connection!.armEndpoint}` : 'no (commands with --sandbox start one in-process)'}`)
      if (status.connection) for (const [r, a] of Object.entries(status.connection.resolvers)) this.log(`resolver ${r.padEnd(6)} ${a}`)
      this.log(`resources      ${status.resources}`)
      this.log(`operations     ${status.operationsInFlight} in flight`)
      this.log(`faults         ${status.faults}`)
      for (const [i, line] of outageLines(status.outage).entries()) this.log(`${i === 0 ? 'outage' : ''}`.padEnd(15) + line)
      this.log(`requests       ${status.requestsLogged} logged`)
    }
    return status
  }
}
