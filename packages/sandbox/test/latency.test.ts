// `--latency azure`: the sandbox delays ARM answers and runs long-running operations as Azure would, and records the
// delay it injected. Asserted on the recorded delays and operation due times, never on wall time.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {AZURE_READ_MS, AZURE_WRITE_MS} from '../src/latency.ts'
import {type TestSandbox, startTestSandbox} from './helpers.ts'

describe('sandbox: --latency azure', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('injects nothing by default', async () => {
    sb.mark()
    const tm = await sb.clients.trafficManager()
    await tm.profiles.get('rg-global', 'tm-app')
    const [entry] = sb.requests()
    assert.equal(entry.method, 'GET')
    assert.equal(entry.injectedDelayMs, undefined)
  })

  it('refuses an unknown latency profile', async () => {
    const r = await sb.control('PATCH', 'settings', {latency: 'mars'})
    assert.equal(r.status, 400)
    assert.match(JSON.stringify(r.body), /'latency' must be one of none, azure/)
  })

  it('delays reads by 50-150 ms and writes by 200-500 ms, and records each delay', async () => {
    assert.equal((await sb.control('PATCH', 'settings', {latency: 'azure'})).status, 200)
    sb.mark()
    const tm = await sb.clients.trafficManager()
    const dns = await sb.clients.privateDns()
    for (let i = 0; i < 8; i++) await tm.profiles.get('rg-global', 'tm-app')
    for (const ttl of [11, 12, 13, 14]) await dns.recordSets.createOrUpdate('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', 'latency-probe', {ttl, txtRecords: [{value: ['x']}]})
    const log = sb.requests()
    const reads = log.filter((e) => e.method === 'GET').map((e) => e.injectedDelayMs!)
    const writes = log.filter((e) => e.method === 'PUT').map((e) => e.injectedDelayMs!)
    assert.equal(reads.length, 8)
    assert.equal(writes.length, 4)
    for (const ms of reads) assert.ok(ms >= AZURE_READ_MS[0] && ms <= AZURE_READ_MS[1], `read delay ${ms} ms within ${AZURE_READ_MS.join('-')}`)
    for (const ms of writes) assert.ok(ms >= AZURE_WRITE_MS[0] && ms <= AZURE_WRITE_MS[1], `write delay ${ms} ms within ${AZURE_WRITE_MS.join('-')}`)
    assert.ok(new Set(reads).size > 1, 'the delays vary from request to request')
    for (const e of log) assert.ok(e.durationMs >= e.injectedDelayMs!, 'the request took at least its injected delay')
  })

  it('gives the same requests the same delays in every run of a sandbox with the same seed', async () => {
    const run = async () => {
      await sb.stop()
      sb = await startTestSandbox(sb.dir)
      await sb.control('POST', 'reset', {latency: 'azure'})
      sb.mark()
      const tm = await sb.clients.trafficManager()
      for (let i = 0; i < 5; i++) await tm.profiles.get('rg-global', 'tm-app')
      return sb.requests().map((e) => e.injectedDelayMs)
    }
    const first = await run()
    const second = await run()
    assert.equal(first.length, 5)
    assert.deepEqual(second, first)
  })

  it("runs a long-running operation for 1/100 of Azure's typical duration (a Front Door origin update: 60 s -> 600 ms)", async () => {
    await sb.control('POST', 'reset', {latency: 'azure'})
    const cdn = await sb.clients.frontDoor()
    const poller = await cdn.afdOrigins.beginUpdate('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Disabled'})
    const state = (await sb.control('GET', 'state')).body as {operations: Record<string, {startTime: string; dueAt: number}>}
    const [op] = Object.values(state.operations)
    assert.equal(op.dueAt - Date.parse(op.startTime), 600)
    await poller.pollUntilDone()
    await sb.control('POST', 'reset', {})
    const plain = await cdn.afdOrigins.beginUpdate('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Disabled'})
    const after = (await sb.control('GET', 'state')).body as {settings: {lroMs: number}; operations: Record<string, {startTime: string; dueAt: number}>}
    const [plainOp] = Object.values(after.operations)
    assert.equal(plainOp.dueAt - Date.parse(plainOp.startTime), after.settings.lroMs, 'without the profile, the sandbox setting applies')
    await plain.pollUntilDone()
  })
})
