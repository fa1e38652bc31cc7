// The run lock as a lease: taken after consent, renewed by a keep-alive for as long as the run lives (through waits and
// prompts), asked before every change sent to Azure, released at the end. A run that cannot renew stops before its next
// write. Its times are Azure's (azure/clock.ts).
import {readFileSync, readlinkSync} from 'node:fs'
import {hostname} from 'node:os'
import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'
import type {Clients} from '../azure/clients.ts'
import {type AzureClock, azureClock, iso} from '../azure/clock.ts'
import {estateSubscriptions, listSubscriptions, lockKeys, lockZones, overlaps, precedes, readLocks, type ZoneRef} from '../azure/estate-lock.ts'
import {fenceWrites, type WriteFence} from '../azure/policies.ts'
import type {AzureTarget} from '../azure/target.ts'
import {judgePermissions} from '../azure/permissions.ts'
import {permissionsVerdict} from '../guards/permissions.ts'
import {lockReleasePermissions} from '../steps/permissions.ts'
import {acquireLock, LockHeldError, oneLineFields, readLockRelease, readStateRecords, releaseLock, releaseLockByHand, renewLock} from '../azure/state-records.ts'
import type {LockRecord, LockReleaseRecord} from '../estate/state.ts'
import {AzfailError, InputError} from '../errors.ts'
import {setting} from '../inputs.ts'
import type {Estate} from '../runbook/estate.ts'

/** The lease; AZFAIL_LOCK_LEASE_SECONDS shortens it (tests) or lengthens it (a slow link to ARM). Bad input otherwise. */
export function leaseSeconds(env = process.env): number {
  return setting('AZFAIL_LOCK_LEASE_SECONDS', env) ?? 120
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error: any) {
    return error.code === 'EPERM'
  }
}

const readOr = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
}

/**
 * This machine's boot and process namespace, as a lock records it: a pid means something only where both are the
 * same (host names repeat across laptops and containers; containers share a boot but not their pids).
 */
export function thisHost(): string {
  const boot = readOr('/proc/sys/kernel/random/boot_id')
  let pidns: string | undefined
  try {
    pidns = readlinkSync('/proc/self/ns/pid')
  } catch {
    pidns = undefined
  }
  return boot && pidns ? `${hostname()}/${boot}/${pidns}` : hostname()
}

/** A lock's holder: alive, its lease lapsed (on Azure's clock), or its lease still running but its process gone. */
export type HolderState = 'alive' | 'lapsed' | 'gone'

/**
 * A lock's holder is alive while its lease runs on Azure's clock (`now`: the earliest Azure's time can be), unless it
 * ran in this very boot and pid namespace and its process is gone. A bare host name is never trusted for a pid check.
 */
export function holderState(lock: LockRecord, now: number): HolderState {
  if (!(Date.parse(lock.expires) > now)) return 'lapsed'
  const here = thisHost()
  if (here.includes('/') && lock.host === here && lock.pid !== undefined && lock.pid !== process.pid && !pidAlive(lock.pid)) return 'gone'
  return 'alive'
}

export const holderAlive = (lock: LockRecord, now: number): boolean => holderState(lock, now) === 'alive'

/** A run that cannot look for other runs' locks over its estate changes nothing. */
const estateLockUnseen = (error: Error) =>
  new AzfailError('refused', 'EstateLockUnseen', `Nothing was changed: azfail cannot see whether another run holds a lock over this estate (${String(error.message).split('\n')[0]}).`, {
    hint: "Grant read on the private DNS zones of each subscription involved; 'azfail doctor' names what it cannot read.",
    cause: error,
  })

export class LockLostError extends AzfailError {
  constructor(runId: string, why: string) {
    super('interrupted', 'LockLost', `The run lost its lock (${why}), so it stopped before its next change. 'azfail resume ${runId}' continues once no other run holds the lock.`, {
      hint: "'azfail lock status' shows who holds the lock now.",
    })
  }
}

/**
 * The run's lease on the estate's lock, after etcd's concurrency.Session: a keep-alive renews it, a monotonic "sure
 * until" (the last renewal's send time + the lease - a safety margin) says how long it surely holds, and once lost it
 * stays lost. Every change sent to Azure asks it first (the write fence in azure/policies.ts); a write that finds it
 * no longer sure renews it first, so a starved timer never fails a run, and one a renewal cannot vouch for is refused.
 */
