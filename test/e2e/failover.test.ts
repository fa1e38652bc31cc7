// azfail failover <region> / failback <region> (issue 15): one plan for the whole region, one consent, one lock, one
// journal, one report; --ungraceful for a region that is down; the result says what still lives in the region.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e, FD_ORIGIN, TM_EP} from './support.ts'

/** The roles the demo estate's data tier holds, as Azure answers them. */
async function roles(t: E2E) {
  const pg = await t.sb.clients.postgres()
  const pgRole = async (rg: string, name: string) => (await pg.servers.get(rg, name)).replica?.role
  const sql = await t.sb.clients.sql()
  const cosmos = await t.sb.clients.cosmos()
  const dns = await t.sb.clients.privateDns()
  return {
    pgWus2: await pgRole('rg-data-wus2', 'pg-app-wus2'),
    fogWus2: (await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')).replicationRole,
    cosmosWrites: (await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).writeLocations?.[0]?.locationName?.replace(/\s/g, '').toLowerCase(),
    cname: (await dns.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'CNAME', 'prod')).cnameRecord?.cname,
  }
}

async function steering(t: E2E, region: string) {
  const tm = await (await t.sb.clients.trafficManager()).endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', `ep-${region}`)
  const fd = await (await t.sb.clients.frontDoor()).afdOrigins.get('rg-global', 'fd-app', 'og-app', `origin-${region}`)
  return [tm.endpointStatus, fd.enabledState]
}

const WHOLE_PLAN = ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution', 'promoteReplica', 'repointCname', 'verifyCname', 'verifyWritable', 'flipFailoverGroup', 'verifyListener', 'failoverCosmos', 'verifyCosmos']

describe('failover and failback of a healthy region', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('the dry run is one plan naming every change, and writes nothing', async () => {
    t.sb.mark()
    const r = await t.azfail(['failover', 'eus2', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    for (const change of [/Traffic Manager endpoint ep-eus2: Enabled -> Disabled/, /PostgreSQL pg-app-wus2: GeoAsyncReplica -> Primary/, /SQL failover group app-fog primary: sql-app-eus2 -> sql-app-wus2/, /Cosmos DB cosmos-app write region: eus2 -> wus2/, /CNAME prod\.private\.postgres\.database\.azure\.com: .*pg-app-eus2.* -> .*pg-app-wus2/]) {
      assert.match(r.stdout, change)
    }
    assert.deepEqual(t.writes(), [])
  })

  it('failover eus2: one run (one lock, one journal) drains, promotes every data service to wus2, repoints, verifies; nothing of the data tier is left in eus2', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['failover', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error ?? out.result?.steps))
    assert.equal(out.result.action, 'failover')
    assert.deepEqual(out.result.steps.map((s: any) => s.id), WHOLE_PLAN)
    assert.ok(out.result.steps.every((s: any) => ['succeeded', 'skipped'].includes(s.status)), JSON.stringify(out.result.steps.map((s: any) => [s.id, s.status])))
    // one lock taken and released for the whole region (its record is written more than once: pending, held, renewed)
    assert.equal(t.writes().filter((w) => w.method === 'DELETE' && /TXT\/_azfail-lock$/.test(w.path)).length, 1, 'one lock for the whole region')
    assert.deepEqual(await steering(t, 'eus2'), ['Disabled', 'Disabled'])
    assert.deepEqual(await roles(t), {pgWus2: 'Primary', fogWus2: 'Primary', cosmosWrites: 'westus2', cname: 'pg-app-wus2.private.postgres.database.azure.com'})
    assert.deepEqual(out.result.residue, [], 'nothing still lives in eus2')
  })

  it('status after it says eus2 does not serve and nothing lives there', async () => {
    const {code, out} = await t.json(['status'])
    assert.equal(code, 0)
    assert.deepEqual(out.result.residue, [])
  })

  it('failback eus2 re-enables it and gives every role back, exit 0', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['failback', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error ?? out.result?.steps))
    assert.deepEqual(await steering(t, 'eus2'), ['Enabled', 'Enabled'])
    const pg = await t.sb.clients.postgres()
    assert.equal((await pg.servers.get('rg-data-eus2', 'pg-app-eus2')).replica?.role, 'Primary')
    const r = await roles(t)
    assert.equal(r.fogWus2, 'Secondary')
    assert.equal(r.cosmosWrites, 'eastus2')
    assert.equal(r.cname, 'pg-app-eus2.private.postgres.database.azure.com')
  })
})

