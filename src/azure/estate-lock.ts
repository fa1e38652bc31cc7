// The lock belongs to the estate, not to the runbook file: a lock record carries the keys of the resources it governs
// (the steering profiles, the data tier, the CNAME), and a run that took its own lock looks for any other live azfail
// lock over one of them, in every private DNS zone of every subscription the principal can list.
import {createHash} from 'node:crypto'
import {createPipelineRequest} from '@azure/core-rest-pipeline'
import type {LockRecord} from '../estate/state.ts'
import type {Estate, Located} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'
import {LOCK_NAME} from './policies.ts'
import {decode, decodeLock, stateZoneOf} from './state-records.ts'
import {privateZonesOf, type ZoneRef} from './zones.ts'

export type {ZoneRef} from './zones.ts'

const SUBSCRIPTIONS_API = '2022-12-01'

const keyOf = (id: string) => createHash('sha256').update(id.toLowerCase()).digest('hex').slice(0, 16)

/** The keys of what a run over this estate may change, whichever runbook names it: hashes of the resources' ids. */
export function lockKeys(estate: Estate, defaultSubscription: string): string[] {
  const id = (at: Located, type: string, name: string) => `/subscriptions/${at.subscription ?? defaultSubscription}/resourceGroups/${at.resourceGroup}/providers/${type}/${name}`
  const {trafficManager, frontDoor} = estate.steering
  const {postgres, sqlFailoverGroup, cosmos} = estate.data
  const ids = [
    ...(trafficManager ? [id(trafficManager, 'Microsoft.Network/trafficManagerProfiles', trafficManager.profile)] : []),
    ...(frontDoor ? [id(frontDoor, 'Microsoft.Cdn/profiles', frontDoor.profile)] : []),
    ...Object.values(postgres?.servers ?? {}).map((s) => id(s, 'Microsoft.DBforPostgreSQL/flexibleServers', s.name)),
    ...Object.values(sqlFailoverGroup?.servers ?? {}).map((s) => id(s, 'Microsoft.Sql/servers', `${s.name}/failoverGroups/${sqlFailoverGroup!.name}`)),
    ...(cosmos ? [id(cosmos, 'Microsoft.DocumentDB/databaseAccounts', cosmos.account)] : []),
    ...(estate.cname ? [id(estate.cname, 'Microsoft.Network/privateDnsZones', `${estate.cname.zone}/CNAME/${estate.cname.name}`)] : []),
  ]
  return [...new Set(ids.map(keyOf))].sort()
}

/** The subscriptions a runbook's resources and state zone live in. */
export function estateSubscriptions(estate: Estate, defaultSubscription: string): string[] {
  const subs = new Set<string>([defaultSubscription.toLowerCase()])
  const add = (at: {subscription?: string} | undefined) => at?.subscription && subs.add(at.subscription.toLowerCase())
  add(estate.steering.trafficManager)
  add(estate.steering.frontDoor)
  for (const s of Object.values(estate.data.postgres?.servers ?? {})) add(s)
  for (const s of Object.values(estate.data.sqlFailoverGroup?.servers ?? {})) add(s)
  add(estate.data.cosmos)
  add(estate.cname)
  add(stateZoneOf(estate))
  return [...subs]
}

/** How long the principal's subscription list is reused within one process: it changes with role assignments, not runs. */
const SUBSCRIPTION_LIST_MAX_AGE_MS = 60_000

/** The subscriptions the principal can list (GET /subscriptions, Microsoft.Resources), through the SDK's pipeline. */
export function listSubscriptions(clients: Clients, endpoint: string): Promise<string[]> {
  return clients.recent(`subscriptions ${endpoint}`, SUBSCRIPTION_LIST_MAX_AGE_MS, () => readSubscriptions(clients, endpoint))
}

async function readSubscriptions(clients: Clients, endpoint: string): Promise<string[]> {
  const client = await clients.locks() // any classic ServiceClient: its pipeline signs, retries and fences like every other
  const subs: string[] = []
  let url: string | undefined = `${endpoint}/subscriptions?api-version=${SUBSCRIPTIONS_API}`
  while (url) {
    const response = await client.sendRequest(createPipelineRequest({url, method: 'GET'}))
    if (response.status !== 200) {
      const error = Object.assign(new Error(`GET /subscriptions answered ${response.status}: ${response.bodyAsText?.slice(0, 200) ?? ''}`), {statusCode: response.status})
      throw error
    }
    const body = JSON.parse(response.bodyAsText ?? '{}') as {value?: Array<{subscriptionId?: string}>; nextLink?: string}
    for (const s of body.value ?? []) if (s.subscriptionId) subs.push(s.subscriptionId.toLowerCase())
    url = body.nextLink
  }
  return subs
}

export interface ForeignLock extends LockRecord {
  /** where it was found: the zone's ARM id */
  zoneId: string
}

/** Every private DNS zone of these subscriptions but this estate's own state zone: one list per subscription, at once. */
export async function lockZones(estate: Estate, clients: Clients, subscriptions: string[]): Promise<ZoneRef[]> {
  const own = stateZoneOf(estate)
  const ownSub = (own?.subscription ?? clients.subscriptionId).toLowerCase()
  const isOwn = (z: ZoneRef) => Boolean(own && z.sub === ownSub && z.resourceGroup.toLowerCase() === own.resourceGroup.toLowerCase() && z.zone.toLowerCase() === own.zone.toLowerCase())
  const bySub = await Promise.all(subscriptions.map((sub) => privateZonesOf(clients, sub)))
  return bySub.flat().filter((z) => !isOwn(z))
}

/** The azfail locks in these zones: one list of TXT record sets per zone, at once (no 404 where there is none). */
export async function readLocks(clients: Clients, zones: ZoneRef[]): Promise<ForeignLock[]> {
  const locks = await Promise.all(
    zones.map(async (z): Promise<ForeignLock | undefined> => {
      for await (const rs of (await clients.for(z.sub).privateDns()).recordSets.listByType(z.resourceGroup, z.zone, 'TXT')) {
        if (rs.name === LOCK_NAME) return {...decodeLock(decode(rs.txtRecords)), etag: rs.etag, zoneId: z.id}
      }
      return undefined
    }),
  )
  return locks.filter((l) => l !== undefined)
}

/** Whether another run's lock governs one of the same resources. */
export const overlaps = (a: Pick<LockRecord, 'keys'>, b: Pick<LockRecord, 'keys'>): boolean => (a.keys ?? []).some((k) => (b.keys ?? []).includes(k))

/** The order two contending pending locks agree on, whoever judges it: the earlier `since` (Azure's), then the run id. */
export const precedes = (a: Pick<LockRecord, 'since' | 'runId'>, b: Pick<LockRecord, 'since' | 'runId'>): boolean =>
  a.since !== b.since ? Date.parse(a.since) < Date.parse(b.since) || (Number.isNaN(Date.parse(b.since)) && !Number.isNaN(Date.parse(a.since))) : a.runId < b.runId
