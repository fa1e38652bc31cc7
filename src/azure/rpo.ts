// What a forced promotion loses, read from the servers' own replication positions before it: the old primary's
// current WAL position against what the replica received and replayed (bytes of WAL), the transaction ids the
// primary assigned past the replica's horizon, and the tables those transactions wrote: tables that exist only on the
// old primary, and rows inserted or updated in the others after the replica's last replayed transaction.
import {type WriteTarget, withClient} from './writecheck.ts'

/** A replica's replication position, as it reports it itself. */
export interface ReplicaPosition {
  server: string
  /** pg_last_wal_receive_lsn(): the last WAL received and flushed (absent when nothing streamed since it started) */
  receivedLsn?: string
  /** pg_last_wal_replay_lsn() */
  replayedLsn?: string
  /** pg_last_xact_replay_timestamp(): when the last transaction it replayed committed on the primary */
  replayedAt?: string
  /** the next transaction id as of what it replayed (its snapshot's xmax) */
  nextXid: bigint
  /** its user tables, as `schema.table` */
  tables: Set<string>
}

/** A table the old primary holds that the replica does not, or rows it holds that the replica never received. */
export interface LostTable {
  table: string
  /** the table itself is not on the replica (created after replication stopped) */
  onlyOnPrimary: boolean
  /** rows inserted or updated by transactions past the replica's horizon; absent when counting them failed */
  rows?: number
  /** why the rows could not be counted */
  uncounted?: string
}

/** The old primary's position against the replica's. */
export interface PrimaryPosition {
  server: string
  lsn: string
  nextXid: bigint
  tables: LostTable[]
}

/** The byte position of an LSN written as PostgreSQL prints it (`16/B374D848`). */
export const lsnBytes = (lsn: string): bigint => {
  const [high, low] = lsn.split('/')
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`)
}

const TABLES = `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  ORDER BY 1, 2`

const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`
const failed = (t: WriteTarget, error: any) => `${t.via} (${t.host}:${t.port}): ${error.message}`

/** Reads a server's replica position; `primary` when it is not in recovery (it is the primary, not a replica). */
export async function readReplicaPosition(t: WriteTarget, server: string, signal?: AbortSignal): Promise<ReplicaPosition | {primary: true} | {unread: string}> {
  try {
    return await withClient(t, async (client) => {
      const r = (await client.query(`SELECT pg_is_in_recovery() AS recovery, pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed,
        pg_last_xact_replay_timestamp() AS replayed_at, txid_snapshot_xmax(txid_current_snapshot())::text AS next_xid`)).rows[0]
      if (!r.recovery) return {primary: true as const}
      const tables = new Set((await client.query(TABLES)).rows.map((row) => `${row.schema}.${row.name}`))
      return {
        server,
        ...(r.received ? {receivedLsn: r.received} : {}),
        ...(r.replayed ? {replayedLsn: r.replayed} : {}),
        ...(r.replayed_at ? {replayedAt: new Date(r.replayed_at).toISOString()} : {}),
        nextXid: BigInt(r.next_xid),
        tables,
      }
    }, signal)
  } catch (error: any) {
    signal?.throwIfAborted()
    return {unread: failed(t, error)}
  }
}

/**
 * Reads the old primary's position and what it holds past the replica's horizon: each table the replica lacks, and in
 * each table, the rows whose inserting or updating transaction is at or past the replica's next transaction id
 * (`age(xmin)` counts back from the primary's next id, so the window is the ids the replica never saw). Each count is
 * one bounded query, and all of them together have `budgetMs`; a count that fails or is not reached in time is
 * reported as not counted.
 */
export async function readPrimaryPosition(t: WriteTarget, server: string, replica: ReplicaPosition, options: {signal?: AbortSignal; budgetMs?: number} = {}): Promise<PrimaryPosition | {replica: true} | {unread: string}> {
  const {signal, budgetMs = 20_000} = options
  try {
    return await withClient(t, async (client) => {
      const r = (await client.query(`SELECT pg_is_in_recovery() AS recovery, CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn,
        txid_snapshot_xmax(txid_current_snapshot())::text AS next_xid`)).rows[0]
      if (r.recovery) return {replica: true as const}
      const nextXid = BigInt(r.next_xid)
      const tables: LostTable[] = []
      if (nextXid > replica.nextXid) {
        const started = Date.now()
        for (const row of (await client.query(TABLES)).rows) {
          const table = `${row.schema}.${row.name}`
          const onlyOnPrimary = !replica.tables.has(table)
          if (Date.now() - started > budgetMs) {
            tables.push({table, onlyOnPrimary, uncounted: `the ${budgetMs / 1000} s for counting rows ran out`})
            continue
          }
          try {
            const counted = await client.query(`SELECT count(*)::text AS n FROM ONLY ${quoted(row.schema)}.${quoted(row.name)} WHERE age(xmin)::bigint <= txid_snapshot_xmax(txid_current_snapshot()) - $1::bigint`, [replica.nextXid.toString()])
            const rows = Number(counted.rows[0].n)
            if (rows > 0 || onlyOnPrimary) tables.push({table, onlyOnPrimary, rows})
          } catch (error: any) {
            signal?.throwIfAborted()
            tables.push({table, onlyOnPrimary, uncounted: error.message})
          }
        }
      }
      return {server, lsn: r.lsn, nextXid, tables}
    }, signal)
  } catch (error: any) {
    signal?.throwIfAborted()
    return {unread: failed(t, error)}
  }
}
