// Game-day practice under 5xx and dropped connections: every phase still completes. Kept
// apart from test/e2e/gameday.test.ts because these wait out Retry-After, so the two files run side by side.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8')

describe('gameday practice under 5xx and dropped connections', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('under --faults flaky-arm (5xx and dropped connections) still completes', async () => {
    const dir = join(t.work, 'flaky')
    const {code, out} = await t.json(['gameday', '--faults', 'flaky-arm', '--report-dir', dir], {timeoutMs: 180_000})
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.equal(out.result.practice.expectation.held, true)
    const hits = Object.fromEntries(out.result.practice.faultHits.map((f: any) => [f.kind, f.hits]))
    assert.ok(hits.error > 0 && hits.drop > 0, `5xx and drops were injected: ${JSON.stringify(hits)}`)
    assert.match(read(dir, 'summary.md'), /Injected: error x\d+, drop x\d+\./)
  })
})
