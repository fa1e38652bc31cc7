// A region taken down through the control endpoint, seen through the official SDK clients and over the DNS protocol:
// the region's resource providers fail, hang or drop; its resolver is silent or refuses; the global services answer.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import net from 'node:net'
import {after, before, beforeEach, describe, it} from 'node:test'
import {setTimeout as delay} from 'node:timers/promises'
import * as dnsPacket from 'dns-packet'
import {fleetSubscription, staticTokenCredential} from '../src/index.ts'
import {API_VERSIONS} from '../src/arm/index.ts'
import {type SdkClients, SUB_PATH, type TestSandbox, startFleetSandbox, startTestSandbox} from './helpers.ts'

/** Clients that give up at the first failure, so an outage's answer is what the test sees. */
const noRetries = (sb: TestSandbox): SdkClients => sb.clientsWith(staticTokenCredential(sb.connection.token), 0)

/** The request's outcome: its HTTP status, or the error code of a connection that carried no answer. */
async function outcome(p: Promise<unknown>): Promise<number | string> {
  try {
    await p
    return 200
  } catch (error: any) {
    return error.statusCode ?? error.code ?? String(error)
  }
}

/** A decoded answer: dns-packet sets its rcode. */
type Reply = dnsPacket.Packet & {rcode?: string}

/** A query over UDP; undefined when nothing answers within `waitMs` (a silent resolver never answers). */
function udpQuery(server: string, name: string, waitMs: number): Promise<Reply | undefined> {
  const [host, port] = server.split(':')
  const socket = dgram.createSocket('udp4')
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), waitMs)
    const done = (p: Reply | undefined) => {
      clearTimeout(timer)
      socket.close()
      resolve(p)
    }
    socket.on('message', (m) => done(dnsPacket.decode(m)))
    socket.send(dnsPacket.encode({type: 'query', id: 77, flags: dnsPacket.RECURSION_DESIRED, questions: [{type: 'A', name}]}), Number(port), host)
  })
}

/** A query over TCP; undefined when nothing answers within `waitMs`. */
function tcpQuery(server: string, name: string, waitMs: number): Promise<Reply | undefined> {
  const [host, port] = server.split(':')
  return new Promise((resolve, reject) => {
    const socket = net.connect({host, port: Number(port)})
    const timer = setTimeout(() => done(undefined), waitMs)
    const done = (p: Reply | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(p)
    }
    let buf = Buffer.alloc(0)
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))))
    })
    socket.on('error', reject)
    socket.write(dnsPacket.streamEncode({type: 'query', id: 78, flags: dnsPacket.RECURSION_DESIRED, questions: [{type: 'A', name}]}))
  })
}

/** Waits until the request log holds an entry that satisfies `test` (a held request is logged only when it ends). */
async function logged(sb: TestSandbox, test: (e: ReturnType<TestSandbox['requests']>[number]) => boolean) {
  for (;;) {
    const hit = sb.requests().find(test)
    if (hit) return hit
    await delay(50)
  }
}

