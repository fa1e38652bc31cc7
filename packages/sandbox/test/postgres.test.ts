// Real replication behind the sandbox's flexible servers: a streaming hot standby, promotion with pg_promote(), a
// switchover that makes the old primary a standby (pg_rewind), a paused WAL receiver and what a forced promotion then
// loses, standalone promotion, and re-creating a replica from the new primary (failback).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {after, before, describe, it} from 'node:test'
import {postgresAvailable} from '../src/postgres.ts'
import {demoWorld} from '../src/estate.ts'
import {WorldStore} from '../src/world.ts'
import {type TestSandbox, resolveA, startTestSandbox, tempDir} from './helpers.ts'

/** psql as a DBA would run it: user azfail, no password, from loopback. */
function psql(sb: TestSandbox, server: string, query: string): string {
  const [host, port] = sb.connection.postgres![server].split(':')
  return execFileSync('psql', ['-h', host, '-p', port, '-U', 'azfail', '-d', 'postgres', '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', query], {encoding: 'utf8', env: {...process.env, PGSSLMODE: 'disable'}}).trim()
}

/** Polls until `check` holds (no timing is asserted: the test fails only if it never holds within a generous bound). */
async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if (check()) return
    } catch {
      // not there yet (the table itself may not have streamed)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail(`never: ${what}`)
}

const rows = (sb: TestSandbox, server: string) => Number(psql(sb, server, "SELECT count(*) FROM app_rows"))

const withPostgres = {skip: !postgresAvailable() && !process.env.CI ? "no PostgreSQL server binaries here ('pg_config' is missing)" : false}

/** A sandbox of the demo estate with real PostgreSQL servers behind its flexible servers. */
async function startWithPostgres(dir = tempDir()): Promise<TestSandbox> {
  new WorldStore(dir, () => demoWorld({postgres: true}))
  return startTestSandbox(dir)
}

describe('sandbox: real PostgreSQL replication', withPostgres, () => {
  let sb: TestSandbox
  before(async () => (sb = await startWithPostgres()))
  after(() => sb?.stop())

  it('runs pg-app-wus2 as a hot standby of pg-app-eus2: rows committed on the primary stream to it', async () => {
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    psql(sb, 'pg-app-eus2', 'CREATE TABLE app_rows (id int PRIMARY KEY); INSERT INTO app_rows SELECT generate_series(1, 1000)')
    await eventually('1,000 rows on the replica', () => rows(sb, 'pg-app-wus2') === 1000)
    assert.match(psql(sb, 'pg-app-eus2', "SELECT slot_name || ' ' || active FROM pg_replication_slots"), /^pg_app_wus2 true$/)
    const pg = await sb.clients.postgres()
    const replica = await pg.servers.get('rg-data-wus2', 'pg-app-wus2')
    assert.equal(replica.replica?.replicationState, 'Active')
  })

  it('serves TLS with a certificate the sandbox CA signs for <server>.postgres.database.azure.com', () => {
    const [host, port] = sb.connection.postgres!['pg-app-eus2'].split(':')
    const out = execFileSync('psql', [`host=${host} port=${port} user=azfail dbname=postgres sslmode=verify-ca sslrootcert=${sb.connection.caCertPath}`, '-qAtX', '-c', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'], {encoding: 'utf8'}).trim()
    assert.equal(out, 't')
    const cert = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], {input: readServerCert(host, port), encoding: 'utf8'})
    assert.match(cert, /DNS:pg-app-eus2\.postgres\.database\.azure\.com/)
    assert.doesNotMatch(cert, /prod/)
  })

  it('with replication paused, reports it Broken, refuses a planned promotion, and a forced switchover loses exactly the rows that did not stream', async () => {
    const paused = await sb.control('POST', 'postgres/pg-app-wus2/replication', {paused: true})
    assert.equal(paused.status, 200, JSON.stringify(paused.body))
    assert.equal(paused.body.replicationState, 'Broken')
    psql(sb, 'pg-app-eus2', 'INSERT INTO app_rows SELECT generate_series(1001, 1007)')
    assert.equal(rows(sb, 'pg-app-eus2'), 1007)
    const pg = await sb.clients.postgres()
    await assert.rejects(pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}}), /ReplicaNotActive|replication state 'Active'/)
    await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Forced'}})
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(rows(sb, 'pg-app-wus2'), 1000, 'the 7 rows committed while paused are lost')
    // The old primary is rewound onto the new one's history and streams from it.
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.equal(rows(sb, 'pg-app-eus2'), 1000)
    psql(sb, 'pg-app-wus2', 'INSERT INTO app_rows VALUES (2001)')
    await eventually('the new primary\'s row on the old one', () => rows(sb, 'pg-app-eus2') === 1001)
    const old = await pg.servers.get('rg-data-eus2', 'pg-app-eus2')
    assert.deepEqual([old.replica?.role, old.replica?.replicationState], ['GeoAsyncReplica', 'Active'])
  })

  it('a planned switchover loses nothing and leaves the old primary a streaming standby', async () => {
    psql(sb, 'pg-app-wus2', 'INSERT INTO app_rows SELECT generate_series(3001, 3500)')
    const pg = await sb.clients.postgres()
    await pg.servers.beginUpdateAndWait('rg-data-eus2', 'pg-app-eus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(rows(sb, 'pg-app-eus2'), 1501)
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.equal(psql(sb, 'pg-app-eus2', "SELECT state FROM pg_stat_replication WHERE application_name = 'pg-app-wus2'"), 'streaming')
  })

  it('promotes standalone (the old primary stays a primary), then re-creates the replica from the new primary (failback)', async () => {
    const pg = await sb.clients.postgres()
    await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Standalone', promoteOption: 'Planned'}})
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT count(*) FROM pg_replication_slots'), '0', 'the slot of the promoted replica is dropped')
    psql(sb, 'pg-app-wus2', 'INSERT INTO app_rows VALUES (4001)')

    // Failback as Azure requires: the old primary goes, and a replica of the new primary is created in its place.
    await pg.servers.beginDeleteAndWait('rg-data-eus2', 'pg-app-eus2')
    const source = await pg.servers.get('rg-data-wus2', 'pg-app-wus2')
    const created = await pg.servers.beginCreateOrUpdateAndWait('rg-data-eus2', 'pg-app-eus2', {location: 'East US 2', createMode: 'Replica', sourceServerResourceId: source.id})
    assert.deepEqual([created.replica?.role, created.state], ['GeoAsyncReplica', 'Ready'])
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.equal(rows(sb, 'pg-app-eus2'), 1502)
    const replica = await pg.servers.get('rg-data-eus2', 'pg-app-eus2')
    assert.equal(replica.replica?.replicationState, 'Active')

    // and a planned switchover restores the original topology.
    await pg.servers.beginUpdateAndWait('rg-data-eus2', 'pg-app-eus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 't')
    assert.equal(rows(sb, 'pg-app-wus2'), 1502)
  })
})

