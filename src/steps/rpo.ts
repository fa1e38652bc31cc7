// A promotion's recovery point, measured two ways. azfail's marker rows: one written through the CNAME just before
// the promotion marks what was committed, and the promoted server's count of those rows after it says how many of
// azfail's own rows it lost. And, for a forced promotion, the database's replication positions read before it: the
// old primary's WAL position against what the replica received and replayed, the transaction ids past the replica,
// and the tables those transactions wrote (see src/azure/rpo.ts). When the old primary cannot be read (it is down),
// only the replica's position is known, and the RPO is said to be unmeasured: never a made-up 0.
import {lsnBytes, readPrimaryPosition, readReplicaPosition} from '../azure/rpo.ts'
import {dnsSuffixes} from '../azure/target.ts'
import {countCommitted, markCommitted} from '../azure/writecheck.ts'
import type {RpoMeasure, StepRuntime, WalLoss} from '../engine/types.ts'
import type {StepContext} from './context.ts'
import {cnameFqdn, writeTargetFor} from './write-target.ts'

/** The promotion being measured: the server promoted and whether it is forced. */
interface Promotion {
  name: string
  /** the promoted server's own name, where the positions and the count read it */
  fqdn?: string
  option: 'Planned' | 'Forced'
}

type Mark = {id: number; committed: number; via: string} | {unmeasured: string}

/** What is read before the promotion: the marker row, and (forced) the replication positions. */
export interface RpoBefore {
  mark: Mark
  wal?: WalLoss
}

/** Writes the marker row, then (for a forced promotion) reads both servers' positions, all from `region`. */
export async function rpoBefore(ctx: StepContext, region: string, d: Promotion, rt: StepRuntime): Promise<RpoBefore> {
  const mark = await markBefore(ctx, region, rt)
  return {mark, ...(d.option === 'Forced' ? {wal: await walLoss(ctx, region, d, rt)} : {})}
}

/** The row that marks what was committed through the CNAME, written from the region the promotion goes to. */
async function markBefore(ctx: StepContext, region: string, rt: StepRuntime): Promise<Mark> {
  const fqdn = cnameFqdn(ctx)
  if (!fqdn) return {unmeasured: 'the runbook names no CNAME (estate.cname)'}
  const where = await writeTargetFor(ctx, region, fqdn)
  if ('refused' in where) return {unmeasured: where.refused}
  rt.progress(`RPO: marking what is committed through ${fqdn}`)
  const marked = await markCommitted(where.target, rt.runId)
  if (!marked.ok || marked.id === undefined || marked.committed === undefined) return {unmeasured: `the old primary took no marker row through ${fqdn} (${marked.detail})`}
  return {id: marked.id, committed: marked.committed, via: fqdn}
}

const later = (a: string | undefined, b: string | undefined): bigint | undefined => {
  const [x, y] = [a, b].map((lsn) => (lsn ? lsnBytes(lsn) : undefined))
  return x === undefined ? y : y === undefined || x > y ? x : y
}

/**
 * The replica's position, then the old primary's: each other server the runbook names, reached by its own name
 * through `region`'s resolver, the one not in recovery. What the replica received is what a promotion keeps.
 */
