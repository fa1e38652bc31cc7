// The README's main job, exactly as a new user runs it: default state dir, bundled demo runbook, demo TTLs.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {runCli, tempDir} from '../helpers.ts'

describe('README: azfail drain eus2 --sandbox --yes', () => {
  it('drains eus2 in the seed order on the demo estate; wus2 still answers its own IPs', async () => {
    const cwd = tempDir('azfail-readme-')
    const r = await runCli(['drain', 'eus2', '--sandbox', '--yes'], {cwd, env: {CI: 'true'}})
    assert.equal(r.code, 0, r.stderr)
    const started = [...r.stderr.matchAll(/^\d\d:\d\d:\d\dZ \w+ started: (.*)$/gm)].map((m) => m[1])
    assert.deepEqual(started, ['Drain eus2 at the steering layer', 'Wait out the DNS TTL and the connection drain', 'Verify every survivor resolves its own private IPs'])
    // The window is what the README promises; how much of it is left at the first line depends on how soon after the
    // drain record the wait is planned, which a loaded machine stretches.
    assert.match(r.stderr, /^\d\d:\d\d:\d\dZ waitOutTtl: \d+s left of 13s$/m, 'a visible countdown of max(10 s TTLs) + 3 s drain')
    assert.match(r.stdout, /drain eus2: succeeded/)
    const status = await runCli(['status', '--sandbox', '--json'], {cwd})
    const s = JSON.parse(status.stdout).result
    assert.equal(s.regions.eus2.trafficManager.status, 'Disabled')
    assert.equal(s.regions.eus2.frontDoor.enabledState, 'Disabled')
    assert.ok(s.regions.wus2.names.every((n: any) => n.ok), JSON.stringify(s.regions.wus2.names))
  })
})
