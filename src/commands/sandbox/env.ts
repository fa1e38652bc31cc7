import {AzfailCommand} from '../../cli/base.ts'
import {Flags} from '@oclif/core'
import {runningSandbox} from '../../azure/target.ts'
import {InputError} from '../../errors.ts'

/** POSIX single quotes: the value exactly, whatever it holds. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`

export default class SandboxEnv extends AzfailCommand {
  static override summary = 'Print shell exports that point azfail (without --sandbox) at the running sandbox, signed in as one of its identities.'
  static override description = [
    "Prints POSIX `export` lines for azfail's production path: DefaultAzureCredential pinned to workload identity (AZURE_TOKEN_CREDENTIALS, AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE), the default subscription (AZURE_SUBSCRIPTION_ID), the sandbox's CA (NODE_EXTRA_CA_CERTS), its ARM endpoint as a custom cloud (AZFAIL_ARM_ENDPOINT), each region's resolver (AZFAIL_RESOLVERS) and, for every private address a check connects to (each PostgreSQL server's address at 5432, each SQL server's private endpoint at 1433), the loopback server or listener the sandbox runs for it (AZFAIL_CONNECT).",
    '',
    'A run through these exports is a rehearsal: its ARM endpoint is on loopback, so azfail refuses to connect to any address off 127.0.0.0/8 (one AZFAIL_CONNECT does not map to loopback) instead of dialling it.',
    '',
    "Identities: operator (the least-privilege role azfail's commands need), reader (Reader), lacks-one (operator minus one action drain needs), and any defined through the control endpoint.",
  ].join('\n')

  static override examples = [
    'eval "$(<%= config.bin %> sandbox env --identity operator)"   # then: azfail drain eus2 --runbook runbooks/demo.yaml',
    '<%= config.bin %> sandbox env --identity reader --state-dir /tmp/azfail-sbx',
    '<%= config.bin %> sandbox env --identity lacks-one --json',
  ]

  static override flags = {
    identity: Flags.string({summary: 'The sandbox identity to sign in as (operator, reader, lacks-one, ...).', required: true}),
  }

  async run(): Promise<{identity: string; environment: Record<string, string>}> {
    const {flags} = await this.parse(SandboxEnv)
    const running = await runningSandbox(flags['state-dir'])
    if (!running) {
      throw new InputError('SandboxNotRunning', `No sandbox is running for ${flags['state-dir']}: its variables name a live endpoint, token issuer and resolvers.`, `Start one first: 'azfail sandbox start --state-dir ${flags['state-dir']}' (it runs in the foreground; use another terminal).`)
    }
    const {runningIdentityEnvironment} = await import('#sandbox')
    const environment = await runningIdentityEnvironment(running, flags.identity)
    if (!environment) {
      const known = Object.keys(running.identities ?? {})
      throw new InputError('UnknownIdentity', `The sandbox at ${flags['state-dir']} has no identity '${flags.identity}'. Its identities: ${known.join(', ') || 'none (a sandbox started by an older azfail: restart it)'}.`, 'Pass one of them to --identity.')
    }
    if (!this.jsonEnabled()) for (const [name, value] of Object.entries(environment)) this.log(`export ${name}=${shellQuote(value)}`)
    return {identity: flags.identity, environment}
  }
}
