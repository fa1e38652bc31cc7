// Traffic Manager and Front Door through @azure/arm-trafficmanager and @azure/arm-cdn against the sandbox.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type TestSandbox, SUB_PATH, startTestSandbox} from './helpers.ts'

describe('sandbox: Traffic Manager', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('gets and lists profiles with dnsConfig.ttl, monitorConfig and embedded endpoints', async () => {
    const tm = await sb.clients.trafficManager()
    const profile = await tm.profiles.get('rg-global', 'tm-app')
    assert.equal(profile.dnsConfig?.ttl, 10)
    assert.equal(profile.dnsConfig?.fqdn, 'tm-app.trafficmanager.net')
    assert.equal(profile.monitorConfig?.profileMonitorStatus, 'Online')
    assert.deepEqual(profile.endpoints?.map((e) => [e.name, e.endpointStatus, e.endpointMonitorStatus]), [
      ['ep-eus2', 'Enabled', 'Online'],
      ['ep-wus2', 'Enabled', 'Online'],
    ])
    const bySub = []
    for await (const p of tm.profiles.listBySubscription()) bySub.push(p.name)
    const byRg = []
    for await (const p of tm.profiles.listByResourceGroup('rg-global')) byRg.push(p.name)
    assert.deepEqual(bySub, ['tm-app'])
    assert.deepEqual(byRg, ['tm-app'])
    const requests = sb.requests().filter((r) => r.path.toLowerCase().includes('trafficmanagerprofiles'))
    assert.ok(requests.every((r) => r.apiVersion === '2022-04-01'), 'the SDK sends api-version 2022-04-01')
  })

  it('disables an endpoint with PATCH, and the monitor status follows', async () => {
    const tm = await sb.clients.trafficManager()
    sb.mark()
    const ep = await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'})
    assert.equal(ep.endpointStatus, 'Disabled')
    assert.equal(ep.endpointMonitorStatus, 'Disabled')
    assert.deepEqual(sb.requests().map((r) => [r.method, r.status]), [['PATCH', 200]])
    const again = await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')
    assert.equal(again.endpointStatus, 'Disabled')
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
    assert.equal((await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointMonitorStatus, 'Online')
  })

  it('replaces an endpoint with PUT, keeping the SDK shape', async () => {
    const tm = await sb.clients.trafficManager()
    const ep = await tm.endpoints.createOrUpdate('rg-global', 'tm-app', 'AzureEndpoints', 'ep-wus2', {
      target: 'app-wus2.azurewebsites.net',
      endpointStatus: 'Disabled',
      priority: 2,
      endpointLocation: 'West US 2',
    })
    assert.equal(ep.endpointStatus, 'Disabled')
    assert.equal(ep.target, 'app-wus2.azurewebsites.net')
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-wus2', {endpointStatus: 'Enabled'})
  })

  it('rejects an invalid endpoint status and an unknown endpoint with ARM errors', async () => {
    const tm = await sb.clients.trafficManager()
    await assert.rejects(tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Off' as any}), (e: any) => e.statusCode === 400 && e.code === 'BadRequest')
    await assert.rejects(tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-nope'), (e: any) => e.statusCode === 404 && e.code === 'ResourceNotFound')
    await assert.rejects(tm.profiles.get('rg-global', 'tm-nope'), (e: any) => e.statusCode === 404)
  })

  it('raises the profile TTL with PATCH', async () => {
    const tm = await sb.clients.trafficManager()
    const p = await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 300}})
    assert.equal(p.dnsConfig?.ttl, 300)
    assert.equal(p.dnsConfig?.fqdn, 'tm-app.trafficmanager.net')
    await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 10}})
  })
})

