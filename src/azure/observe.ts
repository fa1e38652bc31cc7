// Reads the estate's live state through the SDK clients and the regional resolvers. Read-only: plans and guards
// are computed from what this returns.
import type {Clients} from './clients.ts'
import {type NameAnswer, resolveName, resolverFor} from './resolve.ts'
import type {AzureTarget} from './target.ts'
import {InputError} from '../errors.ts'
import type {Estate} from '../runbook/schema.ts'

export interface SteeringEndpoint {
  name: string
  status: string
  monitorStatus?: string
}

export interface NameCheck extends NameAnswer {
  expected: string
  ok: boolean
}

export interface RegionState {
  region: string
  resolver: string
  /** enabled at every steering layer the runbook names */
  serving: boolean
  trafficManager?: SteeringEndpoint
  frontDoor?: {name: string; enabledState: string; provisioningState?: string}
  names: NameCheck[]
}

export interface PostgresServerState {
  region: string
  name: string
  role: string
  replicationState?: string
  state?: string
  fqdn?: string
}

export interface LiveState {
  observedAt: string
  target: 'azure' | 'sandbox'
  steering: {
    trafficManager?: {profile: string; ttl: number; monitorStatus?: string}
    frontDoor?: {profile: string; originGroup: string}
  }
  regions: Record<string, RegionState>
  data: {
    postgres?: {primaryRegion?: string; servers: PostgresServerState[]}
    sqlFailoverGroup?: {name: string; primaryRegion?: string; replicationState?: string; servers: Array<{region: string; name: string; role: string}>}
    cosmos?: {account: string; writeRegion?: string; locations: Array<{name: string; failoverPriority: number}>}
  }
  cname?: {fqdn: string; target?: string; ttl?: number; etag?: string; targetRegion?: string}
}

/** The resolver to ask for each region: the sandbox's own, or the runbook's address on a real estate. */
export function regionResolvers(estate: Estate, target: AzureTarget): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [region, spec] of Object.entries(estate.regions)) {
    const server = target.kind === 'sandbox' ? target.resolvers?.[region] : spec.resolver
    if (!server) {
      throw new InputError(
        'NoResolver',
        target.kind === 'sandbox'
          ? `The sandbox has no resolver for region '${region}' (it serves: ${Object.keys(target.resolvers ?? {}).join(', ')}).`
          : `Region '${region}' has no resolver address in the runbook (estate.regions.${region}.resolver).`,
        'Name a DNS resolver inside the region, such as its DNS Private Resolver inbound endpoint.',
      )
    }
    out[region] = server
  }
  return out
}

export async function observeEstate(estate: Estate, target: AzureTarget, clients: Clients): Promise<LiveState> {
  const resolvers = regionResolvers(estate, target)
  const regions = Object.keys(estate.regions)
  const [tm, fd, names, data, cname] = await Promise.all([
    observeTrafficManager(estate, clients),
    observeFrontDoor(estate, clients),
    Promise.all(regions.map((r) => checkNames(resolvers[r], estate.regions[r].expect))),
    observeData(estate, clients),
    observeCname(estate, clients),
  ])
  const state: LiveState = {
    observedAt: new Date().toISOString(),
    target: target.kind,
    steering: {
      ...(tm ? {trafficManager: tm.profile} : {}),
      ...(fd ? {frontDoor: fd.group} : {}),
    },
    regions: {},
    data,
  }
  regions.forEach((region, i) => {
    const tmEp = tm?.endpoints[region]
    const origin = fd?.origins[region]
    state.regions[region] = {
      region,
      resolver: resolvers[region],
      serving: (!tm || tmEp?.status === 'Enabled') && (!fd || origin?.enabledState === 'Enabled') && Boolean(tmEp || origin),
      ...(tmEp ? {trafficManager: tmEp} : {}),
      ...(origin ? {frontDoor: origin} : {}),
      names: names[i],
    }
  })
  if (cname) {
    const pg = data.postgres?.servers.find((s) => s.fqdn && cname.target && sameName(privateFqdn(s, estate), cname.target))
    state.cname = {...cname, ...(pg ? {targetRegion: pg.region} : {})}
  }
  return state
}

const sameName = (a: string, b: string) => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '')

/** The name a PostgreSQL server has in the CNAME's private zone, e.g. pg-app-eus2.private.postgres.database.azure.com. */
export function privateFqdn(server: {name: string}, estate: Estate): string {
  return estate.cname ? `${server.name}.${estate.cname.zone}` : server.name
}

async function checkNames(resolver: string, expect: Record<string, string>): Promise<NameCheck[]> {
  const r = resolverFor(resolver)
  return Promise.all(
    Object.entries(expect).map(async ([name, expected]) => {
      const answer = await resolveName(r, name)
      return {...answer, expected, ok: answer.addresses.length > 0 && answer.addresses.every((a) => a === expected)}
    }),
  )
}

