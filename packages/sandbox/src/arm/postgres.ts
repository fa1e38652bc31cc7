// PostgreSQL flexible server: get/list, a server's read replicas, and the PATCH that updates a server or promotes a replica, as an LRO.
import {type ArmRequest, type Route, ArmError, badRequest, jsonBody, page, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {type ArmResource, getResource, key, locationKey, putResource, resourcesOfType} from '../world.ts'
import {PG_DOMAIN} from '../postgres.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, type UpdateModel, idOf, is, ok, present, provider, updatable} from './common.ts'

const PG = `${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers`
const pgType = 'Microsoft.DBforPostgreSQL/flexibleServers'
const REPLICA_ROLES = ['AsyncReplica', 'GeoAsyncReplica']

/** ServerForPatch's properties, across the api-versions the routes accept (2021-06-01 to 2026 previews). */
const serverUpdate: UpdateModel = {
  type: pgType,
  writable: {
    administratorLogin: is.string,
    administratorLoginPassword: is.string,
    version: is.string,
    storage: is.object,
    backup: is.object,
    highAvailability: is.object,
    maintenanceWindow: is.object,
    authConfig: is.object,
    dataEncryption: is.object,
    availabilityZone: is.string,
    createMode: is.oneOf('Default', 'Update'),
    replicationRole: is.string,
    replica: is.object,
    network: is.object,
    cluster: is.object,
  },
  readOnly: ['state', 'fullyQualifiedDomainName', 'minorVersion', 'replicaCapacity', 'sourceServerResourceId', 'privateEndpointConnections', 'pointInTimeUTC'],
}
/** Accepted, acted on, never stored or returned: a password, and how the request was meant. */
const WRITE_ONLY = ['administratorLoginPassword', 'createMode']

type Promotion = {mode: 'Switchover' | 'Standalone'; option: 'Planned' | 'Forced'}

export function postgresRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, parent, list, busy} = provider(ctx)
  return [
    route('GET', `${SUB}/providers/Microsoft.DBforPostgreSQL/flexibleServers`, API_VERSIONS.postgres, (req, p) => list(req, p, pgType)),
    route('GET', PG, API_VERSIONS.postgres, (req, p) => list(req, p, pgType)),
    route('GET', `${PG}/{server}`, API_VERSIONS.postgres, (req) => ok(present(w(), get(idOf(req), pgType)))),
    // Replicas_ListByServer (`az postgres flexible-server replica list`): the servers replicating from this one.
    route('GET', `${PG}/{server}/replicas`, API_VERSIONS.postgres, (req) => {
      const source = parent(idOf(req).replace(/\/replicas$/i, ''), pgType)
      const replicas = resourcesOfType(w(), pgType).filter((r) => key(r.properties.sourceServerResourceId ?? '') === key(source.id) && REPLICA_ROLES.includes(r.properties.replica?.role ?? r.properties.replicationRole))
      return page(req, replicas.map((r) => present(w(), r)), 100)
    }),
    route('PUT', `${PG}/{server}`, API_VERSIONS.postgres, (req, p) => createReplica(ctx, req, p.server)),
    route('DELETE', `${PG}/{server}`, API_VERSIONS.postgres, (req) => {
      const server = getResource(w(), idOf(req))
      if (!server) return {status: 204}
      busy(server)
      if (resourcesOfType(w(), pgType).some((r) => r !== server && key(r.properties.sourceServerResourceId ?? '') === key(server.id) && REPLICA_ROLES.includes(r.properties.replica?.role))) {
        throw badRequest(`The server '${server.name}' has read replicas; promote or delete them before deleting it.`, 'ServerHasReplicas')
      }
      server.properties.state = 'Dropping'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.DBforPostgreSQL', location: server.location ?? 'global', resourceId: server.id,
        effect: {kind: 'deleteServer', id: server.id}, result: 'empty', status: 202, failWith: ctx.failLro,
      })
    }),
    route('PATCH', `${PG}/{server}`, API_VERSIONS.postgres, (req) => {
      const server = get(idOf(req), pgType)
      const {props, sku, tags} = serverPatch(req)
      const promotion = promotionOf(server, props)
      const rest = Object.keys(props).filter((k) => !['replica', 'replicationRole'].includes(k))
      if (promotion && (rest.length > 0 || sku || tags)) {
        throw badRequest(`Promoting '${server.name}' cannot be combined with other updates (${[...rest, ...(sku ? ['sku'] : []), ...(tags ? ['tags'] : [])].join(', ')}); send them separately.`)
      }
      busy(server)
      if (promotion?.option === 'Planned' && server.properties.replica?.replicationState !== 'Active') {
        throw badRequest(`Planned promotion of '${server.name}' requires replication state 'Active', but it is '${server.properties.replica?.replicationState}'. Use promoteOption 'Forced' to promote anyway, accepting data loss.`, 'ReplicaNotActive')
      }
      const stored = Object.fromEntries(Object.entries(props).filter(([k]) => !WRITE_ONLY.includes(k) && k !== 'replica' && k !== 'replicationRole'))
      server.properties.state = 'Updating'
      changed()
      return startOperation(w(), req, {
        namespace: 'Microsoft.DBforPostgreSQL', location: server.location ?? 'global', resourceId: server.id,
        effect: promotion
          ? {kind: 'promoteReplica', id: server.id, ...promotion}
          : {kind: 'mergeProperties', id: server.id, properties: stored, settled: {state: 'Ready'}, ...(sku ? {sku} : {}), ...(tags ? {tags} : {})},
        result: 'resource', status: 202, failWith: ctx.failLro,
      })
    }),
  ]
}

