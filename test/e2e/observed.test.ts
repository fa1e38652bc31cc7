// Messages say what azfail observed and from where. The TCP check of a failover group's listener connects from this
// machine (to the sandbox's loopback listener standing for the private address), not from the regions; a write check
// that cannot run is "not checked", never "already done"; a dry run's teardown judges a drain it only projects; a
// lock whose process died is not called lapsed while its lease still runs on Azure's clock.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e, killedMidDrain, longDrain} from './support.ts'

describe('messages say what was observed, and from where', () => {
  let t: E2E
  before(async () => {
    t = await e2e()
  })
  after(() => t.stop())

  it("verifyListener says the TCP connection went from this machine, to which address, through which listener", async () => {
    const {code, out} = await t.json(['promote', '--failover-group', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const message = out.result.steps.find((s: any) => s.id === 'verifyListener').message
    assert.match(message, /; TCP port 1433 reachable from this machine \(not tried from the regions\) at 10\.30\.2\.4:1433 via 127\.\d+\.\d+\.\d+:\d+ \(where this machine reaches it\), where app-fog\.database\.windows\.net leads from eus2, wus2$/)
    // back, and once more without --json: the progress lines say the same
    assert.equal((await t.json(['promote', '--failover-group', '--to', 'eus2', '--yes'])).code, 0)
    const plain = await t.azfail(['promote', '--failover-group', '--yes'])
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stderr, /eus2: app-fog\.database\.windows\.net resolves to 10\.30\.2\.4; connecting from this machine to 10\.30\.2\.4:1433 via 127\.\d+\.\d+\.\d+:\d+ \(where this machine reaches it\)/)
    assert.doesNotMatch(plain.stderr, /connecting to app-fog\.database\.windows\.net -> /)
  })

  it('a write check this sandbox cannot run is skipped as not checked, never as already done', async () => {
    const {out} = await t.json(['promote', '--replica', '--dry-run'])
    const step = out.result.steps.find((s: any) => s.id === 'verifyWritable')
    assert.equal(step.status, 'skipped')
    assert.match(step.message, /^not checked: this sandbox runs no PostgreSQL servers/)
    assert.doesNotMatch(step.message, /already done/)
  })

  it("a dry run's teardown says the drain before it is projected, not when it happened", async () => {
    const {code, out} = await t.json(['drain', 'eus2', '--teardown', '--dry-run', '--override', 'survivor-resolves-local', '--reason', 'game day'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const teardown = out.result.steps.find((s: any) => s.kind === 'teardownEndpoints')
    const verdict = teardown.plan.verdicts.find((v: any) => v.guard === 'drained-before-teardown')
    assert.match(verdict.observed, /^projected, not observed: the steps before this one are planned to drain eus2 and wait out its \d+s window/)
    assert.doesNotMatch(JSON.stringify(out), /drained at [^"]*\ds ago/)
  })
})

describe('lock status', () => {
  let t: E2E
  before(async () => {
    t = await longDrain(120)
  })
  after(() => t.stop())

  it('a run killed on this machine: its process has ended, its lease is not called lapsed before its end', async () => {
    await killedMidDrain(t)
    const plain = await t.azfail(['lock', 'status'])
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout, /lease {4}until \S+, not lapsed \(Azure's time is \S+\), but its process \(pid \d+ on this machine\) has ended: the run died; 'azfail resume /)
    assert.doesNotMatch(plain.stdout, /lapsed:|lapsed at/)
    const {out} = await t.json(['lock', 'status'])
    assert.deepEqual([out.result.lock.alive, out.result.lock.holderState], [false, 'gone'])
    assert.ok(Date.parse(out.result.lock.expires) > Date.parse(out.result.lock.azureNow))
  })
})
