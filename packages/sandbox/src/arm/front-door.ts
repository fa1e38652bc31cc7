// Front Door Standard/Premium (Microsoft.Cdn): profiles, origin groups, and the origin PATCH that runs as an LRO.
import {type Route, badRequest, jsonBody, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {childrenOf} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const CDN = `${RG}/providers/Microsoft.Cdn/profiles`
const cdnTypes = {profile: 'Microsoft.Cdn/profiles', group: 'Microsoft.Cdn/profiles/origingroups', origin: 'Microsoft.Cdn/profiles/origingroups/origins'}

export function frontDoorRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, list, busy} = provider(ctx)
  return [
    route('GET', `${SUB}/providers/Microsoft.Cdn/profiles`, API_VERSIONS.cdn, (req, p) => list(req, p, cdnTypes.profile)),
    route('GET', CDN, API_VERSIONS.cdn, (req, p) => list(req, p, cdnTypes.profile)),
    route('GET', `${CDN}/{profile}`, API_VERSIONS.cdn, (req) => ok(present(w(), get(idOf(req), cdnTypes.profile)))),
    route('GET', `${CDN}/{profile}/originGroups`, API_VERSIONS.cdn, (req) => {
      const profile = get(idOf(req).replace(/\/originGroups$/i, ''), cdnTypes.profile)
      return page(req, childrenOf(w(), profile.id, 'originGroups').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${CDN}/{profile}/originGroups/{group}`, API_VERSIONS.cdn, (req) => ok(present(w(), get(idOf(req), cdnTypes.group)))),
    route('GET', `${CDN}/{profile}/originGroups/{group}/origins`, API_VERSIONS.cdn, (req) => {
      const group = get(idOf(req).replace(/\/origins$/i, ''), cdnTypes.group)
      return page(req, childrenOf(w(), group.id, 'origins').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${CDN}/{profile}/originGroups/{group}/origins/{origin}`, API_VERSIONS.cdn, (req) => ok(present(w(), get(idOf(req), cdnTypes.origin)))),
    route('PATCH', `${CDN}/{profile}/originGroups/{group}/origins/{origin}`, API_VERSIONS.cdn, (req) => {
      const r = get(idOf(req), cdnTypes.origin)
      const props = jsonBody(req).properties ?? {}
      const allowed = ['enabledState', 'priority', 'weight', 'hostName', 'originHostHeader', 'httpPort', 'httpsPort']
      const unknown = Object.keys(props).filter((k) => !allowed.includes(k))
      if (unknown.length > 0) throw badRequest(`The azfail sandbox does not emulate updating origin properties ${unknown.join(', ')}.`, 'NotEmulated')
      if (props.enabledState !== undefined && !['Enabled', 'Disabled'].includes(props.enabledState)) {
        throw badRequest(`The value '${props.enabledState}' of property 'enabledState' is not valid. Valid values are Enabled, Disabled.`)
      }
      busy(r)
      r.properties.provisioningState = 'Updating'
      r.properties.deploymentStatus = 'InProgress'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.Cdn',
        location: 'global',
        resourceId: r.id,
        effect: {kind: 'mergeProperties', id: r.id, properties: props},
        result: 'resource',
        status: 202,
        body: present(w(), r),
        failWith: ctx.failLro,
        location_header: false,
      })
    }),
  ]
}
