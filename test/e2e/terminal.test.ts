// What a person sees at a terminal, driven in tmux: the consent prompt, then a manual action's question drawn inside
// the live task list before any key is pressed, and the answer recorded with who gave it.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {BIN, eventually} from '../helpers.ts'
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
})
