// What a person sees at a terminal, driven in tmux: the consent prompt, then a manual action's question drawn inside
// the live task list before any key is pressed, and the answer recorded with who gave it.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {WorldStore, fleetSubscription, fleetWorld} from '#sandbox'
import {BIN, eventually, startTestSandbox, tempDir} from '../helpers.ts'
import {writeFleet} from './fleet-support.ts'
import {HANG_MS, e2e} from './support.ts'

const hasTmux = spawnSync('tmux', ['-V']).status === 0

describe('at a terminal', {skip: hasTmux ? false : 'tmux is not installed'}, () => {
  it('asks for consent, then shows the manual action question before a key is pressed; y confirms it', async () => {
    const t = await e2e((text) => `${text}actions:\n  drain:\n    - drainSteering\n    - manualAction: Point the on-premises forwarders at wus2\n    - verifySurvivorResolution\n`)
    const session = `azfail-${process.pid}`
    const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
    const screen = () => tmux('capture-pane', '-pt', session)
    try {
      const script = join(t.work, 'run.sh')
      writeFileSync(script, `cd ${t.work}\nenv -u CI ${process.execPath} ${BIN} drain eus2 --sandbox --state-dir ${t.sb.dir} --runbook ${t.runbook}\necho EXIT=$?\nsleep 60\n`)
      tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', `sh ${script}`)
      // Each question is waited for until it shows or the run ends (EXIT=), however slow a loaded machine is; the bound
      // only guards against a hang.
      const shows = async (text: string) => {
        await eventually(() => screen().includes(text) || screen().includes('EXIT='), HANG_MS)
        assert.ok(screen().includes(text), `${text} was not shown:\n${screen()}`)
      }
      await shows('Proceed? [y/N]')
      tmux('send-keys', '-t', session, 'y', 'Enter')
      await shows('Manual action manualAction1: Point the on-premises forwarders at wus2 Done? [y/N]')
      assert.match(screen(), /Drain eus2 at the steering layer/, 'the live task list is drawn around the question')
      tmux('send-keys', '-t', session, 'y', 'Enter')
      await eventually(() => screen().includes('EXIT='), HANG_MS)
      const out = screen()
      assert.match(out, /EXIT=0/)
      assert.match(out, /confirmed by .* at the prompt/)
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session])
      await t.stop()
    }
  })

  it("asks once for a whole fleet, listing each runbook's changes: n changes nothing (exit 5), y runs every runbook (exit 0)", async () => {
    const dir = tempDir()
    new WorldStore(dir, () => fleetWorld({ttl: 1}))
    const sb = await startTestSandbox(dir, {publish: true})
    const work = tempDir('azfail-work-')
    writeFleet(work, 'version: 1\nname: two\nwaves:\n  - runbooks: [app01.yaml, app02.yaml]\n', 2)
    const session = `azfail-fleet-${process.pid}`
    const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
    // the whole scrollback: the fleet's plan is longer than the screen
    const screen = () => tmux('capture-pane', '-pt', session, '-S', '-2000')
    const writes = () => sb.requests().filter((r) => r.method !== 'GET' && [1, 2].some((n) => r.path.toLowerCase().startsWith(`/subscriptions/${fleetSubscription(n)}/`)))
    try {
      const script = join(work, 'run.sh')
      const command = `env -u CI ${process.execPath} ${BIN} failover eus2 --fleet fleet.yaml --sandbox --state-dir ${sb.dir}`
      writeFileSync(script, `cd ${work}\n${command}\necho FIRST=$?\n${command}\necho SECOND=$?\nsleep 60\n`)
      tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', `sh ${script}`)
      const count = (text: string) => screen().split(text).length - 1
      await eventually(() => count('Proceed? [y/N]') === 1 || screen().includes('FIRST='), HANG_MS)
      const plan = screen()
      assert.match(plan, /Proceed\? \[y\/N\]/, plan)
      for (const name of ['app01', 'app02']) assert.ok(plan.includes(name), `${name} is named in the consent:\n${plan}`)
      assert.match(plan, /Traffic Manager endpoint ep-eus2/)
      tmux('send-keys', '-t', session, 'n', 'Enter')
      await eventually(() => screen().includes('FIRST='), HANG_MS)
      assert.match(screen(), /FIRST=5/)
      assert.deepEqual(writes(), [], 'declined: nothing written')
      await eventually(() => count('Proceed? [y/N]') === 2 || screen().includes('SECOND='), HANG_MS)
      tmux('send-keys', '-t', session, 'y', 'Enter')
      await eventually(() => screen().includes('SECOND='), HANG_MS)
      assert.match(screen(), /SECOND=0/, screen())
      for (const n of [1, 2]) {
        const tm = await sb.clients.for(fleetSubscription(n)).trafficManager()
        assert.equal((await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointStatus, 'Disabled')
      }
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session])
      await sb.stop()
    }
  })
})
