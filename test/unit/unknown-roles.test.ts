// A replication role Azure does not document (a new enum value, or text an attacker planted) is unknown: never read as
// "not a replica" (a promotion skipped as already done), never as a primary the CNAME may lead to, and a planned SQL
// failover does not guess which partner is primary. The game day fails a check naming the value.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {LiveState} from '../../src/estate/state.ts'
import {readinessChecks} from '../../src/gameday/checks.ts'
import {DEMO_RUNBOOK, loadRunbook} from '../../src/runbook/load.ts'
import type {StepContext} from '../../src/steps/context.ts'
import {flipFailoverGroup} from '../../src/steps/flip-failover-group.ts'
import {promoteReplica} from '../../src/steps/promote-replica.ts'

const {estate} = loadRunbook(DEMO_RUNBOOK).runbook
const ctx = {estate, resolvers: {}, now: () => Date.now(), stamp: () => Date.now(), command: (a: string) => `azfail ${a}`} as unknown as StepContext
const STRANGE = 'Replica\u001b]0;x\u0007'

function state(pgRole: string, sqlRole: string): LiveState {
  return {
    observedAt: '',
    target: 'sandbox',
    steering: {},
    regions: {},
    data: {
      postgres: {primaryRegion: 'eus2', servers: [{region: 'eus2', name: 'pg-app-eus2', resourceGroup: 'rg-data-eus2', role: 'Primary'}, {region: 'wus2', name: 'pg-app-wus2', resourceGroup: 'rg-data-wus2', role: pgRole, replicationState: 'Active'}]},
      sqlFailoverGroup: {name: 'app-fog', primaryRegion: 'eus2', replicationState: 'CATCH_UP', servers: [{region: 'eus2', name: 'sql-app-eus2', role: 'Primary'}, {region: 'wus2', name: 'sql-app-wus2', role: sqlRole}]},
    },
  }
}

describe('replication roles azfail has never seen', () => {
  it('a replica whose role is unknown is not promoted as "already done": the plan names the value', () => {
    const step = promoteReplica.create(ctx, {action: 'promote-replica', to: 'wus2'} as any)
    const plan = step.plan(state(STRANGE, 'Secondary'))
    assert.equal(plan.done, undefined)
    assert.match(plan.problems?.join(' ') ?? '', /pg-app-wus2's replication role is unknown value 'Replica/)
    assert.equal(step.plan(state('GeoAsyncReplica', 'Secondary')).problems, undefined, 'a documented replica role plans a promotion')
  })

  it('a planned SQL failover with an unknown partner role stops; --forced goes on', () => {
    const planned = flipFailoverGroup.create(ctx, {action: 'promote-failover-group', to: 'wus2'} as any).plan(state('GeoAsyncReplica', STRANGE))
    assert.match(planned.problems?.join(' ') ?? '', /sql-app-wus2 unknown value 'Replica/)
    const forced = flipFailoverGroup.create(ctx, {action: 'promote-failover-group', to: 'wus2', forced: true} as any).plan(state('GeoAsyncReplica', STRANGE))
    assert.equal(forced.problems, undefined)
    assert.equal(forced.changes.length, 1)
  })

  it('the game day fails a check naming the unknown PostgreSQL role and the SQL one', () => {
    const checks = readinessChecks(estate, state(STRANGE, STRANGE), [], [], [])
    const pg = checks.find((c) => c.id === 'data/postgres/pg-app-wus2')!
    assert.equal(pg.status, 'failed')
    assert.match(pg.observed, /role unknown value 'Replica/)
    const sql = checks.find((c) => c.id === 'data/sql/app-fog')!
    assert.equal(sql.status, 'failed')
    assert.match(sql.observed, /sql-app-wus2 role unknown value 'Replica/)
  })
})
