// The environment that points azfail's production path (no --sandbox) and any @azure/identity program at a running
// sandbox as one identity: workload identity sign-in at the sandbox's Entra ID, its ARM endpoint as a custom cloud,
// its CA, each region's resolver, and where each private address a check connects to is served on loopback.
import {type SandboxConnection, controlOk, sandboxAccess} from './client.ts'
import {PG_DOMAIN} from './postgres.ts'
import {type World, resourcesOfType} from './world.ts'

/** The port a check connects to on each kind of server, by the private zone that names it. */
const SERVED: Array<{zone: (name: string) => boolean; port: number; listeners: (c: SandboxConnection) => Record<string, string> | undefined}> = [
  {zone: (z) => z === PG_DOMAIN || z.endsWith(`.${PG_DOMAIN}`), port: 5432, listeners: (c) => c.postgres},
  {zone: (z) => z === 'privatelink.database.windows.net', port: 1433, listeners: (c) => c.sql},
]

/**
 * AZFAIL_CONNECT's entries, `address:port=loopback:port`: every address the world's private zones give a PostgreSQL
 * server (port 5432) or a SQL server's private endpoint (port 1433), mapped to the loopback server or listener the
 * sandbox runs for it; and each real PostgreSQL server's own loopback address at 5432, to its port. A name the
 * sandbox serves nothing for (a PostgreSQL server without `--postgres`) has no entry: azfail refuses it.
 */
export function connectEntries(conn: SandboxConnection, world: World): string[] {
  const entries = new Map<string, string>()
  for (const record of resourcesOfType(world, 'Microsoft.Network/privateDnsZones/A')) {
    const [, zone, name] = /\/privateDnsZones\/([^/]+)\/A\/([^/]+)$/i.exec(record.id)?.map((s) => s.toLowerCase()) ?? []
    const served = zone ? SERVED.find((s) => s.zone(zone)) : undefined
    const listener = served?.listeners(conn)?.[name]
    if (!served || !listener) continue
    for (const a of record.properties.aRecords ?? []) entries.set(`${a.ipv4Address}:${served.port}`, listener)
  }
  for (const listener of Object.values(conn.postgres ?? {})) entries.set(`${listener.split(':')[0]}:5432`, listener)
  return [...entries].map(([from, to]) => `${from}=${to}`)
}

/** The variables, in the order `azfail sandbox env` prints them; undefined when the sandbox has no such identity. */
export function identityEnvironment(conn: SandboxConnection, name: string, world: World): Record<string, string> | undefined {
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
    AZFAIL_CONNECT: connectEntries(conn, world).join(','),
  }
}

/** The same, for the running sandbox: its world read through the control endpoint, as it is now. */
export async function runningIdentityEnvironment(conn: SandboxConnection, name: string): Promise<Record<string, string> | undefined> {
  if (!conn.identities?.[name]) return undefined
  const world: World = await controlOk(sandboxAccess(conn), 'GET', 'state')
  return identityEnvironment(conn, name, world)
}
