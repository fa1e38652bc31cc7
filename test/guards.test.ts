// The guards are pure functions of live state: each one refuses exactly when the contract says.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {LiveState, RegionState} from '../src/estate/state.ts'
import {drainedBeforeTeardown, lastRegion, noSurvivorDependency, promoteBeforeRepoint, regionHealthy, replicaHealthy, survivorResolvesLocal} from '../src/guards/guards.ts'
import {isDrained, isServing, servingState, ttlWindowSeconds} from '../src/estate/predicates.ts'
import {region} from './live-state.ts'

function state(regions: RegionState[], o: Partial<LiveState> = {}): LiveState {
  return {observedAt: '', target: 'sandbox', steering: {trafficManager: {profile: 'tm', ttl: 30}}, regions: Object.fromEntries(regions.map((r) => [r.region, r])), data: {}, ...o}
}

const drained = (name: string, drainedAt?: string) =>
  region(name, {serving: false, trafficManager: {name: `ep-${name}`, status: 'Disabled', monitorStatus: 'Disabled'}, frontDoor: {name: `origin-${name}`, enabledState: 'Disabled'}, ...(drainedAt ? {drain: {drainedAt}, steeringWrites: []} : {})})

describe('guards', () => {
  it('last-region refuses when no other region serves, counting a degraded endpoint as not serving', () => {
    assert.equal(lastRegion(state([region('a'), region('b')]), 'a').ok, true)
    assert.equal(lastRegion(state([region('a'), drained('b')]), 'a').ok, false)
    const degraded = region('b', {trafficManager: {name: 'ep-b', status: 'Enabled', monitorStatus: 'Degraded'}})
    assert.equal(lastRegion(state([region('a'), degraded]), 'a').ok, false)
  })

  it('drained-before-teardown needs every steering layer disabled and the TTL window passed since the drain', () => {
    const now = Date.parse('2026-01-01T00:01:00Z')
    const half = drained('a', '2026-01-01T00:00:00Z')
    half.frontDoor!.enabledState = 'Enabled'
    assert.equal(drainedBeforeTeardown(state([half, region('b')]), 'a', 10, now).ok, false, 'Front Door still sends traffic')
    assert.equal(drainedBeforeTeardown(state([drained('a'), region('b')]), 'a', 10, now).ok, false, 'no drain time recorded')
    const s = state([drained('a', '2026-01-01T00:00:30Z'), region('b')])
    const early = drainedBeforeTeardown(s, 'a', 10, now)
    assert.equal(early.ok, false, '30 s since the drain < 30 s TTL + 10 s drain')
    assert.match(early.observed, /needs 40s \(max\(steering TTL 30s, record TTL 0s\) \+ connection drain 10s\)/)
    assert.equal(drainedBeforeTeardown(s, 'a', 10, now + 10_000).ok, true)
  })

  it('drained-before-teardown runs the window from the last write on the steering after the drain, and refuses when the Activity Log was not read', () => {
    const now = Date.parse('2026-01-01T00:01:00Z')
    const write = {at: '2026-01-01T00:00:50Z', caller: 'bob@contoso.com', operation: 'Microsoft.Network/trafficManagerProfiles/azureEndpoints/write', resourceId: '/x/azureEndpoints/ep-a', status: 'Succeeded'}
    const rewritten = {...drained('a', '2026-01-01T00:00:00Z'), steeringWrites: [write]}
    const v = drainedBeforeTeardown(state([rewritten, region('b')]), 'a', 10, now)
    assert.equal(v.ok, false, '10 s since the write < 40 s, though 60 s since the drain')
    assert.match(v.observed, /written since \(.*write on ep-a by bob@contoso.com at 2026-01-01T00:00:50Z\), so the window starts there, 10s ago/)
    assert.equal(drainedBeforeTeardown(state([rewritten, region('b')]), 'a', 10, now + 30_000).ok, true)
    const {steeringWrites: _, ...unread} = drained('a', '2026-01-01T00:00:00Z')
    const unknown = drainedBeforeTeardown({...state([unread, region('b')]), unobserved: [{what: "the Activity Log of a's steering", region: 'a', part: 'activityLog', why: '503 ServiceUnavailable'}]}, 'a', 10, now)
    assert.equal(unknown.ok, false)
    assert.match(unknown.observed, /unknown: the Activity Log could not be read \(503 ServiceUnavailable\)/)
  })

  it('takes the longer of the steering TTL and the record TTLs', () => {
    const a = drained('a', '2026-01-01T00:00:00Z')
    a.endpoints = [{resourceGroup: 'rg', name: 'pe', exists: true, records: [{zoneId: 'z', recordType: 'A', recordSetName: 'x', fqdn: 'x.z', ttl: 300, ips: ['10.0.0.1']}]}]
    assert.deepEqual(ttlWindowSeconds(state([a, region('b')]), 'a', 5), {steeringTtl: 30, recordTtl: 300, drain: 5, total: 305})
  })

  it('survivor-resolves-local fails on the drained region\'s IP, no answer, or a stale record', () => {
    const ok = {name: 'kv-b', addresses: ['10.2.0.1'], outcome: 'NOERROR', expected: '10.2.0.1', ok: true}
    assert.equal(survivorResolvesLocal(state([region('a'), region('b', {names: [ok]})]), ['a']).ok, true)
    const wrong = {...ok, addresses: ['10.1.0.1'], ok: false}
    const none = {...ok, addresses: [], outcome: 'NXDOMAIN', ok: false}
    for (const n of [wrong, none]) assert.equal(survivorResolvesLocal(state([region('a'), region('b', {names: [n]})]), ['a']).ok, false)
    assert.equal(survivorResolvesLocal(state([region('a', {names: [none]}), region('b', {names: [ok]})]), ['a']).ok, true, 'the drained region is not a survivor')
  })

  it('no-survivor-dependency refuses when a survivor resolves one of the region\'s endpoint records (Pattern B)', () => {
    const a = drained('a', '2026-01-01T00:00:00Z')
    a.endpoints = [{resourceGroup: 'rg', name: 'pe-sql-a', exists: true, records: [{zoneId: 'z', recordType: 'A', recordSetName: 'sql', fqdn: 'sql.z', ttl: 10, ips: ['10.1.0.9']}]}]
    const b = region('b', {names: [{name: 'sql-primary', addresses: ['10.1.0.9'], outcome: 'NOERROR', expected: '10.1.0.9', ok: true}]})
    const v = noSurvivorDependency(state([a, b]), 'a')
    assert.equal(v.ok, false)
    assert.match(v.observed, /b resolves sql-primary to 10\.1\.0\.9, served by pe-sql-a/)
    b.names[0].addresses = ['10.2.0.9']
    assert.equal(noSurvivorDependency(state([a, b]), 'a').ok, true)
  })

  it('promote-before-repoint and replica-healthy read the live roles', () => {
    const s = state([region('a'), region('b')], {
      data: {postgres: {servers: [
        {region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'Primary'},
        {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'GeoAsyncReplica', replicationState: 'Catchup'},
      ]}},
    })
    assert.equal(promoteBeforeRepoint(s, 'b').ok, false)
    assert.equal(promoteBeforeRepoint(s, 'a').ok, true)
    assert.equal(replicaHealthy(s, 'b').ok, false)
    s.data.postgres!.servers[1].replicationState = 'Active'
    assert.equal(replicaHealthy(s, 'b').ok, true)
  })

  it('replica-healthy holds a planned promotion to the runbook\'s lag limit, and refuses where the lag is not reported', () => {
    const s = state([region('a'), region('b')], {
      data: {postgres: {servers: [
        {region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'Primary'},
        {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'GeoAsyncReplica', replicationState: 'Active', replicationLagSeconds: 42},
      ]}},
    })
    const beyond = replicaHealthy(s, 'b', 30)
    assert.equal(beyond.ok, false)
    assert.equal(beyond.observed, 'pg-b replication state is Active; it lags its primary by 42s, more than the limit of 30s (maxReplicationLag)')
    assert.equal(replicaHealthy(s, 'b', 60).ok, true)
    assert.equal(replicaHealthy(s, 'b').ok, true, 'no limit set: Active is enough')
    delete s.data.postgres!.servers[1].replicationLagSeconds
    assert.match(replicaHealthy(s, 'b', 30).observed, /its lag is not reported, so the limit of 30s \(maxReplicationLag\) cannot be checked/)
    assert.equal(replicaHealthy(s, 'b', 30).ok, false)
  })

  describe('unknown is a value', () => {
    const unknownSteering = region('b', {serving: false, trafficManager: {name: 'ep-b', status: 'Unknown'}, frontDoor: {name: 'origin-b', enabledState: 'Unknown'}})
    const unread = {unobserved: [{what: 'Traffic Manager profile tm', part: 'trafficManager' as const, why: 'no answer within 10s'}]}

    it('a region whose steering is unknown is neither serving nor drained', () => {
      assert.deepEqual([isServing(unknownSteering), isDrained(unknownSteering), servingState(unknownSteering)], [false, false, 'unknown'])
    })

    it('last-region does not count a region of unknown steering as serving, and says why', () => {
      const v = lastRegion(state([region('a'), unknownSteering], unread), 'a')
      assert.equal(v.ok, false)
      assert.match(v.observed, /whether b serves is unknown: Traffic Manager profile tm \(no answer within 10s\)/)
    })

    it("no-survivor-dependency and region-healthy do not pass on a region's unread endpoints", () => {
      const s = state([region('a'), region('b')], {unobserved: [{what: "a's private endpoints", region: 'a', part: 'endpoints', why: 'HTTP 503 ServiceUnavailable'}]})
      assert.equal(noSurvivorDependency(s, 'a').ok, false)
      assert.match(noSurvivorDependency(s, 'a').observed, /a's private endpoints are unknown/)
      assert.equal(regionHealthy(s, 'a').ok, false)
      assert.equal(regionHealthy(s, 'b').ok, true, "b's endpoints were read")
    })

    it('drained-before-teardown says the drain records could not be read, not that there is none', () => {
      const s = state([drained('a'), region('b')], {unobserved: [{what: 'the drain, teardown and lock records in the state zone', part: 'stateRecords', why: 'HTTP 503'}]})
      assert.match(drainedBeforeTeardown(s, 'a', 10, Date.now()).observed, /when it was drained is unknown/)
    })
  })
})