describe('sandbox: a regional outage', () => {
  let sb: TestSandbox
  let c: SdkClients
  before(async () => {
    sb = await startTestSandbox()
    c = noRetries(sb)
  })
  after(() => sb.stop())
  beforeEach(async () => {
    await sb.control('DELETE', 'outage')
    sb.mark()
  })

  it("answers the region's resource providers with 503 and Azure's error body, and the global services as ever", async () => {
    const set = await sb.control('POST', 'outage', {region: 'eus2', arm: 'error'})
    assert.equal(set.status, 200)
    assert.deepEqual(set.body, {regions: {eus2: {arm: 'error', status: 503}}, frontDoor: 'none'})
    const [pg, sql, network, tm, cdn, dns, cosmos] = await Promise.all([c.postgres(), c.sql(), c.network(), c.trafficManager(), c.frontDoor(), c.privateDns(), c.cosmos()])

    // eus2's resource providers: the server, the failover group read through the eus2 server, the spoke's endpoints
    const down = await pg.servers.get('rg-data-eus2', 'pg-app-eus2').catch((e) => e)
    assert.equal(down.statusCode, 503)
    assert.equal(down.code, 'ServiceUnavailable')
    assert.match(down.message, /Microsoft\.DBforPostgreSQL.*eastus2.*not available/)
    assert.equal(await outcome(sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog')), 503)
    assert.equal(await outcome(network.privateEndpoints.get('rg-spoke-eus2', 'pe-kv-app-eus2')), 503)
    assert.equal(await outcome((async () => {
      for await (const _ of network.privateEndpoints.list('rg-spoke-eus2'));
    })()), 503)
    // a list across the subscription reaches eus2's provider too
    assert.equal(await outcome((async () => {
      for await (const _ of network.privateEndpoints.listBySubscription());
    })()), 503)

    // wus2 and the global services answer
    assert.equal((await pg.servers.get('rg-data-wus2', 'pg-app-wus2')).name, 'pg-app-wus2')
    const fog = await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.equal(fog.replicationRole, 'Secondary')
    assert.equal((await tm.profiles.get('rg-global', 'tm-app')).name, 'tm-app')
    assert.equal((await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')).name, 'origin-eus2')
    assert.equal((await dns.privateZones.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net')).name, 'privatelink.vaultcore.azure.net')
    assert.equal((await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).name, 'cosmos-app')

    assert.deepEqual(
      sb.requests().filter((r) => r.status === 503).map((r) => r.fault),
      ['outage:eus2', 'outage:eus2', 'outage:eus2', 'outage:eus2', 'outage:eus2'],
    )
  })

  it("answers Microsoft.Authorization at a down region's resource: permissions and locks are ARM's own, global", async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'error'})
    const server = `${SUB_PATH(sb)}/resourceGroups/rg-data-eus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-eus2`
    const permissions = await sb.raw('GET', `${server}/providers/Microsoft.Authorization/permissions?api-version=${API_VERSIONS.permissions[0]}`)
    assert.equal(permissions.status, 200, JSON.stringify(permissions.body))
    const locks = await sb.raw('GET', `${server}/providers/Microsoft.Authorization/locks?api-version=${API_VERSIONS.locks[0]}`)
    assert.equal(locks.status, 200, JSON.stringify(locks.body))
    assert.equal((await sb.raw('GET', `${server}?api-version=${API_VERSIONS.postgres[0]}`)).status, 503, 'the server itself is down')
  })

  it('sends a new resource to the region its PUT names', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'error'})
    const network = await c.network()
    const endpoint = (location: string) => ({
      location,
      subnet: {id: `${SUB_PATH(sb)}/resourceGroups/rg-spoke-wus2/providers/Microsoft.Network/virtualNetworks/vnet-spoke-wus2/subnets/snet-pe`},
      privateLinkServiceConnections: [{name: 'kv', privateLinkServiceId: `${SUB_PATH(sb)}/resourceGroups/rg-data-wus2/providers/Microsoft.KeyVault/vaults/kv-app-wus2`, groupIds: ['vault']}],
    })
    assert.equal(await outcome(network.privateEndpoints.beginCreateOrUpdateAndWait('rg-spoke-wus2', 'pe-new-eus2', endpoint('eastus2'))), 503)
    assert.equal((await network.privateEndpoints.beginCreateOrUpdateAndWait('rg-spoke-wus2', 'pe-new-wus2', endpoint('westus2'))).name, 'pe-new-wus2')
  })

  it("fails the region's long-running operation status URLs, not another region's", async () => {
    await sb.control('POST', 'outage', {region: 'eastus2', arm: 'error', status: 500})
    const v = API_VERSIONS.network[0]
    const east = await sb.raw('GET', `${SUB_PATH(sb)}/providers/Microsoft.Network/locations/eastus2/operationStatuses/0000?api-version=${v}`)
    assert.equal(east.status, 500)
    assert.equal(east.body.error.code, 'InternalServerError')
    const west = await sb.raw('GET', `${SUB_PATH(sb)}/providers/Microsoft.Network/locations/westus2/operationStatuses/0000?api-version=${v}`)
    assert.equal(west.status, 404, 'served: the operation does not exist')
  })

  it("refuses Cosmos DB's graceful failover out of a dead write region", async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'error'})
    const cosmos = await c.cosmos()
    const r = await cosmos.databaseAccounts
      .beginFailoverPriorityChangeAndWait('rg-data-eus2', 'cosmos-app', {failoverPolicies: [{locationName: 'West US 2', failoverPriority: 0}, {locationName: 'East US 2', failoverPriority: 1}]})
      .catch((e) => e)
    assert.equal(r.statusCode, 503)
    assert.equal((await cosmos.databaseAccounts.get('rg-data-eus2', 'cosmos-app')).writeLocations?.[0].locationName, 'East US 2')
  })

  it('drops the connection', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'drop'})
    const pg = await c.postgres()
    const r = await pg.servers.get('rg-data-eus2', 'pg-app-eus2').catch((e) => e)
    assert.equal(r.statusCode, undefined, 'no HTTP answer')
    assert.match(String(r.code ?? r.message), /ECONNRESET|socket hang up|REQUEST_SEND_ERROR/)
    assert.deepEqual(sb.requests().map((e) => [e.status, e.fault]), [[0, 'outage:eus2']])
  })

  it('holds a request while the region hangs and serves it when the outage ends', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'hang'})
    const pg = await c.postgres()
    let settled = false
    const pending = pg.servers.get('rg-data-eus2', 'pg-app-eus2').finally(() => (settled = true))
    await delay(1000)
    assert.equal(settled, false, 'the request is held')
    assert.equal((await pg.servers.get('rg-data-wus2', 'pg-app-wus2')).name, 'pg-app-wus2', 'another region answers meanwhile')
    await sb.control('DELETE', 'outage')
    assert.equal((await pending).name, 'pg-app-eus2')
  })

  it('frees a held request when its client gives up', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'hang'})
    const sql = await c.sql()
    const abort = new AbortController()
    const pending = sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog', {abortSignal: abort.signal}).catch((e) => e)
    await delay(300)
    abort.abort()
    assert.equal((await pending).name, 'AbortError')
    const entry = await logged(sb, (e) => /app-fog$/.test(e.path))
    assert.equal(entry.status, 0)
    assert.match(entry.fault ?? '', /^outage:eus2 \(client closed/)
  })

  it("refuses Front Door's configuration changes and answers its reads", async () => {
    const set = await sb.control('POST', 'outage', {frontDoor: 'refuse'})
    assert.deepEqual(set.body, {regions: {}, frontDoor: 'refuse'})
    const cdn = await c.frontDoor()
    const r = await cdn.afdOrigins.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Disabled'}).catch((e) => e)
    assert.equal(r.statusCode, 409)
    assert.match(r.message, /Front Door is not accepting configuration changes/)
    assert.equal((await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')).enabledState, 'Enabled')
    // Traffic Manager is another control plane: it takes changes
    const tm = await c.trafficManager()
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'})
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
  })

  it('keeps the other parts of a region\'s outage when one part changes, and lists it', async () => {
    await sb.control('POST', 'outage', {region: 'eus2'})
    assert.deepEqual((await sb.control('GET', 'outage')).body.regions, {eus2: {arm: 'error', status: 503, resolver: 'silent'}}, 'a region alone goes fully down')
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'hang'})
    assert.deepEqual((await sb.control('GET', 'outage')).body.regions, {eus2: {arm: 'hang', resolver: 'silent'}})
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'none'})
    await sb.control('POST', 'outage', {region: 'eus2', resolver: 'none'})
    assert.deepEqual((await sb.control('GET', 'outage')).body, {regions: {}, frontDoor: 'none'})
  })

  it('rejects an invalid outage with a message naming the field, and changes nothing', async () => {
    const r = await sb.control('POST', 'outage', {region: 'mars', arm: 'meteor', status: 404, resolvers: 'silent'})
    assert.equal(r.status, 400)
    assert.equal(r.body.error.code, 'InvalidOutage')
    for (const part of [/'region' must name one of the sandbox's regions: eus2, wus2/, /'arm' must be one of error, hang, drop, none/, /'status' must be a 5xx/, /unknown field\(s\) 'resolvers'/]) {
      assert.match(r.body.error.message, part)
    }
    assert.match((await sb.control('POST', 'outage', {region: 'eus2', status: 502})).body.error.message, /'status' goes with arm 'error'/)
    assert.match((await sb.control('POST', 'outage', {arm: 'error'})).body.error.message, /need the 'region'/)
    assert.match((await sb.control('POST', 'outage', {})).body.error.message, /name a 'region' to take down, or 'frontDoor'/)
    assert.equal((await sb.raw('POST', '/_sandbox/outage', {body: '{not json'})).status, 400)
    assert.deepEqual((await sb.control('GET', 'outage')).body, {regions: {}, frontDoor: 'none'})
  })

  it('is cleared by a reset', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', frontDoor: 'refuse'})
    await sb.control('POST', 'reset', {})
    assert.deepEqual((await sb.control('GET', 'outage')).body, {regions: {}, frontDoor: 'none'})
  })
})

