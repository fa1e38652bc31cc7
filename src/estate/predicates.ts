// Pure helpers over live state and names: what "serving", "drained", "a replica" and "the same name" mean, once.
import type {LiveState, RegionState} from './state.ts'

const UNHEALTHY = ['Degraded', 'Stopped', 'Inactive', 'Disabled']

/** Enabled at every steering layer the runbook names, and not reported unhealthy by Traffic Manager. */
export function isServing(r: RegionState): boolean {
  const tmOk = !r.trafficManager || (r.trafficManager.status === 'Enabled' && !UNHEALTHY.includes(r.trafficManager.monitorStatus ?? ''))
  const fdOk = !r.frontDoor || r.frontDoor.enabledState === 'Enabled'
  return Boolean(r.trafficManager || r.frontDoor) && tmOk && fdOk
}

/** Disabled at every steering layer in live state. */
export function isDrained(r: RegionState): boolean {
  return (!r.trafficManager || r.trafficManager.status === 'Disabled') && (!r.frontDoor || r.frontDoor.enabledState === 'Disabled')
}

/** A PostgreSQL flexible server's replication role that makes it a read-only replica. */
export const isReplica = (role: string | undefined): boolean => role === 'AsyncReplica' || role === 'GeoAsyncReplica'

/** A DNS name compared the way DNS does: case-insensitive, with or without the trailing dot. */
export const bareName = (name: string | undefined): string => (name ?? '').toLowerCase().replace(/\.$/, '')

export const sameName = (a: string | undefined, b: string | undefined): boolean => bareName(a) === bareName(b)

/** Azure location names in either spelling ('eastus2', 'East US 2') compare equal. */
export const normalizeLocation = (location: string): string => location.toLowerCase().replace(/\s+/g, '')

/** The resource group and name in a private DNS zone's resource id, or undefined when it is not one. */
export function parseZoneId(zoneId: string): {resourceGroup: string; zone: string} | undefined {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i.exec(zoneId)
  return m ? {resourceGroup: m[1], zone: m[2]} : undefined
}

/** The name a server has in the CNAME's private zone, e.g. pg-app-eus2.private.postgres.database.azure.com. */
export const privateFqdn = (server: {name: string}, cnameZone: string | undefined): string => (cnameZone ? `${server.name}.${cnameZone}` : server.name)

export interface TtlWindow {
  steeringTtl: number
  recordTtl: number
  drain: number
  total: number
}

/** The longer of the steering TTL and every TTL of a record involved, plus the connection drain. */
export function ttlWindowSeconds(state: LiveState, region: string, connectionDrainSeconds: number): TtlWindow {
  const steeringTtl = state.steering.trafficManager?.ttl ?? 0
  const own = (state.regions[region]?.endpoints ?? []).flatMap((e) => e.records.map((r) => r.ttl))
  const survivors = Object.values(state.regions)
    .filter((r) => r.region !== region)
    .flatMap((r) => r.names.map((n) => n.ttl ?? 0))
  const recordTtl = Math.max(0, ...own, ...survivors)
  return {steeringTtl, recordTtl, drain: connectionDrainSeconds, total: Math.max(steeringTtl, recordTtl) + connectionDrainSeconds}
}
