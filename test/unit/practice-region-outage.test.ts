// The region-outage practice's judge: it holds only when the ungraceful failover moved every role off the region
// (as observed while the region was still down), said what it could not verify there, and the failback put every
// role back where the practice found it.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {LiveState, RegionState} from '../../src/estate/state.ts'
import {type PracticePhase, judgeRegionOutage} from '../../src/services/practice.ts'

const region = (name: string, enabled: boolean): RegionState => ({
  region: name,
  resolver: '127.0.0.1:53',
  serving: enabled,
  trafficManager: {name: `ep-${name}`, status: enabled ? 'Enabled' : 'Disabled', monitorStatus: 'Online'},
  frontDoor: {name: `origin-${name}`, enabledState: enabled ? 'Enabled' : 'Disabled'},
  names: [],
})

/** The demo's roles, all in `home`, with region a's steering on or off. */
function state(home: string | undefined, aServes: boolean): LiveState {
  return {
    observedAt: '',
    target: 'sandbox',
    steering: {},
    regions: {a: region('a', aServes), b: region('b', true)},
    data: {
      postgres: {primaryRegion: home, servers: []},
      sqlFailoverGroup: {name: 'fog', primaryRegion: home, servers: []},
      cosmos: {account: 'cdb', writeRegion: home, locations: []},
    },
    cname: {fqdn: 'prod.zone', target: `pg-${home}.zone`, targetRegion: home},
  }
}

const phase = (name: 'failover' | 'failback', o: Partial<PracticePhase> = {}): PracticePhase => ({
  phase: name,
  stage: name,
  action: name,
  options: {region: 'a'},
  status: 'succeeded',
  steps: [],
  warnings: [],
  startedAt: '',
  durationMs: 0,
  ...o,
})

const notVerified = {warnings: ["not verified: a's resolver gave no answer for cdb.documents.azure.com"]}

describe('the region-outage practice judge', () => {
  it('holds when every role left the region during the outage, something was named not verified, and the failback restored all', () => {
    const e = judgeRegionOutage([phase('failover', notVerified), phase('failback')], 'a', 'b', state('a', true), state('b', false), state('a', true))
    assert.equal(e.held, true, e.observed)
    assert.equal(e.observed, 'failover succeeded; every role off a; 1 item(s) in a named as not verified; failback succeeded; original roles restored')
  })

  it('does not hold when a role is unknown or still in the region during the outage, naming it', () => {
    const during = state('b', false)
    during.data.cosmos!.writeRegion = undefined
    during.regions.a.frontDoor!.enabledState = 'Enabled'
    const e = judgeRegionOutage([phase('failover', notVerified), phase('failback')], 'a', 'b', state('a', true), during, state('a', true))
    assert.equal(e.held, false)
    assert.match(e.observed, /not moved off a: Front Door sends a traffic: a, Cosmos DB cdb write region: unknown/)
  })

  it('does not hold when the failover named nothing as not verified in the dead region', () => {
    const e = judgeRegionOutage([phase('failover'), phase('failback')], 'a', 'b', state('a', true), state('b', false), state('a', true))
    assert.equal(e.held, false)
    assert.match(e.observed, /nothing in a named as not verified/)
  })

  it('does not hold when the failback leaves a role in the survivor', () => {
    const after = state('a', true)
    after.data.postgres!.primaryRegion = 'b'
    const e = judgeRegionOutage([phase('failover', notVerified), phase('failback')], 'a', 'b', state('a', true), state('b', false), after)
    assert.equal(e.held, false)
    assert.match(e.observed, /failback succeeded; not restored: PostgreSQL primary: b$/)
  })

  it('does not hold when the failover fails, and says where it stopped', () => {
    const failed = phase('failover', {status: 'failed', error: {code: 'PreconditionFailed', message: 'Nothing was changed: a is silent.'}})
    const e = judgeRegionOutage([failed], 'a', 'b', state('a', true), undefined, state('a', true))
    assert.equal(e.held, false)
    assert.equal(e.observed, 'failover failed: Nothing was changed: a is silent.; nothing in a named as not verified; not run')
  })
})
