// The acceptance, as a CI job runs it: CI=true, no terminal, a 60 s TTL. A minute's wait costs a handful of
// timestamped lines on stderr, not one a second. Alone in its file (it takes over a minute) so it runs beside others.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {runCli, tempDir} from '../helpers.ts'

const STAMP = /^(\d\d):(\d\d):(\d\d)Z /

describe('a drain in a CI log', () => {
  it('with a 60 s TTL writes at most 20 lines to stderr, timestamped, the countdown at most every 30 s', async () => {
    const cwd = tempDir('azfail-ci-')
    const dir = tempDir()
    const reset = await runCli(['sandbox', 'reset', '--ttl', '60', '--yes', '--state-dir', dir], {cwd})
    assert.equal(reset.code, 0, reset.stderr)
    const r = await runCli(['drain', 'eus2', '--sandbox', '--yes', '--state-dir', dir], {cwd, env: {CI: 'true'}, timeoutMs: 150_000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '')
    assert.ok(lines.length <= 20, `${lines.length} lines:\n${r.stderr}`)
    const stamped = lines.filter((l) => STAMP.test(l))
    assert.ok(stamped.length >= lines.length * 0.8, `most lines are timestamped:\n${r.stderr}`)
    for (const step of ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution']) {
      assert.ok(stamped.some((l) => l.includes(`${step} started`)), `${step} started`)
      assert.ok(stamped.some((l) => new RegExp(`${step} succeeded in \\d+\\.\\ds`).test(l)), `${step} ended with its duration`)
    }
    const countdown = stamped.filter((l) => /waitOutTtl: \d+s left of 63s/.test(l))
    // At once: before the first 30 s interval would have written one (how much of the window is left by then depends
    // on how soon after the drain record the wait is planned, which a loaded machine stretches).
    const firstLeft = Number(/(\d+)s left of 63s/.exec(countdown[0] ?? '')?.[1])
    assert.ok(firstLeft > 63 - 30, `the first progress line shows at once: ${countdown[0]}`)
    const at = countdown.map((l) => {
      const [, h, m, s] = STAMP.exec(l)!.map(Number)
      return h * 3600 + m * 60 + s
    })
    assert.ok(at.length >= 2 && at.length <= 3, `progress lines of a 63 s wait: ${countdown.join(' | ')}`)
    for (let i = 1; i < at.length; i++) assert.ok((at[i] - at[i - 1] + 86_400) % 86_400 >= 29, `progress at most every 30 s: ${countdown.join(' | ')}`)
    assert.match(r.stdout, /drain eus2: succeeded/)
  })
})
