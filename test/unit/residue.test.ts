// What still lives in a region that does not serve: the data tier's primaries, the CNAME's target, a steering layer
// still enabled; an unknown is said as unknown; a serving region has no residue.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {residue, residueIn} from '../../src/estate/residue.ts'
import type {LiveState, RegionState} from '../../src/estate/state.ts'
import {region} from '../live-state.ts'

const drained = (name: string, o: Partial<RegionState> = {}) =>
  region(name, {serving: false, trafficManager: {name: `ep-${name}`, status: 'Disabled', monitorStatus: 'Disabled'}, frontDoor: {name: `origin-${name}`, enabledState: 'Disabled'}, drain: {drainedAt: '2026-01-01T00:00:00Z'}, ...o})

function state(a: RegionState, o: Partial<LiveState> = {}): LiveState {
  return {
    observedAt: '',
    target: 'sandbox',
    steering: {},
    regions: {a, b: region('b')},
    data: {
      postgres: {primaryRegion: 'a', servers: [{region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'Primary'}, {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'GeoAsyncReplica'}]},
      sqlFailoverGroup: {name: 'fog', primaryRegion: 'a', servers: [{region: 'a', name: 'sql-a', role: 'Primary'}, {region: 'b', name: 'sql-b', role: 'Secondary'}]},
      cosmos: {account: 'cdb', writeRegion: 'a', locations: []},
    },
    cname: {fqdn: 'prod.zone', target: 'pg-a.zone', targetRegion: 'a'},
    ...o,
  }
}

describe('residue', () => {
  it('after a drain, lists every primary, the write region and the CNAME still in the drained region', () => {
    assert.deepEqual(residue(state(drained('a'))).map((r) => `${r.region}: ${r.what}`), [
      'a: PostgreSQL primary pg-a',
      'a: SQL failover group fog primary sql-a',
      'a: Cosmos DB cdb write region',
      'a: CNAME prod.zone -> pg-a.zone',
    ])
  })

  it('a serving region has none, and a failed-over drained region has none', () => {
    assert.deepEqual(residue(state(region('a'))), [])
    const s = state(drained('a'), {
      data: {
        postgres: {primaryRegion: 'b', servers: [{region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'GeoAsyncReplica'}, {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'Primary'}]},
        sqlFailoverGroup: {name: 'fog', primaryRegion: 'b', servers: [{region: 'a', name: 'sql-a', role: 'Secondary'}, {region: 'b', name: 'sql-b', role: 'Primary'}]},
        cosmos: {account: 'cdb', writeRegion: 'b', locations: []},
      },
      cname: {fqdn: 'prod.zone', target: 'pg-b.zone', targetRegion: 'b'},
    })
    assert.deepEqual(residue(s), [])
  })

  it('a layer still enabled is residue (a partial drain), and what could not be read is unknown, never absent', () => {
    const s = state(drained('a', {frontDoor: {name: 'origin-a', enabledState: 'Enabled'}}), {
      data: {
        postgres: {servers: [{region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'Unknown'}, {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'GeoAsyncReplica'}]},
        sqlFailoverGroup: {name: 'fog', primaryRegion: 'b', servers: [{region: 'a', name: 'sql-a', role: 'Secondary'}, {region: 'b', name: 'sql-b', role: 'Primary'}]},
        cosmos: {account: 'cdb', locations: []},
      },
      cname: {fqdn: 'prod.zone', target: 'pg-b.zone', targetRegion: 'b'},
    })
    assert.deepEqual(residueIn(s, 'a').map((r) => r.what), [
      'Front Door origin origin-a still enabled',
      'PostgreSQL primary pg-a (by its replicas; not read)',
      'Cosmos DB cdb write region: unknown (not observed)',
    ])
  })

  it('a server not read whose partners say nothing either is unknown', () => {
    const s = state(drained('a'), {
      data: {postgres: {servers: [{region: 'a', name: 'pg-a', resourceGroup: 'rg', role: 'Unknown'}, {region: 'b', name: 'pg-b', resourceGroup: 'rg', role: 'Unknown'}]}},
      cname: undefined,
    })
    assert.deepEqual(residueIn(s, 'a').map((r) => r.what), ["PostgreSQL primary (pg-a's role): unknown (not observed)"])
  })
})
