// Every ARM request bounded and cancellable: a timeout per attempt, a breaker per region that stops retrying a region
// once it is known down, and one interrupt that reaches every request in flight. The policies here are added to every
// SDK client by clients.ts.
import type {PipelinePolicy, PipelineRequest} from '@azure/core-rest-pipeline'
import {normalizeLocation} from '../estate/predicates.ts'
import {setting} from '../inputs.ts'
import type {Estate} from '../runbook/estate.ts'
import {runningClock} from './running-time.ts'

/** AZFAIL_REQUEST_TIMEOUT's default: seconds one ARM read may take before azfail stops waiting for it. */
export const DEFAULT_READ_TIMEOUT_SECONDS = 10
/** A write (or the start of a long-running operation) may take longer than a read before it is given up. */
const WRITE_TIMEOUT_FACTOR = 3
/** The one short try a request to a region already known down gets. */
const KNOWN_DOWN_TIMEOUT_MS = 2000

export interface RequestTimeouts {
  readMs: number
  writeMs: number
}

/** AZFAIL_REQUEST_TIMEOUT (seconds): the read timeout; writes get three times it. A bad value is bad input. */
export function requestTimeouts(env: NodeJS.ProcessEnv = process.env): RequestTimeouts {
  const seconds = setting('AZFAIL_REQUEST_TIMEOUT', env) ?? DEFAULT_READ_TIMEOUT_SECONDS
  return {readMs: seconds * 1000, writeMs: seconds * 1000 * WRITE_TIMEOUT_FACTOR}
}

/**
 * The providers of what the runbook assigns to a region: private endpoints, PostgreSQL and SQL servers. Everything
 * else (Traffic Manager, Front Door, Private DNS, authorization, locks) is global: never "a region".
 */
const REGIONAL_PROVIDERS = /\/providers\/(Microsoft\.Network\/(privateEndpoints|locations)|Microsoft\.DBforPostgreSQL|Microsoft\.Sql|Microsoft\.Compute|Microsoft\.ContainerService)\b/i

/**
 * The region an ARM request path belongs to, from the runbook's resource refs: a resource group that holds only one
 * region's endpoints and servers, a named server or endpoint, or a provider's `locations/{location}` (LRO polling).
 * Undefined for global services and for what the runbook does not assign to a region.
 */
export function regionOfPath(estate: Estate | undefined): (path: string) => string | undefined {
  if (!estate) return () => undefined
  const groups = new Map<string, Set<string>>()
  const named = new Map<string, string>()
  const add = (region: string, ref: {resourceGroup: string}, type: string, name: string) => {
    const rg = ref.resourceGroup.toLowerCase()
    groups.set(rg, (groups.get(rg) ?? new Set()).add(region))
    named.set(`${type}/${name}`.toLowerCase(), region)
  }
  for (const [region, spec] of Object.entries(estate.regions)) for (const pe of spec.privateEndpoints) add(region, pe, 'privateEndpoints', pe.name)
  for (const [region, ref] of Object.entries(estate.data.postgres?.servers ?? {})) add(region, ref, 'flexibleServers', ref.name)
  for (const [region, ref] of Object.entries(estate.data.sqlFailoverGroup?.servers ?? {})) add(region, ref, 'servers', ref.name)
  for (const [region, {vantage}] of Object.entries(estate.regions)) {
    if (vantage?.vm) add(region, vantage.vm, 'virtualMachines', vantage.vm.name)
    if (vantage?.vmss) add(region, vantage.vmss, 'virtualMachineScaleSets', vantage.vmss.scaleSet)
    if (vantage?.aks) add(region, vantage.aks, 'managedClusters', vantage.aks.name)
  }
  const byLocation = new Map(Object.entries(estate.regions).map(([region, spec]) => [normalizeLocation(spec.location), region]))
  return (path) => {
    if (!REGIONAL_PROVIDERS.test(path)) return undefined
    const resource = /\/providers\/[^/]+\/(privateEndpoints|flexibleServers|servers|virtualMachines|virtualMachineScaleSets|managedClusters)\/([^/?]+)/i.exec(path)
    if (resource && named.has(`${resource[1]}/${resource[2]}`.toLowerCase())) return named.get(`${resource[1]}/${resource[2]}`.toLowerCase())
    const location = /\/locations\/([^/?]+)\//i.exec(path)
    if (location && byLocation.has(normalizeLocation(location[1]))) return byLocation.get(normalizeLocation(location[1]))
    const rg = /\/resourceGroups\/([^/?]+)/i.exec(path)?.[1]?.toLowerCase()
    const regions = rg ? groups.get(rg) : undefined
    return regions?.size === 1 ? [...regions][0] : undefined
  }
}

/** Why a region's ARM is taken as down. */
interface Down {
  why: string
}

/** A request given up on: no answer within the timeout, or the region already known down. Never retried. */
export class RequestGivenUp extends Error {
  readonly code: 'RequestTimeout' | 'RegionDown'
  readonly region?: string
  constructor(code: 'RequestTimeout' | 'RegionDown', message: string, region?: string) {
    super(message)
    this.name = 'RequestGivenUp'
    this.code = code
    if (region) this.region = region
  }
}