describe('a drain leaves the data tier behind, and says so', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('drain eus2: the result and status list the PostgreSQL primary, the SQL primary, the Cosmos DB write region and the CNAME still in eus2', async () => {
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 0)
    const expected = [/PostgreSQL primary pg-app-eus2/, /SQL failover group app-fog primary sql-app-eus2/, /Cosmos DB cosmos-app write region/, /CNAME prod\.private\.postgres\.database\.azure\.com -> pg-app-eus2/]
    for (const what of expected) assert.ok(out.result.residue.some((r: any) => r.region === 'eus2' && what.test(r.what)), `${what} in ${JSON.stringify(out.result.residue)}`)
    const status = await t.azfail(['status'])
    assert.equal(status.code, 0)
    assert.match(status.stdout, /Still in regions that do not serve\n {2}eus2: PostgreSQL primary pg-app-eus2/)
  })
})

/** eus2 down in each way the issue names; the global services (Traffic Manager, Front Door, Private DNS) answer. */
const OUTAGES = [
  ['ARM answering 503', {region: 'eus2', arm: 'error', status: 503}],
  ['ARM hanging', {region: 'eus2', arm: 'hang'}],
  ['resolver silent', {region: 'eus2', resolver: 'silent'}],
  ['ARM 503, hanging and resolver silent together', {region: 'eus2', arm: 'hang', resolver: 'silent'}],
] as const

