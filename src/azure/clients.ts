// The only place that constructs Azure SDK clients. Packages load lazily, on first use, to keep start-up fast.
import type {AuthorizationManagementClient} from '@azure/arm-authorization'
import type {ManagementLockClient} from '@azure/arm-locks'
import type {MonitorClient} from '@azure/arm-monitor'
import type {CdnManagementClient} from '@azure/arm-cdn'
import type {ComputeManagementClient} from '@azure/arm-compute'
import type {ContainerServiceClient} from '@azure/arm-containerservice'
import type {CosmosDBManagementClient} from '@azure/arm-cosmosdb'
import type {NetworkManagementClient} from '@azure/arm-network'
import type {PostgreSQLManagementFlexibleServerClient} from '@azure/arm-postgresql-flexible'
import type {PrivateDnsManagementClient} from '@azure/arm-privatedns'
import type {SqlManagementClient} from '@azure/arm-sql'
import type {TrafficManagerManagementClient} from '@azure/arm-trafficmanager'
import type {Pipeline, PipelinePolicy} from '@azure/core-rest-pipeline'
import {performance} from 'node:perf_hooks'
import pLimit, {type LimitFunction} from 'p-limit'
import type {Estate} from '../runbook/estate.ts'
import {RequestBounds, regionOfPath, requestTimeouts} from './bounded.ts'
import {azfailPolicies} from './policies.ts'
import type {AzureTarget} from './target.ts'
import {withFreshTokens} from './tokens.ts'

const USER_AGENT = 'azfail/0.1'

/**
 * ARM requests in flight per target, across every client. Reads that don't depend on each other are issued together;
 * this bounds them, so a 1,000-endpoint estate reuses a few kept-alive connections instead of opening one each, and
 * stays far below ARM's burst of 250 reads per subscription.
 */
export const ARM_REQUESTS_IN_FLIGHT = 32

const inFlight = new WeakMap<AzureTarget, LimitFunction>()

/** Each attempt (retries too) waits for a free slot; a retry's back-off holds none. */
function inFlightPolicy(target: AzureTarget): PipelinePolicy {
  let limit = inFlight.get(target)
  if (!limit) inFlight.set(target, (limit = pLimit(ARM_REQUESTS_IN_FLIGHT)))
  return {name: 'azfailArmRequestsInFlight', sendRequest: (request, next) => limit(() => next(request))}
}

/**
 * The options every client gets, Azure or sandbox alike: endpoint, scopes for that cloud, the extra CA if any, a
 * retry policy that rides out throttling (the SDK honours Retry-After) and transient 5xx, and, with `bounds`, a
 * timeout per attempt, a breaker per region and the interrupt.
 */
export function clientOptions(target: AzureTarget, bounds?: RequestBounds) {
  const scope = `${target.endpoint}/.default`
  return {
    endpoint: target.endpoint,
    credentialScopes: [scope],
    credentials: {scopes: [scope]},
    userAgentOptions: {userAgentPrefix: USER_AGENT},
    retryOptions: {maxRetries: 6, retryDelayInMs: 250, maxRetryDelayInMs: 8000},
    additionalPolicies: [
      ...(bounds ? [{policy: bounds.interruptPolicy(), position: 'perCall' as const}] : []),
      {policy: inFlightPolicy(target), position: 'perRetry' as const},
      // the lease's fence, then Azure's clock: each attempt asks the fence right before it is sent
      ...azfailPolicies(target),
      // after the slot is had: waiting for a free slot is not the request's time
      ...(bounds ? [{policy: bounds.attemptPolicy(), position: 'perRetry' as const}] : []),
    ],
    ...(target.ca ? {tlsOptions: {ca: target.ca}} : {}),
  }
}

/** The SDK clients of one subscription. */
export interface SubscriptionClients {
  subscriptionId: string
  trafficManager(): Promise<TrafficManagerManagementClient>
  frontDoor(): Promise<CdnManagementClient>
  privateDns(): Promise<PrivateDnsManagementClient>
  network(): Promise<NetworkManagementClient>
  postgres(): Promise<PostgreSQLManagementFlexibleServerClient>
  sql(): Promise<SqlManagementClient>
  cosmos(): Promise<CosmosDBManagementClient>
  /** what the principal may do at a scope (Microsoft.Authorization/permissions) */
  authorization(): Promise<AuthorizationManagementClient>
  /** management locks (Microsoft.Authorization/locks) */
  locks(): Promise<ManagementLockClient>
  /** Azure Monitor: the Activity Log (Microsoft.Insights/eventtypes/management/values) */
  monitor(): Promise<MonitorClient>
  /** VMs and scale-set instances: their run command, a region's vantage */
  compute(): Promise<ComputeManagementClient>
  /** AKS clusters: command invoke, a region's vantage */
  containerService(): Promise<ContainerServiceClient>
}

/**
 * The clients of the target's default subscription, and `for(subscription)` those of any other one a runbook names
 * (a hub-spoke estate keeps its DNS zones, steering and each region's workload in subscriptions of their own).
 */
