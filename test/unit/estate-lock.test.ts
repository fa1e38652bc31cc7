// The lock belongs to the estate: its keys come from the resources a run may change, not from the runbook's file or
// state zone; two contending pending locks agree on which one goes first; lint refuses a runbook with no lock zone.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {lockKeys, overlaps, precedes} from '../../src/azure/estate-lock.ts'
import {staticFindings} from '../../src/guards/topology.ts'
import {DEMO_RUNBOOK, parseRunbook} from '../../src/runbook/load.ts'

const DEMO = readFileSync(DEMO_RUNBOOK, 'utf8')
const estateOf = (text: string) => parseRunbook(text, 'rb.yaml').runbook.estate
const SUB = '5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11'

describe("the estate's lock keys", () => {
  it('are the same for two runbooks that differ only in stateZone, and overlap for runbooks sharing one resource', () => {
    const demo = estateOf(DEMO)
    const otherZone = estateOf(DEMO.replace(/^  cname:\n/m, '  stateZone:\n    resourceGroup: rg-connectivity-dns\n    zone: privatelink.vaultcore.azure.net\n  cname:\n'))
    assert.deepEqual(lockKeys(otherZone, SUB), lockKeys(demo, SUB))
    const keys = lockKeys(demo, SUB)
    assert.equal(keys.length, 2 + 2 + 2 + 1 + 1, 'TM and FD profiles, two PG servers, two SQL partners, Cosmos DB, the CNAME')
    const onlyTm = {keys: [keys[0]]}
    assert.equal(overlaps(onlyTm, {keys}), true)
    assert.equal(overlaps({keys: ['0000']}, {keys}), false)
    assert.deepEqual(lockKeys(demo, SUB.toUpperCase()), keys, 'ids are compared lower-cased')
  })

  it('order two pending locks the same way from either side: earlier since, then run id', () => {
    const a = {since: '2030-01-01T00:00:00.000Z', runId: 'b'}
    const b = {since: '2030-01-01T00:00:01.000Z', runId: 'a'}
    assert.deepEqual([precedes(a, b), precedes(b, a)], [true, false])
    const c = {since: a.since, runId: 'a'}
    assert.deepEqual([precedes(c, a), precedes(a, c)], [true, false])
  })

  it('lint refuses a runbook that names no zone for the lock', () => {
    const none = estateOf(DEMO.replace(/^  cname:\n(    .*\n)+/m, ''))
    assert.ok(staticFindings(none).some((f) => f.rule === 'estate-lock' && f.severity === 'error'))
    assert.ok(!staticFindings(estateOf(DEMO)).some((f) => f.rule === 'estate-lock'))
  })
})
