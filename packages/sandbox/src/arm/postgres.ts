// PostgreSQL flexible server: get/list, and the PATCH that promotes a replica as an LRO.
import {type Route, badRequest, jsonBody, route} from '../http.ts'
import {startOperation} from '../lro.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const PG = `${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers`
const pgType = 'Microsoft.DBforPostgreSQL/flexibleServers'

export function postgresRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, list, busy} = provider(ctx)
  return [
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
}

const capitalize = (s: string) => String(s).charAt(0).toUpperCase() + String(s).slice(1).toLowerCase()
