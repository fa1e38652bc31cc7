// What azfail says when a server explains itself, when ARM or a resolver cannot be reached, and when a repoint fails
// after a switchover: the server's message, the unreachable endpoint, the resume command; never "a bug in azfail".
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, afterEach, before, beforeEach, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

const PG_ZONE = 'private.postgres.database.azure.com'
const NOT_A_BUG = /bug in azfail|unexpected error|InternalError|\n\s+at /

/** A UDP port on `address` that nothing listens on (a resolver there is unreachable: connection refused). */
async function closedPort(address: string): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve) => s.bind(0, address, resolve))
  const {port} = s.address()
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

describe('the sandbox control endpoint explains itself', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('sandbox reset --postgres against a running sandbox without PostgreSQL: exit 6, the server\'s reason and what to do', async () => {
    const r = await t.azfail(['sandbox', 'reset', '--postgres', '--yes'])
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /A running sandbox cannot start or stop its PostgreSQL servers/)
    assert.match(r.stderr, new RegExp(`pid ${process.pid}`))
    assert.match(r.stderr, /next: .*[Ss]top .*sandbox.*without --postgres/)
    assert.doesNotMatch(r.stderr, NOT_A_BUG)
    const {code, out} = await t.json(['sandbox', 'reset', '--postgres', '--yes'])
    assert.equal(code, 6)
    assert.deepEqual([out.status, out.error.code], ['locked', 'SandboxRunning'])
  })
})

describe('ARM unreachable', () => {
  let t: E2E
  beforeEach(async () => (t = await e2e()))
  afterEach(() => t.stop())

  it('a read whose connections are cut is unknown, not a failure: status shows the rest and says ARM is unreachable, naming the endpoint', async () => {
    await t.sb.control('POST', 'faults', {kind: 'drop', path: 'trafficmanagerprofiles', count: 100})
    const {code, out} = await t.json(['status'])
    assert.equal(code, 0, JSON.stringify(out))
    const host = new URL(t.sb.handle.connection.armEndpoint).host
    assert.deepEqual(out.result.unobserved.map((u: any) => u.part), ['trafficManager'])
    assert.match(out.result.unobserved[0].why, new RegExp(`ARM endpoint ${host.replace(/\./g, '\\.')} is unreachable \\(ECONNRESET`))
    assert.ok(out.warnings.some((w: string) => /^not read: Traffic Manager profile tm-app/.test(w)), JSON.stringify(out.warnings))
    assert.equal(out.result.regions.eus2.frontDoor.enabledState, 'Enabled', 'Front Door was read')
    assert.doesNotMatch(JSON.stringify(out), NOT_A_BUG)
  })

  it('a step whose ARM write cannot get through names the endpoint and `azfail resume <id>`', async () => {
    await t.sb.control('POST', 'faults', {kind: 'drop', method: 'PUT', path: 'TXT/_azfail-drain-eus2$', count: 100})
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 1, JSON.stringify(out))
    const host = new URL(t.sb.handle.connection.armEndpoint).host
    assert.equal(out.error.code, 'ArmUnreachable')
    assert.match(out.error.message, new RegExp(`^drainSteering failed: the ARM endpoint ${host.replace(/\./g, '\\.')} is unreachable`))
    assert.match(out.error.hint, new RegExp(`azfail resume ${out.result.runId}`))
  })
})

describe('a region resolver that cannot be reached is not an answer', () => {
  let t: E2E
  let port: number
  before(async () => {
    t = await e2e()
    port = await closedPort('127.0.10.2')
    const file = join(t.sb.dir, 'connection.json')
    const conn = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({...conn, resolvers: {...conn.resolvers, wus2: `127.0.10.2:${port}`}}))
  })
  after(() => t.stop())

  it('survivor-resolves-local refuses the drain, saying the resolver is unreachable', async () => {
    const {code, out} = await t.json(['drain', 'eus2', '--dry-run'])
    assert.equal(code, 4, JSON.stringify(out))
    assert.equal(out.error.guard, 'survivor-resolves-local')
    assert.match(out.error.message, new RegExp(`wus2's resolver 127\\.0\\.10\\.2:${port} is unreachable \\(connection refused\\)`))
    assert.doesNotMatch(out.error.message, /resolves \S+ to (REFUSED|UNREACHABLE)/)
    assert.match(out.error.hint, /reachable/)
  })

  it('teardown and restore do not pass on no answer either', async () => {
    const drained = await t.json(['drain', 'eus2', '--yes', '--override', 'survivor-resolves-local', '--reason', 'the test closed the resolver'])
    assert.ok(drained.out.result?.runId, JSON.stringify(drained.out))
    const teardown = await t.json(['teardown', 'eus2', '--dry-run'])
    const verdict = teardown.out.result.steps[0].plan.verdicts.find((v: any) => v.guard === 'no-survivor-dependency')
    assert.equal(verdict.ok, false)
    assert.match(verdict.observed, new RegExp(`wus2's resolver 127\\.0\\.10\\.2:${port} is unreachable`))
    const eus2Port = await closedPort('127.0.10.1')
    const file = join(t.sb.dir, 'connection.json')
    const conn = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({...conn, resolvers: {...conn.resolvers, eus2: `127.0.10.1:${eus2Port}`}}))
    const restore = await t.json(['restore', 'eus2', '--dry-run'])
    assert.equal(restore.code, 4, JSON.stringify(restore.out))
    assert.equal(restore.out.error.guard, 'region-healthy')
    assert.match(restore.out.error.message, new RegExp(`eus2's resolver 127\\.0\\.10\\.1:${eus2Port} is unreachable`))
    assert.doesNotMatch(restore.out.error.message, /answers (REFUSED|UNREACHABLE)/)
  })

  it('the game day reports the resolver as unreachable, not as an answer', async () => {
    const {code, out} = await t.json(['gameday'])
    assert.equal(code, 4)
    const check = out.result.checks.find((c: any) => c.id === 'resolution/wus2/kv-app-wus2.vault.azure.net')
    assert.equal(check.status, 'failed')
    assert.match(check.observed, /no answer: wus2's resolver .* is unreachable/)
  })
})

describe('a repoint that fails after the switchover', () => {
  let t: E2E
  beforeEach(async () => (t = await e2e()))
  afterEach(() => t.stop())

  for (const status of [409, 412]) {
    it(`(HTTP ${status} on the CNAME write) says the CNAME still leads to the read-only old primary, and how to fix it`, async () => {
      await t.sb.control('POST', 'faults', {kind: 'error', status, method: 'PUT', path: 'CNAME/prod$', count: 10})
      const {code, out} = await t.json(['promote', '--replica', '--yes'])
      assert.equal(code, 1, JSON.stringify(out))
      assert.deepEqual(out.result.steps.slice(0, 2).map((s: any) => [s.id, s.status]), [['promoteReplica', 'succeeded'], ['repointCname', 'failed']])
      assert.match(out.error.message, new RegExp(`prod\\.${PG_ZONE.replace(/\./g, '\\.')} still points at pg-app-eus2\\.${PG_ZONE.replace(/\./g, '\\.')}.*read-only`))
      assert.match(out.error.hint, /azfail repoint --to wus2/)
      assert.match(out.error.hint, new RegExp(`azfail resume ${out.result.runId}`))
      const dns = await t.sb.clients.privateDns()
      assert.equal((await dns.recordSets.get('rg-connectivity-dns', PG_ZONE, 'CNAME', 'prod')).cnameRecord?.cname, `pg-app-eus2.${PG_ZONE}`)
    })
  }
})
