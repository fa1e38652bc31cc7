// Test fixtures of the sandbox package: a sandbox in a fresh state dir, the official SDK clients pointed at it as any
// program would point them, raw requests, the control endpoint, the request log, and a DNS lookup at one resolver.
import {Resolver} from 'node:dns/promises'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import type {CdnManagementClient} from '@azure/arm-cdn'
import type {ComputeManagementClient} from '@azure/arm-compute'
import type {ContainerServiceClient} from '@azure/arm-containerservice'
import type {CosmosDBManagementClient} from '@azure/arm-cosmosdb'
import type {MonitorClient} from '@azure/arm-monitor'
import type {NetworkManagementClient} from '@azure/arm-network'
import type {PostgreSQLManagementFlexibleServerClient} from '@azure/arm-postgresql-flexible'
import type {PrivateDnsManagementClient} from '@azure/arm-privatedns'
import type {SqlManagementClient} from '@azure/arm-sql'
import type {TrafficManagerManagementClient} from '@azure/arm-trafficmanager'
import type {TokenCredential} from '@azure/core-auth'
import {
  type RequestLogEntry,
  type SandboxAccess,
  type SandboxConnection,
  type SandboxHandle,
  type SandboxRequestOptions,
  type SandboxResponse,
  WorldStore,
  control,
  fleetWorld,
  readRequestLog,
  removeSandboxState,
  sandboxAccess,
  sandboxRequest,
  startSandbox,
  staticTokenCredential,
} from '../src/index.ts'

let runRoot: string | undefined

/** A new private directory under this test process's one root in TMPDIR; the root (and any PostgreSQL data) goes after the tests. */
export function tempDir(prefix = 'azfail-sandbox-test-'): string {
  if (!runRoot) {
    runRoot = mkdtempSync(join(tmpdir(), 'azfail-sandbox-test-run-'))
    const root = runRoot
    // on exit, not node:test's after(): created inside a test, after() would belong to that test, not to the file
    process.once('exit', () => {
      // a sandbox run as root keeps its PostgreSQL data outside its state dir, which records where
      for (const f of readdirSync(root, {recursive: true, encoding: 'utf8'})) if (basename(f) === 'postgres-root') removeSandboxState(dirname(join(root, f)))
      rmSync(root, {recursive: true, force: true})
    })
  }
  return mkdtempSync(join(runRoot, prefix))
}

export interface SdkClients {
  trafficManager(): Promise<TrafficManagerManagementClient>
  frontDoor(): Promise<CdnManagementClient>
  privateDns(): Promise<PrivateDnsManagementClient>
  network(): Promise<NetworkManagementClient>
  postgres(): Promise<PostgreSQLManagementFlexibleServerClient>
  sql(): Promise<SqlManagementClient>
  cosmos(): Promise<CosmosDBManagementClient>
  monitor(): Promise<MonitorClient>
  compute(): Promise<ComputeManagementClient>
  containerService(): Promise<ContainerServiceClient>
}

/**
 * The SDK clients against a sandbox, with the options any program passes: its endpoint and that endpoint's scope,
 * its CA, and a retry policy that rides out throttling and transient 5xx (what the fault tests rely on).
 */
