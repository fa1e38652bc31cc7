// A generated estate of N regions x M private endpoints, for scale tests and the benchmark: every region has its
// own endpoints in one global privatelink zone (Pattern A), behind one Traffic Manager profile and one Front Door.
import {stringify} from 'yaml'
import {DEMO_SUBSCRIPTION, DEMO_TENANT, type RegionSpec, frontDoor, indexResources, link, privateEndpoint, recordSet, regionInfo, soa, tmEndpoint, trafficManager, vnet, vnetId, zone} from './estate.ts'
import type {ArmResource, World} from './world.ts'

const ZONE = 'privatelink.vaultcore.azure.net'

export function generatedEstate(regionCount: number, endpointsPerRegion: number, ttl = 10): {world: World; runbook: string} {
  if (regionCount < 2 || regionCount > 250 || endpointsPerRegion < 1 || endpointsPerRegion > 1000) throw new Error('2..250 regions and 1..1000 endpoints per region')
  const regions: RegionSpec[] = Array.from({length: regionCount}, (_, i) => {
    const n = String(i + 1).padStart(2, '0')
    return {short: `r${n}`, location: `region${n}`, displayName: `Region ${n}`, octet: i + 1, resolverAddress: `127.0.11.${i + 1}`}
  })
  const resources: ArmResource[] = []
  const z = zone('rg-connectivity-dns', ZONE)
  resources.push(z, soa(z.id, ZONE))
  const ip = (r: RegionSpec, j: number) => `10.${r.octet}.${Math.floor(j / 250)}.${(j % 250) + 4}`
  for (const r of regions) {
    resources.push(vnet(r), link(z.id, `link-spoke-${r.short}`, vnetId(r)))
    for (let j = 0; j < endpointsPerRegion; j++) {
      const name = `kv-${r.short}-${String(j).padStart(3, '0')}`
      resources.push(recordSet(z.id, ZONE, 'A', name, ttl, {aRecords: [{ipv4Address: ip(r, j)}]}))
      resources.push(...privateEndpoint(r, `pe-${name}`, `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/rg-data-${r.short}/providers/Microsoft.KeyVault/vaults/${name}`, 'vault', [{zoneId: z.id, zoneName: ZONE, name, ip: ip(r, j)}], ttl))
    }
  }
  const profile = trafficManager(ttl)
  resources.push(profile, ...regions.map((r, i) => tmEndpoint(r, i + 1)), ...frontDoor(regions))
  const publicDns: World['publicDns'] = {}
  for (const r of regions) {
    for (let j = 0; j < endpointsPerRegion; j++) {
      const name = `kv-${r.short}-${String(j).padStart(3, '0')}`
      publicDns[`${name}.vault.azure.net`] = {cname: `${name}.${ZONE}`, ttl: 60}
    }
    publicDns[`app-${r.short}.azurewebsites.net`] = {a: ['203.0.113.10'], ttl: 60}
  }
  const world: World = {
    version: 1,
    tenantId: DEMO_TENANT,
    subscriptionId: DEMO_SUBSCRIPTION,
    settings: {lroMs: 400, lroRetryAfterSeconds: 1},
    regions: Object.fromEntries(regions.map((r) => [r.short, regionInfo(r)])),
    resources: indexResources(resources),
    operations: {},
    publicDns,
    faults: [],
  }
  const runbook = {
    version: 1,
    name: `generated-${regionCount}x${endpointsPerRegion}`,
    estate: {
      connectionDrainSeconds: 1,
      steering: {
        trafficManager: {resourceGroup: 'rg-global', profile: 'tm-app', endpoints: Object.fromEntries(regions.map((r) => [r.short, `ep-${r.short}`]))},
        frontDoor: {resourceGroup: 'rg-global', profile: 'fd-app', originGroup: 'og-app', origins: Object.fromEntries(regions.map((r) => [r.short, `origin-${r.short}`]))},
      },
      regions: Object.fromEntries(
        regions.map((r) => [
          r.short,
          {
            location: r.location,
            expect: Object.fromEntries(Array.from({length: endpointsPerRegion}, (_, j) => [`kv-${r.short}-${String(j).padStart(3, '0')}.vault.azure.net`, ip(r, j)])),
            privateEndpoints: Array.from({length: endpointsPerRegion}, (_, j) => ({resourceGroup: `rg-spoke-${r.short}`, name: `pe-kv-${r.short}-${String(j).padStart(3, '0')}`})),
          },
        ]),
      ),
      stateZone: {resourceGroup: 'rg-connectivity-dns', zone: ZONE},
    },
  }
  return {world, runbook: stringify(runbook)}
}
