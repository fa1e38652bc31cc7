// The PostgreSQL tier for real (issue 11): the replica is a streaming hot standby; promote --replica makes it the
// primary with every row, the CNAME leads to it and it takes writes; the RPO is measured (nothing lost when planned,
// exactly what did not stream when forced with replication paused); replica-healthy's lag limit; standalone
// promotion and failback by re-creating the replica; the write check's verify-ca and lint's verify-full warning.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {postgresAvailable} from '#sandbox'
import {resolveName, resolverFor} from '../../src/azure/resolve.ts'
import {tryWrite} from '../../src/azure/writecheck.ts'
import {eventually, HANG_MS} from '../helpers.ts'
import {type E2E, e2e} from './support.ts'

const skip = !postgresAvailable() && !process.env.CI ? "no PostgreSQL server binaries here ('pg_config' is missing)" : false

/** psql as a DBA would run it against a sandbox server: user azfail, no password, from loopback. */
function psql(t: E2E, server: string, query: string): string {
  const [host, port] = t.sb.handle.connection.postgres![server].split(':')
  return execFileSync('psql', ['-h', host, '-p', port, '-U', 'azfail', '-d', 'postgres', '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', query], {encoding: 'utf8', env: {...process.env, PGSSLMODE: 'disable'}}).trim()
}

const CNAME = 'prod.private.postgres.database.azure.com'
const cnameAnswer = async (t: E2E, region: string) => (await resolveName(resolverFor(t.sb.resolvers[region]), CNAME)).addresses
const step = (out: any, id: string) => out.result.steps.find((s: any) => s.id === id)
const WRITE_CHECK = 'writeCheck: {database: postgres, user: azfail, ssl: true, sslmode: verify-ca}'

