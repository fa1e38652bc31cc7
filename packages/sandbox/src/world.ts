// The sandbox's whole state: ARM resources by id, in-flight long-running operations, public DNS and faults.
// It is plain JSON so it can be persisted atomically and reloaded after a crash or restart.
import {mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface ArmResource {
  id: string
  name: string
  type: string
  location?: string
  etag?: string
  kind?: string
  sku?: Record<string, unknown>
  tags?: Record<string, string>
  properties: Record<string, any>
  /** emulator bookkeeping that Azure would not return (health, failover-group partners); never serialized to clients */
  sandbox?: Record<string, any>
}

export type Effect =
  /** an update: properties merge-patched, then `settled` (what completion sets, e.g. provisioningState) applied */
  | {kind: 'mergeProperties'; id: string; properties: Record<string, any>; settled: Record<string, any>; sku?: Record<string, any>; tags?: Record<string, string>}
  | {kind: 'deletePrivateEndpoint'; id: string}
  | {kind: 'deleteZoneGroup'; id: string}
  /** a private DNS zone group created or updated: it writes its endpoint's records into its zones */
  | {kind: 'writeZoneGroup'; id: string}
  | {kind: 'promoteReplica'; id: string; mode: 'Switchover' | 'Standalone'; option: 'Planned' | 'Forced'}
  /** a flexible server deleted; a real server behind it stops, and its address is kept for a re-created one */
  | {kind: 'deleteServer'; id: string}
  | {kind: 'failoverGroup'; id: string; toServerId: string; allowDataLoss: boolean}
  | {kind: 'cosmosFailoverPriority'; id: string; policies: Array<{locationName: string; failoverPriority: number}>}

export interface AsyncOperation {
  id: string
  namespace: string
  location: string
  resourceId: string
  status: 'InProgress' | 'Succeeded' | 'Failed'
  startTime: string
  endTime?: string
  dueAt: number
  effect: Effect
  /** set when a fault made this operation fail at completion */
  failWith?: {code: string; message: string}
  error?: {code: string; message: string}
  /** what the Location URL returns once done: the resource body, 204, or 200 with no body */
  result: 'resource' | 'empty' | 'done'
}

export interface FaultSpec {
  /** HTTP method to match; any when absent */
  method?: string
  /** case-insensitive regular expression matched against the request path (no query) */
  path: string
  kind: 'throttle' | 'error' | 'latency' | 'fail-lro' | 'drop'
  /** fraction of matching requests affected, 0..1 (default 1) */
  rate?: number
  /** stop after affecting this many requests */
  count?: number
  status?: number
  retryAfterSeconds?: number
  latencyMs?: number
  seed?: number
  /** an `error` fault's message instead of the default: what Azure quotes back (a value sent, a name), as a test needs it */
  message?: string
}

export interface Fault extends FaultSpec {
  id: string
  hits: number
}

/** One region's outage: its resource providers' ARM answers and its resolver; a part absent is up. */
export interface RegionOutage {
  arm?: 'error' | 'hang' | 'drop'
  /** the status of `arm: 'error'` answers */
  status?: number
  resolver?: 'silent' | 'refuse'
}

/**
 * How a region's vantages (its VMs, scale-set instances and AKS clusters running a command through ARM) misbehave,
 * as `POST /_sandbox/vantage` sets it (vantage.ts); a region absent behaves normally.
 */
export interface VantageSetting {
  behaviour: 'hang' | 'garbage' | 'replace' | 'truncate' | 'fail'
  /** replace: the stdout returned instead of the script's */
  stdout?: string
  /** truncate: keep only the last this many bytes of stdout */
  keepBytes?: number
  /** garbage: seeds the junk, so a test sees the same junk on every run */
  seed?: number
}

/** The outage in force (outage.ts): regions down by key, and Front Door's control plane refusing changes. */
export interface Outage {
  regions: Record<string, RegionOutage>
  frontDoor?: 'refuse'
}

export interface PublicRecord {
  cname?: string
  a?: string[]
  ttl: number
}

export interface RegionInfo {
  /** Azure location name, e.g. eastus2 */
  location: string
  displayName: string
  /** loopback address the region's resolver listens on */
  resolverAddress: string
  virtualNetworks: string[]
}

export interface World {
  version: 1
  tenantId: string
  /** the default subscription: the one connection.json names first */
  subscriptionId: string
  /** every subscription the sandbox serves, the default first; absent: only the default */
  subscriptions?: string[]
  settings: {
    /** how long an emulated long-running operation takes */
    lroMs: number
    /** Retry-After seconds sent with long-running operation responses */
    lroRetryAfterSeconds: number
    /** run a real PostgreSQL server for each flexible server that has a sandbox address */
    postgres?: boolean
    /** lifetime of the access tokens the sandbox's Entra ID issues (default 3600) */
    tokenLifetimeSeconds?: number
    /** server name (lower case) -> the loopback address of a deleted flexible server, which a re-created one gets again */
    postgresAddresses?: Record<string, string>
    /** Azure-like timing of ARM requests and long-running operations (latency.ts); absent or 'none': answer at once */
    latency?: 'none' | 'azure'
    /** seeds the injected delays, so a benchmark sees the same ones on every run */
    latencySeed?: number
    /** how long a command a vantage runs may take before it is killed and its run fails (default 60) */
    vantageTimeoutSeconds?: number
  }
  regions: Record<string, RegionInfo>
  /**
   * the resource groups, as ids (`/subscriptions/s/resourceGroups/rg`; a bare name, as older state files hold, is in
   * the default subscription); filled from the resources' ids when a world is adopted without them
   */
  resourceGroups?: string[]
  /** by lower-case id; add only through putResource, which keeps the index of children that lists use */
  resources: Record<string, ArmResource>
  operations: Record<string, AsyncOperation>
  publicDns: Record<string, PublicRecord>
  faults: Fault[]
  /** a regional outage (and/or Front Door's control plane refusing) the control endpoint set; absent: all up */
  outage?: Outage
  /** management locks (Microsoft.Authorization/locks) by lower-case id */
  locks?: Record<string, ArmResource>
  /** regions whose vantages misbehave, by region key; absent: all behave */
  vantages?: Record<string, VantageSetting>
}

export const key = (id: string): string => id.toLowerCase()

/** A location's canonical name: `East US 2` and `eastus2` are the same region. */
export const locationKey = (location: string): string => location.toLowerCase().replace(/\s+/g, '')

/** RFC 7396 JSON merge patch, as ARM PATCH bodies mean it: objects merge, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch)
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? {...(target as object)} : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** The resources an id is nested under, outermost first: `.../zones/z/A/x` is under `.../zones/z`. */
export function ancestorsOf(id: string): string[] {
  const m = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+)((?:\/[^/]+\/[^/]+)+)$/i.exec(id.replace(/\/+$/, ''))
  if (!m) return []
  const pairs = m[2].split('/').slice(1)
  const out: string[] = []
  for (let i = 2; i < pairs.length; i += 2) out.push(`${m[1]}/${pairs.slice(0, i).join('/')}`)
  return out
}

