// Cosmos DB: database accounts, the failover priority change that moves the write region, and the forced failover
// Azure calls "offline region": the region taken offline stops writing, and the next failover priority writes.
import {type ArmRequest, type Route, badRequest, jsonBody, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {locationKey} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const COSMOS = `${RG}/providers/Microsoft.DocumentDB/databaseAccounts`
const cosmosType = 'Microsoft.DocumentDB/databaseAccounts'

export function cosmosRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, list, busy} = provider(ctx)
  return [
    route('GET', `${SUB}/providers/Microsoft.DocumentDB/databaseAccounts`, API_VERSIONS.cosmos, (req, p) => list(req, p, cosmosType)),
    route('GET', COSMOS, API_VERSIONS.cosmos, (req, p) => list(req, p, cosmosType)),
    route('GET', `${COSMOS}/{account}`, API_VERSIONS.cosmos, (req) => ok(present(w(), get(idOf(req), cosmosType)))),
    route('POST', `${COSMOS}/{account}/failoverPriorityChange`, API_VERSIONS.cosmos, (req) => {
      const account = get(idOf(req).replace(/\/failoverPriorityChange$/i, ''), cosmosType)
      const policies = jsonBody(req).failoverPolicies
      if (!Array.isArray(policies)) throw badRequest("The request must contain 'failoverPolicies'.")
      // Azure takes a region by either of its names: 'eastus2' and 'East US 2'.
      const names = (account.properties.locations as any[]).map((l) => locationKey(l.locationName))
      const given = policies.map((x: any) => locationKey(String(x?.locationName ?? '')))
      const priorities = policies.map((x: any) => x?.failoverPriority).sort((a: number, b: number) => a - b)
      if (given.length !== names.length || !names.every((n) => given.includes(n))) {
        throw badRequest(`Failover policies must list each of the account's regions exactly once: ${(account.properties.locations as any[]).map((l) => l.locationName).join(', ')}.`)
      }
      if (!priorities.every((x: number, i: number) => x === i)) {
        throw badRequest(`Failover priorities must be unique and run from 0 to ${names.length - 1}; 0 is the write region.`)
      }
      return reprioritise(account, policies, req, 'empty')
    }),
    route('POST', `${COSMOS}/{account}/offlineRegion`, API_VERSIONS.cosmos, (req) => {
      const account = get(idOf(req).replace(/\/offlineRegion$/i, ''), cosmosType)
      const region = jsonBody(req).region
      if (typeof region !== 'string' || !region) throw badRequest("The request must contain 'region'.")
      const locations = [...(account.properties.locations as any[])].sort((a, b) => a.failoverPriority - b.failoverPriority)
      const offline = locations.find((l) => locationKey(l.locationName) === locationKey(region))
      if (!offline) throw badRequest(`Region '${region}' is not one of the account's regions: ${locations.map((l) => l.locationName).join(', ')}.`)
      if (locations.length < 2) throw badRequest(`Region '${region}' is the account's only region and cannot be taken offline.`)
      // Writes move to the next failover priority; the region taken offline goes last.
      const order = [...locations.filter((l) => l !== offline), offline]
      // Its spec answers 200 or 202, never 204: the finished operation's result is a 200 with no body.
      return reprioritise(account, order.map((l, failoverPriority) => ({locationName: l.locationName, failoverPriority})), req, 'done')
    }),
  ]

  /** Starts the long-running change of the account's failover priorities (Azure answers 202 and an operation to poll). */
  function reprioritise(account: any, policies: Array<{locationName: string; failoverPriority: number}>, req: ArmRequest, result: 'empty' | 'done') {
    busy(account)
    account.properties.provisioningState = 'Updating'
    changed()
    return startOperation(w(), req, {
      namespace: 'Microsoft.DocumentDB', location: account.location ?? 'global', resourceId: account.id,
      effect: {kind: 'cosmosFailoverPriority', id: account.id, policies}, result, status: 202, failWith: ctx.failLro,
    })
  }
}
