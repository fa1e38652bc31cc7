// The emulated Azure Resource Manager operations: exactly those azfail uses, with the api-versions the installed
// SDKs send. Anything else answers ARM's 404 shape, loudly, never a silent 200.
import {isIP} from 'node:net'
import {etag} from './estate.ts'
import {recountZone} from './effects.ts'
import {
  type ArmRequest,
  type ArmResponse,
  type Params,
  type Route,
  ArmError,
  badRequest,
  header,
  jsonBody,
  notFound,
  page,
  route,
} from './http.ts'
import {operationInFlight, operationResult, operationStatus, startOperation} from './lro.ts'
import {type ArmResource, type World, childrenOf, getResource, key, putResource, resourceGroupOf, resourcesOfType} from './world.ts'

/** Supported api-versions per provider: the version the installed SDK sends first. */
export const API_VERSIONS = {
  trafficManager: ['2022-04-01', '2018-08-01'],
  cdn: ['2024-02-01', '2023-05-01'],
  privateDns: ['2024-06-01', '2020-06-01', '2018-09-01'],
  network: ['2026-01-01', '2024-05-01', '2023-09-01'],
  postgres: ['2025-08-01', '2024-08-01', '2022-12-01'],
  sql: ['2020-11-01-preview', '2021-11-01'],
  cosmos: ['2026-03-15', '2024-11-15'],
} as const

export interface ArmContext {
  world: World
  /** set by a `fail-lro` fault matching this request */
  failLro?: {code: string; message: string}
  /** the world changed: persist it */
  dirty: boolean
}

const SUB = '/subscriptions/{sub}'
const RG = `${SUB}/resourceGroups/{rg}`
const TM = `${RG}/providers/Microsoft.Network/trafficmanagerprofiles`
const CDN = `${RG}/providers/Microsoft.Cdn/profiles`
const DNS = `${RG}/providers/Microsoft.Network/privateDnsZones`
const PE = `${RG}/providers/Microsoft.Network/privateEndpoints`
const PG = `${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers`
const SQL = `${RG}/providers/Microsoft.Sql/servers`
const COSMOS = `${RG}/providers/Microsoft.DocumentDB/databaseAccounts`

const RECORD_TYPES_AZURE = ['A', 'AAAA', 'CNAME', 'MX', 'PTR', 'SOA', 'SRV', 'TXT']
const RECORD_TYPES_EMULATED = ['A', 'CNAME', 'TXT', 'SOA']

const TM_ENDPOINT_TYPES: Record<string, string> = {
  azureendpoints: 'azureEndpoints',
  externalendpoints: 'externalEndpoints',
  nestedendpoints: 'nestedEndpoints',
}

