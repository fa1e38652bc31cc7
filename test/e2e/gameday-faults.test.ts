// Game-day practice under transient faults (throttling, 5xx, dropped connections): every phase still completes. Kept
// apart from test/e2e/gameday.test.ts because these wait out Retry-After, so the two files run side by side.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8')

describe('gameday practice under transient faults', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('under --faults throttling still completes', async () => {
    const {code, out} = await t.json(['gameday', '--faults', 'throttling', '--region', 'eus2'], {timeoutMs: 180_000})
    assert.equal(code, 0, JSON.stringify(out.error))
    assert.equal(out.result.practice.expectation.held, true)
    assert.ok(out.result.practice.faultHits.find((f: any) => f.kind === 'throttle').hits > 0, 'requests were throttled')
  })
})
