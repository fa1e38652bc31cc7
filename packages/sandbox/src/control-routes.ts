// The control endpoint (/_sandbox/...): health, the request log, faults, outages, vantage behaviours, reset, raw state
// and mutations, settings, identities. It needs the sandbox's static token; it is how tests and game days steer the sandbox.
import {writeFileSync} from 'node:fs'
import {CONTROL_PATH, connectionFile, readConnection, readRequestLog, requestLogFile} from './client.ts'
import type {EntraDirectory} from './entra.ts'
import {ESTATE_NAMES, bundledWorld, isEstateName} from './estates.ts'
import {validateFault} from './faults.ts'
import {applyOutage, outageOf, validateOutage} from './outage.ts'
import {parseLatencyProfile} from './latency.ts'
import {applyVantage, validateVantage, vantagesOf} from './vantage.ts'
import {type ArmRequest, type ArmResponse, ArmError} from './http.ts'
import {type LiveSandbox, isReplica, postgresServers} from './live.ts'
import {getResource, subscriptionsOf} from './world.ts'

export function controlRoutes(live: LiveSandbox, directory: EntraDirectory): (req: ArmRequest) => Promise<ArmResponse> {
  const {stateDir, store, faults, settled, current} = live
  // Steering (faults, outages, settings) is answered while the real servers work; the world's resources wait for them.
  return async (req) => {
    const sub = req.path.slice(CONTROL_PATH.length).replace(/^\//, '')
    const body = () => (req.rawBody ? JSON.parse(req.rawBody) : {})
    try {
      if (req.method === 'GET' && sub === 'health') return {status: 200, body: {ok: true, pid: process.pid, stateDir}}
      if (req.method === 'GET' && sub === 'requests') return {status: 200, body: {value: readRequestLog(stateDir)}}
      if (req.method === 'GET' && sub === 'faults') return {status: 200, body: {value: settled().faults}}
      if (req.method === 'POST' && sub === 'faults') {
        settled()
        const fault = faults.add(validateFault(body()))
        store.save()
        return {status: 201, body: fault}
      }
      if (req.method === 'DELETE' && sub.startsWith('faults')) {
        const w = settled()
        const id = sub.split('/')[1]
        w.faults = id ? w.faults.filter((f) => f.id !== id) : []
        store.save()
        return {status: 204}
      }
      if (req.method === 'GET' && sub === 'outage') return {status: 200, body: outageOf(settled())}
      if (req.method === 'POST' && sub === 'outage') {
        const w = settled()
        applyOutage(w, validateOutage(body(), w))
        store.save()
        return {status: 200, body: outageOf(w)}
      }
      if (req.method === 'DELETE' && sub === 'outage') {
        delete settled().outage
        store.save()
        return {status: 204}
      }
      if (req.method === 'GET' && sub === 'vantage') return {status: 200, body: {value: vantagesOf(settled())}}
      if (req.method === 'POST' && sub === 'vantage') {
        const w = settled()
        const spec = validateVantage(body(), w)
        applyVantage(w, spec)
        store.save()
        return {status: 200, body: spec}
      }
      if (req.method === 'DELETE' && (sub === 'vantage' || sub.startsWith('vantage/'))) {
        const w = settled()
        const region = sub.split('/')[1]
        if (region) applyVantage(w, validateVantage({region, behaviour: 'normal'}, w))
        else delete w.vantages
        store.save()
        return {status: 204}
      }
      if (req.method === 'POST' && sub === 'reset') {
        const {ttl, postgres: withPostgres, estate, tokenLifetimeSeconds: lifetime, latency} = body()
        if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0)) throw new ArmError(400, 'InvalidRequestContent', "'ttl' must be a non-negative integer.")
        if (estate !== undefined && !isEstateName(estate)) throw new ArmError(400, 'InvalidRequestContent', `'estate' must be one of ${ESTATE_NAMES.join(', ')}.`)
        const timing = latency === undefined ? {} : {latency: latencyOf(latency)}
        if (Boolean(withPostgres) !== Boolean(store.world.settings.postgres)) {
          throw new ArmError(409, 'Conflict', 'A running sandbox cannot start or stop its PostgreSQL servers; stop it, reset with or without --postgres, and start it again.')
        }
        // a reset keeps the token lifetime unless it names one
        store.replace(bundledWorld({ttl, postgres: withPostgres, estate, ...timing, tokenLifetimeSeconds: tokenLifetimeOf(lifetime) ?? store.world.settings.tokenLifetimeSeconds}))
        writeFileSync(requestLogFile(stateDir), '')
        // the reset is done when the real servers have the estate's roles again
        await current()
        // Another estate serves other subscriptions: what this sandbox published says so.
        const published = readConnection(stateDir)
        if (published?.pid === process.pid) {
          const subscriptions = subscriptionsOf(store.world)
          writeFileSync(connectionFile(stateDir), JSON.stringify({...published, tenantId: store.world.tenantId, subscriptionId: subscriptions[0], subscriptions}, null, 2) + '\n', {mode: 0o600})
        }
        return {status: 200, body: {ok: true}}
      }
      if (req.method === 'GET' && sub === 'state') return {status: 200, body: await current()}
      if (req.method === 'POST' && sub === 'mutate') {
        const {id, properties, sandbox, remove} = body()
        const w = await current()
        const r = getResource(w, String(id ?? ''))
        if (!r) throw new ArmError(404, 'ResourceNotFound', `No resource with id '${id}' in the sandbox.`)
        if (remove) delete w.resources[r.id.toLowerCase()]
        if (properties) r.properties = {...r.properties, ...properties}
        if (sandbox) r.sandbox = {...r.sandbox, ...sandbox}
        store.save()
        return {status: 200, body: r}
      }
      const replication = /^postgres\/([^/]+)\/replication$/.exec(sub)
      if (req.method === 'POST' && replication) return pauseReplication(live, replication[1], body())
      if ((req.method === 'PATCH' || req.method === 'PUT') && sub === 'settings') {
        const w = settled()
        const s = body()
        if (s.lroMs !== undefined) w.settings.lroMs = Number(s.lroMs)
        if (s.lroRetryAfterSeconds !== undefined) w.settings.lroRetryAfterSeconds = Number(s.lroRetryAfterSeconds)
        if (s.tokenLifetimeSeconds !== undefined) w.settings.tokenLifetimeSeconds = tokenLifetimeOf(s.tokenLifetimeSeconds)
        if (s.latency !== undefined) w.settings.latency = latencyOf(s.latency)
        if (s.latencySeed !== undefined) w.settings.latencySeed = Number(s.latencySeed)
        if (s.vantageTimeoutSeconds !== undefined) w.settings.vantageTimeoutSeconds = vantageTimeoutOf(s.vantageTimeoutSeconds)
        store.save()
        return {status: 200, body: w.settings}
      }
      if (req.method === 'GET' && sub === 'identities') return {status: 200, body: directory.published()}
      const identity = /^identities\/([^/]+)$/.exec(sub)
      if (req.method === 'PUT' && identity) return {status: 200, body: await directory.define(identity[1], body())}
      throw new ArmError(404, 'NotFound', `Unknown control route ${req.method} ${CONTROL_PATH}/${sub}. Routes: GET health|requests|faults|outage|vantage|state|identities, POST faults|outage|vantage|reset|mutate|postgres/{server}/replication, PUT identities/{name}, DELETE faults[/id]|outage|vantage[/region], PATCH|PUT settings.`)
    } catch (error) {
      if (error instanceof ArmError) return error.toResponse()
      if (error instanceof SyntaxError) return new ArmError(400, 'InvalidRequestContent', `The control request body is not valid JSON: ${error.message}`).toResponse()
      throw error
    }
  }
}

