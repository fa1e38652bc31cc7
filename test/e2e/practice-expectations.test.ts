// Practice scenarios whose expectation is a refusal or a failure: when it holds, the game day is ready (exit 0) and
// the steps refused or failed as expected are passed checks; when it does not hold, it is not ready (exit 4).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

const practiceChecks = (out: any) => out.result.checks.filter((c: any) => c.category === 'practice')

describe('practice expectations decide the game day', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('stale-record: the drain refused by survivor-resolves-local, as expected, exits 0', async () => {
    const {code, out} = await t.json(['gameday', '--faults', 'stale-record'])
    assert.equal(code, 0, JSON.stringify(out.error ?? out.result.checks.filter((c: any) => c.status === 'failed')))
    assert.equal(out.status, 'succeeded')
    assert.equal(out.result.status, 'ready')
    assert.equal(out.result.practice.expectation.held, true)
    const refused = practiceChecks(out).filter((c: any) => /^refused as the scenario expects/.test(c.observed))
    assert.ok(refused.length > 0, JSON.stringify(practiceChecks(out)))
    assert.ok(refused.every((c: any) => c.status === 'passed' && /survivor-resolves-local/.test(c.observed)), JSON.stringify(refused))
    assert.equal(practiceChecks(out).find((c: any) => c.id === 'practice/expectation/stale-record').status, 'passed')
  })

  it('failed-promotion: the promotion failing, as expected, with the CNAME untouched, exits 0', async () => {
    const {code, out} = await t.json(['gameday', '--faults', 'failed-promotion', '--region', 'eus2'])
    assert.equal(code, 0, JSON.stringify(out.error ?? out.result.checks.filter((c: any) => c.status === 'failed')))
    assert.equal(out.result.practice.expectation.held, true)
    const promote = practiceChecks(out).find((c: any) => c.id === 'practice/promote/promote-replica/promoteReplica')
    assert.equal(promote.status, 'passed')
    assert.match(promote.observed, /^failed as the scenario expects.*OperationFailed/)
  })

  it('a scenario whose expectation does not hold still exits 4, and the unexpected refusal is a failed check', async () => {
    // wus2 already drained: the practice drain of eus2 is refused by last-region, not by survivor-resolves-local.
    const tm = await t.sb.clients.trafficManager()
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-wus2', {endpointStatus: 'Disabled'})
    try {
      const {code, out} = await t.json(['gameday', '--faults', 'stale-record', '--region', 'eus2'])
      assert.equal(code, 4)
      assert.equal(out.result.practice.expectation.held, false)
      assert.equal(practiceChecks(out).find((c: any) => c.id === 'practice/expectation/stale-record').status, 'failed')
      const drain = practiceChecks(out).find((c: any) => c.id === 'practice/drain/drain/drainSteering')
      assert.equal(drain.status, 'failed')
      assert.match(drain.observed, /last-region/)
    } finally {
      await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-wus2', {endpointStatus: 'Enabled'})
    }
  })
})
