// Long-running operations as ARM runs them: 201/202 with Azure-AsyncOperation + Location + Retry-After, a status
// resource to poll, and the effect applied when the operation's time is up. Operations are stored with a due time,
// so one started before a restart still completes after it.
import {randomUUID} from 'node:crypto'
import {applyEffect} from './effects.ts'
import {operationMs} from './latency.ts'
import {type ArmRequest, type ArmResponse, ArmError} from './http.ts'
import {type AsyncOperation, type Effect, type World, getResource, locationKey, subscriptionOf} from './world.ts'

export interface StartOptions {
  namespace: string
  location: string
  resourceId: string
  effect: Effect
  /** what the Location URL returns once done: the resource, 204, or 200 with no body (an action whose spec has no 204) */
  result: 'resource' | 'empty' | 'done'
  status: 200 | 201 | 202
  body?: unknown
  failWith?: {code: string; message: string}
  /** include a Location header (the operationResults URL) besides Azure-AsyncOperation */
  location_header?: boolean
}

export function startOperation(world: World, req: ArmRequest, o: StartOptions): ArmResponse {
  const id = randomUUID()
  const now = Date.now()
  const op: AsyncOperation = {
    id,
    namespace: o.namespace,
    location: locationKey(o.location),
    resourceId: o.resourceId,
    status: 'InProgress',
    startTime: new Date(now).toISOString(),
    dueAt: now + operationMs(world.settings, o.effect),
    effect: o.effect,
    result: o.result,
    ...(o.failWith ? {failWith: o.failWith} : {}),
  }
  world.operations[id] = op
  const apiVersion = req.query.get('api-version') ?? ''
  const base = `${req.baseUrl}/subscriptions/${subscriptionOf(op.resourceId) || world.subscriptionId}/providers/${o.namespace}/locations/${op.location}`
  const headers: Record<string, string> = {
    'Azure-AsyncOperation': `${base}/operationStatuses/${id}?api-version=${apiVersion}`,
    'Retry-After': String(world.settings.lroRetryAfterSeconds),
  }
  if (o.location_header !== false) headers.Location = `${base}/operationResults/${id}?api-version=${apiVersion}`
  return {status: o.status, headers, ...(o.body === undefined ? {} : {body: o.body})}
}

/** Completes every operation whose time is up. Returns true when the world changed. */
export function settle(world: World, now = Date.now()): boolean {
  let changed = false
  for (const op of Object.values(world.operations)) {
    if (op.status !== 'InProgress' || op.dueAt > now) continue
    changed = true
    op.endTime = new Date(now).toISOString()
    if (op.failWith) {
      op.status = 'Failed'
      op.error = op.failWith
      const r = getResource(world, op.resourceId)
      if (r) {
        if ('provisioningState' in r.properties) r.properties.provisioningState = 'Failed'
        if (r.properties.state === 'Updating') r.properties.state = 'Ready'
      }
      continue
    }
    try {
      applyEffect(world, op.effect)
      op.status = 'Succeeded'
    } catch (error) {
      op.status = 'Failed'
      op.error = {code: 'InternalServerError', message: (error as Error).message}
    }
  }
  // Keep the last hour of finished operations so late pollers still get an answer.
  for (const [id, op] of Object.entries(world.operations)) {
    if (op.status !== 'InProgress' && now - Date.parse(op.endTime ?? op.startTime) > 3600_000) {
      delete world.operations[id]
      changed = true
    }
  }
  return changed
}

export function operationStatus(world: World, id: string): ArmResponse {
  const op = findOperation(world, id)
  const body: Record<string, unknown> = {
    id: `/subscriptions/${subscriptionOf(op.resourceId) || world.subscriptionId}/providers/${op.namespace}/locations/${op.location}/operationStatuses/${op.id}`,
    name: op.id,
    status: op.status,
    startTime: op.startTime,
  }
  if (op.endTime) body.endTime = op.endTime
  if (op.error) body.error = op.error
  return {
    status: 200,
    body,
    headers: op.status === 'InProgress' ? {'Retry-After': String(world.settings.lroRetryAfterSeconds)} : {},
  }
}

export function operationResult(world: World, req: ArmRequest, id: string, present: (resourceId: string) => unknown): ArmResponse {
  const op = findOperation(world, id)
  if (op.status === 'InProgress') {
    return {status: 202, headers: {Location: req.baseUrl + req.path + '?' + req.query.toString(), 'Retry-After': String(world.settings.lroRetryAfterSeconds)}}
  }
  if (op.status === 'Failed') throw new ArmError(400, op.error!.code, op.error!.message)
  if (op.result === 'empty') return {status: 204}
  if (op.result === 'done') return {status: 200}
  return {status: 200, body: present(op.resourceId)}
}

export function operationInFlight(world: World, resourceId: string): AsyncOperation | undefined {
  const k = resourceId.toLowerCase()
  return Object.values(world.operations).find((op) => op.status === 'InProgress' && op.resourceId.toLowerCase() === k)
}

function findOperation(world: World, id: string): AsyncOperation {
  const op = world.operations[id]
  if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' was not found.`)
  return op
}