export function getResource(world: World, id: string): ArmResource | undefined {
  return world.resources[key(id)]
}

/**
 * Child ids by their parent's id and child type (`.../privateEndpoints/pe/privatednszonegroups` → its groups), kept per
 * resources object as putResource and deleteResource change it; lists would otherwise scan every resource. Resources are
 * added only through putResource; an id deleted directly is skipped when listed.
 */
const childIndex = new WeakMap<Record<string, ArmResource>, Map<string, Set<string>>>()

const parentSlot = (k: string) => k.slice(0, k.lastIndexOf('/'))

function childrenIndex(world: World): Map<string, Set<string>> {
  let index = childIndex.get(world.resources)
  if (!index) {
    index = new Map()
    for (const k of Object.keys(world.resources)) addChild(index, k)
    childIndex.set(world.resources, index)
  }
  return index
}

function addChild(index: Map<string, Set<string>>, k: string): void {
  const slot = parentSlot(k)
  let set = index.get(slot)
  if (!set) index.set(slot, (set = new Set()))
  set.add(k)
}

export function putResource(world: World, resource: ArmResource): ArmResource {
  const k = key(resource.id)
  world.resources[k] = resource
  const index = childIndex.get(world.resources)
  if (index) addChild(index, k)
  return resource
}

/** Removes the resource and everything nested under it. */
export function deleteResource(world: World, id: string): void {
  const prefix = key(id) + '/'
  const index = childIndex.get(world.resources)
  for (const k of Object.keys(world.resources)) {
    if (k === key(id) || k.startsWith(prefix)) {
      delete world.resources[k]
      index?.get(parentSlot(k))?.delete(k)
    }
  }
}

/** Direct children of `parentId` whose type ends with `childType` (case-insensitive), in the order they were added. */
export function childrenOf(world: World, parentId: string, childType: string): ArmResource[] {
  const ids = childrenIndex(world).get(key(parentId) + '/' + childType.toLowerCase())
  const out: ArmResource[] = []
  for (const k of ids ?? []) {
    const r = world.resources[k]
    if (r) out.push(r)
  }
  return out
}