describe('sandbox: real PostgreSQL across a restart and a reset', withPostgres, () => {
  const dir = tempDir()
  let sb: TestSandbox | undefined
  before(async () => (sb = await startWithPostgres(dir)))
  after(() => sb?.stop())

  it('keeps a switched-over pair streaming when the sandbox restarts (new ports), and a reset restores the demo roles on the real servers', async () => {
    const pg = await sb!.clients.postgres()
    await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    await sb!.stop()
    sb = await startTestSandbox(dir)
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 't')
    psql(sb, 'pg-app-wus2', 'CREATE TABLE app_rows (id int PRIMARY KEY); INSERT INTO app_rows SELECT generate_series(1, 10)')
    await eventually('rows of the new primary on the old one', () => rows(sb!, 'pg-app-eus2') === 10)
    const after = await (await sb!.clients.postgres()).servers.get('rg-data-eus2', 'pg-app-eus2')
    assert.equal(after.replica?.replicationState, 'Active')

    const reset = await sb!.control('POST', 'reset', {postgres: true})
    assert.equal(reset.status, 200)
    const again = await sb!.clients.postgres()
    assert.equal((await again.servers.get('rg-data-eus2', 'pg-app-eus2')).replica?.role, 'Primary')
    assert.equal(psql(sb!, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(sb!, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 't')
    psql(sb!, 'pg-app-eus2', 'INSERT INTO app_rows VALUES (11)')
    await eventually('a row of the restored primary on its replica', () => rows(sb!, 'pg-app-wus2') === 11)
  })
})

describe('sandbox: answering while the real PostgreSQL servers work', withPostgres, () => {
  let sb: TestSandbox
  before(async () => (sb = await startWithPostgres()))
  after(() => sb?.stop())

  it('answers DNS and an ARM read while a switchover runs: both before the old primary restarts as a standby, its last step', async () => {
    // The switchover is due at once: whichever request comes next sets the servers to work.
    assert.equal((await sb.control('PATCH', 'settings', {lroMs: 0})).status, 200)
    const pg = await sb.clients.postgres()
    const tm = await sb.clients.trafficManager()
    sb.mark()
    const switchedOver = pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    await eventually('the switchover accepted (202)', () => sb.requests().some((r) => r.method === 'PATCH' && r.status === 202))
    const answeredAt = async <T>(answer: Promise<T>) => ({answer: await answer, at: Date.now()})
    const [dns, arm] = await Promise.all([
      answeredAt(resolveA(sb.connection.resolvers.wus2, 'pg-app-wus2.postgres.database.azure.com')),
      answeredAt(tm.profiles.get('rg-global', 'tm-app')),
    ])
    await switchedOver
    assert.deepEqual([dns.answer.outcome, dns.answer.addresses], ['NOERROR', ['127.0.20.2']])
    assert.equal(arm.answer.name, 'tm-app')
    assert.equal(psql(sb, 'pg-app-wus2', 'SELECT pg_is_in_recovery()'), 'f')
    assert.equal(psql(sb, 'pg-app-eus2', 'SELECT pg_is_in_recovery()'), 't')
    const restartedAt = Number(psql(sb, 'pg-app-eus2', 'SELECT extract(epoch FROM pg_postmaster_start_time()) * 1000'))
    assert.ok(dns.at < restartedAt, `the resolver answered ${dns.at - restartedAt} ms after the old primary restarted as a standby`)
    assert.ok(arm.at < restartedAt, `ARM answered ${arm.at - restartedAt} ms after the old primary restarted as a standby`)
  })
})

/** The server certificate a PostgreSQL server presents, through openssl's STARTTLS for postgres. */
function readServerCert(host: string, port: string): string {
  const out = execFileSync('openssl', ['s_client', '-starttls', 'postgres', '-connect', `${host}:${port}`, '-showcerts'], {input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore']})
  return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)![0]
}
