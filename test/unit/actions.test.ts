// The waits around Azure writes, over fake SDK clients: an operation already in flight on a resource is waited out
// (one look a second) before azfail writes, and a SQL failover met by 409 (another failover in flight) is waited out
// and judged by the role it left, not asked for again. Other errors are not retried here: the SDK's policy has.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {failOverSqlGroup, setFrontDoorOrigin} from '../../src/azure/actions.ts'
import type {Clients} from '../../src/azure/clients.ts'
import {AzureError} from '../../src/errors.ts'
import {loadRunbook, DEMO_RUNBOOK} from '../../src/runbook/load.ts'

const {estate} = loadRunbook(DEMO_RUNBOOK).runbook
const clients = (c: Partial<Record<Exclude<keyof Clients, 'for'>, unknown>>): Clients => {
  const one = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, async () => v]))
  // Every subscription gets the same fakes: these tests are about waiting, not about where a resource lives.
  return {...one, for: () => one} as unknown as Clients
}
const restError = (statusCode: number, code: string) => Object.assign(new Error(`${code}: busy`), {name: 'RestError', statusCode, code})

describe('actions: waiting out operations in flight', () => {
  it('reads a Front Door origin until its update settles, once a second, then writes', async () => {
    const states = ['Updating', 'Updating', 'Succeeded']
    const reads: number[] = []
    const writes: unknown[] = []
    const frontDoor = {
      afdOrigins: {
        get: async () => (reads.push(Date.now()), {enabledState: 'Enabled', provisioningState: states[reads.length - 1]}),
        beginUpdateAndWait: async (...args: unknown[]) => void writes.push(args.at(-1)),
      },
    }
    await setFrontDoorOrigin(estate, clients({frontDoor}), 'eus2', 'Disabled')
    assert.equal(reads.length, 3)
    assert.ok(reads[2] - reads[0] >= 1900, `looked again after ${reads[2] - reads[0]} ms`)
    assert.deepEqual(writes, [{enabledState: 'Disabled'}])
  })

  it('does not retry a failed read', async () => {
    let reads = 0
    const frontDoor = {afdOrigins: {get: async () => (reads++, Promise.reject(restError(403, 'AuthorizationFailed')))}}
    await assert.rejects(setFrontDoorOrigin(estate, clients({frontDoor}), 'eus2', 'Disabled'), /AuthorizationFailed/)
    assert.equal(reads, 1)
  })

  it('a SQL failover met by 409 waits, sees the group already primary, and asks for no second failover', async () => {
    const roles = ['Secondary', 'Primary']
    let gets = 0
    let begins = 0
    const sql = {
      failoverGroups: {
        get: async () => ({replicationRole: roles[gets++]}),
        beginFailover: async () => (begins++, Promise.reject(restError(409, 'FailoverGroupOperationInProgress'))),
      },
    }
    await failOverSqlGroup(clients({sql}), {resourceGroup: 'rg', name: 'sql-app-wus2'}, 'app-fog', false, {started: () => {}})
    assert.deepEqual([gets, begins], [2, 1])
  })

  it('any other failover error ends the step at once, naming the group and ARM code', async () => {
    let begins = 0
    const sql = {failoverGroups: {get: async () => ({replicationRole: 'Secondary'}), beginFailover: async () => (begins++, Promise.reject(restError(400, 'InvalidFailoverGroupRole')))}}
    await assert.rejects(
      failOverSqlGroup(clients({sql}), {resourceGroup: 'rg', name: 'sql-app-wus2'}, 'app-fog', false, {started: () => {}}),
      (e: unknown) => e instanceof AzureError && e.code === 'InvalidFailoverGroupRole' && /SQL failover group sql-app-wus2\/app-fog/.test(e.message),
    )
    assert.equal(begins, 1)
  })
})
