// Traffic Manager: profiles and their endpoints, the DNS steering a drain disables and a restore enables.
import {type Params, type Route, ArmError, badRequest, jsonBody, route} from '../http.ts'
import {type ArmResource, type World, childrenOf, deleteResource, getResource, key, putResource, resourcesOfType} from '../world.ts'
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
      checkTtl(props.dnsConfig?.ttl)
      // Azure's own words (Azure/azure-sdk-for-net#43949): endpoints change with the profile only in a PUT.
      if (props.endpoints !== undefined) throw badRequest("The 'endpoints' property cannot be specified when updating a profile using PATCH. Please use PUT to update the profile instead.")
      const rest = props
      r.properties = {
        ...r.properties,
        ...rest,
        dnsConfig: {...r.properties.dnsConfig, ...(props.dnsConfig ?? {}), relativeName: r.properties.dnsConfig.relativeName, fqdn: r.properties.dnsConfig.fqdn},
        monitorConfig: {...r.properties.monitorConfig, ...(props.monitorConfig ?? {})},
      }
      changed()
      return ok(present(w(), r))
    }),
    // The whole profile, as `az network traffic-manager profile update` sends it after its GET, or a new one (Azure's
    // Profiles_CreateOrUpdate). `endpoints`, when given, is the whole list: endpoints it leaves out are deleted, those
    // it names are created or replaced, so this write can re-enable a drained region like an endpoint write can.
    route('PUT', `${TM}/{profile}`, API_VERSIONS.trafficManager, (req, p) => {
      const existing = getResource(w(), idOf(req))
      if (existing && existing.type.toLowerCase() !== tmProfileType.toLowerCase()) throw badRequest(`'${idOf(req)}' is not a Traffic Manager profile.`)
      // a new profile's id is spelled as Azure spells it, whatever case the request's path has
      const id = existing?.id ?? `/subscriptions/${p.sub}/resourceGroups/${p.rg}/providers/${tmProfileType}/${p.profile}`
      const profile = replaceProfile(w(), id, existing?.name ?? p.profile, jsonBody(req), existing)
      changed()
      return ok(present(w(), profile), existing ? 200 : 201)
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

const checkTtl = (ttl: unknown) => {
  if (ttl !== undefined && (!Number.isInteger(ttl) || (ttl as number) < 0 || (ttl as number) > 2147483647)) throw badRequest(`The value '${ttl}' of 'dnsConfig.ttl' is not valid: TTL must be an integer between 0 and 2147483647.`)
}

const WRITABLE_MONITOR = ['protocol', 'port', 'path', 'intervalInSeconds', 'timeoutInSeconds', 'toleratedNumberOfFailures', 'customHeaders', 'expectedStatusCodeRanges']
const pick = (o: Record<string, any> | undefined, names: string[]) => Object.fromEntries(Object.entries(o ?? {}).filter(([k, v]) => names.includes(k) && v !== undefined && v !== null))

/**
 * A profile PUT: the profile's writable properties replaced by the body's (read-only ones it echoes from a GET are
 * ignored), and its endpoints by the body's list when it has one. Checked whole before anything is written.
 */
function replaceProfile(world: World, id: string, name: string, body: Record<string, any>, existing: ArmResource | undefined): ArmResource {
  const props = body.properties
  if (typeof body.location !== 'string' || body.location === '') throw badRequest("The profile must specify its 'location' ('global').", 'LocationRequired')
  if (props === null || typeof props !== 'object') throw badRequest("The profile must specify 'properties'.", 'InvalidRequestContent')
  const relativeName = props.dnsConfig?.relativeName
  if (typeof relativeName !== 'string' || relativeName === '') throw badRequest("The profile must specify 'dnsConfig.relativeName'.")
  if (typeof props.trafficRoutingMethod !== 'string') throw badRequest("The profile must specify 'trafficRoutingMethod'.")
  checkTtl(props.dnsConfig.ttl)
  if (props.dnsConfig.ttl === undefined) throw badRequest("The profile must specify 'dnsConfig.ttl'.")
  if (existing && existing.properties.dnsConfig.relativeName.toLowerCase() !== relativeName.toLowerCase()) {
    throw badRequest(`The relative DNS name of profile '${name}' is '${existing.properties.dnsConfig.relativeName}' and cannot be changed to '${relativeName}'.`)
  }
  const fqdn = `${relativeName.toLowerCase()}.trafficmanager.net`
  const taken = resourcesOfType(world, tmProfileType).find((r) => key(r.id) !== key(id) && r.properties.dnsConfig?.fqdn === fqdn)
  if (taken) throw new ArmError(409, 'Conflict', `The DNS name '${fqdn}' is already in use by another profile; choose another 'dnsConfig.relativeName'.`)
  const endpoints = props.endpoints === undefined || props.endpoints === null ? undefined : endpointList(id, props.endpoints)
  if (props.profileStatus !== undefined && !['Enabled', 'Disabled'].includes(props.profileStatus)) {
    throw badRequest(`The value '${props.profileStatus}' of property 'profileStatus' is not valid. Valid values are Enabled, Disabled.`)
  }

  const profileStatus = props.profileStatus ?? 'Enabled'
  const profile: ArmResource = {
    ...(existing ?? {}),
    id: existing?.id ?? id,
    name,
    type: tmProfileType,
    location: body.location,
    tags: body.tags ?? {},
    properties: {
      ...pick(props, ['trafficViewEnrollmentStatus', 'maxReturn', 'allowedEndpointRecordTypes']),
      profileStatus,
      trafficRoutingMethod: props.trafficRoutingMethod,
      dnsConfig: {relativeName, fqdn, ttl: props.dnsConfig.ttl},
      monitorConfig: {
        // computed by Traffic Manager's probes, which the sandbox does not run: a profile keeps the status it had
        profileMonitorStatus: profileStatus === 'Disabled' ? 'Disabled' : (existing?.properties.monitorConfig?.profileMonitorStatus ?? 'Online'),
        ...pick(props.monitorConfig, WRITABLE_MONITOR),
      },
      endpoints: [],
    },
  }
  putResource(world, profile)
  if (endpoints) {
    const kept = new Set(endpoints.map((e) => key(e.id)))
    const current = Object.values(TM_ENDPOINT_TYPES).flatMap((t) => childrenOf(world, profile.id, t))
    for (const old of current.filter((e) => !kept.has(key(e.id)))) deleteResource(world, old.id)
    const used = new Set(endpoints.map((e) => e.properties.priority).filter((x) => x !== undefined))
    for (const e of endpoints) {
      const r = getResource(world, e.id) ?? putResource(world, {id: e.id, name: e.name, type: e.type, properties: {}})
      let priority = e.properties.priority
      // Azure gives an endpoint without a priority the lowest one no other endpoint of the profile has.
      for (let next = 1; priority === undefined; next++) if (!used.has(next)) used.add((priority = next))
      r.properties = {}
      patchEndpoint(r, {endpointStatus: 'Enabled', weight: 1, ...e.properties, priority})
    }
  }
  return profile
}

/** The endpoints of a profile PUT, each named and typed, none twice; Azure's messages for each fault. */
function endpointList(profileId: string, list: unknown): Array<{id: string; name: string; type: string; properties: Record<string, any>}> {
  if (!Array.isArray(list)) throw badRequest("'endpoints' must be an array.", 'InvalidRequestContent')
  const valid = Object.values(TM_ENDPOINT_TYPES).map((t) => `'${tmProfileType}/${t}'`).join(', ')
  const out = list.map((e: any) => {
    const name = e?.name ?? (typeof e?.id === 'string' ? e.id.split('/').pop() : undefined)
    if (typeof name !== 'string' || name.trim() === '' || name.length > 260) {
      throw badRequest(`Endpoint name '${name ?? ''}' is invalid. Endpoint names cannot be empty or all whitespace, and must be up to 260 alphanumeric characters long.`)
    }
    const given: unknown = e?.type ?? (typeof e?.id === 'string' ? e.id.split('/').slice(-2, -1)[0] : undefined)
    const t = typeof given === 'string' ? TM_ENDPOINT_TYPES[given.split('/').pop()!.toLowerCase()] : undefined
    if (!t) throw badRequest(`The type '${given ?? '<null>'}' specified for endpoint '${name}' is invalid. Valid endpoint types are: ${valid}.`)
    const properties = e?.properties ?? {}
    if (!properties.target && !properties.targetResourceId) throw badRequest(`The endpoint '${name}' must specify 'target' or 'targetResourceId'.`)
    return {id: `${profileId}/${t}/${name}`, name, type: `${tmProfileType}/${t}`, properties}
  })
  const seen = new Set<string>()
  const twice = out.filter((e) => seen.size === seen.add(e.name.toLowerCase()).size).map((e) => e.name)
  if (twice.length > 0) throw badRequest(`There are duplicates in the list of endpoints. The following endpoint(s) appear more than once: ${[...new Set(twice)].join(', ')}.`)
  return out
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
