// Proves a PostgreSQL server takes writes: connect to the address a region's resolver gave for the CNAME and write a
// row. A read replica answers SQLSTATE 25006 (read-only transaction), which is what this is here to catch. The same
// table measures a promotion's RPO: a row written through the CNAME just before it marks what was committed, and the
// new primary's count of the rows up to that mark after it says how many it holds.
import type {ConnectionOptions} from 'node:tls'

/** libpq's sslmode values azfail honours when TLS is on; seed 004: verify-full through a CNAME fails. */
type SslMode = 'require' | 'verify-ca' | 'verify-full'

export interface WriteTarget {
  host: string
  port: number
  database: string
  user: string
  password?: string
  /** TLS to the server, verified as sslmode says; absent: no TLS */
  tls?: {mode: SslMode; ca?: string}
  /** the name clients use, for messages and TLS */
  via: string
}

export interface WriteOutcome {
  ok: boolean
  detail: string
  /** the id of the row written */
  id?: number
}

const TABLE = 'azfail_write_check'

/** node-postgres's TLS options for an sslmode, as libpq means it (verify-ca: the chain, not the name). */
function tlsOptions(t: WriteTarget): ConnectionOptions | undefined {
  if (!t.tls) return undefined
  const ca = t.tls.ca ? {ca: t.tls.ca} : {}
  if (t.tls.mode === 'require') return {rejectUnauthorized: false}
  if (t.tls.mode === 'verify-ca') return {...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined}
  return {...ca, rejectUnauthorized: true, servername: t.via}
}

/** Opens a connection to the target (bounded: 5 s to connect, 10 s per query; `signal` closes it), hands it to `use`, and closes it. */
export async function withClient<T>(t: WriteTarget, use: (client: import('pg').Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted()
  const {default: pg} = await import('pg')
  const ssl = tlsOptions(t)
  const client = new pg.Client({host: t.host, port: t.port, database: t.database, user: t.user, password: t.password, connectionTimeoutMillis: 5000, query_timeout: 10_000, ...(ssl ? {ssl} : {})})
  // An abort closes the connection: the query in flight fails at once.
  const abort = () => void client.end().catch(() => {})
  signal?.addEventListener('abort', abort, {once: true})
  try {
    await client.connect()
    return await use(client)
  } finally {
    signal?.removeEventListener('abort', abort)
    await client.end().catch(() => {})
  }
}

const where = (t: WriteTarget) => `${t.host}:${t.port}${t.tls ? ` (TLS ${t.tls.mode})` : ''}`

function failure(t: WriteTarget, error: any): WriteOutcome {
  return {ok: false, detail: error.code === '25006' ? `${t.host}:${t.port} is read-only (${error.message})` : `${where(t)}: ${error.message}`}
}

/** Writes one row (creating the table if need be) on a connection already open. */
async function insertRow(client: import('pg').Client, t: WriteTarget, run: string): Promise<WriteOutcome & {ok: true; id: number}> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), run text NOT NULL)`)
  const r = await client.query(`INSERT INTO ${TABLE} (run) VALUES ($1) RETURNING id`, [run])
  const id = Number(r.rows[0].id)
  return {ok: true, id, detail: `wrote row ${id} at ${where(t)}`}
}

const rowsUpTo = async (client: import('pg').Client, id: number): Promise<number> => Number((await client.query(`SELECT count(*) AS n FROM ${TABLE} WHERE id <= $1`, [id])).rows[0].n)

export async function tryWrite(t: WriteTarget, runId: string): Promise<WriteOutcome> {
  try {
    return await withClient(t, (client) => insertRow(client, t, runId))
  } catch (error: any) {
    return failure(t, error)
  }
}

/** Writes the mark before a promotion; `committed` is every row up to it, all written through the CNAME. */
export async function markCommitted(t: WriteTarget, runId: string): Promise<WriteOutcome & {committed?: number}> {
  try {
    return await withClient(t, async (client) => {
      const written = await insertRow(client, t, `${runId} rpo mark`)
      return {...written, committed: await rowsUpTo(client, written.id)}
    })
  } catch (error: any) {
    return failure(t, error)
  }
}

/** How many of the rows up to the mark a server holds (0 when it has not even the table). */
export async function countCommitted(t: WriteTarget, markId: number): Promise<{ok: true; present: number} | {ok: false; detail: string}> {
  try {
    return await withClient(t, async (client) => {
      const table = await client.query('SELECT to_regclass($1) AS t', [TABLE])
      if (!table.rows[0].t) return {ok: true as const, present: 0}
      return {ok: true as const, present: await rowsUpTo(client, markId)}
    })
  } catch (error: any) {
    return {ok: false, detail: failure(t, error).detail}
  }
}