describe('promote --replica over real streaming replication', {skip}, () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text, {postgres: true})))
  after(() => t?.stop())

  it('runs pg-app-wus2 in recovery; 1,000 rows inserted on pg-app-eus2 appear on it', async () => {
    assert.equal(psql(t, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 't')
    psql(t, 'pg-app-eus2', 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 1000)')
    await eventually(() => psql(t, 'pg-app-wus2', 'SELECT count(*) FROM orders') === '1000', 30_000)
  })

  it('promotes it: out of recovery, all 1,000 rows, takes writes, the CNAME leads to it, RPO 0; the old primary streams from it', async () => {
    const {code, out} = await t.json(['promote', '--replica', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.equal(psql(t, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(t, 'pg-app-wus2', 'SELECT count(*) FROM orders'), '1000')
    psql(t, 'pg-app-wus2', 'INSERT INTO orders VALUES (1001)')
    const wus2 = t.sb.handle.connection.postgres!['pg-app-wus2'].split(':')[0]
    assert.deepEqual(await cnameAnswer(t, 'eus2'), [wus2])
    assert.deepEqual(await cnameAnswer(t, 'wus2'), [wus2])
    const promote = step(out, 'promoteReplica')
    assert.match(promote.message, /pg-app-wus2 is primary \(planned switchover\); RPO: 0 of azfail's \d+ marker rows? lost \(\d+ of those written through prod\.private\.postgres\.database\.azure\.com before the promotion are on the new primary\)/)
    assert.equal(promote.rpo.lost, 0)
    assert.ok(promote.rpo.before >= 1)
    assert.match(step(out, 'verifyWritable').message, /wus2 wrote row \d+ at 127\.0\.20\.2:\d+ \(TLS verify-ca\)/)
    // A switchover: the old primary is now a standby of the new one, and streams from it.
    assert.equal(psql(t, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 't')
    await eventually(() => psql(t, 'pg-app-eus2', 'SELECT count(*) FROM orders') === '1001', 30_000)
    assert.equal(psql(t, 'pg-app-wus2', "SELECT state FROM pg_stat_replication WHERE application_name = 'pg-app-eus2'"), 'streaming')
  })

  it('the write check verifies the CA, not the name: verify-full through the CNAME fails as seed 004 shows, verify-full by the server name passes', async () => {
    const [host, port] = t.sb.handle.connection.postgres!['pg-app-wus2'].split(':')
    const ca = readFileSync(t.sb.handle.connection.caCertPath, 'utf8')
    const base = {host, port: Number(port), database: 'postgres', user: 'azfail'}
    assert.equal((await tryWrite({...base, via: CNAME, tls: {mode: 'verify-ca', ca}}, 'test')).ok, true)
    const full = await tryWrite({...base, via: CNAME, tls: {mode: 'verify-full', ca}}, 'test')
    assert.equal(full.ok, false)
    assert.match(full.detail, /Hostname\/IP does not match certificate's altnames: Host: prod\.private\.postgres\.database\.azure\.com/)
    assert.equal((await tryWrite({...base, via: 'pg-app-wus2.postgres.database.azure.com', tls: {mode: 'verify-full', ca}}, 'test')).ok, true)
    const otherCa = await tryWrite({...base, via: CNAME, tls: {mode: 'verify-ca'}}, 'test')
    assert.equal(otherCa.ok, false, 'without the sandbox CA the chain does not verify')
    assert.match(otherCa.detail, /self-signed certificate|unable to verify|unable to get local issuer/)
  })
})

describe('a forced promotion with replication paused', {skip}, () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text.replace(WRITE_CHECK, `${WRITE_CHECK}\n      maxReplicationLag: 0.5s`), {postgres: true})))
  after(() => t?.stop())

  it('replica-healthy refuses a planned promotion while the replica lags beyond maxReplicationLag (exit 3, nothing changed)', async () => {
    psql(t, 'pg-app-eus2', 'CREATE TABLE orders (id int PRIMARY KEY)')
    await eventually(() => psql(t, 'pg-app-wus2', "SELECT to_regclass('orders') IS NOT NULL") === 't', 30_000)
    psql(t, 'pg-app-wus2', 'SELECT pg_wal_replay_pause()')
    psql(t, 'pg-app-eus2', 'INSERT INTO orders VALUES (1)')
    const pg = await t.sb.clients.postgres()
    let lag = 0
    await eventually(async () => {
      await pg.servers.get('rg-data-wus2', 'pg-app-wus2', {onResponse: (raw) => (lag = JSON.parse(raw.bodyAsText!).properties.replica.replicationLagSeconds)})
      return lag > 0.5
    }, 30_000)
    t.sb.mark()
    const {code, out} = await t.json(['promote', '--replica', '--yes'])
    assert.equal(code, 3, JSON.stringify(out))
    assert.equal(out.error.guard, 'replica-healthy')
    assert.match(out.error.message, /pg-app-wus2 replication state is Active; it lags its primary by [\d.]+s, more than the limit of 0\.5s \(maxReplicationLag\)/)
    assert.deepEqual(t.writes(), [])
    psql(t, 'pg-app-wus2', 'SELECT pg_wal_replay_resume()')
  })

  it('reports exactly the rows committed through the CNAME that did not stream before it', async () => {
    // Ten rows through the CNAME stream to the replica; then its WAL receiver stops and 25 more never reach it.
    const [host, port] = t.sb.handle.connection.postgres!['pg-app-eus2'].split(':')
    assert.deepEqual(await cnameAnswer(t, 'eus2'), [host])
    const write = async () => assert.ok((await tryWrite({host, port: Number(port), database: 'postgres', user: 'azfail', via: CNAME}, 'app')).ok)
    for (let i = 0; i < 10; i++) await write()
    await eventually(() => psql(t, 'pg-app-wus2', 'SELECT count(*) FROM azfail_write_check') === '10', 30_000)
    const paused = await t.sb.control('POST', 'postgres/pg-app-wus2/replication', {paused: true})
    assert.equal(paused.status, 200, JSON.stringify(paused.body))
    for (let i = 0; i < 25; i++) await write()

    const refused = await t.json(['promote', '--replica', '--yes'])
    assert.equal(refused.code, 3, JSON.stringify(refused.out))
    assert.match(refused.out.error.message, /pg-app-wus2 replication state is Broken/)

    const {code, out} = await t.json(['promote', '--replica', '--forced', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const promote = step(out, 'promoteReplica')
    // 10 + 25 + azfail's own marker were committed on the old primary; the new one holds the 10 that streamed.
    assert.deepEqual({before: promote.rpo.before, after: promote.rpo.after, lost: promote.rpo.lost}, {before: 36, after: 10, lost: 26})
    assert.match(promote.message, /pg-app-wus2 is primary \(forced switchover\); RPO: \d+ bytes of WAL lost \(pg-app-eus2 was at [0-9A-F]+\/[0-9A-F]+; pg-app-wus2 had received WAL up to .+\); \d+ transaction ids past the replica's last; written on the old primary after replication stopped: public\.azfail_write_check \(26 rows\); 26 of azfail's 36 marker rows lost \(10 of those written through prod\.private\.postgres\.database\.azure\.com before the promotion are on the new primary\)/)
    // The 25 application writes and azfail's marker: 26 transactions at least (autoanalyze may assign more).
    assert.ok(promote.rpo.wal.transactionIdsLost >= 26, JSON.stringify(promote.rpo.wal))
    assert.ok(promote.rpo.wal.bytesLost > 0)
    const wus2 = t.sb.handle.connection.postgres!['pg-app-wus2']
    assert.equal(psql(t, 'pg-app-wus2', 'SELECT count(*) FROM azfail_write_check WHERE run = \'app\''), '10')
    assert.deepEqual(await cnameAnswer(t, 'wus2'), [wus2.split(':')[0]])
    assert.equal(step(out, 'verifyWritable').status, 'succeeded')
  })
})

describe('a forced promotion reports the WAL it lost, from the servers themselves', {skip}, () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text, {postgres: true})))
  after(() => t?.stop())

  it('accounts for a table written on the primary after replication stopped: WAL bytes, transactions, the table and its rows', async () => {
    psql(t, 'pg-app-eus2', 'CREATE TABLE customers (id int PRIMARY KEY); INSERT INTO customers VALUES (1)')
    await eventually(() => psql(t, 'pg-app-wus2', 'SELECT count(*) FROM customers') === '1', 30_000)
    assert.equal((await t.sb.control('POST', 'postgres/pg-app-wus2/replication', {paused: true})).status, 200)
    // The application goes on writing on the primary (user azfail, over loopback): a new table and 5 rows.
    psql(t, 'pg-app-eus2', 'CREATE TABLE invoices (id int PRIMARY KEY, total numeric)')
    for (let i = 1; i <= 5; i++) psql(t, 'pg-app-eus2', `INSERT INTO invoices VALUES (${i}, ${i * 10})`)

    const {code, out} = await t.json(['promote', '--replica', '--forced', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const promote = step(out, 'promoteReplica')
    const wal = promote.rpo.wal
    assert.equal(wal.measured, true, JSON.stringify(wal))
    assert.deepEqual([wal.primary, wal.replica], ['pg-app-eus2', 'pg-app-wus2'])
    assert.ok(wal.bytesLost > 0, JSON.stringify(wal))
    assert.ok(wal.transactionIdsLost >= 7, JSON.stringify(wal)) // the table, 5 rows, azfail's marker
    assert.deepEqual(wal.tables.find((x: any) => x.table === 'public.invoices'), {table: 'public.invoices', onlyOnPrimary: true, rows: 5})
    assert.ok(!wal.tables.some((x: any) => x.table === 'public.customers'), 'a table written before replication stopped lost nothing')
    assert.match(promote.message, new RegExp(`RPO: ${wal.bytesLost} bytes of WAL lost \\(pg-app-eus2 was at ${wal.primaryLsn}; pg-app-wus2 had received WAL up to ${wal.receivedLsn ?? '\\(nothing streamed since it started\\)'} and replayed up to ${wal.replayedLsn}`))
    assert.match(promote.message, /written on the old primary after replication stopped: [^;]*public\.invoices \(a table only on the old primary, 5 rows\)/)
    assert.match(promote.message, /1 of azfail's 1 marker row lost \(0 of those written through prod\.private\.postgres\.database\.azure\.com/)
    // What the report says is so: the promoted server has no such table.
    assert.equal(psql(t, 'pg-app-wus2', "SELECT to_regclass('invoices') IS NULL"), 't')
  })

  it('with the old primary down, says the RPO could not be measured from it and gives the replica\'s position, never a 0', async () => {
    // Now pg-app-eus2 streams from pg-app-wus2, which stops taking azfail's connections (TLS, as the write check
    // connects): pg_hba.conf rejects them, as an unreachable server would fail them. The sandbox's own go on.
    // A commit for it to replay, so its last replayed transaction has a time: a standby that replayed none since it
    // started has none to give (a loaded run got there before any, and the message rightly said no time).
    psql(t, 'pg-app-wus2', 'SELECT txid_current()')
    await eventually(() => psql(t, 'pg-app-eus2', 'SELECT pg_last_xact_replay_timestamp() IS NOT NULL') === 't', HANG_MS)
    const hba = psql(t, 'pg-app-wus2', 'SHOW hba_file')
    writeFileSync(hba, `hostssl all all 127.0.0.0/8 reject\n${readFileSync(hba, 'utf8')}`)
    psql(t, 'pg-app-wus2', 'SELECT pg_reload_conf()')
    const {code, out} = await t.json(['promote', '--replica', '--forced', '--standalone', '--to', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const promote = step(out, 'promoteReplica')
    const wal = promote.rpo.wal
    assert.equal(wal.measured, false)
    assert.equal(wal.bytesLost, undefined)
    assert.match(wal.replayedLsn, /^[0-9A-F]+\/[0-9A-F]+$/)
    assert.match(promote.message, /RPO not measured from the primary: the old primary could not be read \(pg-app-wus2\.postgres\.database\.azure\.com \(127\.0\.20\.2:\d+\): .*pg_hba\.conf rejects connection.*\); pg-app-eus2 had received WAL up to [0-9A-F]+\/[0-9A-F]+ and replayed up to [0-9A-F]+\/[0-9A-F]+, its last replayed transaction committed at \d{4}-\d\d-\d\dT/)
    assert.doesNotMatch(promote.message, /\b0 bytes/)
  })
})

describe('standalone promotion and failback', {skip}, () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text, {postgres: true})))
  after(() => t?.stop())

  it('promote --replica --standalone stops replication and leaves the old primary a primary; the CNAME leads to the new one', async () => {
    const {code, out} = await t.json(['promote', '--replica', '--standalone', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.match(step(out, 'promoteReplica').message, /pg-app-wus2 is a standalone primary \(planned promotion\); RPO: 0 of azfail's 1 marker row lost/)
    assert.equal(psql(t, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(t, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    const pg = await t.sb.clients.postgres()
    assert.equal((await pg.servers.get('rg-data-wus2', 'pg-app-wus2')).replica?.role, 'None')
    assert.deepEqual(await cnameAnswer(t, 'eus2'), [t.sb.handle.connection.postgres!['pg-app-wus2'].split(':')[0]])
  })

  it('fails back as the README shows: re-create pg-app-eus2 as a replica of pg-app-wus2, then switch over to it', async () => {
    psql(t, 'pg-app-wus2', 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 50)')
    const pg = await t.sb.clients.postgres()
    await pg.servers.beginDeleteAndWait('rg-data-eus2', 'pg-app-eus2')
    const source = await pg.servers.get('rg-data-wus2', 'pg-app-wus2')
    const created = await pg.servers.beginCreateOrUpdateAndWait('rg-data-eus2', 'pg-app-eus2', {location: 'East US 2', createMode: 'Replica', sourceServerResourceId: source.id})
    assert.deepEqual([created.replica?.role, created.state], ['GeoAsyncReplica', 'Ready'])
    assert.equal(psql(t, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.equal(psql(t, 'pg-app-eus2', 'SELECT count(*) FROM orders'), '50')
    const {code, out} = await t.json(['promote', '--replica', '--to', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.equal(step(out, 'promoteReplica').rpo.lost, 0)
    assert.equal(psql(t, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(t, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.deepEqual(await cnameAnswer(t, 'wus2'), [t.sb.handle.connection.postgres!['pg-app-eus2'].split(':')[0]])
    const {out: status} = await t.json(['status'])
    assert.equal(status.result.data.postgres.primaryRegion, 'eus2')
    const replica = status.result.data.postgres.servers.find((s: any) => s.region === 'wus2')
    assert.equal(typeof replica.replicationLagSeconds, 'number', 'status shows the replica\'s lag, as the sandbox reports it')
    assert.match((await t.azfail(['status'])).stdout, /GeoAsyncReplica.*Active, lag [\d.]+s/)
  })
})

describe('lint: verify-full through a CNAME', () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text.replace(WRITE_CHECK, 'writeCheck: {database: postgres, user: azfail, sslmode: verify-full}'))))
  after(() => t?.stop())

  it('warns that the certificate does not name the CNAME, and exits 0', async () => {
    const r = await t.azfail(['lint', '--json'], {runbook: t.runbook})
    const out = JSON.parse(r.stdout)
    assert.equal(r.code, 0, r.stdout)
    assert.ok(out.warnings.some((w: string) => /^verify-full-through-cname: the write check asks for sslmode verify-full through prod\.private\.postgres\.database\.azure\.com/.test(w)), JSON.stringify(out.warnings))
  })
})

describe('practice reports RPO beside RTO', {skip}, () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text, {postgres: true})))
  after(() => t?.stop())

  it('measures each promotion of the practice run: nothing lost, in gameday.json and the reports', async () => {
    const dir = join(t.work, 'practice')
    const {code, out} = await t.json(['gameday', '--practice', '--report-dir', dir])
    assert.equal(code, 0, JSON.stringify(out.error ?? out.result.checks.filter((c: any) => c.status === 'failed')))
    const rpo = out.result.practice.rpo
    assert.deepEqual(rpo.map((r: any) => [r.phase, r.measured, r.lost]), [['promote', true, 0], ['failback', true, 0]])
    assert.deepEqual(out.result.checks.filter((c: any) => c.category === 'rpo').map((c: any) => [c.id, c.status]), [['rpo/promote', 'passed'], ['rpo/failback', 'passed']])
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8')
    assert.match(summary, /Data: promote: RPO: 0 of azfail's \d+ marker rows? lost \(\d+ of those written through prod\.private\.postgres\.database\.azure\.com/)
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<p id="rpo">Data: promote: RPO: 0 of azfail&#39;s \d+ marker rows? lost/)
  })
})
