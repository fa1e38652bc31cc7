// Cosmos DB: database accounts, and the failover priority change that moves the write region.
import {type Route, badRequest, jsonBody, route} from '../http.ts'
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
      busy(account)
      account.properties.provisioningState = 'Updating'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.DocumentDB', location: account.location ?? 'global', resourceId: account.id,
        effect: {kind: 'cosmosFailoverPriority', id: account.id, policies}, result: 'empty', status: 202, failWith: ctx.failLro,
      })
    }),
  ]
}
