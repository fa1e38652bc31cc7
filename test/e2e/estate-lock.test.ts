// The lock belongs to the estate: two runbooks over one estate that keep their state in different zones still contend
// for one lock. Racing `drain eus2` (one runbook) and `drain wus2` (the other) never drains every region: one runs,
// the other backs off (exit 6 naming the holder) or, once the first has finished, is refused by last-region (exit 3).
// AZFAIL_RACE_ROUNDS sets the rounds (the suite runs 3; the acceptance runs 20).
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {runCli, tempDir} from '../helpers.ts'
import {type E2E, e2e} from './support.ts'

const OTHER_ZONE = '  stateZone:\n    resourceGroup: rg-connectivity-dns\n    zone: privatelink.vaultcore.azure.net\n'

async function steering(t: E2E): Promise<Record<string, string>> {
  const tm = await t.sb.clients.trafficManager()
  const profile = await tm.profiles.get('rg-global', 'tm-app')
  return Object.fromEntries((profile.endpoints ?? []).map((e) => [e.name!.replace(/^ep-/, ''), e.endpointStatus!]))
}

describe('the lock belongs to the estate', () => {
  const rounds = Number(process.env.AZFAIL_RACE_ROUNDS ?? 3)
  it(`${rounds} rounds of drain eus2 / drain wus2 through runbooks with different state zones never drain every region`, async () => {
    const t = await e2e()
    try {
      const other = join(t.work, 'other.yaml')
      writeFileSync(other, (await import('node:fs')).readFileSync(t.runbook, 'utf8').replace(/^  cname:\n/m, `${OTHER_ZONE}  cname:\n`))
      const runbooks = [t.runbook, other]
      // Each steering write takes a second to answer, so the two runs overlap between one's guard and its write, as
      // two operators at 3 a.m. do: without the estate's lock both pass last-region and every region is drained.
      await t.sb.control('POST', 'faults', {kind: 'latency', latencyMs: 1000, path: 'azureEndpoints/ep-(eus2|wus2)$'})
      for (let round = 0; round < rounds; round++) {
        const results = await Promise.all(
          (['eus2', 'wus2'] as const).map((region, i) =>
            runCli(['drain', region, '--yes', '--json', '--sandbox', '--state-dir', t.sb.dir, '--runbook', runbooks[i]], {cwd: tempDir('azfail-op-'), env: {CI: 'true'}}),
          ),
        )
        const codes = results.map((r) => r.code)
        const state = await steering(t)
        assert.ok(Object.values(state).some((s) => s === 'Enabled'), `round ${round}: every region drained (${JSON.stringify(state)}), exits ${codes}:\n${results.map((r) => r.stdout).join('\n')}`)
        assert.equal(codes.filter((c) => c === 0).length, 1, `round ${round}: exactly one drains (exits ${codes}):\n${results.map((r) => r.stdout).join('\n')}`)
        const loser = results.find((r) => r.code !== 0)!
        const error = JSON.parse(loser.stdout).error
        assert.ok(loser.code === 6 ? /Another run holds the lock: .*\(drain (eus2|wus2)\)/.test(error.message) : loser.code === 3 && error.guard === 'last-region', `round ${round}: ${loser.stdout}`)
        const drained = Object.entries(state).find(([, s]) => s === 'Disabled')![0]
        assert.equal((await t.json(['restore', drained, '--yes'])).code, 0)
        assert.equal((await runCli(['restore', drained, '--yes', '--sandbox', '--state-dir', t.sb.dir, '--runbook', other], {cwd: t.work, env: {CI: 'true'}})).code, 0, 'the other state zone forgets the drain too')
      }
    } finally {
      await t.stop()
    }
  })
})
