// State other operators must see, kept in Azure itself as TXT record sets in a private DNS zone: when each region
// was drained, and the run lock. The lock is created with If-None-Match: * so two laptops cannot both hold it.
import {AzfailError, InputError} from '../errors.ts'
import type {DrainRecord, LockRecord} from '../estate/state.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'

export const LOCK_NAME = '_azfail-lock'
export const drainRecordName = (region: string) => `_azfail-drain-${region}`
const TTL = 10

export function stateZoneOf(estate: Estate): {resourceGroup: string; zone: string} | undefined {
  return estate.stateZone ?? (estate.cname ? {resourceGroup: estate.cname.resourceGroup, zone: estate.cname.zone} : undefined)
}

function requireStateZone(estate: Estate) {
  const zone = stateZoneOf(estate)
  if (!zone) {
    throw new InputError('NoStateZone', 'The runbook names no private DNS zone for azfail to keep its drain times and lock in.', 'Add estate.stateZone: {resourceGroup, zone} (or an estate.cname, whose zone is used).')
  }
  return zone
}

const encode = (fields: Record<string, string | undefined>) => [{value: Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)}]

function decode(txt: Array<{value?: string[]}> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of txt ?? []) {
    for (const v of t.value ?? []) {
      const i = v.indexOf('=')
      if (i > 0) out[v.slice(0, i)] = v.slice(i + 1)
    }
  }
  return out
}

export async function readStateRecords(estate: Estate, clients: Clients): Promise<{drains: Record<string, DrainRecord>; lock?: LockRecord}> {
  const zone = stateZoneOf(estate)
  const drains: Record<string, DrainRecord> = {}
  if (!zone) return {drains}
  const dns = await clients.privateDns()
  let lock: LockRecord | undefined
  for await (const rs of dns.recordSets.listByType(zone.resourceGroup, zone.zone, 'TXT')) {
    const fields = decode(rs.txtRecords)
    if (rs.name === LOCK_NAME) {
      lock = {holder: fields.holder ?? '?', runId: fields.run ?? '?', action: fields.action ?? '?', since: fields.since ?? '?', expires: fields.expires ?? '?', etag: rs.etag}
    }
    for (const region of Object.keys(estate.regions)) {
      if (rs.name === drainRecordName(region) && fields.drainedAt) drains[region] = {drainedAt: fields.drainedAt, ...(fields.run ? {runId: fields.run} : {})}
    }
  }
  return {drains, ...(lock ? {lock} : {})}
}

export async function writeDrainRecord(estate: Estate, clients: Clients, region: string, record: DrainRecord): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.privateDns()
  await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', drainRecordName(region), {ttl: TTL, txtRecords: encode({drainedAt: record.drainedAt, run: record.runId})})
}

export async function clearDrainRecord(estate: Estate, clients: Clients, region: string): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.privateDns()
  await dns.recordSets.delete(zone.resourceGroup, zone.zone, 'TXT', drainRecordName(region))
}

export class LockHeldError extends AzfailError {
  constructor(lock: LockRecord) {
    super('locked', 'LockHeld', `Another run holds the lock: ${lock.holder}, run ${lock.runId} (${lock.action}), since ${lock.since}, until ${lock.expires}.`, {
      hint: `Wait for it to finish. If it died, 'azfail resume ${lock.runId}' on its machine continues it; the lock lapses at ${lock.expires}.`,
    })
  }
}

/**
 * Takes the lock: creates it with If-None-Match: *, or takes it over with If-Match when it is this run's own
 * (a resumed run) or has lapsed. Anything else is another operator's: LockHeldError.
 */
export async function acquireLock(estate: Estate, clients: Clients, want: Omit<LockRecord, 'etag'>): Promise<LockRecord> {
  const zone = requireStateZone(estate)
  const dns = await clients.privateDns()
  const body = {ttl: TTL, txtRecords: encode({holder: want.holder, run: want.runId, action: want.action, since: want.since, expires: want.expires})}
  try {
    const created = await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, body, {ifNoneMatch: '*'})
    return {...want, etag: created.etag}
  } catch (error: any) {
    if (error.statusCode !== 412) throw error
  }
  const {lock} = await readStateRecords(estate, clients)
  if (!lock) return acquireLock(estate, clients, want)
  if (lock.runId !== want.runId && Date.parse(lock.expires) > Date.now()) throw new LockHeldError(lock)
  try {
    const taken = await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, body, {ifMatch: lock.etag})
    return {...want, etag: taken.etag}
  } catch (error: any) {
    if (error.statusCode === 412) {
      const now = (await readStateRecords(estate, clients)).lock
      if (now) throw new LockHeldError(now)
    }
    throw error
  }
}

/** Releases the lock only if it is still the one this run wrote. */
export async function releaseLock(estate: Estate, clients: Clients, lock: LockRecord): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.privateDns()
  try {
    await dns.recordSets.delete(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, {ifMatch: lock.etag})
  } catch (error: any) {
    if (error.statusCode !== 412) throw error
  }
}
