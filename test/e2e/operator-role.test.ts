// The "azfail operator" role is exactly sufficient: every ARM request azfail's commands make maps (as the sandbox's
// RBAC maps it) to an action the role grants, and each of the role's changing actions is one some command used, a
// linked join (authorized on the body's zones and subnet, not the request path) or the --forced variant. The idaz
// branch runs the commands as operator through the production path; here the sandbox's own mapping judges the
// requests of a full rehearsal.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {OPERATOR_ROLE, actionMatches, armAction} from '#sandbox'
import {type E2E, e2e} from './support.ts'

describe('the operator role covers every request of every command', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('status, gameday, drain, teardown, restore and the three promotions: no request outside the role', async () => {
    t.sb.mark()
    const runs: Array<[string[], number[]]> = [
      [['status'], [0]],
      [['gameday'], [0, 4]],
      [['drain', 'eus2', '--yes'], [0]],
      [['teardown', 'eus2', '--yes'], [0]],
      [['restore', 'eus2', '--yes'], [0]],
      [['promote', '--replica', '--yes'], [0]],
      [['promote', '--failover-group', '--yes'], [0]],
      [['promote', '--cosmos', '--to', 'wus2', '--yes'], [0]],
      [['lock', 'status'], [0]],
    ]
    for (const [args, codes] of runs) {
      const r = await t.azfail(args, {timeoutMs: 120_000})
      assert.ok(codes.includes(r.code!), `azfail ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    }
    // every caller may read its own permissions (the permissions guard and doctor do), whatever its role, as in Azure
    const requests = t.sb.requests().filter((r) => r.path.startsWith('/subscriptions/') && !/\/providers\/Microsoft\.Authorization\/permissions$/i.test(r.path))
    assert.ok(requests.some((r) => r.method === 'DELETE') && requests.some((r) => r.method === 'POST'), 'the rehearsal deleted and acted')
    const outside = requests.map((r) => `${r.method} ${armAction(r.method, r.path).action}`).filter((a) => !OPERATOR_ROLE.actions.some((granted) => actionMatches(granted, a.split(' ')[1])))
    assert.deepEqual([...new Set(outside)], [])
    // No write the rehearsal did not need, but for those its requests cannot show: linked joins, the --forced variants,
    // and the vantages' run commands (the demo runbook names no vantage; test/e2e/vantage.test.ts runs all three).
    const used = new Set(requests.map((r) => armAction(r.method, r.path).action.toLowerCase()))
    const unusedChanges = OPERATOR_ROLE.actions.filter((a) => !a.endsWith('/read') && !used.has(a.toLowerCase()))
    assert.deepEqual(unusedChanges, [
      'Microsoft.Compute/virtualMachines/runCommand/action',
      'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action',
      'Microsoft.ContainerService/managedClusters/runcommand/action',
      'Microsoft.DocumentDB/databaseAccounts/offlineRegion/action',
      'Microsoft.Network/privateDnsZones/join/action',
      'Microsoft.Network/virtualNetworks/subnets/join/action',
      'Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action',
    ])
  })
})