/** The PATCH body: the server's updatable properties, and the sku and tags beside them. */
function serverPatch(req: ArmRequest): {props: Record<string, any>; sku?: Record<string, any>; tags?: Record<string, string>} {
  const body = jsonBody(req)
  for (const k of Object.keys(body)) {
    if (!['properties', 'sku', 'identity', 'tags', 'id', 'name', 'type', 'location', 'systemData'].includes(k)) {
      throw badRequest(`'${k}' is not a property of ${pgType} that can be updated.`, 'InvalidRequestContent')
    }
  }
  if (body.sku !== undefined && is.object(body.sku)) throw badRequest("'sku' must be an object with 'name' and 'tier'.")
  if (body.tags !== undefined && is.object(body.tags)) throw badRequest("'tags' must be an object of strings.")
  return {props: updatable(serverUpdate, body.properties), sku: body.sku, tags: body.tags}
}

/**
 * What promotion, if any, the update asks for: `replica.promoteMode`/`promoteOption` (2023-06-01-preview and later), or
 * the older `replicationRole: None` that azure-cli's stop-replication sends, which promotes to standalone without
 * waiting for the replica to catch up.
 */
function promotionOf(server: ArmResource, props: Record<string, any>): Promotion | undefined {
  const role: string = server.properties.replica?.role ?? server.properties.replicationRole
  const {promoteMode, promoteOption, role: askedRole} = props.replica ?? {}
  let promotion: Promotion | undefined
  if (promoteMode !== undefined || promoteOption !== undefined) {
    const mode = capitalize(promoteMode ?? 'Standalone')
    const option = capitalize(promoteOption ?? 'Planned')
    if (mode !== 'Switchover' && mode !== 'Standalone') throw badRequest(`The value '${promoteMode}' of 'replica.promoteMode' is not valid. Valid values are Standalone, Switchover.`)
    if (option !== 'Planned' && option !== 'Forced') throw badRequest(`The value '${promoteOption}' of 'replica.promoteOption' is not valid. Valid values are Planned, Forced.`)
    promotion = {mode, option}
  }
  for (const [field, asked] of [['replicationRole', props.replicationRole], ['replica.role', askedRole]] as const) {
    if (asked === undefined || asked === null || String(asked).toLowerCase() === String(role).toLowerCase()) continue
    if (String(asked).toLowerCase() !== 'none') {
      throw badRequest(`'${field}' can only be set to 'None', which promotes a read replica to a standalone server; '${asked}' is not a role a server can be given.`)
    }
    promotion ??= {mode: 'Standalone', option: 'Forced'}
  }
  if (promotion && !REPLICA_ROLES.includes(role)) {
    throw badRequest(`The server '${server.name}' is not a read replica (its replication role is '${role}'); only a replica can be promoted.`, 'ReplicaPromotionNotAllowed')
  }
  return promotion
}

