// Azure's clock, as this machine can know it: the `Date` header of Resource Manager's answers, carried forward with
// this machine's monotonic clock. Times other machines read (drain records, leases, teardown records) and times
// compared with them come from here, never from Date.now(), so a laptop whose clock is ten minutes off neither writes
// nor judges a time that is ten minutes off.
import {performance} from 'node:perf_hooks'
import type {AzureTarget} from './target.ts'

/** The header has a resolution of one second: Azure's time at the answer lies in [header, header + 1 s). */
const HEADER_RESOLUTION_MS = 1000

export class AzureClock {
  // Each answer bounds Azure's time: at least `header` when it arrived, at most `header + 1 s` when it was sent for.
  // Kept as offsets from the monotonic clock; the tightest bounds over every answer win.
  private earliestBase = -Infinity
  private latestBase = Infinity
  private readonly mono: () => number
  /** the times this process stamped (as written: whole ms) */
  private readonly stamped = new Set<number>()

  constructor(mono: () => number = () => performance.now()) {
    this.mono = mono
  }

  /** Learns from one answer: its Date header, and the monotonic times its request was sent and its answer came. */
  observe(dateHeader: string | undefined, sentAt: number, answeredAt: number): void {
    const header = dateHeader ? Date.parse(dateHeader) : Number.NaN
    if (!Number.isFinite(header)) return
    this.earliestBase = Math.max(this.earliestBase, header - answeredAt)
    this.latestBase = Math.min(this.latestBase, header + HEADER_RESOLUTION_MS - sentAt)
  }

  /** Whether any answer has set the clock yet. */
  get known(): boolean {
    return this.earliestBase > -Infinity
  }

  /** The earliest Azure's time can be now: for "has this much time passed since a time written to Azure?" */
  now(): number {
    return this.known ? this.earliestBase + this.mono() : Date.now()
  }

  /** The latest Azure's time can be now: for times written to Azure that others wait from (a drain, a lease's end). */
  latest(): number {
    if (!this.known) return Date.now()
    // A stale header (a busy server) can put the bounds out of order; the earliest bound is the one still true then.
    return Math.max(this.latestBase, this.earliestBase) + this.mono()
  }

  /** A time to write to Azure that others wait from: the latest Azure's time can be now, remembered as this process's. */
  stamp(): number {
    const at = this.latest()
    this.stamped.add(Math.floor(at))
    return at
  }

  /** Whether this process stamped this time (as written: whole ms), e.g. the drain a run made just now. */
  stampedHere(time: number): boolean {
    return this.stamped.has(time)
  }

  /** This machine's clock minus Azure's, in ms (positive: local is ahead); undefined before any answer. */
  skew(): number | undefined {
    if (!this.known) return undefined
    return Date.now() - (this.now() + this.latest()) / 2
  }
}

const clocks = new WeakMap<AzureTarget, AzureClock>()

/** The clock of the Azure a target reaches: one per target, fed by every client's answers. */
export function azureClock(target: AzureTarget): AzureClock {
  let clock = clocks.get(target)
  if (!clock) clocks.set(target, (clock = new AzureClock()))
  return clock
}

export const iso = (ms: number) => new Date(ms).toISOString()
