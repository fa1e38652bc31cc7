// The credential of the production path (no --sandbox): @azure/identity's own classes, configured from the standard
// environment variables. It never falls through to managed identity unless the user pins it: a laptop or CI runner
// that happens to sit in Azure must not act as the machine's identity, and the metadata address (169.254.169.254) is
// never probed on the way to an `az login` token.
import type {TokenCredential} from '@azure/core-auth'
import type {DefaultAzureCredentialOptions} from '@azure/identity'
import {InputError} from '../errors.ts'
import {setting} from '../inputs.ts'

/** The public DNS suffixes of a cloud's PaaS names, which differ in the sovereign clouds (Microsoft's endpoint mapping per cloud). */
export interface DnsSuffixes {
  /** Azure SQL logical servers and failover-group listeners */
  sqlServer: string
  /** PostgreSQL flexible servers */
  postgres: string
  /** Cosmos DB accounts */
  cosmos: string
  keyVault: string
}

export const CLOUDS = {
  AzurePublicCloud: {
    arm: 'https://management.azure.com',
    authority: 'https://login.microsoftonline.com',
    dns: {sqlServer: 'database.windows.net', postgres: 'postgres.database.azure.com', cosmos: 'documents.azure.com', keyVault: 'vault.azure.net'},
  },
  AzureUSGovernment: {
    arm: 'https://management.usgovcloudapi.net',
    authority: 'https://login.microsoftonline.us',
    dns: {sqlServer: 'database.usgovcloudapi.net', postgres: 'postgres.database.usgovcloudapi.net', cosmos: 'documents.azure.us', keyVault: 'vault.usgovcloudapi.net'},
  },
  AzureChinaCloud: {
    arm: 'https://management.chinacloudapi.cn',
    authority: 'https://login.chinacloudapi.cn',
    dns: {sqlServer: 'database.chinacloudapi.cn', postgres: 'postgres.database.chinacloudapi.cn', cosmos: 'documents.azure.cn', keyVault: 'vault.azure.cn'},
  },
} as const satisfies Record<string, {arm: string; authority: string; dns: DnsSuffixes}>
export type CloudName = keyof typeof CLOUDS

export const isCloudName = (name: unknown): name is CloudName => typeof name === 'string' && Object.hasOwn(CLOUDS, name)

/** Where tokens come from and where ARM is: a known cloud, or a custom one from AZFAIL_ARM_ENDPOINT + AZURE_AUTHORITY_HOST. */
export interface CloudEndpoints {
  /** the cloud's name, or 'custom' */
  name: CloudName | 'custom'
  arm: string
  authority: string
  /** MSAL validates an authority against the public cloud's instance discovery; a custom cloud's would fail it */
  disableInstanceDiscovery: boolean
}

const KNOWN_AUTHORITIES = new Set<string>(Object.values(CLOUDS).map((c) => c.authority))

export function cloudEndpoints(cloud: CloudName, env: NodeJS.ProcessEnv = process.env): CloudEndpoints {
  const known = CLOUDS[cloud]
  const arm = setting('AZFAIL_ARM_ENDPOINT', env)?.origin ?? known.arm
  if (env.AZFAIL_ARM_ENDPOINT && !env.AZURE_AUTHORITY_HOST) {
    throw new InputError('NoAuthorityHost', 'AZFAIL_ARM_ENDPOINT names a custom cloud, but AZURE_AUTHORITY_HOST (where its tokens come from) is not set.', "Set AZURE_AUTHORITY_HOST to the cloud's Entra ID authority, such as https://login.microsoftonline.com.")
  }
  const authority = setting('AZURE_AUTHORITY_HOST', env)?.origin ?? known.authority
  return {name: env.AZFAIL_ARM_ENDPOINT ? 'custom' : cloud, arm, authority, disableInstanceDiscovery: !KNOWN_AUTHORITIES.has(authority)}
}

/** The credentials tried, in order, when AZURE_TOKEN_CREDENTIALS pins none: DefaultAzureCredential's minus managed identity. */
export function unpinnedChain(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    'EnvironmentCredential',
    ...(env.AZURE_FEDERATED_TOKEN_FILE && env.AZURE_CLIENT_ID ? ['WorkloadIdentityCredential'] : []),
    'AzureCliCredential',
    'AzureDeveloperCliCredential',
    'AzurePowerShellCredential',
  ]
}

export interface ChosenCredential {
  credential: TokenCredential
  /** the credential classes tried, in order (doctor shows it; a test checks managed identity is not among them) */
  chain: string[]
  /** AZURE_TOKEN_CREDENTIALS as given, when it pins the choice */
  pinned?: string
}

/**
 * AZURE_TOKEN_CREDENTIALS set: DefaultAzureCredential, which honours it (one credential, or 'dev' / 'prod'; only then can
 * managed identity be chosen). Unset: a chain without managed identity.
 */
export async function productionCredential(cloud: CloudEndpoints, env: NodeJS.ProcessEnv = process.env): Promise<ChosenCredential> {
  const identity = await import('@azure/identity')
  const options: DefaultAzureCredentialOptions = {authorityHost: cloud.authority, ...(cloud.disableInstanceDiscovery ? {disableInstanceDiscovery: true} : {})}
  const pinned = env.AZURE_TOKEN_CREDENTIALS?.trim()
  if (pinned) {
    try {
      return {credential: new identity.DefaultAzureCredential(options), chain: pinnedChain(pinned), pinned}
    } catch (error) {
      throw new InputError('BadTokenCredentials', `AZURE_TOKEN_CREDENTIALS='${pinned}' is not a credential @azure/identity knows: ${(error as Error).message}`, 'Unset it to let azfail try Azure CLI, azd and the environment, or name one credential, such as WorkloadIdentityCredential.')
    }
  }
  const chain = unpinnedChain(env)
  const make: Record<string, () => TokenCredential> = {
    EnvironmentCredential: () => new identity.EnvironmentCredential(options),
    WorkloadIdentityCredential: () => new identity.WorkloadIdentityCredential({...options, clientId: env.AZURE_CLIENT_ID, tenantId: env.AZURE_TENANT_ID, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE}),
    AzureCliCredential: () => new identity.AzureCliCredential({...(env.AZURE_TENANT_ID ? {tenantId: env.AZURE_TENANT_ID} : {})}),
    AzureDeveloperCliCredential: () => new identity.AzureDeveloperCliCredential({...(env.AZURE_TENANT_ID ? {tenantId: env.AZURE_TENANT_ID} : {})}),
    AzurePowerShellCredential: () => new identity.AzurePowerShellCredential({...(env.AZURE_TENANT_ID ? {tenantId: env.AZURE_TENANT_ID} : {})}),
  }
  return {credential: new identity.ChainedTokenCredential(...chain.map((name) => make[name]())), chain}
}

/** What DefaultAzureCredential tries for a pinned AZURE_TOKEN_CREDENTIALS value (as @azure/identity 4.14 maps it). */
function pinnedChain(value: string): string[] {
  const v = value.toLowerCase()
  if (v === 'prod') return ['EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential']
  if (v === 'dev') return ['VisualStudioCodeCredential', 'AzureCliCredential', 'AzurePowerShellCredential', 'AzureDeveloperCliCredential']
  return [value]
}
