// Network: private endpoints and their DNS zone groups. Creating either is an LRO (a zone group writes its endpoint's
// records into its zones); deleting either is an LRO that reaps the records it wrote.
import {randomUUID} from 'node:crypto'
import {etag, publicSuffix} from '../estate.ts'
import {type Route, badRequest, jsonBody, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {type ArmResource, childrenOf, getResource, putResource} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const PE = `${RG}/providers/Microsoft.Network/privateEndpoints`
const peType = 'Microsoft.Network/privateEndpoints'
const zgType = `${peType}/privateDnsZoneGroups`

export function networkRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, parent, parentsExist, list, busy} = provider(ctx)
  return [
    route('GET', `${SUB}/providers/Microsoft.Network/privateEndpoints`, API_VERSIONS.network, (req, p) => list(req, p, peType)),
    route('GET', PE, API_VERSIONS.network, (req, p) => list(req, p, peType)),
    route('GET', `${PE}/{pe}`, API_VERSIONS.network, (req) => ok(present(w(), get(idOf(req), peType)))),
    route('PUT', `${PE}/{pe}`, API_VERSIONS.network, (req, p) => {
      const id = idOf(req)
      const existing = getResource(w(), id)
      if (existing) busy(existing)
      const body = jsonBody(req)
      const props = body.properties ?? {}
      if (typeof body.location !== 'string' || body.location === '') throw badRequest("A private endpoint must specify its 'location'.", 'LocationRequired')
      if (typeof props.subnet?.id !== 'string') throw badRequest("A private endpoint must specify 'properties.subnet.id'.", 'InvalidRequestFormat')
      const connections = (list: any[] | undefined, manual: boolean) =>
        (list ?? []).map((c: any) => {
          if (typeof c?.properties?.privateLinkServiceId !== 'string') throw badRequest(`Private link service connection '${c?.name}' must specify 'privateLinkServiceId'.`, 'InvalidRequestFormat')
          return {
            id: `${id}/${manual ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections'}/${c.name}`,
            name: c.name,
            type: `${peType}/${manual ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections'}`,
            properties: {
              provisioningState: 'Succeeded',
              privateLinkServiceId: c.properties.privateLinkServiceId,
              groupIds: c.properties.groupIds ?? [],
              ...(c.properties.requestMessage ? {requestMessage: c.properties.requestMessage} : {}),
              privateLinkServiceConnectionState: manual
                ? {status: 'Pending', description: 'Awaiting approval', actionsRequired: 'None'}
                : {status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None'},
            },
          }
        })
      const auto = connections(props.privateLinkServiceConnections, false)
      const manual = connections(props.manualPrivateLinkServiceConnections, true)
      if (auto.length + manual.length === 0) throw badRequest('A private endpoint needs one private link service connection.', 'InvalidRequestFormat')
      const rg = id.replace(/\/providers\/.*$/i, '')
      const name = existing?.name ?? p.pe
      const r: ArmResource = {
        id: existing?.id ?? id,
        name,
        type: peType,
        location: body.location,
        etag: `W/"${etag()}"`,
        tags: body.tags ?? existing?.tags ?? {},
        properties: {
          provisioningState: 'Updating',
          subnet: {id: props.subnet.id},
          networkInterfaces: existing?.properties.networkInterfaces ?? [{id: `${rg}/providers/Microsoft.Network/networkInterfaces/${name}.nic.${randomUUID()}`}],
          privateLinkServiceConnections: auto,
          manualPrivateLinkServiceConnections: manual,
          // The sandbox allocates no NIC addresses: an endpoint keeps the addresses its definition carries.
          customDnsConfigs: (props.customDnsConfigs ?? []).map((c: any) => ({fqdn: c.fqdn, ipAddresses: c.ipAddresses ?? []})),
          ipConfigurations: props.ipConfigurations ?? [],
        },
      }
      putResource(w(), r)
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.Network', location: r.location!, resourceId: r.id,
        effect: {kind: 'mergeProperties', id: r.id, properties: {}, settled: {provisioningState: 'Succeeded'}},
        result: 'resource', status: existing ? 200 : 201, body: present(w(), r), failWith: ctx.failLro, location_header: false,
      })
    }),
    route('DELETE', `${PE}/{pe}`, API_VERSIONS.network, (req) => {
      const r = getResource(w(), idOf(req))
      if (!r) return {status: 204}
      busy(r)
      r.properties.provisioningState = 'Deleting'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.Network', location: r.location ?? 'global', resourceId: r.id,
        effect: {kind: 'deletePrivateEndpoint', id: r.id}, result: 'empty', status: 202, failWith: ctx.failLro,
      })
    }),
    route('GET', `${PE}/{pe}/privateDnsZoneGroups`, API_VERSIONS.network, (req) => {
      const pe = parent(idOf(req).replace(/\/privateDnsZoneGroups$/i, ''), peType)
      return page(req, childrenOf(w(), pe.id, 'privateDnsZoneGroups').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${PE}/{pe}/privateDnsZoneGroups/{group}`, API_VERSIONS.network, (req) => ok(present(w(), get(idOf(req), zgType)))),
    route('PUT', `${PE}/{pe}/privateDnsZoneGroups/{group}`, API_VERSIONS.network, (req, p) => {
      const id = idOf(req)
      const pe = parent(id.replace(/\/privateDnsZoneGroups\/[^/]+$/i, ''), peType)
      busy(pe)
      const existing = getResource(w(), id)
      if (existing) busy(existing)
      const configs = jsonBody(req).properties?.privateDnsZoneConfigs
      if (!Array.isArray(configs) || configs.length === 0) throw badRequest("A private DNS zone group needs 'properties.privateDnsZoneConfigs'.", 'InvalidRequestFormat')
      const privateDnsZoneConfigs = configs.map((c: any) => {
        const zoneId = c?.properties?.privateDnsZoneId
        const zone = typeof zoneId === 'string' ? getResource(w(), zoneId) : undefined
        if (!zone || zone.type.toLowerCase() !== 'microsoft.network/privatednszones') {
          throw badRequest(`Private DNS zone '${zoneId}' of zone config '${c?.name}' was not found.`, 'InvalidPrivateDnsZoneIds')
        }
        // As Azure does: each of the endpoint's FQDNs under the zone's public name gets an A record in the zone.
        const suffix = `.${publicSuffix(zone.name)}`.toLowerCase()
        const recordSets = ((pe.properties.customDnsConfigs ?? []) as Array<{fqdn?: string; ipAddresses?: string[]}>)
          .filter((d) => d.fqdn?.toLowerCase().endsWith(suffix))
          .map((d) => {
            const recordSetName = d.fqdn!.slice(0, -suffix.length).toLowerCase()
            return {recordType: 'A', recordSetName, fqdn: `${recordSetName}.${zone.name}`, ttl: 10, ipAddresses: d.ipAddresses ?? [], provisioningState: 'Succeeded'}
          })
        return {name: c.name ?? zone.name.replaceAll('.', '-'), properties: {privateDnsZoneId: zone.id, recordSets}}
      })
      const r: ArmResource = {
        id: existing?.id ?? `${pe.id}/privateDnsZoneGroups/${p.group}`,
        name: existing?.name ?? p.group,
        type: zgType,
        etag: `W/"${etag()}"`,
        properties: {provisioningState: 'Updating', privateDnsZoneConfigs},
      }
      putResource(w(), r)
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.Network', location: pe.location ?? 'global', resourceId: r.id,
        effect: {kind: 'writeZoneGroup', id: r.id}, result: 'resource', status: existing ? 200 : 201, body: present(w(), r), failWith: ctx.failLro, location_header: false,
      })
    }),
    route('DELETE', `${PE}/{pe}/privateDnsZoneGroups/{group}`, API_VERSIONS.network, (req) => {
      const r = getResource(w(), idOf(req))
      if (!r) {
        parentsExist(idOf(req))
        return {status: 204}
      }
      busy(r)
      r.properties.provisioningState = 'Deleting'
      changed()
      const pe = getResource(w(), idOf(req).replace(/\/privateDnsZoneGroups\/[^/]+$/i, ''))
      return startOperation(w(), req, {
        namespace: 'Microsoft.Network', location: pe?.location ?? 'global', resourceId: r.id,
        effect: {kind: 'deleteZoneGroup', id: r.id}, result: 'empty', status: 202, failWith: ctx.failLro,
      })
    }),
  ]
}
