// Steering layers are independent (issue 15): Front Door's control plane refusing its origin update leaves Traffic
// Manager drained and recorded, the wait and the verification run, and the run ends `partial` naming Front Door and
// the command that finishes it; that command, once Front Door answers again, changes only Front Door.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type E2E, FD_ORIGIN, STATE_ZONE, TM_EP, e2e, txtField} from './support.ts'

describe('a steering layer that refuses', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  const frontDoorRefuses = () => t.sb.control('POST', 'faults', {kind: 'error', status: 409, method: 'PATCH', path: 'originGroups/og-app/origins/origin-eus2$'})

  it('drains Traffic Manager, records it, waits and verifies, and ends partial (exit 1) naming Front Door and the command that finishes it', async () => {
    await frontDoorRefuses()
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 1, JSON.stringify(out))
    assert.equal(out.status, 'partial')
    assert.equal(out.error.code, 'SteeringIncomplete')
    assert.match(out.error.message, /Front Door origin origin-eus2 still sends traffic to eus2/)
    assert.match(out.error.hint, new RegExp(`azfail drain eus2 --runbook ${t.runbook.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} --sandbox --state-dir `))
    assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [
      ['drainSteering', 'failed'],
      ['waitOutTtl', 'succeeded'],
      ['verifySurvivorResolution', 'succeeded'],
    ])
    assert.ok(out.result.residue.some((r: any) => r.region === 'eus2' && /Front Door origin origin-eus2 still enabled/.test(r.what)), JSON.stringify(out.result.residue))

    const tm = await (await t.sb.clients.trafficManager()).endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')
    assert.equal(tm.endpointStatus, 'Disabled')
    const fd = await (await t.sb.clients.frontDoor()).afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')
    assert.equal(fd.enabledState, 'Enabled')
    const record = await (await t.sb.clients.privateDns()).recordSets.get(...STATE_ZONE, 'TXT', '_azfail-drain-eus2')
    assert.equal(txtField(record, 'layers'), 'trafficManager', 'the drain record says only Traffic Manager is drained')
  })

  it('a re-run while Front Door still refuses changes nothing else and ends partial again', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 1)
    assert.equal(out.status, 'partial')
    assert.deepEqual(t.writes().filter((w) => TM_EP('eus2').test(w.path)), [], 'Traffic Manager is not written again')
  })

  it('once Front Door answers, the re-run drains only Front Door and records both layers', async () => {
    await t.sb.control('DELETE', 'faults')
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out))
    assert.equal(out.status, 'succeeded')
    const writes = t.writes()
    assert.deepEqual(writes.filter((w) => TM_EP('eus2').test(w.path)), [], 'no repeated Traffic Manager write')
    assert.equal(writes.filter((w) => FD_ORIGIN('eus2').test(w.path)).length, 1, 'one Front Door write')
    const fd = await (await t.sb.clients.frontDoor()).afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')
    assert.equal(fd.enabledState, 'Disabled')
    const record = await (await t.sb.clients.privateDns()).recordSets.get(...STATE_ZONE, 'TXT', '_azfail-drain-eus2')
    assert.equal(txtField(record, 'layers'), 'trafficManager,frontDoor')
    assert.ok(!out.result.residue.some((r: any) => /still enabled/.test(r.what)), JSON.stringify(out.result.residue))
  })

  it('--skip-layer needs --reason, and is journaled with who and why', async () => {
    const bad = await t.json(['drain', 'wus2', '--skip-layer', 'frontDoor', '--yes'])
    assert.equal(bad.code, 2)
    assert.equal(bad.out.error.code, 'OverrideNeedsReason')
  })
})

describe('--skip-layer', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('leaves the layer as it is, drains the others, and the run says who skipped it, why, and that it still sends traffic', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['drain', 'eus2', '--skip-layer', 'frontDoor', '--reason', 'Front Door control plane incident', '--yes'])
    assert.equal(code, 0, JSON.stringify(out))
    assert.deepEqual(t.writes().filter((w) => FD_ORIGIN('eus2').test(w.path)), [], 'Front Door is not written')
    assert.ok(t.writes().some((w) => TM_EP('eus2').test(w.path)))
    assert.ok(out.result.overrides.some((o: any) => o.guard === 'skip-layer:frontDoor' && o.reason === 'Front Door control plane incident' && o.by))
    assert.ok(out.warnings.some((w: string) => /Front Door origin origin-eus2 still sends traffic to eus2: skipped with --skip-layer frontDoor by .+ \(Front Door control plane incident\)/.test(w)), out.warnings.join('\n'))
  })
})
