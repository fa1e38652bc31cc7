// An older Node gets one sentence and exit 1, never a stack, and the bin's bound is package.json's engines.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {BIN} from '../helpers.ts'

/** A Node older than 22 on this machine (Debian's /usr/bin/node is 20 here), if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], {encoding: 'utf8'})
    if (v.status === 0 && Number(v.stdout.split('.')[0]) < 22) return candidate
  }
  return undefined
}

describe('the Node version', () => {
  it("the bin's bound is package.json's engines", () => {
    const engines = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).engines.node
    assert.equal(engines, `>=${/const NEEDED = (\d+)/.exec(readFileSync(BIN, 'utf8'))![1]}`)
  })

  it('an older Node: one sentence naming both versions, what to do, exit 1, no stack', (c) => {
    const node = olderNode()
    if (!node) return c.skip('no Node older than 22 on this machine')
    const r = spawnSync(node, [BIN, 'drain', 'eus2', '--sandbox', '--dry-run'], {encoding: 'utf8'})
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stderr, /^azfail: this is Node\.js 2?\d\.\d+\.\d+; azfail needs Node\.js 22 or later\.\n {2}next: Install Node\.js 22/)
    assert.doesNotMatch(r.stderr, /^\s+at /m)
    assert.equal(r.stdout, '')
  })
})
