// State other operators must see, kept in Azure itself as TXT record sets in a private DNS zone: when each region
// was drained, what a teardown deleted (so a restore can create it again), and the run lock. The lock is created with If-None-Match: * so two laptops cannot both hold it.
import {AzfailError, InputError} from '../errors.ts'
import {type DrainRecord, type LockRecord, type LockReleaseRecord, type RunRequestRecord, STEERING_LAYERS, type SteeringLayer, type TeardownRecord} from '../estate/state.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'
import {LOCK_NAME} from './policies.ts'
import {terminalLine} from '../report/escape.ts'

export {LOCK_NAME} from './policies.ts'
export const RELEASE_NAME = '_azfail-lock-released'
export const drainRecordName = (region: string) => `_azfail-drain-${region}`
export const teardownRecordName = (region: string) => `_azfail-teardown-${region}`
const TTL = 10

/** The zone azfail keeps its records in, with its subscription where that is not the estate's (a connectivity subscription's). */
export function stateZoneOf(estate: Estate): {subscription?: string; resourceGroup: string; zone: string} | undefined {
  const {subscription, resourceGroup, zone} = estate.stateZone ?? estate.cname ?? {}
  return resourceGroup && zone ? {...(subscription ? {subscription} : {}), resourceGroup, zone} : undefined
}

function requireStateZone(estate: Estate) {
  const zone = stateZoneOf(estate)
  if (!zone) {
    throw new InputError('NoStateZone', 'The runbook names no private DNS zone for azfail to keep its drain times and lock in.', 'Add estate.stateZone: {resourceGroup, zone} (or an estate.cname, whose zone is used).')
  }
  return zone
}

const encode = (fields: Record<string, string | undefined>) => [{value: Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)}]

export function decode(txt: Array<{value?: string[]}> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of txt ?? []) {
    for (const v of t.value ?? []) {
      const i = v.indexOf('=')
      if (i > 0) out[v.slice(0, i)] = v.slice(i + 1)
    }
  }
  return out
}

export async function readStateRecords(estate: Estate, clients: Clients): Promise<{drains: Record<string, DrainRecord>; teardowns: Record<string, TeardownRecord>; lock?: LockRecord}> {
  const zone = stateZoneOf(estate)
  const drains: Record<string, DrainRecord> = {}
  const teardowns: Record<string, TeardownRecord> = {}
  if (!zone) return {drains, teardowns}
  const dns = await clients.for(zone.subscription).privateDns()
  let lock: LockRecord | undefined
  for await (const rs of dns.recordSets.listByType(zone.resourceGroup, zone.zone, 'TXT')) {
    const fields = decode(rs.txtRecords)
    if (rs.name === LOCK_NAME) lock = {...decodeLock(fields), etag: rs.etag}
    for (const region of Object.keys(estate.regions)) {
      if (rs.name === drainRecordName(region) && fields.drainedAt) drains[region] = decodeDrain(fields)
      if (rs.name === teardownRecordName(region)) {
        const record = decodeTeardown(fields)
        if (record) teardowns[region] = record
      }
    }
  }
  return {drains, teardowns, ...(lock ? {lock} : {})}
}

export async function writeDrainRecord(estate: Estate, clients: Clients, region: string, record: DrainRecord): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', drainRecordName(region), {
    ttl: TTL,
    txtRecords: encode({drainedAt: record.drainedAt, run: record.runId, layers: record.layers?.join(',')}),
  })
}

function decodeDrain(fields: Record<string, string>): DrainRecord {
  const layers = fields.layers === undefined ? undefined : fields.layers.split(',').filter((l): l is SteeringLayer => (STEERING_LAYERS as readonly string[]).includes(l))
  return {drainedAt: fields.drainedAt, ...(fields.run ? {runId: fields.run} : {}), ...(layers ? {layers} : {})}
}

export async function clearDrainRecord(estate: Estate, clients: Clients, region: string): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  await dns.recordSets.delete(zone.resourceGroup, zone.zone, 'TXT', drainRecordName(region))
}