export class RunLock implements WriteFence {
  private held?: LockRecord
  private lostWhy?: string
  private sureUntil = -Infinity
  /** what renewals write: 'pending' until no other run's lock over the same resources stands in the way */
  private holding: 'pending' | 'held' = 'pending'
  private timer?: NodeJS.Timeout
  private renewing?: Promise<void>
  private readonly estate: Estate
  private readonly target: AzureTarget
  private readonly clients: Clients
  private readonly want: Omit<LockRecord, 'etag' | 'since' | 'expires'>
  private readonly clock: AzureClock
  private readonly leaseMs: number
  private readonly marginMs: number

  constructor(estate: Estate, target: AzureTarget, clients: Clients, want: Omit<LockRecord, 'etag' | 'since' | 'expires'>, lease: number) {
    this.estate = estate
    this.target = target
    this.clients = clients
    this.want = want
    this.clock = azureClock(target)
    this.leaseMs = lease * 1000
    // What a write may take between the fence and Azure, and clock rates drifting: a quarter of the lease, at most 30 s.
    this.marginMs = Math.min(this.leaseMs / 4, 30_000)
  }

  /** The lease's end on Azure's clock, as written: from the latest Azure's time can be, so it is never born expired. */
  private expiry = () => iso(this.clock.latest() + this.leaseMs)

  /**
   * Takes the estate's lock: this run's record in its state zone first (If-None-Match), 'pending'; then every other
   * live azfail lock over the same resources, in any zone of any subscription the principal can list. A held one, or
   * a pending one that precedes this (Azure-time `since`, then run id), wins: this run deletes its record and backs
   * off (LockHeld, exit 6). A pending one this run precedes will see this one and back off, or hold: wait for it.
   */
  async acquire(written?: () => void): Promise<{waited: boolean}> {
    if (!this.clock.known) await readStateRecords(this.estate, this.clients) // one answer sets Azure's clock
    const sentAt = performance.now()
    const keys = lockKeys(this.estate, this.clients.subscriptionId)
    // Which zones to look in is read beside the lock's PUT (zones come and go far more slowly than runs); what is in
    // them only after it, so of two runs that overlap, at least one sees the other's record.
    const zones = this.zonesToScan()
    zones.catch(() => undefined)
    this.held = await acquireLock(this.estate, this.clients, {...this.want, keys, state: 'pending', since: iso(this.clock.latest()), expires: this.expiry()}, (lock) => holderAlive(lock, this.clock.now()))
    this.sureUntil = sentAt + this.leaseMs - this.marginMs
    fenceWrites(this.target, this)
    // Renew three times a lease, so one failed renewal still leaves time for the next.
    this.timer = setInterval(() => void this.renew(), this.leaseMs / 3)
    this.timer.unref()
    written?.()
    try {
      return {waited: await this.contend(await zones)}
    } catch (error) {
      await this.release().catch(() => undefined)
      throw error
    }
  }

  /**
   * Starts the reads acquire() will make that do not depend on this run's record (the subscriptions, their zones), so
   * they run beside the plan's own reads instead of after the consent.
   */
  prepare(): void {
    this.zonesToScan().catch(() => undefined)
  }

  /** The zones other runs over this estate may keep their locks in: every one of each subscription the principal can list and the runbook names. */
  private async zonesToScan(): Promise<ZoneRef[]> {
    const listed = await listSubscriptions(this.clients, this.target.endpoint).catch(() => [] as string[])
    const subscriptions = [...new Set([...listed, ...estateSubscriptions(this.estate, this.clients.subscriptionId)])]
    return lockZones(this.estate, this.clients, subscriptions).catch((error: Error) => Promise.reject(estateLockUnseen(error)))
  }

  /** Resolves once no rival stands in the way: true when it had to wait for one to back off. */
  private async contend(zones: ZoneRef[]): Promise<boolean> {
    let waited = false
    for (;;) {
      const mine = this.held!
      const found = await readLocks(this.clients, zones).catch((error: Error) => Promise.reject(estateLockUnseen(error)))
      const rivals = found.filter((o) => o.runId !== mine.runId && overlaps(o, mine) && holderAlive(o, this.clock.now()))
      const winner = rivals.find((o) => o.state !== 'pending' || precedes(o, mine))
      if (winner) throw new LockHeldError(winner)
      if (rivals.length === 0) break
      this.check()
      waited = true
      await sleep(250)
    }
    // No live rival stands in the way, and any run whose record comes later sees this one, pending or held, and backs
    // off: the lock is this run's. The record says so with its next write, sent now without waiting for it (the lease
    // already runs; a refusal of that write loses the lock, and the fence stops the next change).
    this.holding = 'held'
    void this.renew()
    this.check()
    return waited
  }

