// A region down (its ARM answering 503 or hanging, its resolver silent) while the global services answer: reads are
// bounded, what could not be read is unknown, and status still answers.
import assert from 'node:assert/strict'
import {createSocket, type Socket} from 'node:dgram'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

/** A resolver that takes every query and never answers, as a dead region's does; eus2's resolver becomes it. */
async function silenceResolver(t: E2E, region: string): Promise<Socket> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const file = join(t.sb.dir, 'connection.json')
  const conn = JSON.parse(readFileSync(file, 'utf8'))
  writeFileSync(file, JSON.stringify({...conn, resolvers: {...conn.resolvers, [region]: `127.0.0.1:${socket.address().port}`}}))
  return socket
}

/** eus2's regional resource providers (its spoke and data resource groups), as a regional outage takes them. */
const EUS2_ARM = 'rg-(data|spoke)-eus2/providers/Microsoft\\.(Network/privateEndpoints|DBforPostgreSQL|Sql)'
/**
 * A hung read here is hung for ten minutes, as in the issue: longer than any test waits, so a status that answers at
 * all gave those reads up (the sandbox lets a delayed request go when its client closes it). That status answers within 30 s in every case is a
 * speed target, measured by `npm run bench` ("status, eus2 down" rows), not asserted here: on a loaded machine the
 * same status took 33 s, every second of it work, none of it waiting.
 */
const HUNG_MS = 600_000
/** Why a part was given up: the request timeout (10 s), or the region already known down; never an answer. */
const GIVEN_UP = /no answer within \d+s|known down|unreachable/i

describe('status with eus2 down', () => {
  let t: E2E
  beforeEach(async () => (t = await e2e()))
  afterEach(() => t.stop())

  for (const [kind, fault] of [
    ['answering 503', {kind: 'error', status: 503, path: EUS2_ARM}],
    // hung longer than any test waits: an answer was not waited for
    ['hanging', {kind: 'latency', latencyMs: HUNG_MS, path: EUS2_ARM}],
  ] as const) {
    it(`eus2's ARM ${kind}: status answers, shows what it read and marks eus2's parts unreachable`, async () => {
      await t.sb.control('POST', 'faults', fault)
      const {code, out} = await t.json(['status'])
      assert.equal(code, 0, JSON.stringify(out))
      const state = out.result
      const unread = state.unobserved.map((u: any) => `${u.part}/${u.region ?? 'global'}`)
      assert.ok(unread.includes('postgres/eus2'), JSON.stringify(state.unobserved))
      const pg = state.unobserved.find((u: any) => u.part === 'postgres' && u.region === 'eus2')
      if (kind === 'hanging') assert.match(pg.why, GIVEN_UP, 'the hung read was given up, not answered')
      assert.ok(!unread.some((u: string) => u.endsWith('/wus2') || u.startsWith('trafficManager') || u.startsWith('frontDoor')), JSON.stringify(state.unobserved))
      assert.deepEqual(state.data.postgres.servers.map((s: any) => [s.region, s.role]), [['eus2', 'Unknown'], ['wus2', 'GeoAsyncReplica']])
      assert.equal(state.data.sqlFailoverGroup.primaryRegion, 'eus2', 'the failover group is read through the wus2 server')
      assert.equal(state.regions.eus2.trafficManager.status, 'Enabled')
      assert.ok(out.warnings.some((w: string) => /not read: PostgreSQL server pg-app-eus2/.test(w)), JSON.stringify(out.warnings))
    })
  }
})

describe("status under the sandbox's regional outage (POST /_sandbox/outage)", () => {
  let t: E2E
  beforeEach(async () => (t = await e2e()))
  afterEach(async () => {
    await t.sb.clearOutage()
    await t.stop()
  })

  for (const spec of [
    {region: 'eus2', arm: 'error', status: 503},
    {region: 'eus2', arm: 'hang'},
    {region: 'eus2', resolver: 'silent'},
    {region: 'eus2', arm: 'hang', resolver: 'silent', frontDoor: 'refuse'},
  ] as const) {
    it(`${JSON.stringify(spec)}: status answers, shows wus2 and marks what of eus2 it could not read`, async () => {
      await t.sb.outage(spec)
      const {code, out} = await t.json(['status'])
      assert.equal(code, 0, JSON.stringify(out))
      const unread = out.result.unobserved.map((u: any) => `${u.part}/${u.region ?? 'global'}`)
      if ('arm' in spec) assert.ok(unread.includes('postgres/eus2'), JSON.stringify(out.result.unobserved))
      if ('resolver' in spec) assert.ok(unread.includes('resolver/eus2'), JSON.stringify(out.result.unobserved))
      assert.ok(!unread.some((u: string) => u.endsWith('/wus2')), JSON.stringify(out.result.unobserved))
      assert.equal(out.result.regions.wus2.trafficManager.status, 'Enabled', 'the global steering layer is read')
      assert.ok(out.result.regions.wus2.names.every((n: any) => n.ok), 'wus2 answers')
    })
  }
})