describe('sandbox: a region whose resolver is down', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())
  const name = 'kv-app-eus2.vault.azure.net'

  it('answers nothing over UDP or TCP while silent; the other region answers', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', resolver: 'silent'})
    const {eus2, wus2} = sb.connection.resolvers
    assert.equal(await udpQuery(eus2, name, 1000), undefined)
    assert.equal(await tcpQuery(eus2, name, 1000), undefined)
    const west = await udpQuery(wus2, 'kv-app-wus2.vault.azure.net', 5000)
    assert.equal(west?.rcode, 'NOERROR')
    // ARM in eus2 still answers: only the resolver is down
    assert.equal((await sb.clients.postgres().then((pg) => pg.servers.get('rg-data-eus2', 'pg-app-eus2'))).name, 'pg-app-eus2')
  })

  it('answers REFUSED while refusing, and the records again once up', async () => {
    await sb.control('POST', 'outage', {region: 'eus2', resolver: 'refuse'})
    const {eus2} = sb.connection.resolvers
    const udp = await udpQuery(eus2, name, 5000)
    assert.equal(udp?.rcode, 'REFUSED')
    assert.equal(udp?.id, 77)
    assert.deepEqual(udp?.answers, [])
    assert.equal((await tcpQuery(eus2, name, 5000))?.rcode, 'REFUSED')
    await sb.control('POST', 'outage', {region: 'eus2', resolver: 'none'})
    const up = await udpQuery(eus2, name, 5000)
    assert.equal(up?.rcode, 'NOERROR')
    assert.deepEqual(up?.answers?.filter((a) => a.type === 'A').map((a) => (a as {data: string}).data), ['10.20.3.7'])
  })
})