export function armRoutes(ctx: ArmContext): Route[] {
  const w = () => ctx.world
  const idOf = (req: ArmRequest) => req.path.replace(/\/+$/, '')
  const changed = () => (ctx.dirty = true)

  const get = (id: string, type: string): ArmResource => {
    const r = getResource(w(), id)
    if (!r || r.type.toLowerCase() !== type.toLowerCase()) throw notFound(type, id.split('/').pop()!, resourceGroupOf(id))
    return r
  }
  const subscriptionOk = (p: Params) => {
    if (p.sub.toLowerCase() !== w().subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${p.sub}' could not be found.`)
    }
  }
  const inGroup = (p: Params, r: ArmResource) => !p.rg || resourceGroupOf(r.id).toLowerCase() === p.rg.toLowerCase()
  const list = (req: ArmRequest, p: Params, type: string, pageSize = 100) => {
    subscriptionOk(p)
    return page(req, resourcesOfType(w(), type).filter((r) => inGroup(p, r)).map((r) => present(w(), r)), pageSize)
  }
  const ok = (body: unknown, status = 200): ArmResponse => ({status, body})

  // ---- Traffic Manager -------------------------------------------------------------------------------------
  const tmProfileType = 'Microsoft.Network/trafficManagerProfiles'
  const tmEndpoint = (p: Params): {id: string; type: string} => {
    const t = TM_ENDPOINT_TYPES[p.endpointType.toLowerCase()]
    if (!t) throw badRequest(`The endpoint type '${p.endpointType}' is not valid. Valid types are AzureEndpoints, ExternalEndpoints, NestedEndpoints.`)
    const profileId = `${TM.replace('{sub}', p.sub).replace('{rg}', p.rg)}/${p.profile}`
    get(profileId, tmProfileType)
    return {id: `${profileId}/${t}/${p.endpoint}`, type: `${tmProfileType}/${t}`}
  }
  const tmPatchEndpoint = (r: ArmResource, props: Record<string, any>) => {
    if (props.endpointStatus !== undefined && !['Enabled', 'Disabled'].includes(props.endpointStatus)) {
      throw badRequest(`The value '${props.endpointStatus}' of property 'endpointStatus' is not valid. Valid values are Enabled, Disabled.`)
    }
    const {endpointMonitorStatus: _ignored, ...writable} = props
    r.properties = {...r.properties, ...writable}
    r.properties.endpointMonitorStatus = r.properties.endpointStatus === 'Disabled' ? 'Disabled' : (r.sandbox?.health ?? 'Online')
  }

  const tm: Route[] = [
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
      tmPatchEndpoint(r, jsonBody(req).properties ?? {})
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
      tmPatchEndpoint(r, {endpointStatus: 'Enabled', ...props})
      changed()
      return ok(present(w(), r), existing ? 200 : 201)
    }),
  ]

  // ---- Front Door Standard/Premium -------------------------------------------------------------------------
  const cdnTypes = {profile: 'Microsoft.Cdn/profiles', group: 'Microsoft.Cdn/profiles/origingroups', origin: 'Microsoft.Cdn/profiles/origingroups/origins'}
  const cdn: Route[] = [
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

  // ---- Private DNS -----------------------------------------------------------------------------------------
  const zoneType = 'Microsoft.Network/privateDnsZones'
  const zoneOf = (p: Params) => get(`${DNS.replace('{sub}', p.sub).replace('{rg}', p.rg)}/${p.zone}`, zoneType)
  const recordType = (p: Params): string => {
    const t = p.recordType.toUpperCase()
    if (!RECORD_TYPES_AZURE.includes(t)) {
      throw badRequest(`The record type '${p.recordType}' is not valid. Valid record types are ${RECORD_TYPES_AZURE.join(', ')}.`, 'InvalidRecordType')
    }
    if (!RECORD_TYPES_EMULATED.includes(t)) {
      throw new ArmError(404, 'NotEmulated', `The azfail sandbox does not emulate ${t} record sets; it emulates ${RECORD_TYPES_EMULATED.join(', ')}.`)
    }
    return t
  }
  const recordsOf = (zone: ArmResource, type?: string) =>
    Object.values(w().resources)
      .filter((r) => r.type.startsWith(`${zoneType}/`) && !r.type.endsWith('virtualNetworkLinks') && key(r.id).startsWith(key(zone.id) + '/'))
      .filter((r) => !type || r.type.toUpperCase() === `${zoneType}/${type}`.toUpperCase())
      .sort((a, b) => a.name.localeCompare(b.name))
  const recordList = (req: ArmRequest, p: Params, type?: string) => {
    const zone = zoneOf(p)
    const suffix = req.query.get('$recordsetnamesuffix')?.toLowerCase()
    const items = recordsOf(zone, type).filter((r) => !suffix || r.name.toLowerCase().endsWith(suffix))
    return page(req, items.map((r) => present(w(), r)), 100)
  }
  const checkPreconditions = (req: ArmRequest, existing: ArmResource | undefined) => {
    const ifMatch = header(req, 'if-match')
    const ifNoneMatch = header(req, 'if-none-match')
    if (ifMatch !== undefined) {
      if (!existing) throw new ArmError(412, 'PreconditionFailed', `The condition '${ifMatch}' in the If-Match header was not satisfied: the record set does not exist.`)
      if (ifMatch !== '*' && stripQuotes(ifMatch) !== existing.etag) {
        throw new ArmError(412, 'PreconditionFailed', `The condition '${ifMatch}' in the If-Match header was not satisfied. The current etag is '${existing.etag}'.`)
      }
    }
    if (ifNoneMatch !== undefined && existing && (ifNoneMatch === '*' || stripQuotes(ifNoneMatch) === existing.etag)) {
      throw new ArmError(412, 'PreconditionFailed', `The condition '${ifNoneMatch}' in the If-None-Match header was not satisfied: the record set already exists with etag '${existing.etag}'.`)
    }
  }
  const recordData = (type: string, props: Record<string, any>, name: string): Record<string, any> => {
    const fields: Record<string, string> = {A: 'aRecords', CNAME: 'cnameRecord', TXT: 'txtRecords', SOA: 'soaRecord'}
    for (const [t, f] of Object.entries({...fields, AAAA: 'aaaaRecords', MX: 'mxRecords', PTR: 'ptrRecords', SRV: 'srvRecords'})) {
      if (t !== type && props[f] !== undefined) throw badRequest(`The record set of type ${type} cannot contain '${f}'.`, 'InvalidRecordSet')
    }
    const data: Record<string, any> = {}
    if (type === 'A' && props.aRecords !== undefined) {
      if (!Array.isArray(props.aRecords)) throw badRequest("'aRecords' must be an array.", 'InvalidRecordSet')
      for (const a of props.aRecords) {
        if (isIP(a?.ipv4Address ?? '') !== 4) throw badRequest(`The IPv4 address '${a?.ipv4Address}' in record set '${name}' is not valid.`, 'InvalidRecordSet')
      }
      data.aRecords = props.aRecords.map((a: any) => ({ipv4Address: a.ipv4Address}))
    }
    if (type === 'CNAME' && props.cnameRecord !== undefined) {
      const target = props.cnameRecord?.cname
      if (typeof target !== 'string' || target.length === 0) throw badRequest(`The CNAME record set '${name}' must have a 'cnameRecord.cname'.`, 'InvalidRecordSet')
      if (name === '@') throw badRequest('A CNAME record set cannot be created at the zone apex.', 'InvalidRecordSet')
      data.cnameRecord = {cname: target}
    }
    if (type === 'TXT' && props.txtRecords !== undefined) {
      if (!Array.isArray(props.txtRecords) || props.txtRecords.some((t: any) => !Array.isArray(t?.value) || t.value.some((v: any) => typeof v !== 'string'))) {
        throw badRequest("'txtRecords' must be an array of {value: string[]}.", 'InvalidRecordSet')
      }
      data.txtRecords = props.txtRecords.map((t: any) => ({value: [...t.value]}))
    }
    if (props.ttl !== undefined) {
      if (!Number.isInteger(props.ttl) || props.ttl < 0 || props.ttl > 2147483647) throw badRequest(`The TTL '${props.ttl}' is not valid: it must be an integer between 0 and 2147483647.`, 'InvalidRecordSet')
      data.ttl = props.ttl
    }
    if (props.metadata !== undefined) data.metadata = props.metadata
    return data
  }
  const cnameConflict = (zone: ArmResource, type: string, name: string) => {
    const others = recordsOf(zone).filter((r) => r.name.toLowerCase() === name.toLowerCase() && r.type.split('/').pop() !== type)
    if (others.length > 0 && (type === 'CNAME' || others.some((r) => r.type.endsWith('/CNAME')))) {
      throw new ArmError(409, 'Conflict', `The record set '${name}' cannot be created: a CNAME record set cannot coexist with another record set of the same name.`)
    }
  }

  const dns: Route[] = [
    route('GET', `${SUB}/providers/Microsoft.Network/privateDnsZones`, API_VERSIONS.privateDns, (req, p) => list(req, p, zoneType)),
    route('GET', DNS, API_VERSIONS.privateDns, (req, p) => list(req, p, zoneType)),
    route('GET', `${DNS}/{zone}`, API_VERSIONS.privateDns, (_req, p) => ok(present(w(), zoneOf(p)))),
    route('GET', `${DNS}/{zone}/virtualNetworkLinks`, API_VERSIONS.privateDns, (req, p) => {
      const zone = zoneOf(p)
      return page(req, childrenOf(w(), zone.id, 'virtualNetworkLinks').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${DNS}/{zone}/virtualNetworkLinks/{link}`, API_VERSIONS.privateDns, (req, p) => {
      zoneOf(p)
      return ok(present(w(), get(idOf(req), `${zoneType}/virtualNetworkLinks`)))
    }),
    route('GET', `${DNS}/{zone}/ALL`, API_VERSIONS.privateDns, (req, p) => recordList(req, p)),
    route('GET', `${DNS}/{zone}/{recordType}`, API_VERSIONS.privateDns, (req, p) => recordList(req, p, recordType(p))),
    route('GET', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (_req, p) => {
      const zone = zoneOf(p)
      const t = recordType(p)
      const r = getResource(w(), `${zone.id}/${t}/${p.name}`)
      if (!r) throw recordNotFound(p)
      return ok(present(w(), r))
    }),
    route('PUT', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (req, p) => {
      const zone = zoneOf(p)
      const t = recordType(p)
      if (t === 'SOA') throw badRequest('The SOA record set can only be updated, not created or replaced, and the sandbox does not emulate SOA updates.', 'NotEmulated')
      const body = jsonBody(req)
      const id = `${zone.id}/${t}/${p.name}`
      const existing = getResource(w(), id)
      checkPreconditions(req, existing)
      const data = recordData(t, body.properties ?? {}, p.name)
      if (data.ttl === undefined) throw badRequest(`The record set '${p.name}' must specify a TTL.`, 'InvalidRecordSet')
      cnameConflict(zone, t, p.name)
      const zoneName = zone.name
      const r: ArmResource = {
        id: existing?.id ?? id,
        name: p.name,
        type: `${zoneType}/${t}`,
        etag: etag(),
        properties: {metadata: {}, ...data, fqdn: p.name === '@' ? `${zoneName}.` : `${p.name}.${zoneName}.`, isAutoRegistered: false},
      }
      putResource(w(), r)
      recountZone(w(), zone.id)
      changed()
      return ok(present(w(), r), existing ? 200 : 201)
    }),
    route('PATCH', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (req, p) => {
      const zone = zoneOf(p)
      const t = recordType(p)
      const body = jsonBody(req)
      const r = getResource(w(), `${zone.id}/${t}/${p.name}`)
      if (!r) throw recordNotFound(p)
      checkPreconditions(req, r)
      r.properties = {...r.properties, ...recordData(t, body.properties ?? {}, p.name)}
      r.etag = etag()
      changed()
      return ok(present(w(), r))
    }),
    route('DELETE', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (req, p) => {
      const zone = zoneOf(p)
      const t = recordType(p)
      if (t === 'SOA') throw badRequest('The SOA record set cannot be deleted.', 'BadRequest')
      const r = getResource(w(), `${zone.id}/${t}/${p.name}`)
      checkPreconditions(req, r)
      if (!r) return {status: 204}
      delete w().resources[key(r.id)]
      recountZone(w(), zone.id)
      changed()
      return {status: 200}
    }),
  ]

  // ---- Network: private endpoints and their DNS zone groups ----------------------------------------------
  const peType = 'Microsoft.Network/privateEndpoints'
  const zgType = `${peType}/privateDnsZoneGroups`
  const network: Route[] = [
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
      const pe = get(idOf(req).replace(/\/privateDnsZoneGroups$/i, ''), peType)
      return page(req, childrenOf(w(), pe.id, 'privateDnsZoneGroups').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${PE}/{pe}/privateDnsZoneGroups/{group}`, API_VERSIONS.network, (req) => ok(present(w(), get(idOf(req), zgType)))),
    route('DELETE', `${PE}/{pe}/privateDnsZoneGroups/{group}`, API_VERSIONS.network, (req) => {
      const r = getResource(w(), idOf(req))
      if (!r) return {status: 204}
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

  // ---- PostgreSQL flexible server ----------------------------------------------------------------------------
  const pgType = 'Microsoft.DBforPostgreSQL/flexibleServers'
  const postgres: Route[] = [
    route('GET', `${SUB}/providers/Microsoft.DBforPostgreSQL/flexibleServers`, API_VERSIONS.postgres, (req, p) => list(req, p, pgType)),
    route('GET', PG, API_VERSIONS.postgres, (req, p) => list(req, p, pgType)),
    route('GET', `${PG}/{server}`, API_VERSIONS.postgres, (req) => ok(present(w(), get(idOf(req), pgType)))),
    route('PATCH', `${PG}/{server}`, API_VERSIONS.postgres, (req) => {
      const server = get(idOf(req), pgType)
      const props = jsonBody(req).properties ?? {}
      const others = Object.keys(props).filter((k) => k !== 'replica')
      if (others.length > 0 || !props.replica) {
        throw badRequest(`The azfail sandbox emulates only the replica promotion PATCH (properties.replica.promoteMode/promoteOption); it does not emulate updating ${others.join(', ') || 'an empty body'}.`, 'NotEmulated')
      }
      const mode = capitalize(props.replica.promoteMode ?? 'Standalone')
      const option = capitalize(props.replica.promoteOption ?? 'Planned')
      if (!['Switchover', 'Standalone'].includes(mode)) throw badRequest(`The value '${props.replica.promoteMode}' of 'replica.promoteMode' is not valid. Valid values are Standalone, Switchover.`)
      if (!['Planned', 'Forced'].includes(option)) throw badRequest(`The value '${props.replica.promoteOption}' of 'replica.promoteOption' is not valid. Valid values are Planned, Forced.`)
      const role = server.properties.replica?.role
      if (role !== 'AsyncReplica' && role !== 'GeoAsyncReplica') {
        throw badRequest(`The server '${server.name}' is not a read replica (its replication role is '${role}'); only a replica can be promoted.`, 'ReplicaPromotionNotAllowed')
      }
      busy(server)
      if (option === 'Planned' && server.properties.replica.replicationState !== 'Active') {
        throw badRequest(`Planned promotion of '${server.name}' requires replication state 'Active', but it is '${server.properties.replica.replicationState}'. Use promoteOption 'Forced' to promote anyway, accepting data loss.`, 'ReplicaNotActive')
      }
      server.properties.state = 'Updating'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.DBforPostgreSQL', location: server.location ?? 'global', resourceId: server.id,
        effect: {kind: 'promoteReplica', id: server.id, mode: mode as any, option: option as any},
        result: 'resource', status: 202, failWith: ctx.failLro,
      })
    }),
  ]

  // ---- SQL failover groups ---------------------------------------------------------------------------------
  const fogType = 'Microsoft.Sql/servers/failoverGroups'
  const fogOf = (p: Params): {fog: ArmResource; serverId: string} => {
    const serverId = `${SQL.replace('{sub}', p.sub).replace('{rg}', p.rg)}/${p.server}`
    const fog = resourcesOfType(w(), fogType).find(
      (f) => f.name.toLowerCase() === p.fog.toLowerCase() && [f.sandbox?.primaryId, f.sandbox?.secondaryId].some((s) => key(s ?? '') === key(serverId)),
    )
    if (!fog) throw notFound(fogType, `${p.server}/${p.fog}`, p.rg)
    return {fog, serverId}
  }
  const fogFailover = (allowDataLoss: boolean) => (req: ArmRequest, p: Params) => {
    const {fog, serverId} = fogOf(p)
    busy(fog)
    changed()
    const viewId = idOf(req).replace(/\/(failover|forceFailoverAllowDataLoss)$/i, '')
    return startOperation(w(), req, {
      namespace: 'Microsoft.Sql', location: getResource(w(), serverId)?.location ?? fog.location ?? 'global', resourceId: viewId,
      effect: {kind: 'failoverGroup', id: fog.id, toServerId: serverId, allowDataLoss}, result: 'resource', status: 202, failWith: ctx.failLro,
    })
  }
  const sql: Route[] = [
    route('GET', `${SQL}/{server}/failoverGroups`, API_VERSIONS.sql, (req, p) => {
      const serverId = idOf(req).replace(/\/failoverGroups$/i, '')
      const fogs = resourcesOfType(w(), fogType).filter((f) => [f.sandbox?.primaryId, f.sandbox?.secondaryId].some((s) => key(s ?? '') === key(serverId)))
      subscriptionOk(p)
      return page(req, fogs.map((f) => presentFailoverGroup(w(), f, serverId)), 100)
    }),
    route('GET', `${SQL}/{server}/failoverGroups/{fog}`, API_VERSIONS.sql, (_req, p) => {
      const {fog, serverId} = fogOf(p)
      return ok(presentFailoverGroup(w(), fog, serverId))
    }),
    route('POST', `${SQL}/{server}/failoverGroups/{fog}/failover`, API_VERSIONS.sql, fogFailover(false)),
    route('POST', `${SQL}/{server}/failoverGroups/{fog}/forceFailoverAllowDataLoss`, API_VERSIONS.sql, fogFailover(true)),
  ]

  // ---- Cosmos DB -------------------------------------------------------------------------------------------
  const cosmosType = 'Microsoft.DocumentDB/databaseAccounts'
  const cosmos: Route[] = [
    route('GET', `${SUB}/providers/Microsoft.DocumentDB/databaseAccounts`, API_VERSIONS.cosmos, (req, p) => list(req, p, cosmosType)),
    route('GET', COSMOS, API_VERSIONS.cosmos, (req, p) => list(req, p, cosmosType)),
    route('GET', `${COSMOS}/{account}`, API_VERSIONS.cosmos, (req) => ok(present(w(), get(idOf(req), cosmosType)))),
    route('POST', `${COSMOS}/{account}/failoverPriorityChange`, API_VERSIONS.cosmos, (req) => {
      const account = get(idOf(req).replace(/\/failoverPriorityChange$/i, ''), cosmosType)
      const policies = jsonBody(req).failoverPolicies
      if (!Array.isArray(policies)) throw badRequest("The request must contain 'failoverPolicies'.")
      const names = (account.properties.locations as any[]).map((l) => l.locationName.toLowerCase())
      const given = policies.map((x: any) => String(x?.locationName ?? '').toLowerCase())
      const priorities = policies.map((x: any) => x?.failoverPriority).sort((a: number, b: number) => a - b)
      if (given.length !== names.length || !names.every((n) => given.includes(n))) {
        throw badRequest(`Failover policies must list each of the account's regions exactly once: ${names.join(', ')}.`)
      }
      if (!priorities.every((x: number, i: number) => x === i)) {
        throw badRequest(`Failover priorities must be unique and run from 0 to ${names.length - 1}; 0 is the write region.`)
      }
      busy(account)
      account.properties.provisioningState = 'Updating'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.DocumentDB', location: account.location ?? 'global', resourceId: account.id,
        effect: {kind: 'cosmosFailoverPriority', id: account.id, policies}, result: 'empty', status: 202, failWith: ctx.failLro,
      })
    }),
  ]

  // ---- Operation status, for every namespace ----------------------------------------------------------------
  const allVersions = [...new Set(Object.values(API_VERSIONS).flat())]
  const operations: Route[] = [
    route('GET', `${SUB}/providers/{namespace}/locations/{location}/operationStatuses/{id}`, allVersions, (_req, p) => operationStatus(w(), p.id)),
    route('GET', `${SUB}/providers/{namespace}/locations/{location}/operationResults/{id}`, allVersions, (req, p) =>
      operationResult(w(), req, p.id, (resourceId) => presentById(w(), resourceId)),
    ),
  ]

  function busy(r: ArmResource) {
    const op = operationInFlight(w(), r.id)
    if (op) throw new ArmError(409, 'AnotherOperationInProgress', `Another operation (${op.id}) is in progress on '${r.name}'; retry when it completes.`)
  }

  return [...tm, ...cdn, ...dns, ...network, ...postgres, ...sql, ...cosmos, ...operations]
}

function recordNotFound(p: Params) {
  return new ArmError(404, 'NotFound', `The resource record '${p.name}' of type ${p.recordType.toUpperCase()} does not exist in zone '${p.zone}' of resource group '${p.rg}'.`)
}

const stripQuotes = (s: string) => s.replace(/^W\//, '').replace(/^"|"$/g, '')
const capitalize = (s: string) => String(s).charAt(0).toUpperCase() + String(s).slice(1).toLowerCase()

/** The resource as ARM returns it: no sandbox bookkeeping, and computed views where Azure computes them. */
export function present(world: World, r: ArmResource): Record<string, unknown> {
  const {sandbox: _s, ...out} = r
  if (r.type === 'Microsoft.Network/trafficManagerProfiles') {
    const endpoints = Object.values(world.resources)
      .filter((e) => e.type.startsWith('Microsoft.Network/trafficManagerProfiles/') && key(e.id).startsWith(key(r.id) + '/'))
      .map((e) => present(world, e))
    return {...out, properties: {...r.properties, endpoints}}
  }
  if (r.type === 'Microsoft.Sql/servers/failoverGroups') return presentFailoverGroup(world, r, r.sandbox?.primaryId)
  return structuredClone(out)
}

/** A failover group seen from one partner server: its own role, the partner's role, and an id under that server. */
export function presentFailoverGroup(world: World, fog: ArmResource, serverId: string): Record<string, unknown> {
  const {primaryId, secondaryId} = fog.sandbox as {primaryId: string; secondaryId: string}
  const isPrimary = key(serverId) === key(primaryId)
  const partnerId = isPrimary ? secondaryId : primaryId
  const server = getResource(world, serverId)
  const partner = getResource(world, partnerId)
  return {
    id: `${server?.id ?? serverId}/failoverGroups/${fog.name}`,
    name: fog.name,
    type: fog.type,
    location: server?.location,
    tags: fog.tags ?? {},
    properties: {
      ...structuredClone(fog.properties),
      replicationRole: isPrimary ? 'Primary' : 'Secondary',
      partnerServers: [{id: partner?.id ?? partnerId, location: partner?.location, replicationRole: isPrimary ? 'Secondary' : 'Primary'}],
    },
  }
}

function presentById(world: World, id: string): Record<string, unknown> {
  const direct = getResource(world, id)
  if (direct) return present(world, direct)
  const m = /^(.*\/servers\/[^/]+)\/failoverGroups\/([^/]+)$/i.exec(id)
  if (m) {
    const fog = resourcesOfType(world, 'Microsoft.Sql/servers/failoverGroups').find((f) => f.name.toLowerCase() === m[2].toLowerCase())
    if (fog) return presentFailoverGroup(world, fog, m[1])
  }
  throw new ArmError(404, 'ResourceNotFound', `The resource '${id}' was not found.`)
}
