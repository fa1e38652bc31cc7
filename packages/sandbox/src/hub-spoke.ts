// The hub-spoke estate (seed 000's landing zone): the demo's regions and services, spread over four subscriptions as
// an enterprise lays them out. Private DNS zones (and the CNAME) in a connectivity subscription, Traffic Manager and
// Front Door in a shared-services subscription, each region's spoke network, private endpoints and data servers in a
// workload subscription of its own. runbooks/hub-spoke.yaml describes it.
import {type DemoOptions, type EstateLayout, estateWorld} from './estate.ts'
import type {World} from './world.ts'

export const HUB_SPOKE_SUBSCRIPTIONS = {
  sharedServices: '3f2c8a41-6b1d-4e7a-9c55-0d8e2b7a4c10',
  connectivity: '8d1e4b7c-2a93-4f06-b1c8-5e7d3a9f6b21',
  eus2: 'c47a2e19-5d3b-4a8f-8e61-9b0c4d2f7a32',
  wus2: 'e92b6d53-8f14-4c27-a3d9-6c1e5b8f0d43',
} as const

export const HUB_SPOKE_LAYOUT: EstateLayout = {
  defaultSubscription: HUB_SPOKE_SUBSCRIPTIONS.sharedServices,
  connectivity: HUB_SPOKE_SUBSCRIPTIONS.connectivity,
  steering: HUB_SPOKE_SUBSCRIPTIONS.sharedServices,
  regions: [
    {short: 'eus2', location: 'eastus2', displayName: 'East US 2', octet: 20, resolverAddress: '127.0.10.1', subscription: HUB_SPOKE_SUBSCRIPTIONS.eus2},
    {short: 'wus2', location: 'westus2', displayName: 'West US 2', octet: 30, resolverAddress: '127.0.10.2', subscription: HUB_SPOKE_SUBSCRIPTIONS.wus2},
  ],
}

export function hubSpokeWorld(options: DemoOptions = {}): World {
  return estateWorld(HUB_SPOKE_LAYOUT, options)
}