async function observeTrafficManager(estate: Estate, clients: Clients) {
  const spec = estate.steering.trafficManager
  if (!spec) return undefined
  const client = await clients.trafficManager()
  const profile = await client.profiles.get(spec.resourceGroup, spec.profile)
  const endpoints: Record<string, SteeringEndpoint> = {}
  for (const [region, name] of Object.entries(spec.endpoints)) {
    const ep = profile.endpoints?.find((e) => e.name?.toLowerCase() === name.toLowerCase())
    endpoints[region] = ep
      ? {name, status: ep.endpointStatus ?? 'Unknown', monitorStatus: ep.endpointMonitorStatus}
      : {name, status: 'Missing'}
  }
  return {
    profile: {profile: spec.profile, ttl: profile.dnsConfig?.ttl ?? 0, monitorStatus: profile.monitorConfig?.profileMonitorStatus},
    endpoints,
  }
}

async function observeFrontDoor(estate: Estate, clients: Clients) {
  const spec = estate.steering.frontDoor
  if (!spec) return undefined
  const client = await clients.frontDoor()
  const origins: Record<string, {name: string; enabledState: string; provisioningState?: string}> = {}
  await Promise.all(
    Object.entries(spec.origins).map(async ([region, name]) => {
      const o = await client.afdOrigins.get(spec.resourceGroup, spec.profile, spec.originGroup, name)
      origins[region] = {name, enabledState: o.enabledState ?? 'Unknown', provisioningState: o.provisioningState}
    }),
  )
  return {group: {profile: spec.profile, originGroup: spec.originGroup}, origins}
}

async function observeData(estate: Estate, clients: Clients): Promise<LiveState['data']> {
  const {postgres, sqlFailoverGroup, cosmos} = estate.data
  const [pg, sql, cdb] = await Promise.all([
    postgres
      ? (async () => {
          const client = await clients.postgres()
          const servers = await Promise.all(
            Object.entries(postgres.servers).map(async ([region, ref]) => {
              const s = await client.servers.get(ref.resourceGroup, ref.name)
              return {
                region,
                name: ref.name,
                role: s.replica?.role ?? s.replicationRole ?? 'None',
                replicationState: s.replica?.replicationState,
                state: s.state,
                fqdn: s.fullyQualifiedDomainName,
              }
            }),
          )
          return {primaryRegion: servers.find((s) => s.role === 'Primary' || s.role === 'None')?.region, servers}
        })()
      : undefined,
    sqlFailoverGroup
      ? (async () => {
          const client = await clients.sql()
          const [first] = Object.entries(sqlFailoverGroup.servers)
          const fog = await client.failoverGroups.get(first[1].resourceGroup, first[1].name, sqlFailoverGroup.name)
          const servers = Object.entries(sqlFailoverGroup.servers).map(([region, ref]) => {
            const role =
              region === first[0]
                ? fog.replicationRole
                : fog.partnerServers?.find((p) => p.id?.toLowerCase().endsWith(`/servers/${ref.name.toLowerCase()}`))?.replicationRole
            return {region, name: ref.name, role: role ?? 'Unknown'}
          })
          return {name: sqlFailoverGroup.name, primaryRegion: servers.find((s) => s.role === 'Primary')?.region, replicationState: fog.replicationState, servers}
        })()
      : undefined,
    cosmos
      ? (async () => {
          const client = await clients.cosmos()
          const account = await client.databaseAccounts.get(cosmos.resourceGroup, cosmos.account)
          const locations = (account.failoverPolicies ?? []).map((p) => ({name: p.locationName ?? '', failoverPriority: p.failoverPriority ?? 0}))
          const write = account.writeLocations?.[0]?.locationName
          const writeRegion = Object.entries(estate.regions).find(([, r]) => normalizeLocation(r.location) === normalizeLocation(write ?? ''))?.[0]
          return {account: cosmos.account, writeRegion, locations}
        })()
      : undefined,
  ])
  return {...(pg ? {postgres: pg} : {}), ...(sql ? {sqlFailoverGroup: sql} : {}), ...(cdb ? {cosmos: cdb} : {})}
}

export const normalizeLocation = (l: string) => l.toLowerCase().replace(/\s+/g, '')

async function observeCname(estate: Estate, clients: Clients): Promise<LiveState['cname']> {
  const spec = estate.cname
  if (!spec) return undefined
  const client = await clients.privateDns()
  const fqdn = `${spec.name}.${spec.zone}`
  try {
    const rs = await client.recordSets.get(spec.resourceGroup, spec.zone, 'CNAME', spec.name)
    return {fqdn, target: rs.cnameRecord?.cname, ttl: rs.ttl, etag: rs.etag}
  } catch (error: any) {
    if (error.statusCode === 404) return {fqdn}
    throw error
  }
}
