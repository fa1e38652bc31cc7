// What points Azure's own CLI (`az`) at a running sandbox, signed in as one of its identities: a configuration
// directory of its own (the user's real `az` sign-in stays as it is), the sandbox's CA for Python's requests, telemetry
// off, the sandbox registered as a custom cloud from its own metadata (`GET /metadata/endpoints`), and a service
// principal sign-in at the sandbox's Entra ID.
//
// MSAL asks login.microsoftonline.com to vouch for any authority that is not one of Microsoft's hosts ("instance
// discovery") unless told not to. Azure CLI 2.53 and later take `core.instance_discovery=false` (Azure/azure-cli#27494),
// set here as AZURE_CORE_INSTANCE_DISCOVERY; older versions have no such setting, so the sandbox writes a
// sitecustomize.py that gives MSAL's applications `instance_discovery=False` by default, loaded through PYTHONPATH.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {SandboxConnection} from './client.ts'

export const AZ_CLOUD_NAME = 'azfail-sandbox'

/** The directory holding the sitecustomize.py an `az` older than 2.53 needs to sign in to the sandbox. */
export const azSiteDir = (stateDir: string) => join(stateDir, 'az', 'python')

const SITECUSTOMIZE = `# Written by the azfail sandbox; loaded (PYTHONPATH) by the Python of the \`az\` that \`azfail sandbox env --az\` set up.
# Azure CLI before 2.53 has no core.instance_discovery setting, so MSAL asks login.microsoftonline.com to validate the
# sandbox's authority before every sign-in. This makes instance_discovery=False MSAL's default, as MSAL documents it
# (ClientApplication(instance_discovery=False)); an az that passes the setting itself (2.53 and later) overrides it.
import functools

try:
    import msal.application
except ImportError:  # a Python without MSAL: nothing to change
    pass
else:
    _init = msal.application.ClientApplication.__init__

    @functools.wraps(_init)
    def _without_instance_discovery(self, *args, instance_discovery=False, **kwargs):
        _init(self, *args, instance_discovery=instance_discovery, **kwargs)

    msal.application.ClientApplication.__init__ = _without_instance_discovery
`

/** Writes the sitecustomize.py (a published sandbox does this when it starts). */
export function writeAzSite(stateDir: string): void {
  mkdirSync(azSiteDir(stateDir), {recursive: true})
  writeFileSync(join(azSiteDir(stateDir), 'sitecustomize.py'), SITECUSTOMIZE)
}

export interface AzureCliSetup {
  /** environment variables, in order; `prepend` ones go before a value the shell already has (a path list) */
  variables: Array<{name: string; value: string; prepend?: true}>
  /** az commands to run in order; each is a list of alternatives, the next one tried when one fails */
  commands: string[][][]
}

/** What sets an `az` up against the sandbox as `identity`; undefined when the sandbox has no such identity. */
export function azureCliSetup(conn: SandboxConnection, identity: string): AzureCliSetup | undefined {
  const id = conn.identities?.[identity]
  if (!id) return undefined
  const arm = `${conn.armEndpoint}/`
  return {
    variables: [
      {name: 'AZURE_CONFIG_DIR', value: join(conn.stateDir, 'az', 'config')},
      {name: 'REQUESTS_CA_BUNDLE', value: conn.caCertPath},
      {name: 'AZURE_CORE_COLLECT_TELEMETRY', value: 'false'},
      {name: 'AZURE_CORE_INSTANCE_DISCOVERY', value: 'false'},
      {name: 'PYTHONPATH', value: azSiteDir(conn.stateDir), prepend: true},
    ],
    commands: [
      // a sandbox started again has another port: the cloud registered before is updated from the new metadata
      [
        ['az', 'cloud', 'register', '-n', AZ_CLOUD_NAME, '--endpoint-resource-manager', arm, '-o', 'none'],
        ['az', 'cloud', 'update', '-n', AZ_CLOUD_NAME, '--endpoint-resource-manager', arm, '-o', 'none'],
      ],
      [['az', 'cloud', 'set', '-n', AZ_CLOUD_NAME, '--only-show-errors']],
      [['az', 'login', '--service-principal', '-u', id.clientId, '-p', id.clientSecret, '--tenant', conn.tenantId, '-o', 'none']],
    ],
  }
}
