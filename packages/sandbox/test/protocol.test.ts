// What every route shares: auth, unknown routes, api-versions, faults, the request log, persistence.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {staticTokenCredential} from '../src/index.ts'
import {SUB_PATH, type TestSandbox, startTestSandbox, tempDir} from './helpers.ts'

describe('sandbox: authentication, routing, api-versions', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('answers 401 in ARM shape without the sandbox token, through the SDK and raw', async () => {
    const wrong = sb.clientsWith(staticTokenCredential('not-the-token'))
    const tm = await wrong.trafficManager()
    await assert.rejects(tm.profiles.get('rg-global', 'tm-app'), (e: any) => e.statusCode === 401 && e.code === 'InvalidAuthenticationToken')
    const none = await sb.raw('GET', `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app?api-version=2022-04-01`, {token: null})
    assert.equal(none.status, 401)
    assert.equal(none.body.error.code, 'AuthenticationFailed')
    assert.match(none.headers['www-authenticate'] ?? '', /^Bearer /)
    const control = await sb.raw('GET', '/_sandbox/state', {token: null})
    assert.equal(control.status, 401, 'the control endpoint needs the token too')
  })

  it('answers an unknown route with a loud 404, never a silent 200', async () => {
    const r = await sb.raw('GET', `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/virtualNetworks/vnet-spoke-eus2?api-version=2026-01-01`)
    assert.equal(r.status, 404)
    assert.equal(r.body.error.code, 'NotEmulated')
    assert.match(r.body.error.message, /does not emulate GET/)
    const wrongMethod = await sb.raw('DELETE', `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app?api-version=2022-04-01`)
    assert.equal(wrongMethod.status, 405)
  })

  it('answers a missing or unsupported api-version with 400', async () => {
    const path = `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app`
    const missing = await sb.raw('GET', path)
    assert.equal(missing.status, 400)
    assert.equal(missing.body.error.code, 'MissingApiVersionParameter')
    const unsupported = await sb.raw('GET', `${path}?api-version=2099-01-01`)
    assert.equal(unsupported.status, 400)
    assert.equal(unsupported.body.error.code, 'NoRegisteredProviderFound')
    assert.match(unsupported.body.error.message, /2022-04-01/)
  })

  it('answers a subscription it does not hold with 404 SubscriptionNotFound', async () => {
    const r = await sb.raw('GET', '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/privateDnsZones?api-version=2024-06-01')
    assert.equal(r.status, 404)
    assert.equal(r.body.error.code, 'SubscriptionNotFound')
  })

  it('appends every ARM request to requests.jsonl with time, method, path and status', async () => {
    sb.mark()
    const tm = await sb.clients.trafficManager()
    await tm.profiles.get('rg-global', 'tm-app')
    const lines = readFileSync(join(sb.dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    const last = lines.at(-1)
    assert.equal(last.method, 'GET')
    assert.equal(last.status, 200)
    assert.match(last.path, /trafficmanagerprofiles\/tm-app$/)
    assert.ok(!Number.isNaN(Date.parse(last.time)))
    assert.equal(typeof last.durationMs, 'number')
  })
})

describe('sandbox: faults', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())
  const clear = () => sb.control('DELETE', 'faults')

  it('throttles with 429 + Retry-After, and the SDK retries after waiting', async () => {
    await sb.control('POST', 'faults', {kind: 'throttle', path: 'trafficmanagerprofiles/tm-app$', count: 2, retryAfterSeconds: 1})
    sb.mark()
    const started = Date.now()
    const tm = await sb.clients.trafficManager()
    const p = await tm.profiles.get('rg-global', 'tm-app')
    assert.equal(p.name, 'tm-app')
    assert.deepEqual(sb.requests().map((r) => r.status), [429, 429, 200])
    assert.ok(Date.now() - started >= 1900, 'Retry-After: 1 was honoured twice')
    await clear()
  })

  it('fails with 5xx at a rate; the SDK retries through it', async () => {
    await sb.control('POST', 'faults', {kind: 'error', status: 503, path: 'privateDnsZones', rate: 0.5, seed: 7})
    const dns = await sb.clients.privateDns()
    sb.mark()
    for (let i = 0; i < 6; i++) await dns.privateZones.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net')
    const statuses = sb.requests().map((r) => r.status)
    assert.ok(statuses.includes(503), `some requests failed: ${statuses}`)
    assert.equal(statuses.filter((s) => s === 200).length, 6)
    await clear()
  })

  it('drops connections; the SDK retries on a new one', async () => {
    await sb.control('POST', 'faults', {kind: 'drop', path: 'flexibleServers/pg-app-eus2$', count: 1})
    sb.mark()
    const pg = await sb.clients.postgres()
    assert.equal((await pg.servers.get('rg-data-eus2', 'pg-app-eus2')).name, 'pg-app-eus2')
    assert.deepEqual(sb.requests().map((r) => r.status), [0, 200])
    await clear()
  })

  it('adds latency', async () => {
    await sb.control('POST', 'faults', {kind: 'latency', path: 'failoverGroups/app-fog$', latencyMs: 400, count: 1})
    const sql = await sb.clients.sql()
    const started = Date.now()
    await sql.failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog')
    assert.ok(Date.now() - started >= 400)
    await clear()
  })

  it('lets a delayed request go when its client closes it: logged as dropped, the write never applied', async () => {
    // Ten minutes of latency, the most a fault takes: the request is given up by its client, not waited out.
    await sb.control('POST', 'faults', {kind: 'latency', method: 'PATCH', path: 'azureEndpoints/ep-eus2$', latencyMs: 600_000, count: 1})
    sb.mark()
    const tm = await sb.clients.trafficManager()
    const abort = new AbortController()
    const write = tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'}, {abortSignal: abort.signal})
    // Once the fault has met the request, the client gives up on it.
    for (;;) {
      const faults = (await sb.control('GET', 'faults')).body.value as Array<{hits: number}>
      if (faults[0]?.hits === 1) break
      await sleep(50)
    }
    abort.abort()
    await assert.rejects(write)
    // Logged when it ends: at once when freed, in ten minutes when waited out (a minute is where this stops looking).
    let dropped: any
    for (const giveUp = Date.now() + 60_000; !(dropped = sb.requests().find((r) => r.method === 'PATCH')) && Date.now() < giveUp; ) await sleep(50)
    assert.ok(dropped, 'the delayed request ended when its client closed it')
    assert.equal(dropped.status, 0)
    assert.match(String(dropped.fault), /client closed the delayed request/)
    assert.equal((await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointStatus, 'Enabled', 'the write was not applied later')
    await clear()
  })

  it('fails a long-running operation: the poller rejects and the resource is unchanged', async () => {
    await sb.control('POST', 'faults', {kind: 'fail-lro', method: 'PATCH', path: 'flexibleServers/pg-app-wus2$'})
    const pg = await sb.clients.postgres()
    await assert.rejects(pg.servers.beginUpdateAndWait('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}}), (e: any) => /injected/.test(e.message))
    const replica = await pg.servers.get('rg-data-wus2', 'pg-app-wus2')
    assert.equal(replica.replica?.role, 'GeoAsyncReplica')
    assert.equal(replica.state, 'Ready')
    await clear()
  })

  it('rejects an invalid fault with a message naming the field', async () => {
    const r = await sb.control('POST', 'faults', {kind: 'meteor', path: '('})
    assert.equal(r.status, 400)
    assert.match(r.body.error.message, /'kind' must be one of/)
    assert.match(r.body.error.message, /not a valid regular expression/)
    const bad = await sb.raw('POST', '/_sandbox/faults', {body: '{not json'})
    assert.equal(bad.status, 400)
    assert.deepEqual((await sb.control('GET', 'faults')).body.value, [])
  })
})

describe('sandbox: persistence', () => {
  it('keeps its state across a restart, and finishes an operation started before it', async () => {
    const dir = tempDir()
    const first = await startTestSandbox(dir)
    const dns = await first.clients.privateDns()
    await dns.recordSets.createOrUpdate('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', 'marker', {ttl: 42, txtRecords: [{value: ['kept']}]})
    const pg = await first.clients.postgres()
    await pg.servers.beginUpdate('rg-data-wus2', 'pg-app-wus2', {replica: {promoteMode: 'Switchover', promoteOption: 'Planned'}})
    await first.stop()

    const second = await startTestSandbox(dir)
    try {
      const dns2 = await second.clients.privateDns()
      const marker = await dns2.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', 'marker')
      assert.equal(marker.ttl, 42)
      await new Promise((r) => setTimeout(r, 500))
      const pg2 = await second.clients.postgres()
      assert.equal((await pg2.servers.get('rg-data-wus2', 'pg-app-wus2')).replica?.role, 'Primary', 'the promotion completed after the restart')
      assert.equal(second.handle.connection.token, first.handle.connection.token, 'the token survives too')
    } finally {
      await second.stop()
    }
  })

  it('never leaves a torn state file when the process dies mid-write', async () => {
    const dir = tempDir()
    const script = `
      import {WorldStore, demoWorld} from '${join(import.meta.dirname, '../src/index.ts')}'
      const store = new WorldStore(process.argv[1], demoWorld)
      for (let i = 0; i < 1500; i++) store.world.publicDns['filler-' + i + '.example'] = {a: ['203.0.113.1'], ttl: i}
      process.stdout.write('ready\\n')
      for (let i = 0; ; i++) { store.world.publicDns['counter.example'] = {a: [], ttl: i}; store.save() }
    `
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {stdio: ['ignore', 'pipe', 'inherit']})
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
      await new Promise((r) => setTimeout(r, 150 + round * 70))
      child.kill('SIGKILL')
      await new Promise((r) => child.once('close', r))
      const parsed = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))
      assert.equal(parsed.version, 1)
      assert.ok(parsed.publicDns['counter.example'].ttl >= 0)
    }
  })
})