describe('sandbox: a Traffic Manager profile written whole (PUT)', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())
  const profileId = () => `${SUB_PATH(sb)}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app`

  it('takes back what a GET gave with the TTL changed (az network traffic-manager profile update --ttl 30): 200, and its endpoints list re-enables a drained endpoint', async () => {
    const tm = await sb.clients.trafficManager()
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'})
    const since = new Date().toISOString()
    const read = await tm.profiles.get('rg-global', 'tm-app')
    sb.mark()
    const endpoints = read.endpoints!.map((e) => ({...e, endpointStatus: 'Enabled' as const}))
    const written = await tm.profiles.createOrUpdate('rg-global', 'tm-app', {...read, dnsConfig: {...read.dnsConfig, ttl: 30}, endpoints})
    assert.deepEqual(sb.requests().map((r) => [r.method, r.status, r.apiVersion]), [['PUT', 200, '2022-04-01']])
    assert.equal(written.dnsConfig?.ttl, 30)
    assert.equal(written.dnsConfig?.fqdn, 'tm-app.trafficmanager.net')
    assert.deepEqual(written.endpoints?.map((e) => [e.name, e.endpointStatus, e.endpointMonitorStatus, e.priority, e.target]), [
      ['ep-eus2', 'Enabled', 'Online', 1, 'app-eus2.azurewebsites.net'],
      ['ep-wus2', 'Enabled', 'Online', 2, 'app-wus2.azurewebsites.net'],
    ])
    assert.equal((await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointStatus, 'Enabled', 'the endpoint itself changed')
    // azfail's drift check asks the Activity Log about the profile as well as the endpoint: the PUT is a profile write
    const events = []
    for await (const e of (await sb.clients.monitor()).activityLogs.list(`eventTimestamp ge '${since}' and resourceUri eq '${profileId()}'`)) events.push(e)
    assert.deepEqual(events.map((e) => [e.operationName?.value?.toLowerCase(), e.status?.value, e.caller]), [['microsoft.network/trafficmanagerprofiles/write', 'Succeeded', 'sandbox-admin']])
  })

  it('a list that leaves an endpoint out deletes it; a PUT without a list keeps the endpoints; tags and properties not sent are reset', async () => {
    const tm = await sb.clients.trafficManager()
    const read = await tm.profiles.get('rg-global', 'tm-app')
    await tm.profiles.update('rg-global', 'tm-app', {tags: {owner: 'sre'}})
    const {endpoints, ...withoutList} = read
    const kept = await tm.profiles.createOrUpdate('rg-global', 'tm-app', {...withoutList, trafficViewEnrollmentStatus: undefined, tags: undefined})
    assert.deepEqual(kept.endpoints?.map((e) => e.name), ['ep-eus2', 'ep-wus2'])
    assert.deepEqual(kept.tags, {})
    assert.equal(kept.trafficViewEnrollmentStatus, undefined)
    const one = await tm.profiles.createOrUpdate('rg-global', 'tm-app', {...read, endpoints: endpoints!.filter((e) => e.name === 'ep-wus2')})
    assert.deepEqual(one.endpoints?.map((e) => e.name), ['ep-wus2'])
    await assert.rejects(tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2'), (e: any) => e.statusCode === 404)
    const back = await tm.profiles.createOrUpdate('rg-global', 'tm-app', read)
    const byName = back.endpoints!.map((e) => [e.name, e.endpointStatus, e.priority]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    assert.deepEqual(byName, [['ep-eus2', 'Enabled', 1], ['ep-wus2', 'Enabled', 2]])
  })

  it("refuses what Azure refuses, changing nothing: endpoints in a PATCH, an endpoint twice or without a type, another DNS name", async () => {
    const tm = await sb.clients.trafficManager()
    const read = await tm.profiles.get('rg-global', 'tm-app')
    const refused = (message: RegExp) => (e: any) => e.statusCode === 400 && message.test(e.message)
    await assert.rejects(tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 60}, endpoints: read.endpoints}), refused(/'endpoints' property cannot be specified when updating a profile using PATCH\. Please use PUT/))
    await assert.rejects(tm.profiles.createOrUpdate('rg-global', 'tm-app', {...read, endpoints: [...read.endpoints!, read.endpoints!.find((e) => e.name === 'ep-eus2')!]}), refused(/duplicates in the list of endpoints\. The following endpoint\(s\) appear more than once: ep-eus2/))
    const path = `${profileId()}?api-version=2022-04-01`
    const untyped = await sb.raw('PUT', path, {body: JSON.stringify({...read, properties: {...read, endpoints: [{name: 'ep-x', properties: {target: 'x.example'}}]}})})
    assert.equal(untyped.status, 400)
    assert.match(untyped.body.error.message, /The type '<null>' specified for endpoint 'ep-x' is invalid\. Valid endpoint types are: 'Microsoft\.Network\/trafficManagerProfiles\/azureEndpoints'/)
    await assert.rejects(tm.profiles.createOrUpdate('rg-global', 'tm-app', {...read, dnsConfig: {...read.dnsConfig, relativeName: 'tm-other'}}), refused(/cannot be changed to 'tm-other'/))
    const after = await tm.profiles.get('rg-global', 'tm-app')
    assert.deepEqual([after.dnsConfig?.ttl, after.dnsConfig?.relativeName, after.endpoints?.length], [read.dnsConfig?.ttl, 'tm-app', 2])
  })
})

