// `gameday --practice --faults region-outage`: eus2 goes down (ARM 503, resolver silent) in the practice copy,
// `failover eus2 --ungraceful` runs under it, the region comes back, `failback eus2` restores the roles; the
// scenario's expectation decides the game day.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

describe('practice: region-outage', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('fails eus2 over while it is down and back once it returns: the expectation holds, exit 0', async () => {
    const {code, out} = await t.json(['gameday', '--faults', 'region-outage', '--region', 'eus2', '--report-dir', `${t.work}/reports`], {timeoutMs: 300_000})
    const practice = out.result?.practice
    assert.equal(code, 0, JSON.stringify(out.error ?? practice?.expectation ?? out))
    assert.equal(practice.scenario, 'region-outage')
    assert.deepEqual(practice.phases.map((p: any) => [p.phase, p.action, p.options.forced ?? false, p.status]), [
      ['failover', 'failover', true, 'succeeded'],
      ['failback', 'failback', false, 'succeeded'],
    ])
    // the outage was in force: eus2's resource providers answered it (the failover sends them nothing: it declares the
    // region down; the observation while it is down, as another operator's status, asks)
    const outage = practice.faultHits.find((f: any) => /^outage of eus2/.test(f.kind))
    assert.ok(outage?.hits > 0, JSON.stringify(practice.faultHits))
    assert.equal(practice.expectation.held, true, practice.expectation.observed)
    assert.match(practice.expectation.observed, /failover succeeded; every role off eus2; \d+ item\(s\) in eus2 named as not verified; failback succeeded; original roles restored/)
    const check = out.result.checks.find((c: any) => c.id === 'practice/expectation/region-outage')
    assert.equal(check.status, 'passed')
    // the source sandbox was never taken down: the outage lived in the practice copy
    assert.deepEqual((await t.sb.control('GET', 'outage')).body, {regions: {}, frontDoor: 'none'})
  })
})