export function resourcesOfType(world: World, type: string): ArmResource[] {
  const t = type.toLowerCase()
  const out: ArmResource[] = []
  for (const k in world.resources) {
    const r = world.resources[k]
    if (r.type.length === t.length && r.type.toLowerCase() === t) out.push(r)
  }
  return out
}

/** Every subscription the world serves, the default first. */
export const subscriptionsOf = (world: World): string[] => world.subscriptions ?? [world.subscriptionId]

export const servesSubscription = (world: World, sub: string): boolean => subscriptionsOf(world).some((s) => key(s) === key(sub))

/** Parses `/subscriptions/s/...` into its subscription. */
export function subscriptionOf(id: string): string {
  const m = /^\/subscriptions\/([^/]+)/i.exec(id)
  return m ? m[1] : ''
}

/** Parses `/subscriptions/s/resourceGroups/rg/providers/...` into its resource group. */
export function resourceGroupOf(id: string): string {
  const m = /\/resourceGroups\/([^/]+)/i.exec(id)
  return m ? m[1] : ''
}

/** Whether resource group `name` exists in subscription `sub`. */
export function hasResourceGroup(world: World, sub: string, name: string): boolean {
  const id = key(`/subscriptions/${sub}/resourceGroups/${name}`)
  const inDefault = key(sub) === key(world.subscriptionId)
  return (world.resourceGroups ?? []).some((g) => key(g) === id || (inDefault && key(g) === key(name)))
}

/** Whether `id` lies in subscription `sub` and, when `rg` is given, in that resource group. */
export const isIn = (id: string, sub: string, rg?: string): boolean => key(subscriptionOf(id)) === key(sub) && (rg === undefined || key(resourceGroupOf(id)) === key(rg))

/** Gives a world that lacks them (an older state file, an imported estate) the resource groups its resources live in. */
export function withResourceGroups(world: World): World {
  world.resourceGroups ??= [...new Set(Object.values(world.resources).map((r) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(r.id)?.[0]).filter((g): g is string => !!g))]
  return world
}

export class WorldStore {
  readonly dir: string
  readonly file: string
  world: World
  /** counts every change this store saved or loaded, so views built from the world (the resolvers' index) know when to rebuild */
  revision = 0
  private stamp = ''

  constructor(dir: string, seed: () => World) {
    this.dir = dir
    mkdirSync(dir, {recursive: true})
    this.file = join(dir, 'state.json')
    const loaded = this.read()
    if (loaded) {
      this.world = loaded
    } else {
      this.world = withResourceGroups(seed())
      this.save()
    }
  }

  /** Reloads when another process has written the state file since we last read or wrote it. */
  refresh(): void {
    if (this.currentStamp() !== this.stamp) {
      const loaded = this.read()
      if (loaded) this.world = loaded
    }
  }

  replace(world: World): void {
    this.world = withResourceGroups(world)
    this.save()
  }

  /**
   * Writes to a temporary file, then renames: a process killed at any moment leaves the old or the new state, never
   * half. No fsync: this runs inside the request it answers, on the event loop that also answers DNS, and on a busy
   * disk an fsync can take long and nothing else is answered meanwhile; the sandbox's state need not outlive a crash
   * of the machine. fs.writeFileSync writes every byte or throws (write-file-atomic's synchronous path ignored a
   * short write, so a disk that filled left a cut state file behind a rename, and the sandbox could not start again).
   */
  save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`
    try {
      writeFileSync(tmp, JSON.stringify(this.world))
      renameSync(tmp, this.file)
    } catch (error) {
      rmSync(tmp, {force: true})
      throw error
    }
    this.stamp = this.currentStamp()
    this.revision++
  }

  private read(): World | undefined {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error: any) {
      if (error.code === 'ENOENT') return undefined
      throw error
    }
    const stamp = this.currentStamp()
    let parsed: World
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new Error(`The sandbox state file ${this.file} is not valid JSON (${(error as Error).message}); run 'azfail sandbox reset'.`)
    }
    if (parsed.version !== 1) {
      throw new Error(`The sandbox state file ${this.file} has version ${parsed.version}; run 'azfail sandbox reset'.`)
    }
    this.stamp = stamp
    this.revision++
    return withResourceGroups(parsed)
  }

  private currentStamp(): string {
    try {
      const s = statSync(this.file)
      return `${s.mtimeMs}:${s.size}:${s.ino}`
    } catch {
      return ''
    }
  }
}
