// The write check: real PostgreSQL servers behind the sandbox's flexible servers, a write through the CNAME from every
// region, refused by a replica (SQLSTATE 25006) and taken by a promoted primary.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {postgresAvailable} from '#sandbox'
import {type E2E, e2e} from './support.ts'

describe('promote with a write check against real PostgreSQL', {skip: !postgresAvailable() && !process.env.CI ? "no PostgreSQL server binaries here ('pg_config' is missing)" : false}, () => {
  let t: E2E
  before(async () => (t = await e2e((text) => text, {postgres: true})))
  after(() => t?.stop())

  it('serves each flexible server from a real PostgreSQL on a loopback address', () => {
    assert.match(t.sb.handle.connection.postgres?.['pg-app-eus2'] ?? '', /^127\.0\.20\.1:\d+$/)
    assert.match(t.sb.handle.connection.postgres?.['pg-app-wus2'] ?? '', /^127\.0\.20\.2:\d+$/)
  })

  it('catches a CNAME pointed at the read-only replica (guard overridden): the write fails, exit 1', async () => {
    const {code, out} = await t.json(['repoint', '--to', 'wus2', '--yes', '--override', 'promote-before-repoint', '--reason', 'prove the write check'])
    assert.equal(code, 1)
    assert.equal(out.error.code, 'WriteCheckFailed')
    assert.match(out.error.message, /127\.0\.20\.2:\d+ is read-only \(cannot execute CREATE TABLE in a read-only transaction\)/)
    assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [['repointCname', 'succeeded'], ['verifyCname', 'succeeded'], ['verifyWritable', 'failed']])
  })

  it('promotes the replica, and every region writes through the CNAME to the new primary', async () => {
    const {code, out} = await t.json(['promote', '--replica', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    const check = out.result.steps.find((s: any) => s.id === 'verifyWritable')
    assert.equal(check.status, 'succeeded')
    assert.match(check.message, /eus2 wrote row \d+ at 127\.0\.20\.2:\d+ \(TLS verify-ca\); wus2 wrote row \d+ at 127\.0\.20\.2:\d+ \(TLS verify-ca\)/)
  })

  it('fails back: the old primary takes writes again', async () => {
    const {code, out} = await t.json(['promote', '--replica', '--to', 'eus2', '--yes'])
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.match(out.result.steps.find((s: any) => s.id === 'verifyWritable').message, /at 127\.0\.20\.1:\d+/)
  })
})

describe('the write check without real servers', () => {
  it('is skipped with a reason on a sandbox that runs no PostgreSQL, and never connects to a private IP', async () => {
    const t = await e2e()
    try {
      const {code, out} = await t.json(['promote', '--replica', '--yes'])
      assert.equal(code, 0, JSON.stringify(out.error))
      const check = out.result.steps.find((s: any) => s.id === 'verifyWritable')
      assert.equal(check.status, 'skipped')
      assert.match(check.message, /this sandbox runs no PostgreSQL servers/)
    } finally {
      await t.stop()
    }
  })
})
