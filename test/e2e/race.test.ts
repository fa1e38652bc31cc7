// Two operators at once, from two working directories: exactly one writes; the other exits 6 naming the holder.
// AZFAIL_RACE_ROUNDS sets the rounds (the suite runs 3; the acceptance runs 20).
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {runCli, tempDir} from '../helpers.ts'
import {FD_ORIGIN, TM_EP, e2e} from './support.ts'

describe('two operators at once', () => {
  const rounds = Number(process.env.AZFAIL_RACE_ROUNDS ?? 3)
  it(`${rounds} rounds from two working directories: exactly one writes, the other exits 6 naming the holder`, async () => {
    const t = await e2e()
    try {
      for (let round = 0; round < rounds; round++) {
        const dirs = [tempDir('azfail-op1-'), tempDir('azfail-op2-')]
        t.sb.mark()
        const results = await Promise.all(dirs.map((cwd) => runCli(['drain', 'eus2', '--yes', '--json', '--sandbox', '--state-dir', t.sb.dir, '--runbook', t.runbook], {cwd, env: {CI: 'true'}})))
        const codes = results.map((r) => r.code).sort()
        // On a loaded machine the second may start after the first has finished: it then finds eus2 drained (exit 0,
        // nothing written). Either way exactly one writes (below); one that met the other's lock names it.
        assert.ok(codes[0] === 0 && (codes[1] === 0 || codes[1] === 6), `round ${round}: exits ${codes}: ${results.map((r) => r.stdout).join('\n')}`)
        const loser = results.find((r) => r.code === 6)
        if (loser) assert.match(JSON.parse(loser.stdout).error.message, /run \d{8}-\d{6}-[0-9a-f]+ \(drain eus2\)/)
        const steering = t.writes().filter((w) => w.status < 400 && (TM_EP('eus2').test(w.path) || FD_ORIGIN('eus2').test(w.path)))
        assert.equal(steering.length, 2, `round ${round}: one Traffic Manager and one Front Door write`)
        assert.equal((await t.json(['restore', 'eus2', '--yes'])).code, 0)
      }
    } finally {
      await t.stop()
    }
  })
})