describe("status with eus2's resolver silent", () => {
  let t: E2E
  let silent: Socket
  beforeEach(async () => {
    t = await e2e()
    silent = await silenceResolver(t, 'eus2')
  })
  afterEach(async () => {
    silent.close()
    await t.stop()
  })

  for (const [kind, fault] of [
    ['alone', undefined],
    ["and eus2's ARM hanging too", {kind: 'latency', latencyMs: HUNG_MS, path: EUS2_ARM}],
  ] as const) {
    it(`${kind}: status answers and says eus2's resolver gave no answer`, async () => {
      if (fault) await t.sb.control('POST', 'faults', fault)
      const {code, out} = await t.json(['status'])
      assert.equal(code, 0, JSON.stringify(out))
      const resolver = out.result.unobserved.find((u: any) => u.part === 'resolver')
      assert.equal(resolver.region, 'eus2')
      assert.ok(out.result.regions.wus2.names.every((n: any) => n.ok), 'wus2 still answers')
      assert.ok(out.result.regions.eus2.names.every((n: any) => n.outcome === 'UNREACHABLE'))
      if (fault) assert.ok(out.result.unobserved.some((u: any) => u.part === 'postgres' && u.region === 'eus2'), JSON.stringify(out.result.unobserved))
    })
  }
})

describe('drain eus2 with eus2 down', () => {
  let t: E2E
  beforeEach(async () => (t = await e2e()))
  afterEach(() => t.stop())

  for (const [kind, fault] of [
    ['answering 503', {kind: 'error', status: 503, path: EUS2_ARM}],
    ['hanging', {kind: 'latency', latencyMs: 40_000, path: EUS2_ARM}],
  ] as const) {
    it(`eus2's ARM ${kind}: the drain succeeds and reads nothing of eus2's regional providers`, async () => {
      await t.sb.control('POST', 'faults', fault)
      t.sb.mark()
      const {code, out} = await t.json(['drain', 'eus2', '--yes'], {timeoutMs: 120_000})
      assert.equal(code, 0, JSON.stringify(out))
      assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [['drainSteering', 'succeeded'], ['waitOutTtl', 'succeeded'], ['verifySurvivorResolution', 'succeeded']])
      const eus2 = t.sb.requests().filter((r) => new RegExp(EUS2_ARM, 'i').test(r.path))
      assert.deepEqual(eus2.map((r) => `${r.method} ${r.path}`), [])
      const tm = await (await t.sb.clients.trafficManager()).endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')
      assert.equal(tm.endpointStatus, 'Disabled')
    })
  }
})

describe("verifications with eus2's resolver silent", () => {
  let t: E2E
  let silent: Socket
  beforeEach(async () => {
    t = await e2e()
    silent = await silenceResolver(t, 'eus2')
  })
  afterEach(async () => {
    silent.close()
    await t.stop()
  })

  const notVerifiedInEus2 = (warnings: string[], step: string) =>
    assert.ok(warnings.some((w) => w.startsWith(`${step}: NOT VERIFIED: eus2's resolver 127.0.0.1:`) && /gave no answer/.test(w)), JSON.stringify(warnings))

  it('a forced promotion of the replica exits 0; verifyCname says eus2 was not verified, never that it answered', async () => {
    const {code, out} = await t.json(['promote', '--replica', '--forced', '--yes'], {timeoutMs: 120_000})
    assert.equal(code, 0, JSON.stringify(out))
    const cname = out.result.steps.find((s: any) => s.id === 'verifyCname')
    assert.equal(cname.status, 'succeeded')
    assert.match(cname.message, /^wus2 resolves prod\.\S+ to .*NOT VERIFIED in eus2/)
    notVerifiedInEus2(out.warnings, 'verifyCname')
    assert.doesNotMatch(JSON.stringify(out), /resolves \S+ to UNREACHABLE|-> UNREACHABLE/)
  })

  it('the failover group exits 0 without waiting out a TTL on eus2; verifyListener says eus2 was not verified', async () => {
    const {code, out} = await t.json(['promote', '--failover-group', '--yes'], {timeoutMs: 120_000})
    assert.equal(code, 0, JSON.stringify(out))
    const listener = out.result.steps.find((s: any) => s.id === 'verifyListener')
    assert.equal(listener.status, 'succeeded')
    notVerifiedInEus2(out.warnings, 'verifyListener')
  })

  it('Cosmos DB exits 0; verifyCosmos words the silence as no answer', async () => {
    const {code, out} = await t.json(['promote', '--cosmos', '--yes'], {timeoutMs: 120_000})
    assert.equal(code, 0, JSON.stringify(out))
    notVerifiedInEus2(out.warnings, 'verifyCosmos')
    assert.doesNotMatch(JSON.stringify(out), /resolves \S+ to UNREACHABLE/)
  })
})