export function sdkClients(conn: SandboxConnection, access: SandboxAccess, credential: TokenCredential = staticTokenCredential(conn.token), maxRetries = 6): SdkClients {
  const scope = `${conn.armEndpoint}/.default`
  const options = {
    endpoint: conn.armEndpoint,
    credentialScopes: [scope],
    credentials: {scopes: [scope]},
    retryOptions: {maxRetries, retryDelayInMs: 250, maxRetryDelayInMs: 8000},
    tlsOptions: {ca: access.ca},
  }
  const args = [credential, conn.subscriptionId, options] as const
  const cache = new Map<string, Promise<unknown>>()
  const once = <T>(name: string, make: () => Promise<T>): Promise<T> => {
    if (!cache.has(name)) cache.set(name, make())
    return cache.get(name) as Promise<T>
  }
  return {
    trafficManager: () => once('tm', async () => new (await import('@azure/arm-trafficmanager')).TrafficManagerManagementClient(...args)),
    frontDoor: () => once('cdn', async () => new (await import('@azure/arm-cdn')).CdnManagementClient(...args)),
    privateDns: () => once('dns', async () => new (await import('@azure/arm-privatedns')).PrivateDnsManagementClient(...args)),
    network: () => once('network', async () => new (await import('@azure/arm-network')).NetworkManagementClient(...args)),
    postgres: () => once('pg', async () => new (await import('@azure/arm-postgresql-flexible')).PostgreSQLManagementFlexibleServerClient(...args)),
    sql: () => once('sql', async () => new (await import('@azure/arm-sql')).SqlManagementClient(...args)),
    cosmos: () => once('cosmos', async () => new (await import('@azure/arm-cosmosdb')).CosmosDBManagementClient(...args)),
    monitor: () => once('monitor', async () => new (await import('@azure/arm-monitor')).MonitorClient(...args)),
    compute: () => once('compute', async () => new (await import('@azure/arm-compute')).ComputeManagementClient(...args)),
    containerService: () => once('aks', async () => new (await import('@azure/arm-containerservice')).ContainerServiceClient(...args)),
  }
}

export interface TestSandbox {
  handle: SandboxHandle
  dir: string
  connection: SandboxConnection
  clients: SdkClients
  /** the same clients, authenticating with another credential, and retrying a failed request `maxRetries` times (default 6) */
  clientsWith(credential: TokenCredential, maxRetries?: number): SdkClients
  /** ARM requests logged since the sandbox started (or since `mark()`) */
  requests(): RequestLogEntry[]
  mark(): void
  control(method: string, path: string, body?: unknown): Promise<SandboxResponse>
  raw(method: string, path: string, options?: SandboxRequestOptions): Promise<SandboxResponse>
  stop(): Promise<void>
}

export async function startTestSandbox(dir = tempDir()): Promise<TestSandbox> {
  const handle = await startSandbox({stateDir: dir})
  const conn = handle.connection
  const access = sandboxAccess(conn)
  let offset = 0
  return {
    handle,
    dir,
    connection: conn,
    clients: sdkClients(conn, access),
    clientsWith: (credential, maxRetries) => sdkClients(conn, access, credential, maxRetries),
    requests: () => readRequestLog(dir).slice(offset),
    mark: () => (offset = readRequestLog(dir).length),
    control: (method, path, body) => control(access, method, path, body),
    raw: (method, path, options) => sandboxRequest(access, method, path, options),
    stop: () => handle.stop(),
  }
}

/** A sandbox serving the fleet estate: ten copies of the demo estate, copy n in fleetSubscription(n), TTLs of 1 s. */
export async function startFleetSandbox(): Promise<TestSandbox> {
  const dir = tempDir()
  new WorldStore(dir, () => fleetWorld({ttl: 1}))
  return startTestSandbox(dir)
}

export const SUB_PATH = (t: TestSandbox) => `/subscriptions/${t.connection.subscriptionId}`

export interface NameAnswer {
  /** A records at the end of the chain (empty when none) */
  addresses: string[]
  /** smallest TTL among the answers */
  ttl?: number
  /** NOERROR, NXDOMAIN, or another c-ares outcome */
  outcome: string
}

/** Asks one resolver ("ip:port") for a name's A records over DNS, through Node's c-ares resolver. */
export async function resolveA(server: string, name: string): Promise<NameAnswer> {
  const resolver = new Resolver({timeout: 1500, tries: 2})
  resolver.setServers([server])
  try {
    const records = await resolver.resolve4(name, {ttl: true})
    return {addresses: records.map((r) => r.address), ttl: Math.min(...records.map((r) => r.ttl)), outcome: 'NOERROR'}
  } catch (error: any) {
    return {addresses: [], outcome: error.code === 'ENOTFOUND' ? 'NXDOMAIN' : error.code}
  }
}
