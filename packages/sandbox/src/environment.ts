// The environment that points azfail's production path (no --sandbox) and any @azure/identity program at a running
// sandbox as one identity: workload identity sign-in at the sandbox's Entra ID, its ARM endpoint as a custom cloud,
// its CA, and each region's resolver.
import type {SandboxConnection} from './client.ts'

/** The variables, in the order `azfail sandbox env` prints them; undefined when the sandbox has no such identity. */
export function identityEnvironment(conn: SandboxConnection, name: string): Record<string, string> | undefined {
  const identity = conn.identities?.[name]
  if (!identity) return undefined
  return {
    AZURE_TOKEN_CREDENTIALS: 'WorkloadIdentityCredential',
    AZURE_AUTHORITY_HOST: conn.authorityHost,
    AZURE_TENANT_ID: conn.tenantId,
    AZURE_CLIENT_ID: identity.clientId,
    AZURE_FEDERATED_TOKEN_FILE: identity.federatedTokenFile,
    AZURE_SUBSCRIPTION_ID: conn.subscriptionId,
    NODE_EXTRA_CA_CERTS: conn.caCertPath,
    AZFAIL_ARM_ENDPOINT: conn.armEndpoint,
    AZFAIL_RESOLVERS: Object.entries(conn.resolvers)
      .map(([region, address]) => `${region}=${address}`)
      .join(','),
  }
}
