// What still lives in a region that no longer serves: a primary, a write region, the CNAME's target, a steering layer
// still sending it traffic. Every run's result and `azfail status` say it, so a drain is never mistaken for a failover.
import {isReplica, isServing} from './predicates.ts'
import type {LiveState} from './state.ts'

export interface Residue {
  region: string
  /** in words: "PostgreSQL primary pg-app-eus2", "Cosmos DB cosmos-app write region: unknown (not observed)" */
  what: string
}

const unknown = (what: string) => `${what}: unknown (not observed)`

/** What of the estate lives in `region` as observed, and what could not be told (an unknown is said as such). */
export function residueIn(state: LiveState, region: string): Residue[] {
  const out: string[] = []
  const r = state.regions[region]
  if (r?.trafficManager?.status === 'Enabled') out.push(`Traffic Manager endpoint ${r.trafficManager.name} still enabled`)
  if (r?.frontDoor?.enabledState === 'Enabled') out.push(`Front Door origin ${r.frontDoor.name} still enabled`)
  const {postgres, sqlFailoverGroup: fog, cosmos} = state.data
  const pgHere = postgres?.servers.find((s) => s.region === region)
  const others = postgres?.servers.filter((s) => s !== pgHere) ?? []
  if (pgHere && postgres?.primaryRegion === region) out.push(`PostgreSQL primary ${pgHere.name}`)
  // Not read, but every other server is its replica: the primary is here, as its replicas say.
  else if (pgHere && postgres?.primaryRegion === undefined && others.length > 0 && others.every((s) => isReplica(s.role))) out.push(`PostgreSQL primary ${pgHere.name} (by its replicas; not read)`)
  else if (pgHere && postgres?.primaryRegion === undefined) out.push(unknown(`PostgreSQL primary (${pgHere.name}'s role)`))
  const sqlHere = fog?.servers.find((s) => s.region === region)
  if (sqlHere && fog?.primaryRegion === region) out.push(`SQL failover group ${fog.name} primary ${sqlHere.name}`)
  else if (sqlHere && fog?.primaryRegion === undefined) out.push(unknown(`SQL failover group ${fog!.name} primary`))
  if (cosmos?.writeRegion === region) out.push(`Cosmos DB ${cosmos.account} write region`)
  else if (cosmos && cosmos.writeRegion === undefined) out.push(unknown(`Cosmos DB ${cosmos.account} write region`))
  if (state.cname?.targetRegion === region) out.push(`CNAME ${state.cname.fqdn} -> ${state.cname.target}`)
  return out.map((what) => ({region, what}))
}

/** What still lives in each region that does not serve (drained, or recorded as drained). */
export function residue(state: LiveState): Residue[] {
  return Object.values(state.regions)
    .filter((r) => !isServing(r) || r.drain)
    .flatMap((r) => residueIn(state, r.region))
}
