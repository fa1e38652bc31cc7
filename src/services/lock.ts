// The run lock as a lease: taken after consent, renewed by a heartbeat for as long as the run lives (through waits and
// prompts), checked before every step, released at the end. A run that cannot renew stops before its next write.
import {hostname} from 'node:os'
import type {Clients} from '../azure/clients.ts'
import {judgePermissions} from '../azure/permissions.ts'
import {permissionsVerdict} from '../guards/permissions.ts'
import {lockReleasePermissions} from '../steps/permissions.ts'
import {acquireLock, readLockRelease, readStateRecords, releaseLock, releaseLockByHand, renewLock} from '../azure/state-records.ts'
import type {LockRecord, LockReleaseRecord} from '../estate/state.ts'
import {AzfailError, InputError} from '../errors.ts'
import type {Estate} from '../runbook/estate.ts'

/** The lease; AZFAIL_LOCK_LEASE_SECONDS shortens it (tests) or lengthens it (a slow link to ARM). */
export function leaseSeconds(env = process.env): number {
  const n = Number(env.AZFAIL_LOCK_LEASE_SECONDS)
  return Number.isFinite(n) && n >= 1 ? n : 120
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error: any) {
    return error.code === 'EPERM'
  }
}

/** A lock's holder is alive while its lease runs, unless it ran on this machine and its process is gone. */
export function holderAlive(lock: LockRecord, now = Date.now()): boolean {
  if (!(Date.parse(lock.expires) > now)) return false
  if (lock.host === hostname() && lock.pid !== undefined && lock.pid !== process.pid && !pidAlive(lock.pid)) return false
  return true
}

export class LockLostError extends AzfailError {
  constructor(runId: string, why: string) {
    super('interrupted', 'LockLost', `The run lost its lock (${why}), so it stopped before its next change. 'azfail resume ${runId}' continues once no other run holds the lock.`, {
      hint: "'azfail lock status' shows who holds the lock now.",
    })
  }
}

export class RunLock {
  private held?: LockRecord
  private lost?: string
  private timer?: NodeJS.Timeout
  private renewing?: Promise<void>
  private readonly estate: Estate
  private readonly clients: Clients
  private readonly want: Omit<LockRecord, 'etag' | 'since' | 'expires'>
  private readonly lease = leaseSeconds()

  constructor(estate: Estate, clients: Clients, want: Omit<LockRecord, 'etag' | 'since' | 'expires'>) {
    this.estate = estate
    this.clients = clients
    this.want = want
  }

  private expiry = () => new Date(Date.now() + this.lease * 1000).toISOString()

  async acquire(): Promise<void> {
    this.held = await acquireLock(this.estate, this.clients, {...this.want, since: new Date().toISOString(), expires: this.expiry()}, holderAlive)
    // Renew three times a lease, so one failed renewal still leaves time for the next.
    this.timer = setInterval(() => (this.renewing ??= this.renew().finally(() => (this.renewing = undefined))), (this.lease * 1000) / 3)
    this.timer.unref()
  }

  private async renew(): Promise<void> {
    const held = this.held
    if (!held || this.lost) return
    try {
      this.held = await renewLock(this.estate, this.clients, held, this.expiry())
    } catch (error: any) {
      if (error.statusCode === 412 || error.statusCode === 404) this.lost = 'another operator took it over or released it'
      else if (Date.parse(held.expires) <= Date.now()) this.lost = `its lease lapsed at ${held.expires} and could not be renewed: ${String(error.message ?? error).split('\n')[0]}`
    }
  }

  /** Throws when the lease is gone: called before every step, so no change is made without the lock. */
  check(): void {
    if (!this.lost && this.held && Date.parse(this.held.expires) <= Date.now()) this.lost = `its lease lapsed at ${this.held.expires}`
    if (this.lost) throw new LockLostError(this.want.runId, this.lost)
  }

  /** Releases the lock; a warning when it was no longer this run's to release. */
  async release(): Promise<string | undefined> {
    clearInterval(this.timer)
    await this.renewing
    if (!this.held) return undefined
    if (this.lost) return `the lock was not released: ${this.lost}`
    const released = await releaseLock(this.estate, this.clients, this.held)
    return released ? undefined : 'the lock was not released: another operator took it over or released it during the run'
  }
}

export interface LockStatus {
  lock?: LockRecord & {alive: boolean}
  lastRelease?: LockReleaseRecord
}

export async function lockStatus(estate: Estate, clients: Clients): Promise<LockStatus> {
  const [{lock}, lastRelease] = await Promise.all([readStateRecords(estate, clients), readLockRelease(estate, clients)])
  return {...(lock ? {lock: {...lock, alive: holderAlive(lock)}} : {}), ...(lastRelease ? {lastRelease} : {})}
}

/** Releases the lock by hand, recorded with who and why; refused while a live holder renews it, unless forced. */
export async function releaseHeldLock(estate: Estate, clients: Clients, o: {by: string; reason: string; force: boolean; subscriptionId: string}): Promise<LockReleaseRecord> {
  // The permissions guard, as for a run: before anything is written, may the principal release it?
  const verdict = permissionsVerdict(await judgePermissions(lockReleasePermissions({estate, subscriptionId: o.subscriptionId, params: {}}), clients), o.by)
  if (!verdict.ok) throw new AzfailError('refused', 'GuardRefused', `Guard permissions refused the release; nothing was changed. It saw: ${verdict.observed}.`, {guard: 'permissions', hint: verdict.remedy})
  // A live holder may renew between our read and our delete (If-Match then fails): read again and retry.
  for (let attempt = 1; ; attempt++) {
    const {lock} = await readStateRecords(estate, clients)
    if (!lock) throw new InputError('NoLock', 'No run holds the lock; there is nothing to release.')
    if (holderAlive(lock) && !o.force) {
      throw new AzfailError('locked', 'LockHeld', `Run ${lock.runId} (${lock.action}) is alive: ${lock.holder} renews its lease (until ${lock.expires}).`, {
        hint: "Let it finish or stop it; '--force' releases it anyway, and that run then stops before its next change.",
      })
    }
    const release = {by: o.by, reason: o.reason, at: new Date().toISOString(), runId: lock.runId, holder: lock.holder}
    try {
      await releaseLockByHand(estate, clients, lock, release)
      return release
    } catch (error: any) {
      if (error.statusCode !== 412 || attempt >= 5) throw error
    }
  }
}
