// Where azfail talks to: Azure (DefaultAzureCredential, a cloud's ARM endpoint) or the sandbox (its endpoint, its
// token, its CA). Everything downstream uses the same SDK clients either way.
import {cpSync, existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {TokenCredential} from '@azure/core-auth'
import type {SandboxConnection} from '#sandbox'
import type {RunTarget} from '../engine/types.ts'
import {InputError, TargetError} from '../errors.ts'
import {listSetting} from '../inputs.ts'
import {type CloudName, type DnsSuffixes, CLOUDS, cloudEndpoints, isCloudName, productionCredential} from './credential.ts'
import {localPrincipal, principalFromToken} from './principal.ts'
import {addSecret} from '../secrets.ts'

export {CLOUDS, type CloudName, type DnsSuffixes, isCloudName} from './credential.ts'

/** The DNS suffixes of the cloud a target reaches (the sandbox emulates the public cloud). */
export const dnsSuffixes = (target: Pick<AzureTarget, 'record'>): DnsSuffixes => CLOUDS[isCloudName(target.record.cloud) ? target.record.cloud : 'AzurePublicCloud'].dns

/** How a check reaches a database server at an address a region's resolver gave. */
export interface DatabaseAccess {
  /** why no server can be reached through this target at all (a check then says so instead of connecting) */
  unavailable?: string
  /** where to connect for that address, and whether the server offers TLS; or why azfail will not connect there */
  endpoint(address: string, port: number): {host: string; port: number; tls: boolean} | {refused: string}
  /** PEM of the CA that signs the servers' certificates, when it is not one the system trusts (the sandbox's) */
  ca?: string
}

/** How a check opens a TCP connection to a SQL server's private endpoint, at an address a region's resolver gave. */
export interface TcpAccess {
  /** why no listener can be reached through this target at all (a check then says so instead of connecting) */
  unavailable?: string
  /** where to connect for `server`'s address and port; or why azfail will not connect there */
  endpoint(address: string, port: number, server: string): {host: string; port: number} | {refused: string}
}

/**
 * Where the estate lives, and what azfail can do there. Everything downstream asks the target for a capability
 * (a region's resolver, a way to reach a database, who is acting) instead of asking whether it is the sandbox.
 */
export interface AzureTarget {
  kind: 'azure' | 'sandbox'
  subscriptionId: string
  /** every subscription the target serves, the default first, where that is known (a sandbox's); discovery reads them all */
  subscriptions?: string[]
  endpoint: string
  credential: TokenCredential
  /** the credential classes the production path tries, in order (absent for the sandbox's static token) */
  credentialChain?: string[]
  /** PEM of a CA to trust in addition to the system's (the sandbox's self-signed certificate) */
  ca?: string
  /** what a run's journal records so that resume reaches the same place */
  record: RunTarget
  /** the resolver to ask for a region, given what the runbook configures; an input error when there is none */
  resolverFor(region: string, configured: string | undefined): string
  database: DatabaseAccess
  tcp: TcpAccess
  /** who is acting, for the lock holder and journaled overrides */
  principal(): Promise<string>
  /** the sandbox's control endpoint, where the target is a sandbox (practice runs inject faults through it) */
  controlEndpoint?: string
  stateDir?: string
  /** stops an in-process sandbox started for this command */
  close(): Promise<void>
  /** the same place, with another default subscription (a runbook's estate.subscription); this one when it serves no such */
  withSubscription?(subscription: string): AzureTarget
}

/** The target a runbook acts through: its estate's subscription as the default, where the target serves it. */
export const targetOn = (target: AzureTarget, subscription: string | undefined): AzureTarget =>
  subscription && subscription.toLowerCase() !== target.subscriptionId.toLowerCase() ? (target.withSubscription?.(subscription) ?? target) : target

export const DEFAULT_STATE_DIR = '.azfail/sandbox'

/** The sandbox package loads only when a command uses a sandbox, so Azure commands start without it. */
const sandboxPackage = () => import('#sandbox')
/** The sandbox's client alone: finding a running sandbox and its token does not load the emulator (about 90 ms). */
const sandboxClient = () => import('#sandbox/client')

/** The sandbox running for `stateDir`, if one is; a stale connection.json counts as none. */
export async function runningSandbox(stateDir: string): Promise<SandboxConnection | undefined> {
  return (await sandboxClient()).runningSandbox(stateDir)
}

/** The target for a sandbox's connection: its endpoint, token, CA, resolvers and loopback databases. */
export function sandboxTargetOf(conn: SandboxConnection, credential: TokenCredential, close: () => Promise<void> = async () => {}, subscription = conn.subscriptionId): AzureTarget {
  const servers = Object.values(conn.postgres ?? {})
  const ca = readFileSync(conn.caCertPath, 'utf8')
  const served = conn.subscriptions ?? [conn.subscriptionId]
  return {
    kind: 'sandbox',
    subscriptionId: subscription,
    subscriptions: [subscription, ...served.filter((s) => s.toLowerCase() !== subscription.toLowerCase())],
    endpoint: conn.armEndpoint,
    credential,
    ca,
    record: {kind: 'sandbox', stateDir: conn.stateDir, subscription},
    withSubscription(other) {
      const known = served.find((s) => s.toLowerCase() === other.toLowerCase())
      return known ? sandboxTargetOf(conn, credential, async () => {}, known) : this
    },
    resolverFor(region) {
      // An estate of several copies (the fleet estate) gives each copy's region a resolver of its own.
      const server = conn.resolvers[`${region}@${subscription}`] ?? conn.resolvers[region]
      if (!server) {
        throw new InputError('NoResolver', `The sandbox has no resolver for region '${region}' (it serves: ${Object.keys(conn.resolvers).join(', ')}).`, 'Name a DNS resolver inside the region, such as its DNS Private Resolver inbound endpoint.')
      }
      return server
    },
    database: {
      ...(servers.length === 0 ? {unavailable: "this sandbox runs no PostgreSQL servers ('azfail sandbox reset --postgres' runs them)"} : {}),
      // Only the sandbox's own loopback servers: the estate's private IPs are data, never a place to connect.
      endpoint(address) {
        const mapped = servers.find((hp) => hp.split(':')[0] === address)
        if (!address.startsWith('127.') || !mapped) {
          return {refused: `the sandbox runs no PostgreSQL at ${address} (azfail only connects to loopback addresses there; 'azfail sandbox reset --postgres' runs real servers)`}
        }
        return {host: address, port: Number(mapped.split(':')[1]), tls: true}
      },
      // The sandbox CA signs each server's certificate, as Azure's CA signs theirs.
      ca,
    },
    tcp: {
      ...(conn.sql ? {} : {unavailable: 'this sandbox publishes no SQL listeners (it was started by an older azfail; restart it)'}),
      // Only the sandbox's loopback listener for the server: the private 10.x address is data, never a place to connect.
      endpoint(address, _port, server) {
        const mapped = conn.sql?.[server]
        const [host, port] = mapped?.split(':') ?? []
        if (!host?.startsWith('127.')) return {refused: `the sandbox has no TCP listener for ${server} (its private address ${address} is not a place azfail connects to)`}
        return {host, port: Number(port)}
      },
    },
    principal: async () => `${localPrincipal()} (sandbox)`,
    controlEndpoint: conn.controlEndpoint,
    stateDir: conn.stateDir,
    close,
  }
}

/**
 * A private copy of a sandbox's state (its world, token and TLS identity) in a new directory with an unpredictable
 * name, 0700; `remove` (synchronous, so an exit handler can call it) deletes it with any PostgreSQL data it grew.
 */
export async function sandboxCopy(source: string): Promise<{dir: string; remove(): void}> {
  const {removeSandboxState} = await sandboxPackage()
  const dir = mkdtempSync(join(tmpdir(), 'azfail-practice-'))
  const remove = () => removeSandboxState(dir)
  try {
    for (const f of ['state.json', 'token', 'tls']) if (existsSync(join(source, f))) cpSync(join(source, f), join(dir, f), {recursive: true})
  } catch (error) {
    remove()
    throw error
  }
  return {dir, remove}
}

/** Uses the sandbox running for `stateDir`, or starts one in this process for the command's duration. */
export async function sandboxTarget(stateDir = DEFAULT_STATE_DIR): Promise<AzureTarget> {
  const dir = resolve(stateDir)
  const {runningSandbox, staticTokenCredential} = await sandboxClient()
  const published = await runningSandbox(dir)
  // the sandbox's static token opens its control endpoint: a secret like any Azure token
  addSecret(published?.token)
  if (published) return sandboxTargetOf(published, staticTokenCredential(published.token), async () => {})
  const {startSandbox} = await sandboxPackage()
  const handle = await startSandbox({stateDir: dir})
  addSecret(handle.connection.token)
  return sandboxTargetOf(handle.connection, staticTokenCredential(handle.connection.token), () => handle.stop())
}

/**
 * AZFAIL_RESOLVERS: each region's resolver as `region=host:port`, comma-separated (a tunnel or port-forward to the
 * region's DNS Private Resolver), overriding the runbook's address for the regions it names.
 */
export function resolverOverrides(value: string | undefined): Record<string, string> {
  return Object.fromEntries(listSetting('AZFAIL_RESOLVERS', value))
}

/** An IPv4 address written as four octets, each 0-255; undefined when it is not one. */
const ipv4 = (text: string): string | undefined => {
  const octets = text.split('.')
  return octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255) ? text : undefined
}

