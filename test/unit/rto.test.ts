// The runbook's RTO: seconds, or a duration with units, compound ones included (parse-duration reads them).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {DEMO_RUNBOOK, RunbookError, parseRunbook} from '../../src/runbook/load.ts'
import {rtoSeconds} from '../../src/runbook/schema.ts'

const demo = readFileSync(DEMO_RUNBOOK, 'utf8')
const withRto = (rto: string) => parseRunbook(demo.replace('rto: 5m', `rto: ${rto}`), '/tmp/rb.yaml').runbook

describe('runbook: rto', () => {
  for (const [rto, seconds] of [['900', 900], ['90s', 90], ['15m', 900], ['1h', 3600], ['1h30m', 5400], ['1h 30m', 5400], ['2h15m30s', 8130], ['1.5h', 5400], ['90 minutes', 5400], ['1d', 86400]] as const) {
    it(`reads ${rto} as ${seconds} s`, () => assert.equal(rtoSeconds(withRto(rto).rto), seconds))
  }

  for (const rto of ['five minutes', '5 apples', '5m 3x', '0s', '-5m', "'90'"]) {
    it(`rejects ${rto}, at its line`, () => {
      assert.throws(
        () => withRto(rto),
        (e: unknown) => e instanceof RunbookError && e.problems[0].field === 'rto' && e.problems[0].line === 9 && /a duration such as 900, '90s', '15m', '1h' or '1h30m'/.test(e.problems[0].message),
      )
    })
  }
})