export interface Clients extends SubscriptionClients {
  /** the clients of `subscriptionId`; undefined means the target's default subscription */
  for(subscriptionId: string | undefined): SubscriptionClients
  /** aborts every request in flight (the run's Ctrl-C or SIGTERM); later requests, such as the lock's release, still go out */
  interrupt(): void
  /** aborted by the next interrupt(): DNS queries and other work that is not an ARM request listen to it */
  signal(): AbortSignal
  /** the regions whose ARM was found down (timed out, answered 5xx, dropped) by these clients, and why */
  regionsDown(): Record<string, string>
  /** the operator's word that a region is down (failover --ungraceful): nothing is asked of it, ARM or its resolver */
  declareDown(region: string, why: string): void
  /** the regions declared down, and why */
  declaredDown(): Record<string, string>
  /**
   * A read that changes far more slowly than a run lasts (which private DNS zones a subscription has, what the
   * principal may do at a scope), shared by everyone who asks for `key` within `maxAgeMs` of its start, in flight
   * included. A read that fails is not kept: the next asker reads again.
   */
  recent<T>(key: string, maxAgeMs: number, read: () => Promise<T>): Promise<T>
}

/**
 * One client per service per subscription, created on first use. The estate, where given, maps each request to the
 * region it is about, so a region found down is not retried. AZFAIL_REQUEST_TIMEOUT bounds each attempt.
 */
export function createClients(target: AzureTarget, options: {estate?: Estate; env?: NodeJS.ProcessEnv} = {}): Clients {
  const bounds = new RequestBounds(requestTimeouts(options.env), regionOfPath(options.estate))
  const bySubscription = new Map<string, SubscriptionClients>()
  const of = (subscriptionId: string): SubscriptionClients => {
    const cache = new Map<string, Promise<unknown>>()
    const once = <T extends {pipeline: Pipeline}>(name: string, make: () => Promise<T>): Promise<T> => {
      if (!cache.has(name)) cache.set(name, make().then((client) => withFreshTokens(client, target.credential, `${target.endpoint}/.default`)))
      return cache.get(name) as Promise<T>
    }
    const args = () => [target.credential, subscriptionId, clientOptions(target, bounds)] as const
    return {
      subscriptionId,
      trafficManager: () => once('tm', async () => new (await import('@azure/arm-trafficmanager')).TrafficManagerManagementClient(...args())),
      frontDoor: () => once('cdn', async () => new (await import('@azure/arm-cdn')).CdnManagementClient(...args())),
      privateDns: () => once('dns', async () => new (await import('@azure/arm-privatedns')).PrivateDnsManagementClient(...args())),
      network: () => once('network', async () => new (await import('@azure/arm-network')).NetworkManagementClient(...args())),
      postgres: () => once('pg', async () => new (await import('@azure/arm-postgresql-flexible')).PostgreSQLManagementFlexibleServerClient(...args())),
      sql: () => once('sql', async () => new (await import('@azure/arm-sql')).SqlManagementClient(...args())),
      cosmos: () => once('cosmos', async () => new (await import('@azure/arm-cosmosdb')).CosmosDBManagementClient(...args())),
      authorization: () => once('authorization', async () => new (await import('@azure/arm-authorization')).AuthorizationManagementClient(...args())),
      locks: () => once('locks', async () => new (await import('@azure/arm-locks')).ManagementLockClient(...args())),
      monitor: () => once('monitor', async () => new (await import('@azure/arm-monitor')).MonitorClient(...args())),
      compute: () => once('compute', async () => new (await import('@azure/arm-compute')).ComputeManagementClient(...args())),
      containerService: () => once('aks', async () => new (await import('@azure/arm-containerservice')).ContainerServiceClient(...args())),
    }
  }
  const forSubscription = (subscriptionId: string | undefined): SubscriptionClients => {
    const id = (subscriptionId ?? target.subscriptionId).toLowerCase()
    if (!bySubscription.has(id)) bySubscription.set(id, of(subscriptionId ?? target.subscriptionId))
    return bySubscription.get(id)!
  }
  const recent = new Map<string, {at: number; value: Promise<unknown>}>()
  const recentRead = <T>(key: string, maxAgeMs: number, read: () => Promise<T>): Promise<T> => {
    const kept = recent.get(key)
    if (kept && performance.now() - kept.at < maxAgeMs) return kept.value as Promise<T>
    const value = read()
    const entry = {at: performance.now(), value}
    recent.set(key, entry)
    value.catch(() => recent.get(key) === entry && recent.delete(key))
    return value
  }
  return {...forSubscription(undefined), for: forSubscription, recent: recentRead, interrupt: () => bounds.interrupt(), signal: () => bounds.signal(), regionsDown: () => bounds.regionsDown(), declareDown: (region, why) => bounds.declareDown(region, why), declaredDown: () => bounds.declaredDown()}
}