/** Whether a host is on this machine's loopback (127.0.0.0/8, ::1, localhost): where a rehearsal may connect. */
export const isLoopback = (host: string): boolean => /^127\./.test(ipv4(host) ?? '') || host === '::1' || host === '[::1]' || host.toLowerCase() === 'localhost'

/**
 * AZFAIL_CONNECT: where azfail's connection checks (the SQL listener's TCP check, the PostgreSQL write check) connect
 * for an address:port a resolver gave, as `ip:port=host:port`, comma-separated: a tunnel or port-forward to a private
 * endpoint. Unmapped addresses are connected to directly, except in a rehearsal (see `rehearsalOf`).
 */
export function connectOverrides(value: string | undefined): Map<string, {host: string; port: number}> {
  return listSetting('AZFAIL_CONNECT', value)
}

/**
 * Why the production path is a rehearsal, where it is one: its ARM endpoint is on loopback (what `azfail sandbox env`
 * exports). A rehearsal never sends a packet off loopback: an address AZFAIL_CONNECT does not map to loopback is refused.
 */
const rehearsalOf = (arm: string): string | undefined => (isLoopback(new URL(arm).hostname) ? `this is a rehearsal (the ARM endpoint ${arm} is on loopback)` : undefined)

/** Where to connect for `address:port`: AZFAIL_CONNECT's mapping, else the address itself; off loopback in a rehearsal, refused. */
function connectTo(connect: Map<string, {host: string; port: number}>, rehearsal: string | undefined, address: string, port: number): {host: string; port: number} | {refused: string} {
  const to = connect.get(`${address}:${port}`) ?? {host: address, port}
  if (rehearsal && !isLoopback(to.host)) {
    const how = connect.has(`${address}:${port}`) ? `AZFAIL_CONNECT maps ${address}:${port} to ${to.host}:${to.port}, which is not on loopback` : `AZFAIL_CONNECT maps nothing for ${address}:${port}`
    return {refused: `azfail will not connect to ${to.host}:${to.port}: ${rehearsal}, and ${how} ('eval "$(azfail sandbox env --identity NAME)"' exports every address the sandbox serves)`}
  }
  return to
}

