import {Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {runningSandbox} from '../../azure/target.ts'
import {AzfailError} from '../../errors.ts'
import {ESTATES, TOKEN_LIFETIME_FLAG, latencyFlag, tokenLifetimeSeconds} from '../../cli/sandbox-flags.ts'
import {checkWritableDir} from '../../cli/paths.ts'

export default class SandboxStart extends AzfailCommand {
  static override summary = 'Run the embedded Azure sandbox in the foreground until Ctrl-C.'
  static override description =
    'Serves the ARM operations azfail uses over HTTPS on 127.0.0.1, and one DNS resolver per region on its own loopback address. Writes <state-dir>/connection.json (endpoint, CA, token, resolvers, control endpoint) for other programs and other azfail commands; state persists in the state dir across restarts.'

  static override examples = [
    '<%= config.bin %> sandbox start',
    '<%= config.bin %> sandbox start --state-dir /tmp/azfail-sbx --port 8443',
    '<%= config.bin %> sandbox start --estate hub-spoke   # start from a fresh hub-spoke estate (four subscriptions)',
    '<%= config.bin %> sandbox start --token-lifetime 30s   # short-lived tokens: a long run must refresh',
    '<%= config.bin %> sandbox start --latency azure   # Azure-like timing, for benchmarks and drills',
  ]

  static override flags = {
    port: Flags.integer({summary: 'ARM port on 127.0.0.1 (default: a free one).', min: 0, max: 65535}),
    estate: Flags.option({summary: 'Start from a fresh copy of this bundled estate (demo, hub-spoke or fleet), replacing the state dir\'s; without it the state dir\'s estate is kept.', options: ESTATES})(),
    'token-lifetime': TOKEN_LIFETIME_FLAG,
    latency: latencyFlag('Timing of ARM answers', 'kept in the state; default: as the state has it'),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(SandboxStart)
    const tokenLifetime = tokenLifetimeSeconds(flags['token-lifetime'])
    checkWritableDir(flags['state-dir'], '--state-dir')
    const existing = await runningSandbox(flags['state-dir'])
    if (existing) {
      throw new AzfailError('locked', 'SandboxRunning', `A sandbox is already running for ${flags['state-dir']} (pid ${existing.pid}, ${existing.armEndpoint}).`, {hint: 'Use it as it is, or stop it first (Ctrl-C in its terminal, or kill its pid).'})
    }
    const {redactedConnection, resetSandbox, runSandboxForeground} = await import('#sandbox')
    if (flags.estate) await resetSandbox(flags['state-dir'], undefined, {estate: flags.estate})
    await runSandboxForeground(flags['state-dir'], flags.port, (c) => {
      if (this.jsonEnabled()) {
        this.logJson(this.toSuccessJson(redactedConnection(c)))
        return
      }
      this.logToStderr(`azfail sandbox running (pid ${c.pid})`)
      this.logToStderr(`  ARM endpoint      ${c.armEndpoint}`)
      this.logToStderr(`  control endpoint  ${c.controlEndpoint}`)
      for (const [region, addr] of Object.entries(c.resolvers)) this.logToStderr(`  resolver ${region.padEnd(8)} ${addr}`)
      this.logToStderr(`  connection        ${c.stateDir}/connection.json`)
      this.logToStderr(`  identities        ${Object.keys(c.identities).join(', ')} ('azfail sandbox env --identity NAME')`)
      this.logToStderr('Ctrl-C stops it.')
    }, {...(tokenLifetime === undefined ? {} : {tokenLifetimeSeconds: tokenLifetime}), ...(flags.latency ? {latency: flags.latency} : {})})
  }
}
