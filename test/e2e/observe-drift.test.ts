// A read of live state after one that saw a drain record asks the Activity Log at once, from that drain's time, beside
// the read of the record (one round trip instead of two in a row: issue 15's speed). What it answers must be what
// asking after the record would answer: a write after the drain is seen, and a drain record written again later
// counts only the writes after its own time.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {drainWritten, observeEstate} from '../../src/azure/observe.ts'
import {writeDrainRecord} from '../../src/azure/state-records.ts'
import {DEMO_RUNBOOK, loadRunbook} from '../../src/runbook/load.ts'
import {startTestSandbox, type TestSandbox} from '../helpers.ts'

const TM = ['rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2'] as const
/** How long the sandbox holds the read of the state zone's records: long enough that nothing else explains the order. */
const HELD_MS = 4000

describe("reading the Activity Log beside the drain record's read", () => {
  let sb: TestSandbox
  const {estate} = loadRunbook(DEMO_RUNBOOK).runbook
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  const setEus2 = async (endpointStatus: 'Enabled' | 'Disabled') => (await sb.clients.trafficManager()).endpoints.update(...TM, {endpointStatus})
  const observe = () => observeEstate(estate, sb.target, sb.clients, {resolution: false, data: false})
  const isLog = (path: string) => /Microsoft.Insights\/eventtypes\/management\/values$/i.test(path)
  const isRecords = (path: string) => /privateDnsZones\/private\.postgres\.database\.azure\.com\/TXT$/i.test(path)

  it('sees a write after the drain, asks the log before the record is answered, and counts only writes after a newer drain', async () => {
    await setEus2('Disabled')
    const drainedAt = new Date(Date.now() - 60_000).toISOString()
    await writeDrainRecord(estate, sb.clients, 'eus2', {drainedAt, runId: 'r-test', layers: ['trafficManager']})
    const first = await observe()
    assert.equal(first.regions.eus2.drain?.drainedAt, drainedAt)
    assert.equal(first.regions.eus2.steeringWrites?.length, 1, 'the setup write, after the drain time')

    // An outside client re-enables and disables eus2 by hand; the next read is held at the record.
    await setEus2('Enabled')
    await setEus2('Disabled')
    await sb.fault({kind: 'latency', latencyMs: HELD_MS, method: 'GET', path: 'private\\.postgres\\.database\\.azure\\.com/TXT$', count: 1})
    sb.mark()
    const second = await observe()
    const writes = second.regions.eus2.steeringWrites ?? []
    assert.ok(writes.length >= 3, `the setup write and both outside writes are seen: ${JSON.stringify(writes)}`)
    const log = sb.requests()
    const record = log.find((r) => r.method === 'GET' && isRecords(r.path))!
    const asked = log.filter((r) => r.method === 'GET' && isLog(r.path))
    assert.ok(asked.length > 0, 'the log was read')
    const answered = Date.parse(record.time) + record.durationMs
    for (const r of asked) assert.ok(Date.parse(r.time) < answered, `the log was asked (${r.time}) before the record was answered (${new Date(answered).toISOString()})`)

    // The drain written again, after every write: none of them counts against it.
    const again = new Date(Date.parse(writes.at(-1)!.at) + 1).toISOString()
    await writeDrainRecord(estate, sb.clients, 'eus2', {drainedAt: again, runId: 'r-test', layers: ['trafficManager']})
    const third = await observe()
    assert.equal(third.regions.eus2.drain?.drainedAt, again)
    assert.deepEqual(third.regions.eus2.steeringWrites, [], 'no write after the newer drain')
  })
})

describe('reading the Activity Log beside the read of a drain record this run wrote', () => {
  let sb: TestSandbox
  const {estate} = loadRunbook(DEMO_RUNBOOK).runbook
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it("asks the log before the record is answered on the first read after the drain (the wait's read)", async () => {
    const drainedAt = new Date(Date.now() - 60_000).toISOString()
    await writeDrainRecord(estate, sb.clients, 'eus2', {drainedAt, runId: 'r-test', layers: ['trafficManager']})
    drainWritten(sb.clients, 'eus2', drainedAt)
    await sb.fault({kind: 'latency', latencyMs: HELD_MS, method: 'GET', path: 'private\\.postgres\\.database\\.azure\\.com/TXT$', count: 1})
    sb.mark()
    const state = await observeEstate(estate, sb.target, sb.clients, {resolution: false, data: false})
    assert.equal(state.regions.eus2.drain?.drainedAt, drainedAt)
    assert.ok(state.regions.eus2.steeringWrites, 'the log was read for the drained region')
    const log = sb.requests()
    const record = log.find((r) => r.method === 'GET' && /privateDnsZones\/private\.postgres\.database\.azure\.com\/TXT$/i.test(r.path))!
    const asked = log.filter((r) => r.method === 'GET' && /Microsoft.Insights\/eventtypes\/management\/values$/i.test(r.path))
    assert.ok(asked.length > 0, 'the log was read')
    const answered = Date.parse(record.time) + record.durationMs
    for (const r of asked) assert.ok(Date.parse(r.time) < answered, `the log was asked (${r.time}) before the record was answered (${new Date(answered).toISOString()})`)
  })
})
