// Azure-like timing (`--latency azure`): each ARM request waits as long as Azure's would take to answer, and each
// long-running operation runs for a scaled share of what Azure's takes. Off by default, so tests stay fast.
//
// Request delays: ARM reads answer in 50–150 ms and writes in 200–500 ms (the figures, in line with what
// operators see from management.azure.com in-region). Operation durations are typical Azure durations (what the
// portal and the activity log show for these operations on small resources; not an SLA, and they vary widely), scaled
// by 1/100 so a drill still ends in seconds:
//   Front Door origin update ~60 s, private endpoint delete ~30 s, zone group write/delete ~15 s,
//   PostgreSQL replica promotion ~180 s, flexible server delete ~300 s, SQL failover-group failover ~45 s, Cosmos DB failover priority change ~120 s.
import {setTimeout as delay} from 'node:timers/promises'
import type {ArmRequest} from './http.ts'
import type {Effect, World} from './world.ts'

export type LatencyProfile = NonNullable<World['settings']['latency']>
export const LATENCY_PROFILES: readonly LatencyProfile[] = ['none', 'azure']

export const AZURE_READ_MS = [50, 150] as const
export const AZURE_WRITE_MS = [200, 500] as const
const OPERATION_SCALE = 1 / 100
const AZURE_OPERATION_MS: Record<Effect['kind'], number> = {
  mergeProperties: 60_000,
  deletePrivateEndpoint: 30_000,
  deleteZoneGroup: 15_000,
  writeZoneGroup: 15_000,
  promoteReplica: 180_000,
  deleteServer: 300_000,
  failoverGroup: 45_000,
  cosmosFailoverPriority: 120_000,
}

/** How long a long-running operation with this effect takes in the sandbox. */
export function operationMs(settings: World['settings'], effect: Effect): number {
  if (settings.latency !== 'azure') return settings.lroMs
  return Math.round(AZURE_OPERATION_MS[effect.kind] * OPERATION_SCALE)
}

/**
 * The delay for each ARM request under the world's latency profile. Deterministic for a seed: the n-th request with a
 * given method and path gets the same delay on every run, whatever order concurrent requests arrive in.
 */
export class LatencyBook {
  private seen = new Map<string, number>()

  delayFor(settings: World['settings'], method: string, path: string): number {
    if (settings.latency !== 'azure') return 0
    const k = `${method} ${path.toLowerCase()}`
    const n = this.seen.get(k) ?? 0
    this.seen.set(k, n + 1)
    const [low, high] = method === 'GET' || method === 'HEAD' ? AZURE_READ_MS : AZURE_WRITE_MS
    return low + Math.floor(unitHash(`${settings.latencySeed ?? 1}|${k}|${n}`) * (high - low + 1))
  }
}

/** FNV-1a of the text with murmur3's final mix, mapped to [0, 1). */
function unitHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) / 4294967296
}

/** Waits as long as the sandbox's latency profile says this ARM request takes; returns the delay, for the request log. */
export async function injectLatency(live: {latency: LatencyBook; settled(): World}, req: ArmRequest): Promise<number> {
  const ms = live.latency.delayFor(live.settled().settings, req.method, req.path)
  if (ms > 0) await delay(ms)
  return ms
}

export function parseLatencyProfile(value: unknown): LatencyProfile {
  if (!LATENCY_PROFILES.includes(value as LatencyProfile)) throw new Error(`'latency' must be one of ${LATENCY_PROFILES.join(', ')}`)
  return value as LatencyProfile
}
