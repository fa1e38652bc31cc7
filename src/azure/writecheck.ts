// Proves a PostgreSQL server takes writes: connect to the address a region's resolver gave for the CNAME and write a
// row. A read replica answers SQLSTATE 25006 (read-only transaction), which is what this is here to catch.
export interface WriteTarget {
  host: string
  port: number
  database: string
  user: string
  password?: string
  ssl: boolean
  /** the name clients use, for messages and TLS */
  via: string
}

export interface WriteOutcome {
  ok: boolean
  detail: string
}

export async function tryWrite(t: WriteTarget, runId: string): Promise<WriteOutcome> {
  const {default: pg} = await import('pg')
  const client = new pg.Client({host: t.host, port: t.port, database: t.database, user: t.user, password: t.password, connectionTimeoutMillis: 5000, query_timeout: 10_000, ...(t.ssl ? {ssl: {servername: t.via}} : {})})
  try {
    await client.connect()
    await client.query('CREATE TABLE IF NOT EXISTS azfail_write_check (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), run text NOT NULL)')
    const r = await client.query('INSERT INTO azfail_write_check (run) VALUES ($1) RETURNING id', [runId])
    return {ok: true, detail: `wrote row ${r.rows[0].id} at ${t.host}:${t.port}`}
  } catch (error: any) {
    return {ok: false, detail: error.code === '25006' ? `${t.host}:${t.port} is read-only (${error.message})` : `${t.host}:${t.port}: ${error.message}`}
  } finally {
    await client.end().catch(() => {})
  }
}
