// Front Door Standard/Premium (Microsoft.Cdn): profiles, origin groups, and the origin updates (PATCH, or a full PUT)
// that run as LROs.
import {type ArmRequest, type ArmResponse, type Route, badRequest, jsonBody, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {type ArmResource, childrenOf} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, type UpdateModel, asRequested, idOf, is, ok, present, provider, updatable} from './common.ts'

const CDN = `${RG}/providers/Microsoft.Cdn/profiles`
const cdnTypes = {profile: 'Microsoft.Cdn/profiles', group: 'Microsoft.Cdn/profiles/origingroups', origin: 'Microsoft.Cdn/profiles/origingroups/origins'}

/** AFDOriginUpdatePropertiesParameters, across the api-versions the routes accept. */
const originUpdate: UpdateModel = {
  type: cdnTypes.origin,
  writable: {
    azureOrigin: is.object,
    hostName: is.string,
    httpPort: is.int(1, 65535),
    httpsPort: is.int(1, 65535),
    originHostHeader: is.string,
    priority: is.int(1, 5),
    weight: is.int(1, 1000),
    sharedPrivateLinkResource: is.object,
    enabledState: is.oneOf('Enabled', 'Disabled'),
    enforceCertificateNameCheck: is.boolean,
    originShieldResource: is.object,
    certificateNameCheckValidationMode: is.string,
    customCertificateSubjects: is.strings,
  },
  readOnly: ['originGroupName', 'provisioningState', 'deploymentStatus'],
}

export function frontDoorRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, parent, list, busy} = provider(ctx)
  /** An origin update runs as a long-running operation: Updating now, the properties applied when it completes. */
  const updateOrigin = (req: ArmRequest, r: ArmResource, props: Record<string, any>, status: 200 | 202): ArmResponse => {
    busy(r)
    r.properties.provisioningState = 'Updating'
    r.properties.deploymentStatus = 'InProgress'
    changed()
    return startOperation(w(), req, {
      namespace: 'Microsoft.Cdn',
      location: 'global',
      resourceId: r.id,
      effect: {kind: 'mergeProperties', id: r.id, properties: props, settled: {provisioningState: 'Succeeded', deploymentStatus: 'Succeeded'}},
      result: 'resource',
      status,
      body: asRequested(present(w(), r), props, {provisioningState: 'Updating'}),
      failWith: ctx.failLro,
      location_header: false,
    })
  }
  return [
    route('GET', `${SUB}/providers/Microsoft.Cdn/profiles`, API_VERSIONS.cdn, (req, p) => list(req, p, cdnTypes.profile)),
    route('GET', CDN, API_VERSIONS.cdn, (req, p) => list(req, p, cdnTypes.profile)),
    route('GET', `${CDN}/{profile}`, API_VERSIONS.cdn, (req) => ok(present(w(), get(idOf(req), cdnTypes.profile)))),
    route('GET', `${CDN}/{profile}/originGroups`, API_VERSIONS.cdn, (req) => {
      const profile = parent(idOf(req).replace(/\/originGroups$/i, ''), cdnTypes.profile)
      return page(req, childrenOf(w(), profile.id, 'originGroups').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${CDN}/{profile}/originGroups/{group}`, API_VERSIONS.cdn, (req) => ok(present(w(), get(idOf(req), cdnTypes.group)))),
    route('GET', `${CDN}/{profile}/originGroups/{group}/origins`, API_VERSIONS.cdn, (req) => {
      const group = parent(idOf(req).replace(/\/origins$/i, ''), cdnTypes.group)
      return page(req, childrenOf(w(), group.id, 'origins').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${CDN}/{profile}/originGroups/{group}/origins/{origin}`, API_VERSIONS.cdn, (req) => ok(present(w(), get(idOf(req), cdnTypes.origin)))),
    route('PATCH', `${CDN}/{profile}/originGroups/{group}/origins/{origin}`, API_VERSIONS.cdn, (req) => {
      const r = get(idOf(req), cdnTypes.origin)
      return updateOrigin(req, r, updatable(originUpdate, jsonBody(req).properties), 202)
    }),
    // The full update a client makes after reading the origin (`az afd origin update`: GET, then PUT of what it read
    // with its changes): writable properties the body leaves out are reset, as a PUT replaces. Creating an origin is
    // not emulated: azfail and the runbooks' procedures only change existing ones.
    route('PUT', `${CDN}/{profile}/originGroups/{group}/origins/{origin}`, API_VERSIONS.cdn, (req) => {
      const r = get(idOf(req), cdnTypes.origin)
      const props = updatable(originUpdate, jsonBody(req).properties)
      if (typeof props.hostName !== 'string') throw badRequest("The origin's 'hostName' is required.", 'InvalidRequestContent')
      for (const name of Object.keys(originUpdate.writable)) if (!(name in props)) props[name] = null
      return updateOrigin(req, r, props, 200)
    }),
  ]
}