describe('sandbox: an outage shared by every sandbox of a state dir', () => {
  it('is seen by another process on the state dir, and ending it there frees a held request here', async () => {
    const first = await startTestSandbox()
    const second = await startTestSandbox(first.dir)
    try {
      await first.control('POST', 'outage', {region: 'wus2', arm: 'error'})
      const pg = await noRetries(second).postgres()
      assert.equal(await outcome(pg.servers.get('rg-data-wus2', 'pg-app-wus2')), 503)
      await second.control('POST', 'outage', {region: 'wus2', arm: 'hang'})
      const pending = (await noRetries(first).postgres()).servers.get('rg-data-wus2', 'pg-app-wus2')
      await delay(300)
      await second.control('DELETE', 'outage')
      assert.equal((await pending).name, 'pg-app-wus2')
    } finally {
      await second.stop()
      await first.stop()
    }
  })
})

describe("sandbox: an outage on the fleet estate (ten copies, each with its own eus2)", () => {
  let sb: TestSandbox
  before(async () => (sb = await startFleetSandbox()))
  after(() => sb.stop())

  it("silences every copy's eus2 resolver, as ARM's outage is every copy's eus2; every wus2 still answers", async () => {
    await sb.control('POST', 'outage', {region: 'eus2', resolver: 'silent'})
    const resolvers = sb.connection.resolvers
    for (const n of [1, 2, 10]) {
      const sub = fleetSubscription(n)
      assert.equal(await udpQuery(resolvers[`eus2@${sub}`], 'kv-app-eus2.vault.azure.net', 1000), undefined, `copy ${n}'s eus2 answered`)
      assert.equal((await udpQuery(resolvers[`wus2@${sub}`], 'kv-app-wus2.vault.azure.net', 5000))?.rcode, 'NOERROR', `copy ${n}'s wus2`)
    }
  })
})