const capitalize = (s: string) => String(s).charAt(0).toUpperCase() + String(s).slice(1).toLowerCase()

/**
 * PUT with `createMode: Replica` (Azure's "ServerCreateReplica" example): a read replica of `sourceServerResourceId`,
 * created as a long-running operation. With real PostgreSQL, the sandbox runs pg_basebackup from the source when it
 * completes; the new server takes the loopback address a deleted server of that name had.
 */
function createReplica(ctx: ArmContext, req: ArmRequest, name: string) {
  const w = ctx.world
  const id = idOf(req)
  if (getResource(w, id)) {
    throw new ArmError(409, 'NotEmulated', `The azfail sandbox does not emulate updating '${name}' with PUT; use PATCH (ServerForPatch) for an existing server.`)
  }
  const body = jsonBody(req)
  const props = body.properties ?? {}
  if (String(props.createMode ?? '').toLowerCase() !== 'replica') {
    throw new ArmError(400, 'NotEmulated', `The azfail sandbox creates servers with createMode 'Replica' only (re-creating a read replica after a standalone promotion); '${props.createMode ?? 'Default'}' is not emulated.`)
  }
  if (typeof body.location !== 'string') throw badRequest("'location' is required.", 'InvalidRequestContent')
  const source = typeof props.sourceServerResourceId === 'string' ? getResource(w, props.sourceServerResourceId) : undefined
  if (!source || source.type.toLowerCase() !== pgType.toLowerCase()) {
    throw badRequest(`'properties.sourceServerResourceId' must name an existing flexible server; '${props.sourceServerResourceId}' does not.`, 'InvalidSourceServer')
  }
  if (REPLICA_ROLES.includes(source.properties.replica?.role)) throw badRequest(`'${source.name}' is itself a read replica; a replica's source must be a primary.`, 'InvalidSourceServer')
  const address = w.settings.postgresAddresses?.[name.toLowerCase()]
  if (w.settings.postgres && !address) {
    throw new ArmError(400, 'NotEmulated', `The sandbox runs real PostgreSQL only at the loopback addresses of its estate's servers; re-create the replica under the name of a deleted one (${Object.keys(w.settings.postgresAddresses ?? {}).join(', ') || 'none deleted yet'}).`)
  }
  const role = locationKey(body.location) === locationKey(source.location ?? '') ? 'AsyncReplica' : 'GeoAsyncReplica'
  const {replica: _r, replicationRole: _rr, replicaCapacity: _rc, sourceServerResourceId: _s, state: _st, fullyQualifiedDomainName: _f, highAvailability: _ha, ...inherited} = source.properties
  const server: ArmResource = {
    id,
    name,
    type: pgType,
    location: body.location,
    sku: body.sku ?? source.sku,
    tags: body.tags ?? {},
    properties: {
      ...inherited,
      ...(props.network ? {network: props.network} : {}),
      state: 'Provisioning',
      fullyQualifiedDomainName: `${name}.${PG_DOMAIN}`,
      highAvailability: {mode: 'Disabled', state: 'NotEnabled'},
      replicationRole: role,
      replicaCapacity: 0,
      replica: {role, capacity: 0, replicationState: 'Provisioning'},
      sourceServerResourceId: source.id,
    },
    ...(address ? {sandbox: {address}} : {}),
  }
  putResource(w, server)
  // A standalone server that gains a replica is a primary again.
  if (source.properties.replica?.role === 'None') {
    source.properties.replica = {role: 'Primary', capacity: 5}
    source.properties.replicationRole = 'Primary'
    source.properties.replicaCapacity = 5
  }
  if (address) delete w.settings.postgresAddresses![name.toLowerCase()]
  ctx.dirty = true
  return startOperation(w, req, {
    namespace: 'Microsoft.DBforPostgreSQL', location: body.location, resourceId: server.id,
    effect: {kind: 'mergeProperties', id: server.id, properties: {}, settled: {state: 'Ready'}},
    result: 'resource', status: 202, body: present(w, server), failWith: ctx.failLro,
  })
}