/** Transport failures that say a region's ARM did not answer (as opposed to answering with an error). */
const DROPPED = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'ECONNABORTED', 'REQUEST_SEND_ERROR'])

/**
 * The bounds of a set of clients: the timeouts, the per-region breaker, and the interrupt that aborts every request in
 * flight. One per Clients object.
 */
export class RequestBounds {
  readonly timeouts: RequestTimeouts
  private readonly regionOf: (path: string) => string | undefined
  private readonly down = new Map<string, Down>()
  /** regions the operator said are down (failover --ungraceful): nothing is sent there at all */
  private readonly declared = new Map<string, string>()
  private readonly attempts = new WeakMap<PipelineRequest, number>()
  private interrupter = new AbortController()

  constructor(timeouts: RequestTimeouts, regionOf: (path: string) => string | undefined) {
    this.timeouts = timeouts
    this.regionOf = regionOf
  }

  /** Aborts every request in flight now (Ctrl-C, SIGTERM). Requests made afterwards (releasing the lock) still go out, bounded. */
  interrupt(): void {
    this.interrupter.abort()
    this.interrupter = new AbortController()
  }

  /** Aborted by the next interrupt: for what is not an ARM request (DNS queries, waits). */
  signal(): AbortSignal {
    return this.interrupter.signal
  }

  /** The operator's word that a region is down: no request about it is sent from now on (each fails at once, unread). */
  declareDown(region: string, why: string): void {
    this.declared.set(region, why)
  }

  /** The regions declared down, and why. */
  declaredDown(): Record<string, string> {
    return Object.fromEntries(this.declared)
  }

  /** The regions whose ARM this process has found down, and why. */
  regionsDown(): Record<string, string> {
    return Object.fromEntries([...this.down].map(([region, d]) => [region, d.why]))
  }

  /**
   * Per call, around the SDK's retries: ties the request (its retries and their back-off) to the interrupt, and takes
   * the region as down when a request to it failed for good (5xx or a dropped connection after every retry). A single
   * transient 5xx is ridden out by the retries and trips nothing.
   */
  interruptPolicy(): PipelinePolicy {
    return {
      name: 'azfailInterrupt',
      sendRequest: async (request, next) => {
        const signals = [this.interrupter.signal, ...(request.abortSignal ? [request.abortSignal as AbortSignal] : [])]
        request.abortSignal = AbortSignal.any(signals)
        const region = this.regionOf(decodeURIComponent(new URL(request.url).pathname))
        try {
          const response = await next(request)
          if (region && response.status >= 500) this.trip(region, `it answered ${response.status}`)
          return response
        } catch (error: any) {
          if (region && error?.statusCode >= 500) this.trip(region, `it answered ${error.statusCode}`)
          else if (region && DROPPED.has(error?.code) && error?.statusCode === undefined) this.trip(region, `its connection was dropped (${error.code})`)
          throw error
        }
      },
    }
  }

  /** Per attempt: the timeout, and the breaker of the region the request is about. */
  attemptPolicy(): PipelinePolicy {
    return {
      name: 'azfailRequestBounds',
      sendRequest: async (request, next) => {
        const path = new URL(request.url).pathname
        const region = this.regionOf(decodeURIComponent(path))
        const declared = region ? this.declared.get(region) : undefined
        if (declared) throw new RequestGivenUp('RegionDown', `${region} is down (${declared}); ${request.method} ${path} was not sent`, region)
        const known = region ? this.knownDown(region) : undefined
        const attempt = (this.attempts.get(request) ?? 0) + 1
        this.attempts.set(request, attempt)
        // A region known down gets one short try per request, and no retries: it answers or it is skipped at once.
        if (known && attempt > 1) throw new RequestGivenUp('RegionDown', `${region}'s ARM is down (${known.why}); ${request.method} ${path} was not retried`, region)
        const ms = known ? KNOWN_DOWN_TIMEOUT_MS : request.method === 'GET' || request.method === 'HEAD' ? this.timeouts.readMs : this.timeouts.writeMs
        const timer = new AbortController()
        // Counted in this process's running time: a process starved or stopped past `ms` reads the answer that came,
        // instead of judging the region hung (and down) for its own stall.
        const clock = runningClock()
        clock.at(ms, () => timer.abort())
        const outer = request.abortSignal
        request.abortSignal = outer ? AbortSignal.any([outer as AbortSignal, timer.signal]) : timer.signal
        try {
          const response = await next(request)
          if (region && response.status < 500) this.down.delete(region)
          return response
        } catch (error: any) {
          if (timer.signal.aborted && !outer?.aborted) {
            const why = `no answer within ${ms / 1000}s`
            if (region) this.trip(region, why) // a hang is not transient: the region is down at once
            throw new RequestGivenUp('RequestTimeout', `${request.method} ${path}: ${why}`, region)
          }
          throw error
        } finally {
          clock.stop()
          request.abortSignal = outer
        }
      },
    }
  }

  private knownDown(region: string): Down | undefined {
    return this.down.get(region)
  }

  private trip(region: string, why: string): void {
    this.down.set(region, {why})
  }
}
