// Which private DNS zones a subscription has: asked by the observation (the records the zones serve) and by the lock
// (where other runs keep theirs), and shared between them through the clients' recent reads.
import type {Clients} from './clients.ts'

/** A private DNS zone, as its ARM id names it. */
export interface ZoneRef {
  sub: string
  id: string
  resourceGroup: string
  zone: string
}

/**
 * How long a zone list is reused. Zones are created and deleted by hand, on a scale of days; a run reads their list
 * three to five times within seconds. What is in a zone is always read afresh.
 */
export const ZONE_LIST_MAX_AGE_MS = 15_000

/** The private DNS zones of a subscription (undefined: the target's default), listed once per ZONE_LIST_MAX_AGE_MS. */
export function privateZonesOf(clients: Clients, subscription: string | undefined): Promise<ZoneRef[]> {
  const sub = (subscription ?? clients.subscriptionId).toLowerCase()
  return clients.recent(`privateZones ${sub}`, ZONE_LIST_MAX_AGE_MS, async () => {
    const found: ZoneRef[] = []
    for await (const z of (await clients.for(subscription).privateDns()).privateZones.list()) {
      const resourceGroup = /\/resourceGroups\/([^/]+)\//i.exec(z.id ?? '')?.[1]
      if (resourceGroup && z.name && z.id) found.push({sub, id: z.id, resourceGroup, zone: z.name})
    }
    return found
  })
}
