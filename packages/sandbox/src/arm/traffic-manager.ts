// Traffic Manager: profiles and their endpoints, the DNS steering a drain disables and a restore enables.
import {type Params, type Route, badRequest, jsonBody, route} from '../http.ts'
import {type ArmResource, getResource, putResource} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const TM = `${RG}/providers/Microsoft.Network/trafficmanagerprofiles`

const TM_ENDPOINT_TYPES: Record<string, string> = {
  azureendpoints: 'azureEndpoints',
  externalendpoints: 'externalEndpoints',
  nestedendpoints: 'nestedEndpoints',
}
const tmProfileType = 'Microsoft.Network/trafficManagerProfiles'

export function trafficManagerRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, parent, list} = provider(ctx)
  const tmEndpoint = (p: Params): {id: string; type: string} => {
    const t = TM_ENDPOINT_TYPES[p.endpointType.toLowerCase()]
    if (!t) throw badRequest(`The endpoint type '${p.endpointType}' is not valid. Valid types are AzureEndpoints, ExternalEndpoints, NestedEndpoints.`)
    const profileId = `${TM.replace('{sub}', p.sub).replace('{rg}', p.rg)}/${p.profile}`
    parent(profileId, tmProfileType)
    return {id: `${profileId}/${t}/${p.endpoint}`, type: `${tmProfileType}/${t}`}
  }

  return [
    route('GET', `${SUB}/providers/Microsoft.Network/trafficmanagerprofiles`, API_VERSIONS.trafficManager, (req, p) => list(req, p, tmProfileType)),
    route('GET', TM, API_VERSIONS.trafficManager, (req, p) => list(req, p, tmProfileType)),
    route('GET', `${TM}/{profile}`, API_VERSIONS.trafficManager, (req) => ok(present(w(), get(idOf(req), tmProfileType)))),
    route('PATCH', `${TM}/{profile}`, API_VERSIONS.trafficManager, (req) => {
      const r = get(idOf(req), tmProfileType)
      const props = jsonBody(req).properties ?? {}
      const ttl = props.dnsConfig?.ttl
      if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647)) throw badRequest(`The value '${ttl}' of 'dnsConfig.ttl' is not valid: TTL must be an integer between 0 and 2147483647.`)
      const {endpoints: _e, ...rest} = props
      r.properties = {
        ...r.properties,
        ...rest,
        dnsConfig: {...r.properties.dnsConfig, ...(props.dnsConfig ?? {}), relativeName: r.properties.dnsConfig.relativeName, fqdn: r.properties.dnsConfig.fqdn},
        monitorConfig: {...r.properties.monitorConfig, ...(props.monitorConfig ?? {})},
      }
      changed()
      return ok(present(w(), r))
    }),
    route('GET', `${TM}/{profile}/{endpointType}/{endpoint}`, API_VERSIONS.trafficManager, (_req, p) => {
      const {id, type} = tmEndpoint(p)
      return ok(present(w(), get(id, type)))
    }),
    route('PATCH', `${TM}/{profile}/{endpointType}/{endpoint}`, API_VERSIONS.trafficManager, (req, p) => {
      const {id, type} = tmEndpoint(p)
      const r = get(id, type)
      patchEndpoint(r, jsonBody(req).properties ?? {})
      changed()
      return ok(present(w(), r))
    }),
    route('PUT', `${TM}/{profile}/{endpointType}/{endpoint}`, API_VERSIONS.trafficManager, (req, p) => {
      const {id, type} = tmEndpoint(p)
      const props = jsonBody(req).properties
      if (!props || (!props.target && !props.targetResourceId)) throw badRequest("The endpoint must specify 'target' or 'targetResourceId'.")
      const existing = getResource(w(), id)
      const r = existing ?? putResource(w(), {id, name: p.endpoint, type, properties: {}})
      r.properties = {}
      patchEndpoint(r, {endpointStatus: 'Enabled', ...props})
      changed()
      return ok(present(w(), r), existing ? 200 : 201)
    }),
  ]
}

/** Applies an endpoint's writable properties; its monitor status follows from its status and the sandbox's health. */
function patchEndpoint(r: ArmResource, props: Record<string, any>): void {
  if (props.endpointStatus !== undefined && !['Enabled', 'Disabled'].includes(props.endpointStatus)) {
    throw badRequest(`The value '${props.endpointStatus}' of property 'endpointStatus' is not valid. Valid values are Enabled, Disabled.`)
  }
  const {endpointMonitorStatus: _ignored, ...writable} = props
  r.properties = {...r.properties, ...writable}
  r.properties.endpointMonitorStatus = r.properties.endpointStatus === 'Disabled' ? 'Disabled' : (r.sandbox?.health ?? 'Online')
}
