// The data tier: PostgreSQL flexible replica promotion, SQL failover groups and Cosmos DB failover priority.
import assert from 'node:assert/strict'
import {after, beforeEach, describe, it} from 'node:test'
import {type TestSandbox, startTestSandbox} from './helpers.ts'

const PG_REPLICA = `/resourceGroups/rg-data-wus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`

describe('sandbox: PostgreSQL flexible server', () => {
  let sb: TestSandbox | undefined
  beforeEach(async () => {
    await sb?.stop()
    sb = await startTestSandbox()
  })
  after(() => sb?.stop())

  it('gets and lists servers with their replication roles', async () => {
    const pg = await sb!.clients.postgres()
    const primary = await pg.servers.get('rg-data-eus2', 'pg-app-eus2')
    assert.equal(primary.replica?.role, 'Primary')
    const replica = await pg.servers.get('rg-data-wus2', 'pg-app-wus2')
    assert.deepEqual([replica.replica?.role, replica.replica?.replicationState], ['GeoAsyncReplica', 'Active'])
    assert.match(replica.sourceServerResourceId ?? '', /pg-app-eus2$/)
    const names = []
    for await (const s of pg.servers.listBySubscription()) names.push(s.name)
    assert.deepEqual(names.sort(), ['pg-app-eus2', 'pg-app-wus2'])
    assert.ok(sb!.requests().every((r) => r.apiVersion === '2025-08-01'))
  })

  it('promotes the replica with a planned switchover: Azure-AsyncOperation polling, then roles swap', async () => {
    const pg = await sb!.clients.postgres()
    sb!.mark()
    const promoted = await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    assert.equal(promoted.replica?.role, 'Primary')
    assert.equal(promoted.state, 'Ready')
    const old = await pg.servers.get('rg-data-eus2', 'pg-app-eus2')
    assert.deepEqual([old.replica?.role, old.replica?.replicationState], ['GeoAsyncReplica', 'Active'])
    assert.match(old.sourceServerResourceId ?? '', /pg-app-wus2$/)
    const log = sb!.requests().map((r) => `${r.method} ${r.status}`)
    assert.equal(log[0], 'PATCH 202')
    assert.equal(log.at(-1), 'GET 200', 'the final GET reads the server')
  })

  it('refuses a planned promotion unless replication is Active; forced goes ahead', async () => {
    const pg = await sb!.clients.postgres()
    await sb!.control('POST', 'mutate', {id: `/subscriptions/${sb!.connection.subscriptionId}${PG_REPLICA}`, properties: {replica: {role: 'GeoAsyncReplica', capacity: 0, replicationState: 'Broken'}}})
    await assert.rejects(
      pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}}),
      (e: any) => e.statusCode === 400 && e.code === 'ReplicaNotActive',
    )
    assert.equal((await pg.servers.get('rg-data-wus2', 'pg-app-wus2')).replica?.role, 'GeoAsyncReplica', 'nothing changed')
    const forced = await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Forced'}})
    assert.equal(forced.replica?.role, 'Primary')
  })

  it('promotes standalone: the replica stands alone and the primary keeps no replica', async () => {
    const pg = await sb!.clients.postgres()
    const alone = await pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Standalone', promoteOption: 'Planned'}})
    assert.equal(alone.replica?.role, 'None')
    assert.equal(alone.sourceServerResourceId, undefined)
    assert.equal((await pg.servers.get('rg-data-eus2', 'pg-app-eus2')).replica?.role, 'None')
  })

  it('refuses to promote a primary, and a second promotion while one runs', async () => {
    const pg = await sb!.clients.postgres()
    await assert.rejects(pg.servers.beginUpdateAndWait('rg-data-eus2', 'pg-app-eus2', {replica: {promoteMode: 'Switchover'}}), (e: any) => e.statusCode === 400)
    const first = await pg.servers.beginUpdate('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    await assert.rejects(pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Forced'}}), (e: any) => e.statusCode === 409)
    await first.pollUntilDone()
  })
})

describe('sandbox: SQL failover group', () => {
  let sb: TestSandbox
  beforeEach(async () => {
    await sb?.stop()
    sb = await startTestSandbox()
  })
  after(() => sb.stop())

  it('shows the group from either partner server', async () => {
    const sql = await sb.clients.sql()
    const fromPrimary = await sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog')
    const fromSecondary = await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.equal(fromPrimary.replicationRole, 'Primary')
    assert.equal(fromSecondary.replicationRole, 'Secondary')
    assert.equal(fromSecondary.partnerServers?.[0].replicationRole, 'Primary')
    assert.equal(fromSecondary.readWriteEndpoint?.failoverPolicy, 'Automatic')
    const listed = []
    for await (const f of sql.failoverGroups.listByServer('rg-data-wus2', 'sql-app-wus2')) listed.push(f.name)
    assert.deepEqual(listed, ['app-fog'])
    assert.ok(sb.requests().every((r) => r.apiVersion === '2020-11-01-preview'))
  })

  it('fails over to the secondary (planned), and the roles swap', async () => {
    const sql = await sb.clients.sql()
    sb.mark()
    await sql.failoverGroups.beginFailoverAndWait('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.equal((await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')).replicationRole, 'Primary')
    assert.equal((await sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog')).replicationRole, 'Secondary')
    assert.equal(sb.requests()[0].method, 'POST')
    assert.equal(sb.requests()[0].status, 202)
  })

  it('forces a failover allowing data loss', async () => {
    const sql = await sb.clients.sql()
    const result = await sql.failoverGroups.beginForceFailoverAllowDataLossAndWait('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.equal(result.replicationRole, 'Primary', 'the final result is the group seen from the new primary')
    assert.equal((await sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog')).replicationRole, 'Secondary')
  })
})

describe('sandbox: Cosmos DB', () => {
  let sb: TestSandbox
  beforeEach(async () => {
    await sb?.stop()
    sb = await startTestSandbox()
  })
  after(() => sb.stop())

  it('changes failover priority and with it the write region', async () => {
    const cosmos = await sb.clients.cosmos()
    const before = await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')
    assert.equal(before.writeLocations?.[0].locationName, 'East US 2')
    await cosmos.databaseAccounts.failoverPriorityChange('rg-data-eus2', 'cosmos-app', {
      failoverPolicies: [
        {locationName: 'West US 2', failoverPriority: 0},
        {locationName: 'East US 2', failoverPriority: 1},
      ],
    })
    const after = await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')
    assert.equal(after.writeLocations?.[0].locationName, 'West US 2')
    assert.deepEqual(after.failoverPolicies?.map((p) => [p.locationName, p.failoverPriority]), [['West US 2', 0], ['East US 2', 1]])
    assert.ok(sb.requests().every((r) => r.apiVersion === '2026-03-15'))
  })

  it('refuses failover policies that skip a region or repeat a priority', async () => {
    const cosmos = await sb.clients.cosmos()
    await assert.rejects(
      cosmos.databaseAccounts.failoverPriorityChange('rg-data-eus2', 'cosmos-app', {failoverPolicies: [{locationName: 'West US 2', failoverPriority: 0}]}),
      (e: any) => e.statusCode === 400,
    )
    await assert.rejects(
      cosmos.databaseAccounts.failoverPriorityChange('rg-data-eus2', 'cosmos-app', {
        failoverPolicies: [{locationName: 'West US 2', failoverPriority: 0}, {locationName: 'East US 2', failoverPriority: 0}],
      }),
      (e: any) => e.statusCode === 400,
    )
    assert.equal((await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).writeLocations?.[0].locationName, 'East US 2')
  })
})
