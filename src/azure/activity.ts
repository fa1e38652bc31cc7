// Azure's Activity Log, read for one question: has anyone written a drained region's steering (its Traffic Manager
// endpoint or profile, its Front Door origin) since azfail drained it? A drain record proves the TTL window only while
// nobody has; a later write restarts the window from itself. Azure's log lags by minutes: an empty answer means "no
// write listed yet", never "no write", and the guards and the wait say so.
import type {SteeringWrite} from '../estate/state.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'

const RETAINED_DAYS = 89

/** The ARM ids of a region's steering resources a write on which can send it traffic again, by subscription. */
export function steeringResources(estate: Estate, clients: Clients, region: string): Array<{subscription?: string; id: string}> {
  const {trafficManager: tm, frontDoor: fd} = estate.steering
  const group = (ref: {subscription?: string; resourceGroup: string}) => `/subscriptions/${clients.for(ref.subscription).subscriptionId}/resourceGroups/${ref.resourceGroup}`
  const out: Array<{subscription?: string; id: string}> = []
  const endpoint = tm?.endpoints[region]
  if (tm && endpoint) {
    const profile = `${group(tm)}/providers/Microsoft.Network/trafficManagerProfiles/${tm.profile}`
    const type = `${tm.endpointType[0].toLowerCase()}${tm.endpointType.slice(1)}`
    // A profile written whole (PUT with its endpoints) can enable the endpoint too.
    out.push({subscription: tm.subscription, id: profile}, {subscription: tm.subscription, id: `${profile}/${type}/${endpoint}`})
  }
  const origin = fd?.origins[region]
  if (fd && origin) out.push({subscription: fd.subscription, id: `${group(fd)}/providers/Microsoft.Cdn/profiles/${fd.profile}/originGroups/${fd.originGroup}/origins/${origin}`})
  return out
}

/**
 * The writes the Activity Log lists on the region's steering strictly after `since`, oldest first; operations that
 * failed are left out (they changed nothing). Throws when the log cannot be read: the caller records that as unknown.
 */
export async function steeringWritesSince(estate: Estate, clients: Clients, region: string, since: string, signal?: AbortSignal): Promise<SteeringWrite[]> {
  const after = Date.parse(since)
  // Azure keeps 90 days of the log and refuses older start times; a write older than that ended its window long ago.
  const from = Math.max(after, Date.now() - RETAINED_DAYS * 86_400_000)
  const lists = await Promise.all(
    steeringResources(estate, clients, region).map(async ({subscription, id}) => {
      const monitor = await clients.for(subscription).monitor()
      const events = []
      for await (const e of monitor.activityLogs.list(`eventTimestamp ge '${new Date(from).toISOString()}' and resourceUri eq '${id}'`, {abortSignal: signal})) events.push(e)
      return events
    }),
  )
  const events = lists.flat()
  const failed = new Set(events.filter((e) => e.status?.value === 'Failed').map((e) => e.operationId ?? e.correlationId))
  const writes = new Map<string, SteeringWrite>()
  for (const e of events) {
    const operation = e.operationName?.value ?? e.authorization?.action ?? ''
    const at = e.eventTimestamp?.getTime()
    if (at === undefined || !(at > after) || failed.has(e.operationId ?? e.correlationId) || !/\/(write|delete)$/i.test(operation)) continue
    // An operation's Started and Succeeded events are one write: keep the latest.
    const key = e.operationId ?? e.eventDataId ?? `${operation}|${at}`
    const write: SteeringWrite = {at: new Date(at).toISOString(), ...(e.caller ? {caller: e.caller} : {}), operation, resourceId: e.resourceId ?? '', status: e.status?.value ?? ''}
    if (!writes.has(key) || Date.parse(writes.get(key)!.at) < at) writes.set(key, write)
  }
  return [...writes.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}