/**
 * Stops or restarts a standby's WAL receiver (`{"paused": true|false}`), so a test can commit rows on the primary that
 * never reach the replica, and see exactly what a forced promotion loses.
 */
async function pauseReplication(live: LiveSandbox, server: string, body: {paused?: unknown}): Promise<ArmResponse> {
  if (typeof body.paused !== 'boolean') throw new ArmError(400, 'InvalidRequestContent', "'paused' must be true or false.")
  const w = await live.current()
  const r = postgresServers(w).find((s) => s.name.toLowerCase() === server.toLowerCase())
  if (!r || !live.postgres) throw new ArmError(404, 'ResourceNotFound', `The sandbox runs no PostgreSQL for '${server}' (reset with --postgres to run real servers).`)
  if (!isReplica(r)) throw new ArmError(409, 'Conflict', `'${r.name}' is not a read replica (its role is ${r.properties.replica?.role}); only a replica's replication can be paused.`)
  r.sandbox = {...r.sandbox, replicationPaused: body.paused}
  live.store.save()
  const after = postgresServers(await live.current()).find((s) => s.name === r.name)!
  return {status: 200, body: {server: r.name, paused: body.paused, replicationState: after.properties.replica?.replicationState}}
}

function tokenLifetimeOf(value: unknown): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) throw new ArmError(400, 'InvalidRequestContent', "'tokenLifetimeSeconds' must be a positive integer.")
  return value as number | undefined
}

function vantageTimeoutOf(value: unknown): number {
  if (!(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 3600)) throw new ArmError(400, 'InvalidRequestContent', "'vantageTimeoutSeconds' must be an integer from 1 to 3600.")
  return value as number
}

function latencyOf(value: unknown) {
  try {
    return parseLatencyProfile(value)
  } catch (error) {
    throw new ArmError(400, 'InvalidRequestContent', `${(error as Error).message}.`)
  }
}
