// promote --replica / --failover-group / --cosmos and repoint, through the CLI against the sandbox.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {afterEach, beforeEach, describe, it} from 'node:test'
import {connectionFile} from '#sandbox'
import {resolveName, resolverFor} from '../../src/azure/resolve.ts'
import {type E2E, e2e} from './support.ts'

const PG_ZONE = 'private.postgres.database.azure.com'

describe('promote', () => {
  let t: E2E
  beforeEach(async () => (t = await e2e()))
  afterEach(() => t.stop())

  const cname = async () => (await (await t.sb.clients.privateDns()).recordSets.get('rg-connectivity-dns', PG_ZONE, 'CNAME', 'prod'))

  it('refuses a repoint alone before promotion (promote-before-repoint), writing nothing', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['repoint', '--to', 'wus2', '--yes'])
    assert.equal(code, 3)
    assert.equal(out.error.guard, 'promote-before-repoint')
    assert.match(out.error.message, /pg-app-wus2 has replication role GeoAsyncReplica \(a read-only replica\)/)
    assert.deepEqual(t.writes(), [])
    assert.equal((await cname()).cnameRecord?.cname, `pg-app-eus2.${PG_ZONE}`)
  })

  it('promotes the replica, repoints the CNAME with If-Match, and both regions resolve the new primary', async () => {
    const before = await cname()
    t.sb.mark()
    const {code, out} = await t.json(['promote', '--replica', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [
      ['promoteReplica', 'succeeded'],
      ['repointCname', 'succeeded'],
      ['verifyCname', 'succeeded'],
      ['verifyWritable', 'skipped'],
    ])
    const writes = t.writes().map((w) => `${w.method} ${w.status} ${w.path.split('/').slice(-2).join('/')}`)
    const promote = writes.indexOf('PATCH 202 flexibleServers/pg-app-wus2')
    const repoint = writes.indexOf('PUT 200 CNAME/prod')
    assert.ok(promote >= 0 && repoint > promote, `promotion before repoint: ${writes}`)
    const pg = await t.sb.clients.postgres()
    assert.equal((await pg.servers.get('rg-data-wus2', 'pg-app-wus2')).replica?.role, 'Primary')
    const after = await cname()
    assert.equal(after.cnameRecord?.cname, `pg-app-wus2.${PG_ZONE}`)
    assert.notEqual(after.etag, before.etag)
    for (const region of ['eus2', 'wus2']) {
      const answer = await resolveName(resolverFor(t.sb.resolvers[region]), `prod.${PG_ZONE}`)
      assert.deepEqual(answer.addresses, ['10.30.5.4'], `${region} resolves prod to the new primary`)
    }
    t.sb.mark()
    const again = await t.json(['promote', '--replica', '--to', 'wus2', '--yes'])
    assert.equal(again.code, 0)
    assert.deepEqual(again.out.result.steps.slice(0, 2).map((s: any) => s.status), ['skipped', 'skipped'])
    assert.deepEqual(t.writes(), [], 'a promotion already done writes nothing')
  })

  it('refuses a planned promotion of a broken replica (replica-healthy); --forced goes ahead', async () => {
    await t.sb.control('POST', 'mutate', {
      id: `/subscriptions/${t.sb.target.subscriptionId}/resourceGroups/rg-data-wus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`,
      properties: {replica: {role: 'GeoAsyncReplica', capacity: 0, replicationState: 'Broken'}},
    })
    const dry = await t.json(['promote', '--replica', '--dry-run'])
    assert.equal(dry.code, 4)
    assert.equal(dry.out.error.guard, 'replica-healthy')
    const refused = await t.json(['promote', '--replica', '--yes'])
    assert.equal(refused.code, 3)
    assert.match(refused.out.error.message, /replication state is Broken/)
    const forced = await t.json(['promote', '--replica', '--forced', '--yes'])
    assert.equal(forced.code, 0, JSON.stringify(forced.out.error))
    assert.equal((await cname()).cnameRecord?.cname, `pg-app-wus2.${PG_ZONE}`)
  })

  it('a failed promotion exits 1 and leaves the CNAME untouched', async () => {
    await t.sb.control('POST', 'faults', {kind: 'fail-lro', method: 'PATCH', path: 'flexibleServers/pg-app-wus2$'})
    const before = await cname()
    const {code, out} = await t.json(['promote', '--replica', '--yes'])
    assert.equal(code, 1)
    assert.equal(out.status, 'failed')
    assert.equal(out.error.code, 'OperationFailed')
    assert.match(out.error.message, /PostgreSQL flexible server rg-data-wus2\/pg-app-wus2: OperationFailed: .*injected/)
    assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [
      ['promoteReplica', 'failed'],
      ['repointCname', 'skipped'],
      ['verifyCname', 'skipped'],
      ['verifyWritable', 'skipped'],
    ])
    const after = await cname()
    assert.deepEqual([after.etag, after.cnameRecord?.cname], [before.etag, before.cnameRecord?.cname])
  })

  it('fails the SQL failover group over and verifies the listener in every region', async () => {
    const {code, out} = await t.json(['promote', '--failover-group', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.deepEqual(out.result.steps.map((s: any) => s.id), ['flipFailoverGroup', 'verifyListener'])
    const sql = await t.sb.clients.sql()
    assert.equal((await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')).replicationRole, 'Primary')
    assert.deepEqual((await resolveName(resolverFor(t.sb.resolvers.eus2), 'app-fog.database.windows.net')).addresses, ['10.30.2.4'])
    assert.match(out.result.steps[1].message, /TCP port 1433 reachable from this machine \(not tried from the regions\) at 10\.30\.2\.4:1433 .*, where app-fog\.database\.windows\.net leads from eus2, wus2/)
  })

  it("fails the run when the new primary's listener refuses TCP connections on 1433", async () => {
    // Point the published listener of the new primary at a port nothing listens on.
    const file = connectionFile(t.sb.dir)
    const conn = JSON.parse(readFileSync(file, 'utf8'))
    assert.match(conn.sql['sql-app-wus2'], /^127\.0\.13\.\d+:\d+$/)
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen({host: '127.0.13.200', port: 0}, () => {
        const {port} = s.address() as net.AddressInfo
        s.close(() => resolve(port))
      })
    })
    writeFileSync(file, JSON.stringify({...conn, sql: {...conn.sql, 'sql-app-wus2': `127.0.13.200:${closed}`}}))
    const {code, out} = await t.json(['promote', '--failover-group', '--yes'])
    assert.notEqual(code, 0)
    assert.equal(out.error.code, 'ListenerUnreachable', JSON.stringify(out.error))
    assert.match(out.error.message, /app-fog\.database\.windows\.net resolves to 10\.30\.2\.4 \(sql-app-wus2\), but a TCP connection to port 1433 failed: ECONNREFUSED/)
  })

  it('moves the Cosmos DB write region', async () => {
    const {code} = await t.json(['promote', '--cosmos', '--to', 'wus2', '--yes'])
    assert.equal(code, 0)
    const cosmos = await t.sb.clients.cosmos()
    assert.equal((await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).writeLocations?.[0].locationName, 'West US 2')
  })

  it('asks for exactly one of --replica, --failover-group, --cosmos (exit 2)', async () => {
    const r = await t.azfail(['promote', '--yes'])
    assert.equal(r.code, 2)
    const both = await t.azfail(['promote', '--replica', '--cosmos', '--yes'])
    assert.equal(both.code, 2)
  })
})