describe('sandbox: Front Door Standard/Premium', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('gets and lists profiles, origin groups and origins', async () => {
    const cdn = await sb.clients.frontDoor()
    assert.equal((await cdn.profiles.get('rg-global', 'fd-app')).sku?.name, 'Premium_AzureFrontDoor')
    const groups = []
    for await (const g of cdn.afdOriginGroups.listByProfile('rg-global', 'fd-app')) groups.push(g.name)
    assert.deepEqual(groups, ['og-app'])
    assert.equal((await cdn.afdOriginGroups.get('rg-global', 'fd-app', 'og-app')).healthProbeSettings?.probePath, '/healthz')
    const origins = []
    for await (const o of cdn.afdOrigins.listByOriginGroup('rg-global', 'fd-app', 'og-app')) origins.push([o.name, o.enabledState])
    assert.deepEqual(origins, [['origin-eus2', 'Enabled'], ['origin-wus2', 'Enabled']])
  })

  it('disables an origin as a long-running operation: 202, polled, then the final GET', async () => {
    const cdn = await sb.clients.frontDoor()
    sb.mark()
    const poller = await cdn.afdOrigins.beginUpdate('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Disabled'})
    const during = await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')
    assert.equal(during.provisioningState, 'Updating', 'the origin shows Updating while the operation runs')
    const done = await poller.pollUntilDone()
    assert.equal(done.enabledState, 'Disabled')
    assert.equal(done.provisioningState, 'Succeeded')
    const log = sb.requests().map((r) => `${r.method} ${r.status} ${r.path.split('/').slice(-2).join('/')}`)
    assert.equal(log[0], 'PATCH 202 origins/origin-eus2')
    assert.ok(log.some((l) => /^GET 200 operationStatuses\//.test(l)), `polls the Azure-AsyncOperation URL: ${log}`)
    assert.equal(log.at(-1), 'GET 200 origins/origin-eus2')
  })

  it('replaces an origin with the full PUT a client sends after reading it (az afd origin update): a long-running operation', async () => {
    const cdn = await sb.clients.frontDoor()
    const read = await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-wus2')
    sb.mark()
    const {hostName, httpPort, httpsPort, priority, weight} = read
    const poller = await cdn.afdOrigins.beginCreate('rg-global', 'fd-app', 'og-app', 'origin-wus2', {hostName, httpPort, httpsPort, priority, weight, enabledState: 'Disabled'})
    assert.equal((await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-wus2')).provisioningState, 'Updating')
    const done = await poller.pollUntilDone()
    assert.equal(done.enabledState, 'Disabled')
    assert.equal(done.hostName, read.hostName)
    assert.equal(done.originHostHeader, undefined, 'a property the PUT leaves out is reset')
    const log = sb.requests().map((r) => `${r.method} ${r.status} ${r.path.split('/').slice(-2).join('/')}`)
    assert.equal(log[0], 'PUT 200 origins/origin-wus2')
    assert.ok(log.some((l) => /^GET 200 operationStatuses\//.test(l)), `polls the Azure-AsyncOperation URL: ${log}`)
    await cdn.afdOrigins.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-wus2', {enabledState: 'Enabled', originHostHeader: read.originHostHeader})
  })

  it('refuses a PUT that would create an origin, and one without a host name', async () => {
    const cdn = await sb.clients.frontDoor()
    await assert.rejects(cdn.afdOrigins.beginCreateAndWait('rg-global', 'fd-app', 'og-app', 'origin-new', {hostName: 'new.example'}), (e: any) => e.statusCode === 404)
    const path = `/subscriptions/${sb.connection.subscriptionId}/resourceGroups/rg-global/providers/Microsoft.Cdn/profiles/fd-app/originGroups/og-app/origins/origin-wus2?api-version=2024-02-01`
    const noHost = await sb.raw('PUT', path, {body: JSON.stringify({properties: {enabledState: 'Disabled'}})})
    assert.equal(noHost.status, 400)
    assert.match(noHost.body.error.message, /hostName/)
  })

  it('refuses an origin update naming a property the origin does not have, and one with a value out of range', async () => {
    const path = `/subscriptions/${sb.connection.subscriptionId}/resourceGroups/rg-global/providers/Microsoft.Cdn/profiles/fd-app/originGroups/og-app/origins/origin-wus2?api-version=2024-02-01`
    const unknown = await sb.raw('PATCH', path, {body: JSON.stringify({properties: {enabledStat: 'Disabled'}})})
    assert.equal(unknown.status, 400)
    assert.match(unknown.body.error.message, /'enabledStat' is not a property/)
    const cdn = await sb.clients.frontDoor()
    await assert.rejects(cdn.afdOrigins.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-wus2', {priority: 9}), (e: any) => e.statusCode === 400 && /priority/.test(e.message))
    assert.equal((await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-wus2')).enabledState, 'Enabled', 'nothing changed')
  })
})
