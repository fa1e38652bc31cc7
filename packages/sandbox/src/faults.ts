// Fault injection for the ARM emulator: throttling, 5xx, latency, failed long-running operations, dropped connections.
import {randomUUID} from 'node:crypto'
import {ArmError} from './http.ts'
import type {Fault, FaultSpec} from './world.ts'

const KINDS = ['throttle', 'error', 'latency', 'fail-lro', 'drop'] as const

export function validateFault(input: unknown): FaultSpec {
  const f = input as Partial<FaultSpec>
  const problems: string[] = []
  if (!f || typeof f !== 'object') throw new ArmError(400, 'InvalidFault', 'A fault must be a JSON object.')
  if (!KINDS.includes(f.kind as any)) problems.push(`'kind' must be one of ${KINDS.join(', ')}`)
  if (typeof f.path !== 'string' || f.path.length === 0) problems.push("'path' must be a regular expression matched against the request path")
  else {
    try {
      new RegExp(f.path, 'i')
    } catch (error) {
      problems.push(`'path' is not a valid regular expression: ${(error as Error).message}`)
    }
  }
  if (f.rate !== undefined && !(typeof f.rate === 'number' && f.rate >= 0 && f.rate <= 1)) problems.push("'rate' must be a number from 0 to 1")
  if (f.count !== undefined && !(Number.isInteger(f.count) && f.count > 0)) problems.push("'count' must be a positive integer")
  if (f.status !== undefined && !(Number.isInteger(f.status) && f.status >= 400 && f.status <= 599)) problems.push("'status' must be an HTTP error status")
  if (f.latencyMs !== undefined && !(Number.isInteger(f.latencyMs) && f.latencyMs >= 0 && f.latencyMs <= 600_000)) problems.push("'latencyMs' must be 0..600000")
  if (f.retryAfterSeconds !== undefined && !(Number.isInteger(f.retryAfterSeconds) && f.retryAfterSeconds >= 0)) problems.push("'retryAfterSeconds' must be a non-negative integer")
  if (f.message !== undefined && !(typeof f.message === 'string' && f.message.length <= 4000)) problems.push("'message' must be a string of at most 4000 characters")
  if (problems.length > 0) throw new ArmError(400, 'InvalidFault', `Invalid fault: ${problems.join('; ')}.`)
  const {kind, path, method, rate, count, status, retryAfterSeconds, latencyMs, seed, message} = f as FaultSpec
  return {kind, path, ...(method ? {method: method.toUpperCase()} : {}), rate, count, status, retryAfterSeconds, latencyMs, seed, ...(message === undefined ? {} : {message})}
}

/** A seeded generator (mulberry32) so a fault at rate 0.2 hits the same requests on every run. */
export function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class FaultBook {
  private randoms = new Map<string, () => number>()
  private readonly faults: () => Fault[]

  constructor(faults: () => Fault[]) {
    this.faults = faults
  }

  add(spec: FaultSpec): Fault {
    const fault: Fault = {...spec, id: randomUUID().slice(0, 8), hits: 0}
    this.faults().push(fault)
    return fault
  }

  /** The faults this request triggers, in the order they were added; counts their hits. */
  match(method: string, path: string, startsOperation: boolean): Fault[] {
    const hit: Fault[] = []
    for (const f of this.faults()) {
      if (f.method && f.method !== method) continue
      if (!new RegExp(f.path, 'i').test(path)) continue
      if (f.kind === 'fail-lro' && !startsOperation) continue
      if (f.count !== undefined && f.hits >= f.count) continue
      if (f.rate !== undefined && f.rate < 1) {
        let rnd = this.randoms.get(f.id)
        if (!rnd) this.randoms.set(f.id, (rnd = generator(f.seed ?? 1)))
        if (rnd() >= f.rate) continue
      }
      f.hits++
      hit.push(f)
    }
    return hit
  }
}

export function faultResponse(f: Fault): ArmError {
  if (f.kind === 'throttle') {
    const retry = f.retryAfterSeconds ?? 1
    return new ArmError(f.status ?? 429, 'TooManyRequests', `The request is being throttled (injected by azfail sandbox fault ${f.id}); retry after ${retry} seconds.`, {'Retry-After': String(retry)})
  }
  const status = f.status ?? 500
  const code = status === 503 ? 'ServiceUnavailable' : status === 502 ? 'BadGateway' : 'InternalServerError'
  return new ArmError(status, code, f.message ?? `The server encountered an internal error (injected by azfail sandbox fault ${f.id}).`, f.retryAfterSeconds !== undefined ? {'Retry-After': String(f.retryAfterSeconds)} : {})
}