// A TXT string holds at most 255 characters: the run's request (JSON) is split across numbered strings.
const CHUNK = 240

const chunked = (prefix: string, json: string): Record<string, string> => {
  const chunks: Record<string, string> = {}
  for (let i = 0; i * CHUNK < json.length; i++) chunks[`${prefix}.${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK)
  return chunks
}

const unchunked = (prefix: string, fields: Record<string, string>): string => {
  let json = ''
  for (let i = 0; fields[`${prefix}.${i}`] !== undefined; i++) json += fields[`${prefix}.${i}`]
  return json
}

/**
 * Records what a teardown is about to delete, before it deletes it. The definitions (JSON) are split across numbered
 * strings, each its own TXT record, so no record outgrows what Azure DNS accepts.
 */
export async function writeTeardownRecord(estate: Estate, clients: Clients, region: string, record: TeardownRecord): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  const fields = {at: record.at, run: record.runId, ...chunked('endpoints', JSON.stringify(record.endpoints))}
  const txtRecords = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ({value: [`${k}=${v}`]}))
  await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', teardownRecordName(region), {ttl: TTL, txtRecords})
}

/** The teardown record of a region read fresh (undefined when there is none). */
export async function readTeardownRecord(estate: Estate, clients: Clients, region: string): Promise<TeardownRecord | undefined> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  try {
    return decodeTeardown(decode((await dns.recordSets.get(zone.resourceGroup, zone.zone, 'TXT', teardownRecordName(region))).txtRecords))
  } catch (error: any) {
    if (error.statusCode === 404) return undefined
    throw error
  }
}

export async function clearTeardownRecord(estate: Estate, clients: Clients, region: string): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  await dns.recordSets.delete(zone.resourceGroup, zone.zone, 'TXT', teardownRecordName(region))
}

function decodeTeardown(fields: Record<string, string>): TeardownRecord | undefined {
  try {
    const endpoints = JSON.parse(unchunked('endpoints', fields) || '[]')
    if (!Array.isArray(endpoints)) return undefined
    return {at: fields.at ?? '?', ...(fields.run ? {runId: fields.run} : {}), endpoints}
  } catch {
    return undefined // edited by hand past reading: nothing can be re-created from it
  }
}

function encodeLock(lock: Omit<LockRecord, 'etag'>): Array<{value: string[]}> {
  const chunks = chunked('request', lock.request ? JSON.stringify(lock.request) : '')
  return encode({holder: lock.holder, run: lock.runId, action: lock.action, since: lock.since, expires: lock.expires, host: lock.host, pid: lock.pid === undefined ? undefined : String(lock.pid), state: lock.state, ...chunks, ...chunked('keys', (lock.keys ?? []).join(','))})
}

export function decodeLock(fields: Record<string, string>): Omit<LockRecord, 'etag'> {
  const json = unchunked('request', fields)
  let request: RunRequestRecord | undefined
  try {
    request = json ? JSON.parse(json) : undefined
  } catch {
    request = undefined // a record edited by hand: the lock still counts, only a takeover from it cannot rebuild the run
  }
  return {
    holder: fields.holder ?? '?',
    runId: fields.run ?? '?',
    action: fields.action ?? '?',
    since: fields.since ?? '?',
    expires: fields.expires ?? '?',
    ...(fields.host ? {host: fields.host} : {}),
    ...(fields.pid ? {pid: Number(fields.pid)} : {}),
    ...(request ? {request} : {}),
    ...(unchunked('keys', fields) ? {keys: unchunked('keys', fields).split(',')} : {}),
    ...(fields.state === 'pending' || fields.state === 'held' ? {state: fields.state} : {}),
  }
}

export class LockHeldError extends AzfailError {
  constructor(record: LockRecord, ownRun = false) {
    // Every field is from a record anyone may write: one bounded line each, so a line break cannot forge a message line.
    const lock = oneLineFields(record)
    super(
      'locked',
      'LockHeld',
      ownRun
        ? `Run ${lock.runId} is still alive: ${lock.holder} holds its lock and renews it (lease until ${lock.expires}); a resume now would run beside it.`
        : `Another run holds the lock: ${lock.holder}, run ${lock.runId} (${lock.action}), since ${lock.since}, lease until ${lock.expires}.`,
      {
        hint: ownRun
          ? `Let it finish, or stop it (Ctrl-C) and then resume. If its machine is gone, 'azfail resume ${lock.runId}' works once the lease lapses at ${lock.expires}.`
          : `Wait for it to finish ('azfail lock status' shows it). If its machine died, 'azfail resume ${lock.runId}' takes the run over once the lease lapses at ${lock.expires}; 'azfail lock release --reason "..."' frees a lock no one renews.`,
      },
    )
  }
}

/**
 * Takes the lock: creates it with If-None-Match: *, or takes it over with If-Match when its holder is gone (the lease
 * lapsed, or `alive` says the holder's process has died). A live holder, this run's own included: LockHeldError.
 */
export async function acquireLock(estate: Estate, clients: Clients, want: Omit<LockRecord, 'etag'>, alive: (lock: LockRecord) => boolean): Promise<LockRecord> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  const body = {ttl: TTL, txtRecords: encodeLock(want)}
  try {
    const created = await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, body, {ifNoneMatch: '*'})
    return {...want, etag: created.etag}
  } catch (error: any) {
    if (error.statusCode !== 412) throw error
  }
  const {lock} = await readStateRecords(estate, clients)
  if (!lock) return acquireLock(estate, clients, want, alive)
  if (alive(lock)) throw new LockHeldError(lock, lock.runId === want.runId)
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

/** Extends the lease of a lock this run holds, only if it is still the one it wrote (If-Match). */
export async function renewLock(estate: Estate, clients: Clients, held: LockRecord, expires: string): Promise<LockRecord> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  const next = {...held, expires}
  const rs = await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, {ttl: TTL, txtRecords: encodeLock(next)}, {ifMatch: held.etag})
  return {...next, etag: rs.etag}
}

/** Releases the lock only if it is still the one this run wrote; false when it was not (taken over, or released by hand). */
export async function releaseLock(estate: Estate, clients: Clients, lock: LockRecord): Promise<boolean> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  try {
    await dns.recordSets.delete(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, {ifMatch: lock.etag})
    return true
  } catch (error: any) {
    if (error.statusCode !== 412) throw error
    return false
  }
}

/** Deletes the lock by hand and records who released it and why, beside it in the state zone. */
export async function releaseLockByHand(estate: Estate, clients: Clients, lock: LockRecord, release: LockReleaseRecord): Promise<void> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  await dns.recordSets.createOrUpdate(zone.resourceGroup, zone.zone, 'TXT', RELEASE_NAME, {
    ttl: TTL,
    txtRecords: encode({by: release.by, reason: release.reason.slice(0, 200), at: release.at, run: release.runId, holder: release.holder.slice(0, 200)}),
  })
  await dns.recordSets.delete(zone.resourceGroup, zone.zone, 'TXT', LOCK_NAME, {ifMatch: lock.etag})
}

export async function readLockRelease(estate: Estate, clients: Clients): Promise<LockReleaseRecord | undefined> {
  const zone = requireStateZone(estate)
  const dns = await clients.for(zone.subscription).privateDns()
  try {
    const f = decode((await dns.recordSets.get(zone.resourceGroup, zone.zone, 'TXT', RELEASE_NAME)).txtRecords)
    return {by: f.by ?? '?', reason: f.reason ?? '', at: f.at ?? '?', runId: f.run ?? '?', holder: f.holder ?? '?'}
  } catch (error: any) {
    if (error.statusCode === 404) return undefined
    throw error
  }
}

/** A lock record's fields as messages show them: each one bounded line, controls and line breaks as escapes. */
export const oneLineFields = (lock: LockRecord): Record<'runId' | 'action' | 'holder' | 'since' | 'expires', string> => ({
  runId: terminalLine(lock.runId),
  action: terminalLine(lock.action),
  holder: terminalLine(lock.holder),
  since: terminalLine(lock.since),
  expires: terminalLine(lock.expires),
})
