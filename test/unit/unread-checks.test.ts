// A game day judges what could not be read: each unread part fails a check naming it, and the stale-record check does
// not call a record hand-written because the endpoint that wrote it could not be read.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {LiveState} from '../../src/estate/state.ts'
import {readinessChecks} from '../../src/gameday/checks.ts'
import {DEMO_RUNBOOK, loadRunbook} from '../../src/runbook/load.ts'

const {estate} = loadRunbook(DEMO_RUNBOOK).runbook

const state = (o: Partial<LiveState>): LiveState => ({observedAt: '', target: 'sandbox', steering: {}, regions: {}, data: {}, ...o})

describe('game day checks of what was not read', () => {
  it("fail for an unread server, and skip the stale-record check when an endpoint's zone groups are unread", () => {
    const s = state({
      unobserved: [
        {what: 'PostgreSQL server pg-app-eus2', region: 'eus2', part: 'postgres', why: 'no answer within 10s'},
        {what: "eus2's private endpoints", region: 'eus2', part: 'endpoints', why: 'HTTP 503 ServiceUnavailable'},
      ],
    })
    const zone = [{zoneId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net', zone: 'privatelink.vaultcore.azure.net', name: 'kv-app-eus2', ips: ['10.20.3.7']}]
    const checks = readinessChecks(estate, s, [], zone, [])
    const pg = checks.find((c) => c.id.startsWith('unread/postgres/eus2'))
    assert.equal(pg?.status, 'failed')
    assert.equal(pg?.observed, 'not read: no answer within 10s')
    assert.deepEqual(checks.filter((c) => c.id.startsWith('records/')).map((c) => [c.id, c.status]), [['records/zone-group-owned', 'skipped']])
  })

  it("a Traffic Manager endpoint with no monitor status, or an unread one, gets a remedy that says so, never '(undefined)'", () => {
    const region = (tm: NonNullable<LiveState['regions'][string]['trafficManager']>) => ({region: 'eus2', resolver: '', serving: false, names: [], trafficManager: tm})
    for (const tm of [{name: 'ep-eus2', status: 'Enabled'}, {name: 'ep-eus2', status: 'Unknown'}]) {
      const checks = readinessChecks(estate, state({regions: {eus2: region(tm)}}), [], [], ['eus2'])
      const check = checks.find((c) => c.id === 'steering/eus2/traffic-manager')!
      assert.equal(check.status, 'failed')
      assert.doesNotMatch(check.remedy ?? '', /undefined/)
      assert.match(check.remedy ?? '', /monitor status|could not be read/)
    }
  })
})
