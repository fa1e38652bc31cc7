import {AzfailCommand} from '../../cli/base.ts'
import {Flags} from '@oclif/core'
import {runningSandbox} from '../../azure/target.ts'
import {InputError} from '../../errors.ts'

/** POSIX single quotes: the value exactly, whatever it holds. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`
/** A command's word: bare when the shell reads it as it is, else quoted. */
const shellWord = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : shellQuote(value))

export default class SandboxEnv extends AzfailCommand {
  static override summary = 'Print shell exports that point azfail (without --sandbox), or with --az the Azure CLI, at the running sandbox, signed in as one of its identities.'
  static override description = [
    "Prints POSIX `export` lines for azfail's production path: DefaultAzureCredential pinned to workload identity (AZURE_TOKEN_CREDENTIALS, AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE), the default subscription (AZURE_SUBSCRIPTION_ID), the sandbox's CA (NODE_EXTRA_CA_CERTS), its ARM endpoint as a custom cloud (AZFAIL_ARM_ENDPOINT), each region's resolver (AZFAIL_RESOLVERS) and, for every private address a check connects to (each PostgreSQL server's address at 5432, each SQL server's private endpoint at 1433), the loopback server or listener the sandbox runs for it (AZFAIL_CONNECT).",
    '',
    'A run through these exports is a rehearsal: its ARM endpoint is on loopback, so azfail refuses to connect to any address off 127.0.0.0/8 (one AZFAIL_CONNECT does not map to loopback) instead of dialling it.',
    '',
    "With --az: the lines that point Azure's CLI at the sandbox instead, to rehearse your own az scripts locally: a configuration directory of the sandbox's own (AZURE_CONFIG_DIR, so your real az sign-in is untouched), the sandbox's CA (REQUESTS_CA_BUNDLE), telemetry and MSAL instance discovery off (AZURE_CORE_COLLECT_TELEMETRY, AZURE_CORE_INSTANCE_DISCOVERY, which az 2.53 and later read; for older az, PYTHONPATH loads a shim the sandbox writes), then `az cloud register` from the sandbox's metadata, `az cloud set` and `az login --service-principal` as the identity. Eval them, or copy them into a script; run them in the network namespace the sandbox listens in.",
    '',
    "Identities: operator (the least-privilege role azfail's commands need), reader (Reader), lacks-one (operator minus one action drain needs), and any defined through the control endpoint.",
  ].join('\n')

  static override examples = [
    'eval "$(<%= config.bin %> sandbox env --identity operator)"   # then: azfail drain eus2 --runbook runbooks/demo.yaml',
    '<%= config.bin %> sandbox env --identity reader --state-dir /tmp/azfail-sbx',
    '<%= config.bin %> sandbox env --identity lacks-one --json',
    'eval "$(<%= config.bin %> sandbox env --az --identity operator)"   # then: az network private-dns record-set a list -g rg-connectivity-dns -z privatelink.vaultcore.azure.net',
    '<%= config.bin %> sandbox env --az --identity reader > az-sandbox.sh   # a script to source later: . ./az-sandbox.sh',
  ]

  static override flags = {
    identity: Flags.string({summary: 'The sandbox identity to sign in as (operator, reader, lacks-one, ...).', required: true}),
    az: Flags.boolean({summary: "Print what points Azure's CLI (az) at the sandbox instead: its environment, cloud registration and sign-in, as shell lines.", default: false}),
  }

  async run(): Promise<{identity: string; environment: Record<string, string>; commands?: string[]}> {
    const {flags} = await this.parse(SandboxEnv)
    const running = await runningSandbox(flags['state-dir'])
    if (!running) {
      throw new InputError('SandboxNotRunning', `No sandbox is running for ${flags['state-dir']}: its variables name a live endpoint, token issuer and resolvers.`, `Start one first: 'azfail sandbox start --state-dir ${flags['state-dir']}' (it runs in the foreground; use another terminal).`)
    }
    const {azureCliSetup, runningIdentityEnvironment} = await import('#sandbox')
    const unknown = () => {
      const known = Object.keys(running.identities ?? {})
      return new InputError('UnknownIdentity', `The sandbox at ${flags['state-dir']} has no identity '${flags.identity}'. Its identities: ${known.join(', ') || 'none (a sandbox started by an older azfail: restart it)'}.`, 'Pass one of them to --identity.')
    }
    if (flags.az) {
      const setup = azureCliSetup(running, flags.identity)
      if (!setup) throw unknown()
      const lines = [
        ...setup.variables.map(({name, value, prepend}) => `export ${name}=${shellQuote(value)}${prepend ? `"\${${name}:+:\$${name}}"` : ''}`),
        ...setup.commands.map((alternatives) => alternatives.map((argv, i) => argv.map(shellWord).join(' ') + (i < alternatives.length - 1 ? ' 2>/dev/null' : '')).join(' || ')),
      ]
      if (!this.jsonEnabled()) for (const line of lines) this.log(line)
      return {identity: flags.identity, environment: Object.fromEntries(setup.variables.map((v) => [v.name, v.value])), commands: lines.slice(setup.variables.length)}
    }
    const environment = await runningIdentityEnvironment(running, flags.identity)
    if (!environment) throw unknown()
    if (!this.jsonEnabled()) for (const [name, value] of Object.entries(environment)) this.log(`export ${name}=${shellQuote(value)}`)
    return {identity: flags.identity, environment}
  }
}
