// Cosmos DB failover is verified: the account writes where it was asked to and each region still resolves its own
// per-region record (seed 001); --forced is the forced failover Azure calls "offline region".
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {e2e} from './support.ts'

describe('promote --cosmos', () => {
  it('moves the write region and verifies it and every region\'s own resolution', async () => {
    const t = await e2e()
    try {
      const {code, out} = await t.json(['promote', '--cosmos', '--to', 'wus2', '--yes'])
      assert.equal(code, 0, JSON.stringify(out.error))
      assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [['failoverCosmos', 'succeeded'], ['verifyCosmos', 'succeeded']])
      assert.match(out.result.steps[1].message, /writes in wus2; 2 per-region names resolve to their own private IPs/)
      const cosmos = await t.sb.clients.cosmos()
      assert.equal((await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).writeLocations?.[0]?.locationName?.replace(/\s/g, '').toLowerCase(), 'westus2')
    } finally {
      await t.stop()
    }
  })

  it('will not move the write region while a region answers another region\'s Cosmos DB address: the verification would fail (exit 1, nothing changed)', async () => {
    const t = await e2e()
    try {
      const dns = await t.sb.clients.privateDns()
      await dns.recordSets.update('rg-dns-wus2', 'privatelink.documents.azure.com', 'A', 'cosmos-app', {aRecords: [{ipv4Address: '10.20.4.5'}]})
      t.sb.mark()
      const {code, out} = await t.json(['promote', '--cosmos', '--to', 'wus2', '--yes'])
      assert.deepEqual([code, out.error.code], [1, 'PreconditionFailed'], JSON.stringify(out))
      assert.match(out.error.message, /wus2 resolves cosmos-app\.documents\.azure\.com to 10\.20\.4\.5, not its own 10\.30\.4\.5/)
      assert.deepEqual(t.writes(), [])
    } finally {
      await t.stop()
    }
  })

  it('--forced takes the write region offline (POST offlineRegion, long-running, no priority change), and writes move to the next priority', async () => {
    const t = await e2e()
    try {
      t.sb.mark()
      const {code, out} = await t.json(['promote', '--cosmos', '--forced', '--yes'])
      assert.equal(code, 0, JSON.stringify(out))
      assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [['failoverCosmos', 'succeeded'], ['verifyCosmos', 'succeeded']])
      assert.match(out.result.steps[0].message, /East US 2 is offline; write region is wus2/)
      const writes = t.writes().map((w) => `${w.method} ${w.path.split('/').slice(-2).join('/')}`)
      assert.ok(writes.includes('POST cosmos-app/offlineRegion'), writes.join('\n'))
      assert.ok(!writes.some((w) => /failoverPriorityChange/.test(w)), 'no failover priority change: the write region is not asked')
      const polled = t.sb.requests().filter((r) => r.method === 'GET' && /Microsoft\.DocumentDB\/locations\/.+\/operation(Statuses|Results)\//.test(r.path))
      assert.ok(polled.length > 0, 'the SDK polls the long-running operation as Azure answers it')
      const cosmos = await t.sb.clients.cosmos()
      assert.equal((await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).writeLocations?.[0]?.locationName?.replace(/\s/g, '').toLowerCase(), 'westus2')
    } finally {
      await t.stop()
    }
  })
})
