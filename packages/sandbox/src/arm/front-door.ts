// Front Door Standard/Premium (Microsoft.Cdn): profiles, origin groups, and the origin PATCH that runs as an LRO.
import {type Route, jsonBody, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {childrenOf} from '../world.ts'
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
      const props = updatable(originUpdate, jsonBody(req).properties)
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
        status: 202,
        body: asRequested(present(w(), r), props, {provisioningState: 'Updating'}),
        failWith: ctx.failLro,
        location_header: false,
      })
    }),
  ]
}
