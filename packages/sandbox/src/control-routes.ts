// The control endpoint (/_sandbox/...): health, the request log, faults, reset, raw state and mutations, settings.
// It needs the sandbox's token like ARM does; it is how tests and game days steer the sandbox.
import {writeFileSync} from 'node:fs'
import {CONTROL_PATH, connectionFile, readConnection, readRequestLog, requestLogFile} from './client.ts'
import {ESTATE_NAMES, bundledWorld, isEstateName} from './estates.ts'
import {validateFault} from './faults.ts'
import {parseLatencyProfile} from './latency.ts'
import {type ArmRequest, type ArmResponse, ArmError} from './http.ts'
import type {LiveSandbox} from './live.ts'
import {getResource, subscriptionsOf} from './world.ts'

export function controlRoutes(live: LiveSandbox): (req: ArmRequest) => ArmResponse {
  const {stateDir, store, faults, current} = live
  return (req) => {
    const sub = req.path.slice(CONTROL_PATH.length).replace(/^\//, '')
    const body = () => (req.rawBody ? JSON.parse(req.rawBody) : {})
    try {
      if (req.method === 'GET' && sub === 'health') return {status: 200, body: {ok: true, pid: process.pid, stateDir}}
      if (req.method === 'GET' && sub === 'requests') return {status: 200, body: {value: readRequestLog(stateDir)}}
      if (req.method === 'GET' && sub === 'faults') return {status: 200, body: {value: current().faults}}
      if (req.method === 'POST' && sub === 'faults') {
        current()
        const fault = faults.add(validateFault(body()))
        store.save()
        return {status: 201, body: fault}
      }
      if (req.method === 'DELETE' && sub.startsWith('faults')) {
        const w = current()
        const id = sub.split('/')[1]
        w.faults = id ? w.faults.filter((f) => f.id !== id) : []
        store.save()
        return {status: 204}
      }
      if (req.method === 'POST' && sub === 'reset') {
        const {ttl, postgres: withPostgres, estate, latency} = body()
        if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0)) throw new ArmError(400, 'InvalidRequestContent', "'ttl' must be a non-negative integer.")
        if (estate !== undefined && !isEstateName(estate)) throw new ArmError(400, 'InvalidRequestContent', `'estate' must be one of ${ESTATE_NAMES.join(', ')}.`)
        const timing = latency === undefined ? {} : {latency: latencyOf(latency)}
        if (Boolean(withPostgres) !== Boolean(store.world.settings.postgres)) {
          throw new ArmError(409, 'Conflict', 'A running sandbox cannot start or stop its PostgreSQL servers; stop it, reset with or without --postgres, and start it again.')
        }
        store.replace(bundledWorld({ttl, postgres: withPostgres, estate, ...timing}))
        writeFileSync(requestLogFile(stateDir), '')
        // Another estate serves other subscriptions: what this sandbox published says so.
        const published = readConnection(stateDir)
        if (published?.pid === process.pid) {
          const subscriptions = subscriptionsOf(store.world)
          writeFileSync(connectionFile(stateDir), JSON.stringify({...published, tenantId: store.world.tenantId, subscriptionId: subscriptions[0], subscriptions}, null, 2) + '\n', {mode: 0o600})
        }
        return {status: 200, body: {ok: true}}
      }
      if (req.method === 'GET' && sub === 'state') return {status: 200, body: current()}
      if (req.method === 'POST' && sub === 'mutate') {
        const {id, properties, sandbox, remove} = body()
        const w = current()
        const r = getResource(w, String(id ?? ''))
        if (!r) throw new ArmError(404, 'ResourceNotFound', `No resource with id '${id}' in the sandbox.`)
        if (remove) delete w.resources[r.id.toLowerCase()]
        if (properties) r.properties = {...r.properties, ...properties}
        if (sandbox) r.sandbox = {...r.sandbox, ...sandbox}
        store.save()
        return {status: 200, body: r}
      }
      if (req.method === 'PATCH' && sub === 'settings') {
        const w = current()
        const s = body()
        if (s.lroMs !== undefined) w.settings.lroMs = Number(s.lroMs)
        if (s.lroRetryAfterSeconds !== undefined) w.settings.lroRetryAfterSeconds = Number(s.lroRetryAfterSeconds)
        if (s.latency !== undefined) w.settings.latency = latencyOf(s.latency)
        if (s.latencySeed !== undefined) w.settings.latencySeed = Number(s.latencySeed)
        store.save()
        return {status: 200, body: w.settings}
      }
      throw new ArmError(404, 'NotFound', `Unknown control route ${req.method} ${CONTROL_PATH}/${sub}. Routes: GET health|requests|faults|state, POST faults|reset|mutate, DELETE faults[/id], PATCH settings.`)
    } catch (error) {
      if (error instanceof ArmError) return error.toResponse()
      if (error instanceof SyntaxError) return new ArmError(400, 'InvalidRequestContent', `The control request body is not valid JSON: ${error.message}`).toResponse()
      throw error
    }
  }
}

function latencyOf(value: unknown) {
  try {
    return parseLatencyProfile(value)
  } catch (error) {
    throw new ArmError(400, 'InvalidRequestContent', `${(error as Error).message}.`)
  }
}