  private lose(why: string): void {
    this.lostWhy ??= why
    clearInterval(this.timer)
  }

  private renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined))
    return this.renewing
  }

  private async renewOnce(): Promise<void> {
    const held = this.held
    if (!held || this.lostWhy) return
    const sentAt = performance.now()
    try {
      this.held = await renewLock(this.estate, this.clients, {...held, state: this.holding}, this.expiry())
      this.sureUntil = sentAt + this.leaseMs - this.marginMs
    } catch (error: any) {
      if (error.statusCode === 412 || error.statusCode === 404) this.lose('another operator took it over or released it')
      else if (performance.now() >= this.sureUntil) this.lose(`its lease ran out and could not be renewed: ${String(error.message ?? error).split('\n')[0]}`)
    }
  }

  /** The fence: resolves while the lease surely holds (renewing it first when that is no longer sure), else LockLost. */
  async beforeWrite(what: string): Promise<void> {
    if (!this.lostWhy && performance.now() >= this.sureUntil) await this.renew()
    if (!this.lostWhy && performance.now() >= this.sureUntil) this.lose(`its lease was no longer sure to hold before ${what}`)
    if (this.lostWhy) throw new LockLostError(this.want.runId, this.lostWhy)
  }

  /** Throws when the lease is lost: called before every step. */
  check(): void {
    if (this.lostWhy) throw new LockLostError(this.want.runId, this.lostWhy)
  }

  /** Why the run lost its lock, if it did at any point. */
  lost(): string | undefined {
    return this.lostWhy
  }

  /** Releases the lock; a warning when it could not be released as this run's. */
  async release(): Promise<string | undefined> {
    clearInterval(this.timer)
    await this.renewing
    fenceWrites(this.target, undefined)
    if (!this.held || this.lostWhy) return undefined
    const released = await releaseLock(this.estate, this.clients, this.held)
    if (released) return undefined
    this.lose('another operator took it over or released it during the run')
    return undefined
  }
}

export interface LockStatus {
  /** `holder`: alive, lapsed, or gone (its lease still runs, but its process on this machine has ended); `azureNow`: the time it was judged at */
  lock?: LockRecord & {alive: boolean; holderState: HolderState; azureNow: string}
  lastRelease?: LockReleaseRecord
}

export async function lockStatus(estate: Estate, target: AzureTarget, clients: Clients): Promise<LockStatus> {
  const [{lock}, lastRelease] = await Promise.all([readStateRecords(estate, clients), readLockRelease(estate, clients)])
  const now = azureClock(target).now()
  const state = lock && holderState(lock, now)
  return {...(lock && state ? {lock: {...lock, alive: state === 'alive', holderState: state, azureNow: iso(now)}} : {}), ...(lastRelease ? {lastRelease} : {})}
}

/** Releases the lock by hand, recorded with who and why; refused while a live holder renews it, unless forced. */
export async function releaseHeldLock(estate: Estate, target: AzureTarget, clients: Clients, o: {by: string; reason: string; force: boolean; subscriptionId: string}): Promise<LockReleaseRecord> {
  // The permissions guard, as for a run: before anything is written, may the principal release it?
  const verdict = permissionsVerdict(await judgePermissions(lockReleasePermissions({estate, subscriptionId: o.subscriptionId, params: {}}), clients), o.by)
  if (!verdict.ok) throw new AzfailError('refused', 'GuardRefused', `Guard permissions refused the release; nothing was changed. It saw: ${verdict.observed}.`, {guard: 'permissions', hint: verdict.remedy})
  // A live holder may renew between our read and our delete (If-Match then fails): read again and retry.
  for (let attempt = 1; ; attempt++) {
    const {lock} = await readStateRecords(estate, clients)
    if (!lock) throw new InputError('NoLock', 'No run holds the lock; there is nothing to release.')
    if (holderAlive(lock, azureClock(target).now()) && !o.force) {
      const l = oneLineFields(lock)
      throw new AzfailError('locked', 'LockHeld', `Run ${l.runId} (${l.action}) is alive: ${l.holder} renews its lease (until ${l.expires}).`, {
        hint: "Let it finish or stop it; '--force' releases it anyway, and that run then stops before its next change.",
      })
    }
    const release = {by: o.by, reason: o.reason, at: iso(azureClock(target).latest()), runId: lock.runId, holder: lock.holder}
    try {
      await releaseLockByHand(estate, clients, lock, release)
      return release
    } catch (error: any) {
      if (error.statusCode !== 412 || attempt >= 5) throw error
    }
  }
}
