// azfail doctor against the embedded sandbox: its static token may do everything, so every check passes; --help shows
// the examples and exit codes. The production path's doctor (identities, missing actions, locks) is identity.test.ts.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {runCli} from '../helpers.ts'
import {type E2E, e2e} from './support.ts'

describe('doctor', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('passes every check with the sandbox, read-only, and says for whom', async () => {
    t.sb.mark()
    const {code, out} = await t.json(['doctor'])
    assert.equal(code, 0)
    assert.equal(out.result.status, 'ready')
    const ids = out.result.checks.map((c: {id: string}) => c.id)
    for (const id of ['identity/token', 'permissions/status', 'permissions/gameday', 'permissions/drain', 'permissions/teardown', 'permissions/restore', 'permissions/promote-replica', 'permissions/repoint', 'permissions/promote-failover-group', 'permissions/promote-cosmos', 'locks', 'clock/skew', 'lock/estate', 'resolver/eus2', 'resolver/wus2']) {
      assert.ok(ids.includes(id), `${id} in ${ids}`)
    }
    assert.match(out.result.principal.name, /\(sandbox\)$/)
    assert.deepEqual(t.writes(), [], 'doctor writes nothing')
    assert.ok(t.sb.requests().some((r) => r.path.endsWith('/providers/Microsoft.Authorization/permissions')), 'it asked Azure what the principal may do')
  })

  it('--help shows what it checks, examples and the exit codes', async () => {
    const r = await runCli(['doctor', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /management locks/)
    assert.match(r.stdout, /sandbox env --identity operator/)
    assert.match(r.stdout, /Exit 4: something is missing/)
  })
})
