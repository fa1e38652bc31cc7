// The fleet estate: FLEET_SIZE copies of the demo estate, copy n all in subscription FLEET_SUBSCRIPTIONS[n-1], for a
// fleet of runbooks (runbooks/fleet/, one runbook per copy) to evacuate a region across. The copies keep the demo's
// names, as ARM scopes every resource by its subscription. Each copy's regions get resolvers of their own, keyed
// `<region>@<subscription>`: a region's resolver answers from the zones linked to its own virtual networks, and ten
// zones named privatelink.vaultcore.azure.net linked in one view would answer for one copy only.
import {type DemoOptions, type EstateLayout, type RegionSpec, estateWorld} from './estate.ts'
import type {World} from './world.ts'

export const FLEET_SIZE = 10

/** Copy n's subscription (1-based n). */
export const fleetSubscription = (n: number): string => `f1ee7000-0000-4000-8000-${String(n).padStart(12, '0')}`

export const FLEET_SUBSCRIPTIONS: readonly string[] = Array.from({length: FLEET_SIZE}, (_, i) => fleetSubscription(i + 1))

/** The key of a copy's region in the world and in connection.json's resolvers. */
export const fleetRegionKey = (region: string, subscription: string): string => `${region}@${subscription}`

function fleetLayout(n: number): EstateLayout {
  const sub = fleetSubscription(n)
  const regions: [RegionSpec, RegionSpec] = [
    {short: 'eus2', location: 'eastus2', displayName: 'East US 2', octet: 20, resolverAddress: `127.0.12.${n}`, subscription: sub},
    {short: 'wus2', location: 'westus2', displayName: 'West US 2', octet: 30, resolverAddress: `127.0.13.${n}`, subscription: sub},
  ]
  return {defaultSubscription: sub, connectivity: sub, steering: sub, regions}
}

export function fleetWorld(options: DemoOptions = {}): World {
  // Real servers sit at fixed loopback addresses per region: ten copies would contend for them.
  if (options.postgres) throw new Error('the fleet estate runs without real PostgreSQL servers')
  const copies = FLEET_SUBSCRIPTIONS.map((sub, i) => ({sub, world: estateWorld(fleetLayout(i + 1), options)}))
  const [first] = copies
  return {
    ...first.world,
    subscriptions: [...FLEET_SUBSCRIPTIONS],
    regions: Object.fromEntries(copies.flatMap(({sub, world}) => Object.entries(world.regions).map(([region, info]) => [fleetRegionKey(region, sub), info]))),
    resources: Object.assign({}, ...copies.map((c) => c.world.resources)),
    publicDns: Object.assign({}, ...copies.map((c) => c.world.publicDns)),
  }
}
