// The bench's floor (bench/manual-az.ts): how long a side waited for its writes and their long-running operations,
// from a request log. It is what the README's floor column stands on, so it is checked on logs made by hand.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {waitedOnWrites} from '../../bench/manual-az.ts'

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, 0) + ms).toISOString()
const req = (start: number, durationMs: number, method: string, path: string, status = 200) => ({time: at(start), durationMs, method, path, status})
const LOCK = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/z/TXT/_azfail-lock'
const ORIGIN = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Cdn/profiles/p/originGroups/og/origins/o'
const STATUS = '/subscriptions/s/providers/Microsoft.Cdn/locations/global/operationStatuses/op-1'

describe("the bench's floor: the wait for writes and their operations", () => {
  it('counts a write, its operation until its last poll (the Retry-After between polls too), and nothing for reads', () => {
    const log = [
      req(0, 100, 'GET', ORIGIN), // a read: not counted
      req(100, 300, 'PATCH', ORIGIN, 202), // 100..400
      req(400, 50, 'GET', STATUS), // 400..450
      req(1450, 50, 'GET', STATUS), // 450..1500: the wait before this poll counts
      req(1500, 100, 'GET', ORIGIN), // the final read: not counted
    ]
    assert.equal(waitedOnWrites(log), 1400)
  })

  it('counts writes that overlap once, and leaves out the lock renewals that run beside them', () => {
    const log = [
      req(0, 400, 'PUT', LOCK, 201), // the take: 0..400
      req(400, 300, 'PUT', LOCK, 200), // its renewal beside the step: left out
      req(450, 200, 'PATCH', ORIGIN), // 450..650
      req(500, 300, 'PUT', '/subscriptions/s/x'), // overlaps: 450..800
      req(900, 100, 'DELETE', LOCK), // 900..1000
    ]
    assert.equal(waitedOnWrites(log), 400 + 350 + 100)
  })

  it('counts no poll that no long-running write started', () => {
    assert.equal(waitedOnWrites([req(0, 50, 'GET', STATUS)]), 0)
  })
})
