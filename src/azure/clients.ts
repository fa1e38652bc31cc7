// The only place that constructs Azure SDK clients. Packages load lazily, on first use, to keep start-up fast.
import type {AuthorizationManagementClient} from '@azure/arm-authorization'
import type {ManagementLockClient} from '@azure/arm-locks'
import type {CdnManagementClient} from '@azure/arm-cdn'
import type {CosmosDBManagementClient} from '@azure/arm-cosmosdb'
import type {NetworkManagementClient} from '@azure/arm-network'
import type {PostgreSQLManagementFlexibleServerClient} from '@azure/arm-postgresql-flexible'
import type {PrivateDnsManagementClient} from '@azure/arm-privatedns'
import type {SqlManagementClient} from '@azure/arm-sql'
import type {TrafficManagerManagementClient} from '@azure/arm-trafficmanager'
import type {AzureTarget} from './target.ts'

const USER_AGENT = 'azfail/0.1'

/**
 * The options every client gets, Azure or sandbox alike: endpoint, scopes for that cloud, the extra CA if any, and
 * a retry policy that rides out throttling (the SDK honours Retry-After) and transient 5xx.
 */
export function clientOptions(target: AzureTarget) {
  const scope = `${target.endpoint}/.default`
  return {
    endpoint: target.endpoint,
    credentialScopes: [scope],
    credentials: {scopes: [scope]},
    userAgentOptions: {userAgentPrefix: USER_AGENT},
    retryOptions: {maxRetries: 6, retryDelayInMs: 250, maxRetryDelayInMs: 8000},
    ...(target.ca ? {tlsOptions: {ca: target.ca}} : {}),
  }
}

export interface Clients {
  trafficManager(): Promise<TrafficManagerManagementClient>
  frontDoor(): Promise<CdnManagementClient>
  privateDns(): Promise<PrivateDnsManagementClient>
  network(): Promise<NetworkManagementClient>
  postgres(): Promise<PostgreSQLManagementFlexibleServerClient>
  sql(): Promise<SqlManagementClient>
  cosmos(): Promise<CosmosDBManagementClient>
  /** what the principal may do at a scope (Microsoft.Authorization/permissions), in a subscription (default the target's) */
  authorization(subscriptionId?: string): Promise<AuthorizationManagementClient>
  /** management locks (Microsoft.Authorization/locks), in a subscription (default the target's) */
  locks(subscriptionId?: string): Promise<ManagementLockClient>
}

/** One client per service per target, created on first use. */
export function createClients(target: AzureTarget): Clients {
  const cache = new Map<string, Promise<unknown>>()
  const once = <T>(name: string, make: () => Promise<T>): Promise<T> => {
    if (!cache.has(name)) cache.set(name, make())
    return cache.get(name) as Promise<T>
  }
  const args = () => [target.credential, target.subscriptionId, clientOptions(target)] as const
  return {
    trafficManager: () => once('tm', async () => new (await import('@azure/arm-trafficmanager')).TrafficManagerManagementClient(...args())),
    frontDoor: () => once('cdn', async () => new (await import('@azure/arm-cdn')).CdnManagementClient(...args())),
    privateDns: () => once('dns', async () => new (await import('@azure/arm-privatedns')).PrivateDnsManagementClient(...args())),
    network: () => once('network', async () => new (await import('@azure/arm-network')).NetworkManagementClient(...args())),
    postgres: () => once('pg', async () => new (await import('@azure/arm-postgresql-flexible')).PostgreSQLManagementFlexibleServerClient(...args())),
    sql: () => once('sql', async () => new (await import('@azure/arm-sql')).SqlManagementClient(...args())),
    cosmos: () => once('cosmos', async () => new (await import('@azure/arm-cosmosdb')).CosmosDBManagementClient(...args())),
    authorization: (sub = target.subscriptionId) => once(`authorization ${sub}`, async () => new (await import('@azure/arm-authorization')).AuthorizationManagementClient(target.credential, sub, clientOptions(target))),
    locks: (sub = target.subscriptionId) => once(`locks ${sub}`, async () => new (await import('@azure/arm-locks')).ManagementLockClient(target.credential, sub, clientOptions(target))),
  }
}