async function walLoss(ctx: StepContext, region: string, d: Promotion, rt: StepRuntime): Promise<WalLoss> {
  const replicaOnly = {measured: false, replica: d.name}
  if (!d.fqdn) return {...replicaOnly, reason: `${d.name} reports no fullyQualifiedDomainName, so neither server's position was read`}
  const at = await writeTargetFor(ctx, region, d.fqdn)
  if ('refused' in at) return {...replicaOnly, reason: `${d.name}'s position was not read: ${at.refused}`}
  rt.progress(`RPO: reading ${d.name}'s replication position`)
  const replica = await readReplicaPosition(at.target, d.name, rt.signal)
  if ('unread' in replica) return {...replicaOnly, reason: `${d.name}'s position could not be read (${replica.unread})`}
  if ('primary' in replica) return {...replicaOnly, reason: `${d.name} is not in recovery, so it has no replication position`}
  const seen = {
    replica: d.name,
    ...(replica.receivedLsn ? {receivedLsn: replica.receivedLsn} : {}),
    ...(replica.replayedLsn ? {replayedLsn: replica.replayedLsn} : {}),
    ...(replica.replayedAt ? {replayedAt: replica.replayedAt} : {}),
  }
  const suffix = dnsSuffixes(ctx.target).postgres
  const tried: string[] = []
  for (const [other, ref] of Object.entries(ctx.estate.data.postgres?.servers ?? {})) {
    if (other === region) continue
    const where = await writeTargetFor(ctx, region, `${ref.name}.${suffix}`)
    if ('refused' in where) {
      tried.push(`${ref.name}: ${where.refused}`)
      continue
    }
    rt.progress(`RPO: reading ${ref.name}'s WAL position`)
    const primary = await readPrimaryPosition(where.target, ref.name, replica, {signal: rt.signal})
    if ('unread' in primary) tried.push(primary.unread)
    else if ('replica' in primary) tried.push(`${ref.name} is in recovery, not a primary`)
    else {
      const kept = later(replica.receivedLsn, replica.replayedLsn) ?? 0n
      const bytes = lsnBytes(primary.lsn) - kept
      const xids = primary.nextXid - replica.nextXid
      return {...seen, measured: true, primary: ref.name, primaryLsn: primary.lsn, bytesLost: Number(bytes > 0n ? bytes : 0n), transactionIdsLost: Number(xids > 0n ? xids : 0n), tables: primary.tables}
    }
  }
  return {...seen, measured: false, reason: `the old primary could not be read (${tried.join('; ') || 'the runbook names no other PostgreSQL server'})`}
}

/** Counts the marked rows on the promoted server, reached by its own name (the CNAME is repointed later). */
export async function rpoAfter(ctx: StepContext, region: string, d: Promotion, before: RpoBefore, rt: StepRuntime): Promise<RpoMeasure> {
  const wal = before.wal ? {wal: before.wal} : {}
  const {mark} = before
  if ('unmeasured' in mark) return {measured: false, reason: mark.unmeasured, ...wal}
  if (!d.fqdn) return {measured: false, reason: `${d.name} reports no fullyQualifiedDomainName`, via: mark.via, ...wal}
  const where = await writeTargetFor(ctx, region, d.fqdn)
  if ('refused' in where) return {measured: false, reason: where.refused, via: mark.via, ...wal}
  rt.progress(`RPO: counting azfail's marker rows on ${d.fqdn}`)
  const counted = await countCommitted(where.target, mark.id)
  if (!counted.ok) return {measured: false, reason: `the promoted server could not be read (${counted.detail})`, via: mark.via, ...wal}
  return {measured: true, before: mark.committed, after: counted.present, lost: mark.committed - counted.present, via: mark.via, ...wal}
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function describeWal(w: WalLoss): string {
  // A replica in recovery always has a replay position: without one, the replica itself was not read.
  if (!w.replayedLsn && !w.receivedLsn) return `RPO not measured from the servers: ${w.reason}`
  const replica = `${w.replica} had received WAL up to ${w.receivedLsn ?? '(nothing streamed since it started)'} and replayed up to ${w.replayedLsn ?? '(none)'}${w.replayedAt ? `, its last replayed transaction committed at ${w.replayedAt}` : ''}`
  if (!w.measured) return `RPO not measured from the primary: ${w.reason}; ${replica}`
  const tables = (w.tables ?? []).map((t) => `${t.table} (${t.onlyOnPrimary ? 'a table only on the old primary, ' : ''}${t.rows === undefined ? `rows not counted: ${t.uncounted}` : plural(t.rows, 'row')})`)
  return [
    `RPO: ${plural(w.bytesLost ?? 0, 'byte')} of WAL lost (${w.primary} was at ${w.primaryLsn}; ${replica})`,
    `${plural(w.transactionIdsLost ?? 0, 'transaction id')} past the replica's last`,
    tables.length > 0 ? `written on the old primary after replication stopped: ${tables.join(', ')}` : 'no table holds rows written after replication stopped',
  ].join('; ')
}

const describeMarkers = (rpo: RpoMeasure): string =>
  rpo.measured ? `${rpo.lost} of azfail's ${plural(rpo.before ?? 0, 'marker row')} lost (${rpo.after} of those written through ${rpo.via} before the promotion are on the new primary)` : `azfail's marker rows not counted: ${rpo.reason}`

export function describeRpo(rpo: RpoMeasure): string {
  if (rpo.wal) return `${describeWal(rpo.wal)}; ${describeMarkers(rpo)}`
  return rpo.measured ? `RPO: ${describeMarkers(rpo)}` : `RPO not measured: ${rpo.reason}`
}
