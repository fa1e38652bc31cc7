// The control endpoint (/_sandbox/...): health, the request log, faults, reset, raw state and mutations, settings,
// identities. It needs the sandbox's static token; it is how tests and game days steer the sandbox.
import {writeFileSync} from 'node:fs'
import {CONTROL_PATH, readRequestLog, requestLogFile} from './client.ts'
import type {EntraDirectory} from './entra.ts'
import {demoWorld} from './estate.ts'
import {validateFault} from './faults.ts'
import {type ArmRequest, type ArmResponse, ArmError} from './http.ts'
import type {LiveSandbox} from './live.ts'
import {getResource} from './world.ts'

export function controlRoutes(live: LiveSandbox, directory: EntraDirectory): (req: ArmRequest) => Promise<ArmResponse> {
  const {stateDir, store, faults, current} = live
  return async (req) => {
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
        const {ttl, postgres: withPostgres, tokenLifetimeSeconds: lifetime} = body()
        if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0)) throw new ArmError(400, 'InvalidRequestContent', "'ttl' must be a non-negative integer.")
        if (Boolean(withPostgres) !== Boolean(store.world.settings.postgres)) {
          throw new ArmError(409, 'Conflict', 'A running sandbox cannot start or stop its PostgreSQL servers; stop it, reset with or without --postgres, and start it again.')
        }
        if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime >= 1)) throw new ArmError(400, 'InvalidRequestContent', "'tokenLifetimeSeconds' must be a positive integer.")
        const tokenLifetimeSeconds = lifetime ?? store.world.settings.tokenLifetimeSeconds
        const world = demoWorld({ttl, postgres: withPostgres})
        if (tokenLifetimeSeconds !== undefined) world.settings.tokenLifetimeSeconds = tokenLifetimeSeconds
        store.replace(world)
        writeFileSync(requestLogFile(stateDir), '')
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
      if ((req.method === 'PATCH' || req.method === 'PUT') && sub === 'settings') {
        const w = current()
        const s = body()
        if (s.tokenLifetimeSeconds !== undefined && !(Number.isInteger(s.tokenLifetimeSeconds) && s.tokenLifetimeSeconds >= 1)) {
          throw new ArmError(400, 'InvalidRequestContent', "'tokenLifetimeSeconds' must be a positive integer.")
        }
        if (s.lroMs !== undefined) w.settings.lroMs = Number(s.lroMs)
        if (s.lroRetryAfterSeconds !== undefined) w.settings.lroRetryAfterSeconds = Number(s.lroRetryAfterSeconds)
        if (s.tokenLifetimeSeconds !== undefined) w.settings.tokenLifetimeSeconds = s.tokenLifetimeSeconds
        store.save()
        return {status: 200, body: w.settings}
      }
      if (req.method === 'GET' && sub === 'identities') return {status: 200, body: directory.published()}
      const identity = /^identities\/([^/]+)$/.exec(sub)
      if (req.method === 'PUT' && identity) return {status: 200, body: await directory.define(identity[1], body())}
      throw new ArmError(404, 'NotFound', `Unknown control route ${req.method} ${CONTROL_PATH}/${sub}. Routes: GET health|requests|faults|state|identities, POST faults|reset|mutate, PUT identities/{name}, DELETE faults[/id], PATCH|PUT settings.`)
    } catch (error) {
      if (error instanceof ArmError) return error.toResponse()
      if (error instanceof SyntaxError) return new ArmError(400, 'InvalidRequestContent', `The control request body is not valid JSON: ${error.message}`).toResponse()
      throw error
    }
  }
}
