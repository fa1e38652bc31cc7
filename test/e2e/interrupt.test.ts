// Ctrl-C and SIGTERM abort in-flight requests: exit 5 within 2 s of the signal, the run closed as interrupted, the
// resume hint printed; at a terminal (tmux) as without one. And one hung request does not hang a command.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {BIN, eventually} from '../helpers.ts'
import {type E2E, e2e, runIdIn, spawnAzfail, startedStep} from './support.ts'

/** The spec's bound, and slack for a loaded 2-core machine; the hangs below last far longer than both together. */
const SIGNAL_BOUND_MS = 2000
const LOAD_SLACK_MS = 6000
const HANG_MS = 60_000

const runStatus = (t: E2E, runId: string) => JSON.parse(readFileSync(join(t.work, '.azfail', 'runs', runId, 'run.json'), 'utf8')).status

/** A hang of every Traffic Manager read, longer than the request timeout given, so the read is in flight at the signal. */
const hangTrafficManager = (t: E2E) => t.sb.control('POST', 'faults', {kind: 'latency', latencyMs: HANG_MS, method: 'GET', path: 'trafficmanagerprofiles'})
const LONG_TIMEOUT = {AZFAIL_REQUEST_TIMEOUT: String((HANG_MS * 2) / 1000)}

describe('SIGTERM without a terminal', () => {
  it('during a hung read: exit 5 within 2 s, the run interrupted, the resume hint', async () => {
    const t = await e2e()
    try {
      await hangTrafficManager(t)
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes'], {env: LONG_TIMEOUT})
      const runId = await runIdIn(t.work)
      await new Promise((r) => setTimeout(r, 1500)) // the first read is under way
      const signalled = Date.now()
      run.child.kill('SIGTERM')
      const code = await run.closed
      const took = Date.now() - signalled
      assert.equal(code, 5, run.stderr())
      assert.ok(took < SIGNAL_BOUND_MS + LOAD_SLACK_MS, `exited ${took} ms after the signal`)
      assert.match(run.stderr(), new RegExp(`azfail resume ${runId}`))
      assert.equal(runStatus(t, runId), 'interrupted')
    } finally {
      await t.stop()
    }
  })
})

describe('a hung request', () => {
  it('is given up after AZFAIL_REQUEST_TIMEOUT: status answers, Traffic Manager unread', async () => {
    const t = await e2e()
    try {
      await t.sb.control('POST', 'faults', {kind: 'latency', latencyMs: HANG_MS, method: 'GET', path: 'trafficmanagerprofiles'})
      const started = Date.now()
      const r = await t.azfail(['status', '--json'], {env: {AZFAIL_REQUEST_TIMEOUT: '2'}, timeoutMs: HANG_MS * 2})
      const out = JSON.parse(r.stdout)
      assert.equal(r.code, 0, r.stdout)
      assert.ok(Date.now() - started < HANG_MS, 'not waited out')
      assert.deepEqual(out.result.unobserved.map((u: any) => [u.part, u.why]), [['trafficManager', 'no answer within 2s']])
      assert.deepEqual(Object.values(out.result.regions).map((r: any) => r.trafficManager.status), ['Unknown', 'Unknown'])
    } finally {
      await t.stop()
    }
  })

  it('AZFAIL_REQUEST_TIMEOUT that is not a number of seconds is bad input naming it', async () => {
    const t = await e2e()
    try {
      const r = await t.azfail(['status', '--json'], {env: {AZFAIL_REQUEST_TIMEOUT: 'ten'}})
      assert.equal(r.code, 2)
      assert.match(JSON.parse(r.stdout).error.message, /AZFAIL_REQUEST_TIMEOUT is 'ten'/)
    } finally {
      await t.stop()
    }
  })
})

const hasTmux = spawnSync('tmux', ['-V']).status === 0

describe('Ctrl-C at a terminal', {skip: hasTmux ? false : 'tmux is not installed'}, () => {
  const atTerminal = async (t: E2E, args: string[], env: Record<string, string>, when: (runId: string) => Promise<unknown>) => {
    const session = `azfail-int-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    const tmux = (...a: string[]) => execFileSync('tmux', a, {encoding: 'utf8'})
    const screen = () => tmux('capture-pane', '-pt', session, '-S', '-60')
    const script = join(t.work, 'run.sh')
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${v}\n`).join('')
    // the shell outlives the Ctrl-C it also receives (a trap, not an ignore: the child gets the default action back)
    writeFileSync(script, `trap 'true' INT\ncd ${t.work}\n${exports}env -u CI ${process.execPath} ${BIN} ${args.join(' ')} --yes --sandbox --state-dir ${t.sb.dir} --runbook ${t.runbook}\necho EXIT=$?\nsleep 120\n`)
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', `sh ${script}`)
    try {
      const runId = await runIdIn(t.work)
      await when(runId)
      const signalled = Date.now()
      tmux('send-keys', '-t', session, 'C-c')
      await eventually(() => /EXIT=\d+/.test(screen()), SIGNAL_BOUND_MS + LOAD_SLACK_MS + 5000)
      const took = Date.now() - signalled
      const out = screen()
      assert.match(out, /EXIT=5/, out)
      assert.ok(took < SIGNAL_BOUND_MS + LOAD_SLACK_MS, `exited ${took} ms after Ctrl-C`)
      assert.match(out.replace(/\n/g, ''), new RegExp(`azfail resume ${runId}`), out)
      assert.equal(runStatus(t, runId), 'interrupted')
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session])
    }
  }

  it('during the wait: exit 5, the run interrupted, the resume hint', async () => {
    const t = await e2e((text) => text.replace('connectionDrainSeconds: 1', 'connectionDrainSeconds: 60'))
    try {
      await atTerminal(t, ['drain', 'eus2'], {}, (runId) => startedStep(t.work, runId, 'waitOutTtl'))
    } finally {
      await t.stop()
    }
  })

  it('during a hung read: exit 5, the run interrupted, the resume hint', async () => {
    const t = await e2e()
    try {
      await hangTrafficManager(t)
      await atTerminal(t, ['drain', 'eus2'], LONG_TIMEOUT, () => new Promise((r) => setTimeout(r, 1500)))
    } finally {
      await t.stop()
    }
  })
})
