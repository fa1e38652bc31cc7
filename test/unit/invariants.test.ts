// The estate's invariants over live state: a CNAME on a read-only replica, a failover group without one primary, a
// split data tier, a region answering another's IP, and no region serving are each a violation.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {invariants, violations} from '../../src/estate/invariants.ts'
import type {LiveState, RegionState} from '../../src/estate/state.ts'

const region = (name: string, o: Partial<RegionState> = {}): RegionState => ({
  region: name,
  resolver: '127.0.0.1:53',
  serving: true,
  trafficManager: {name: `ep-${name}`, status: 'Enabled', monitorStatus: 'Online'},
  names: [{name: `kv-${name}`, addresses: ['10.0.0.1'], outcome: 'NOERROR', expected: '10.0.0.1', ok: true}],
  ...o,
})

function state(o: Partial<LiveState> = {}): LiveState {
  return {
    observedAt: '',
    target: 'sandbox',
    steering: {},
    regions: {a: region('a'), b: region('b')},
    data: {
      postgres: {primaryRegion: 'a', servers: [{region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'Primary'}, {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'GeoAsyncReplica', replicationState: 'Active'}]},
      sqlFailoverGroup: {name: 'fog', primaryRegion: 'a', servers: [{region: 'a', name: 'sql-a', role: 'Primary'}, {region: 'b', name: 'sql-b', role: 'Secondary'}]},
      cosmos: {account: 'cdb', writeRegion: 'a', locations: []},
    },
    cname: {fqdn: 'prod.zone', target: 'pg-a.zone', targetRegion: 'a'},
    ...o,
  }
}

describe('estate invariants', () => {
  it('hold on a consistent estate', () => {
    assert.deepEqual(violations(state()), [])
    assert.deepEqual(invariants(state()).map((i) => i.id), ['cname-writable', 'listener-primary', 'cosmos-write-region', 'own-resolution', 'own-resolution', 'one-serving'])
  })

  it('a CNAME that leads to a read-only replica is a violation naming it', () => {
    const [v] = violations(state({cname: {fqdn: 'prod.zone', target: 'pg-b.zone', targetRegion: 'b'}}))
    assert.equal(v.id, 'cname-writable')
    assert.match(v.observed, /pg-b is GeoAsyncReplica/)
  })

  it('a failover group with two primaries, a Cosmos write region apart from the primary, a region answering another IP, and no region serving', () => {
    const s = state()
    s.data.sqlFailoverGroup!.servers[1].role = 'Primary'
    s.data.cosmos!.writeRegion = 'b'
    s.regions.b.names[0] = {...s.regions.b.names[0], addresses: ['10.9.9.9'], ok: false}
    assert.deepEqual(violations(s).map((v) => v.id), ['listener-primary', 'cosmos-write-region', 'own-resolution'])
    const dark = state({regions: {a: region('a', {serving: false, trafficManager: {name: 'ep-a', status: 'Disabled'}}), b: region('b', {serving: false, trafficManager: {name: 'ep-b', status: 'Disabled'}})}})
    assert.deepEqual(violations(dark).map((v) => v.id), ['one-serving'])
  })

  it('a role Azure does not document is not taken for a primary; a server not read is not judged', () => {
    const strange = state()
    strange.data.postgres!.servers[0].role = 'Primary\u001b]0;x\u0007'
    const [v] = violations(strange)
    assert.equal(v.id, 'cname-writable')
    assert.match(v.observed, /pg-a is unknown value 'Primary/)
    const unread = state()
    unread.data.postgres!.servers[0].role = 'Unknown'
    assert.deepEqual(invariants(unread).map((i) => i.id).filter((id) => id === 'cname-writable'), [], 'not judged: neither ok nor violated')
    const group = state()
    group.data.sqlFailoverGroup!.servers[0].role = 'Primary '
    assert.match(violations(group)[0].observed, /sql-a unknown value 'Primary '/)
  })
})