export async function azureTarget(options: {subscription?: string; cloud?: CloudName}, env: NodeJS.ProcessEnv = process.env): Promise<AzureTarget> {
  const cloud = cloudEndpoints(options.cloud ?? 'AzurePublicCloud', env)
  const subscriptionId = options.subscription ?? env.AZURE_SUBSCRIPTION_ID
  if (!subscriptionId) {
    throw new TargetError('No Azure subscription is set.', 'Pass --subscription <id>, set AZURE_SUBSCRIPTION_ID, or name it in the runbook (estate.subscription); or add --sandbox to use the embedded sandbox.')
  }
  const resolvers = resolverOverrides(env.AZFAIL_RESOLVERS)
  const connect = connectOverrides(env.AZFAIL_CONNECT)
  const rehearsal = rehearsalOf(cloud.arm)
  if (rehearsal && !isLoopback(new URL(cloud.authority).hostname)) {
    throw new InputError('RehearsalOffLoopback', `AZURE_AUTHORITY_HOST is ${cloud.authority}, which is not on loopback, and ${rehearsal}: azfail will not sign in there.`, `Set AZURE_AUTHORITY_HOST to the sandbox's ('eval "$(azfail sandbox env --identity NAME)"' exports it).`)
  }
  const {credential, chain} = await productionCredential(cloud, env)
  return {
    kind: 'azure',
    subscriptionId,
    endpoint: cloud.arm,
    credential,
    credentialChain: chain,
    record: {kind: 'azure', subscription: subscriptionId, cloud: cloud.name === 'custom' ? `custom (${cloud.arm})` : cloud.name},
    resolverFor(region, configured) {
      const server = resolvers[region] ?? configured
      if (!server) {
        throw new InputError('NoResolver', `Region '${region}' has no resolver address in the runbook (estate.regions.${region}.resolver) or in AZFAIL_RESOLVERS.`, 'Name a DNS resolver inside the region, such as its DNS Private Resolver inbound endpoint.')
      }
      if (rehearsal && !isLoopback(server.split(':')[0])) {
        throw new InputError('RehearsalOffLoopback', `The resolver of region '${region}' is ${server}, which is not on loopback, and ${rehearsal}: azfail will not query it.`, `Set AZFAIL_RESOLVERS to the sandbox's resolvers ('eval "$(azfail sandbox env --identity NAME)"' exports them).`)
      }
      return server
    },
    database: {
      endpoint(address, port) {
        const to = connectTo(connect, rehearsal, address, port)
        return 'refused' in to ? to : {...to, tls: true}
      },
    },
    tcp: {endpoint: (address, port) => connectTo(connect, rehearsal, address, port)},
    principal: () => principalFromToken(credential, cloud.arm),
    close: async () => {},
    withSubscription(this: AzureTarget, other: string): AzureTarget {
      return {...this, subscriptionId: other, record: {...this.record, subscription: other}}
    },
  }
}

/** Calls a sandbox's control endpoint (faults, mutations); only sandbox targets have one. */
export async function sandboxControl(target: AzureTarget, method: string, path: string, body?: unknown): Promise<any> {
  if (!target.controlEndpoint || !target.ca) throw new Error('this target has no sandbox control endpoint')
  const token = (await target.credential.getToken(''))?.token ?? ''
  return (await sandboxPackage()).controlOk({armEndpoint: target.endpoint, token, ca: target.ca}, method, path, body)
}