describe('failover eus2 --ungraceful while eus2 is down', () => {
  for (const [name, outage] of OUTAGES) {
    it(`${name}: exit 0, steering away from eus2, every data service in wus2, what eus2 could not show is listed; failback after it returns, exit 0`, async () => {
      const t = await e2e()
      try {
        await t.sb.outage(outage as any)
        t.sb.mark()
        const {code, out} = await t.json(['failover', 'eus2', '--ungraceful', '--yes'], {timeoutMs: 240_000})
        assert.equal(code, 0, JSON.stringify(out.error ?? out.result?.steps?.map((s: any) => [s.id, s.status, s.message])))
        assert.deepEqual(await steering(t, 'eus2'), ['Disabled', 'Disabled'])
        assert.deepEqual(await roles(t), {pgWus2: 'Primary', fogWus2: 'Primary', cosmosWrites: 'westus2', cname: 'pg-app-wus2.private.postgres.database.azure.com'})
        const writes = t.writes().map((w) => `${w.method} ${w.path}`)
        assert.ok(writes.some((w) => /^POST .*cosmos-app\/offlineRegion/.test(w)), 'Cosmos DB: the offline region (forced) path')
        assert.ok(writes.some((w) => /^POST .*servers\/sql-app-wus2\/failoverGroups\/app-fog\/forceFailoverAllowDataLoss/.test(w)), 'SQL: forced failover through the wus2 server')
        assert.ok(!writes.some((w) => /rg-(data|spoke)-eus2\//.test(w) && !/databaseAccounts/.test(w)), `nothing written to eus2's regional providers: ${writes.join('\n')}`)
        // What eus2 could not show is said, never passed off as verified.
        const said = [...out.warnings, ...out.result.steps.map((s: any) => s.message)].join('\n')
        assert.match(said, /eus2/)
        assert.match(said, /NOT VERIFIED|not seen|not (asked|sent)/)
        // the CNAME's and the listener's checks do not wait on the dead region's resolver either
        for (const id of ['verifyCname', 'verifyListener']) {
          const about = out.warnings.filter((w: string) => w.startsWith(`${id}:`)).join('\n')
          assert.match(about, /eus2's resolver was not asked \(the region is down: failover --ungraceful\)/, `${id}: ${about}`)
        }

        await t.sb.clearOutage()
        const back = await t.json(['failback', 'eus2', '--yes'], {timeoutMs: 240_000})
        assert.equal(back.code, 0, JSON.stringify(back.out.error ?? back.out.result?.steps?.map((s: any) => [s.id, s.status, s.message])))
        assert.deepEqual(await steering(t, 'eus2'), ['Enabled', 'Enabled'])
        const r = await roles(t)
        assert.deepEqual([r.fogWus2, r.cosmosWrites, r.cname], ['Secondary', 'eastus2', 'pg-app-eus2.private.postgres.database.azure.com'])
      } finally {
        await t.stop()
      }
    })
  }
})

describe('promotions with eus2 unreadable', () => {
  let t: E2E
  before(async () => {
    t = await e2e()
    await t.sb.outage({region: 'eus2', arm: 'error', status: 503} as any)
  })
  after(() => t.stop())

  for (const [flag, what] of [['--replica', /pg-app-eus2/], ['--failover-group', /eus2/], ['--cosmos', /eus2/]] as const) {
    it(`a planned promote ${flag} refuses (exit 3), naming what it could not read and suggesting --forced; nothing written`, async () => {
      t.sb.mark()
      const {code, out} = await t.json(['promote', flag, '--yes'])
      assert.equal(code, 3, JSON.stringify(out))
      assert.equal(out.error.guard, 'region-healthy')
      assert.match(out.error.message, what)
      assert.match(out.error.message, /could not read/)
      assert.match(out.error.hint, /--forced/)
      assert.deepEqual(t.writes(), [])
    })
  }

  it('the dry run says the same with exit 4', async () => {
    const {code, out} = await t.json(['promote', '--replica', '--dry-run'])
    assert.equal(code, 4)
    assert.match(out.error.message, /region-healthy/)
  })
})

describe('a front door that refuses during a failover', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('drains Traffic Manager, promotes everything, and ends partial naming Front Door; the re-run of drain finishes it', async () => {
    await t.sb.outage({frontDoor: 'refuse'} as any)
    const {code, out} = await t.json(['failover', 'eus2', '--yes'])
    assert.equal(code, 1, JSON.stringify(out))
    assert.equal(out.status, 'partial')
    assert.equal(out.error.code, 'SteeringIncomplete')
    assert.match(out.error.message, /Front Door origin origin-eus2 still sends traffic to eus2/)
    assert.match(out.error.hint, /azfail drain eus2 --runbook /)
    assert.deepEqual(await roles(t), {pgWus2: 'Primary', fogWus2: 'Primary', cosmosWrites: 'westus2', cname: 'pg-app-wus2.private.postgres.database.azure.com'})
    await t.sb.clearOutage()
    t.sb.mark()
    const again = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(again.code, 0, JSON.stringify(again.out))
    assert.deepEqual(t.writes().filter((w) => TM_EP('eus2').test(w.path)), [])
    assert.equal(t.writes().filter((w) => FD_ORIGIN('eus2').test(w.path)).length, 1)
  })
})

describe('each single command with eus2 down does the same for its part', () => {
  // ARM answering 503, and everything down at once (hanging ARM and a silent resolver): each single command's cases.
  for (const [name, outage] of [OUTAGES[0], OUTAGES[3]]) {
    it(`${name}: drain eus2, then promote --replica / --failover-group / --cosmos --forced, each exit 0`, async () => {
      const t = await e2e()
      try {
        await t.sb.outage(outage as any)
        const drain = await t.json(['drain', 'eus2', '--yes'], {timeoutMs: 240_000})
        assert.equal(drain.code, 0, JSON.stringify(drain.out.error ?? drain.out.result?.steps?.map((s: any) => [s.id, s.status, s.message])))
        assert.deepEqual(await steering(t, 'eus2'), ['Disabled', 'Disabled'])
        for (const flag of ['--replica', '--failover-group', '--cosmos']) {
          const {code, out} = await t.json(['promote', flag, '--forced', '--to', 'wus2', '--yes'], {timeoutMs: 240_000})
          assert.equal(code, 0, `${flag}: ${JSON.stringify(out.error ?? out.result?.steps?.map((s: any) => [s.id, s.status, s.message]))}`)
        }
        assert.deepEqual(await roles(t), {pgWus2: 'Primary', fogWus2: 'Primary', cosmosWrites: 'westus2', cname: 'pg-app-wus2.private.postgres.database.azure.com'})
      } finally {
        await t.stop()
      }
    })
  }
})
