// Azure Monitor's activity log through @azure/arm-monitor against the sandbox: every write it served, with its caller,
// in Azure's EventData shape, filtered as Azure filters (specification/monitor/resource-manager/Microsoft.Insights/
// stable/2015-04-01/examples/GetActivityLogsFiltered.json); reads are not in it.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {appendFileSync, writeFileSync} from 'node:fs'
import {readRequestLog, requestLogFile, requestLogReader} from '../src/client.ts'
import {type TestSandbox, SUB_PATH, startTestSandbox, tempDir} from './helpers.ts'

describe('sandbox: the activity log', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  const list = async (filter: string) => {
    const out = []
    for await (const e of (await sb.clients.monitor()).activityLogs.list(filter)) out.push(e)
    return out
  }

  it('lists a write on a resource with its caller, action, status and times, and no reads', async () => {
    const since = new Date().toISOString()
    const tm = await sb.clients.trafficManager()
    await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'})
    const id = `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app/azureEndpoints/ep-eus2`
    sb.mark()
    const events = await list(`eventTimestamp ge '${since}' and resourceUri eq '${id}'`)
    assert.equal(events.length, 1, JSON.stringify(events))
    const [e] = events
    assert.equal(e.caller, 'sandbox-admin')
    assert.match(e.operationName?.value ?? '', /^Microsoft\.Network\/trafficManagerProfiles\/azureEndpoints\/write$/i)
    assert.equal(e.authorization?.action, e.operationName?.value)
    assert.equal(e.resourceId?.toLowerCase(), id.toLowerCase())
    assert.equal(e.status?.value, 'Succeeded')
    assert.equal(e.resourceGroupName, 'rg-global')
    assert.ok(e.eventTimestamp instanceof Date && e.eventTimestamp.getTime() >= Date.parse(since))
    assert.ok(e.submissionTimestamp instanceof Date && e.submissionTimestamp >= e.eventTimestamp)
    assert.deepEqual(sb.requests().map((r) => [r.method, r.apiVersion]), [['GET', '2015-04-01']])
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
  })

  it('filters by resource group and time, newest first; a write Azure refused is listed as Failed', async () => {
    const since = new Date().toISOString()
    const tm = await sb.clients.trafficManager()
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-wus2', {endpointStatus: 'Disabled'})
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-wus2', {endpointStatus: 'Enabled'})
    await assert.rejects(tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-nowhere', {endpointStatus: 'Enabled'}))
    const events = await list(`eventTimestamp ge '${since}' and resourceGroupName eq 'rg-global'`)
    assert.deepEqual(events.map((e) => [e.resourceId?.split('/').at(-1), e.status?.value]), [
      ['ep-nowhere', 'Failed'],
      ['ep-wus2', 'Succeeded'],
      ['ep-wus2', 'Succeeded'],
    ])
    assert.deepEqual(await list(`eventTimestamp ge '${new Date(Date.now() + 60_000).toISOString()}' and resourceGroupName eq 'rg-global'`), [], 'nothing after now')
    assert.deepEqual(await list(`eventTimestamp ge '${since}' and resourceGroupName eq 'rg-spoke-eus2'`), [], 'another group')
  })

  it('refuses a filter Azure refuses (no start time, two scopes) with 400', async () => {
    await assert.rejects(list(`resourceGroupName eq 'rg-global'`), (e: any) => e.statusCode === 400)
    await assert.rejects(list(`eventTimestamp ge '${new Date().toISOString()}' and resourceGroupName eq 'a' and resourceUri eq '/x'`), (e: any) => e.statusCode === 400)
  })
})

describe("sandbox: the request log as the Activity Log reads it, as it grows", () => {
  const entry = (n: number) => JSON.stringify({time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), method: 'PUT', path: `/subscriptions/s/r${n}`, apiVersion: null, status: 200, durationMs: 1}) + '\n'

  it('reads appended lines only once, waits for a line being written, and starts over when the log is emptied or begun anew', () => {
    const dir = tempDir()
    const file = requestLogFile(dir)
    const read = requestLogReader(dir)
    assert.deepEqual(read(), [], 'no log yet')
    writeFileSync(file, entry(1) + entry(2))
    assert.deepEqual(read().map((e) => e.path), ['/subscriptions/s/r1', '/subscriptions/s/r2'])
    const line = entry(3)
    appendFileSync(file, line.slice(0, 20))
    assert.equal(read().length, 2, 'half a line is not read')
    appendFileSync(file, line.slice(20))
    assert.deepEqual(read().map((e) => e.path), ['/subscriptions/s/r1', '/subscriptions/s/r2', '/subscriptions/s/r3'])
    writeFileSync(file, '')
    assert.deepEqual(read(), [], 'a reset empties it')
    writeFileSync(file, entry(1) + entry(2) + entry(3) + entry(4))
    assert.equal(read().length, 4)
    // emptied and written again past where it was read, between two reads: its first line tells
    writeFileSync(file, entry(7) + entry(8) + entry(9) + entry(10) + entry(11))
    assert.deepEqual(read().map((e) => e.path), [7, 8, 9, 10, 11].map((n) => `/subscriptions/s/r${n}`))
    assert.deepEqual(read(), readRequestLog(dir), 'the same as reading it whole')
  })
})
