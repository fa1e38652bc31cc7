// Network: private endpoints and their DNS zone groups; deleting either is an LRO that reaps the records it wrote.
import {type Route, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {childrenOf, getResource} from '../world.ts'
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
