// Microsoft.Authorization as azfail reads it: the caller's own permissions at a scope (what `@azure/arm-authorization`'s
// permissions.listForResourceGroup / listForResource read), and management locks at subscription, resource-group and
// resource scope (what `@azure/arm-locks`' ManagementLockClient calls), which make a DELETE (CanNotDelete) or any
// change (ReadOnly) under them fail with 409 ScopeLocked, as in Azure.
import {type ArmRequest, type ArmResponse, type Route, ArmError, badRequest, jsonBody, page} from '../http.ts'
import {armAction, assignmentsAt, covers, isAuthorizationPath} from '../rbac.ts'
import {type ArmResource, type World, getResource, key} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, ok} from './common.ts'

/** A scope azfail may name: a subscription, a resource group, or a resource in one. */
const SCOPE = String.raw`(\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+)(?:\/providers\/(?!Microsoft\.Authorization\/).+)?)?)`
const LOCK_TYPE = 'Microsoft.Authorization/locks'
const LEVELS = ['CanNotDelete', 'ReadOnly']

/** A route whose path is any scope followed by `suffix`; its params: scope, sub, rg (when in one) and name. Its template names the resource-group form. */
function scopeRoute(method: string, suffix: string, apiVersions: readonly string[], handler: Route['handler']): Route {
  const last = suffix.endsWith('{name}')
  const tail = suffix.replace('{name}', '([^/]+)').replace(/\./g, '\\.')
  return {method, pattern: new RegExp(`^${SCOPE}${tail}/?$`, 'i'), names: ['scope', 'sub', 'rg', ...(last ? ['name'] : [])], template: `${RG}${suffix}`, apiVersions, handler}
}

export function authorizationRoutes(ctx: ArmContext): Route[] {
  const w = () => ctx.world
  const locks = () => (w().locks ??= {})
  /** The resource a scope names exists (`scoped` has checked its subscription and resource group). */
  const existing = (p: Record<string, string>): string => {
    const scope = p.scope.replace(/\/+$/, '')
    if (/\/providers\//i.test(scope) && !getResource(w(), scope)) {
      throw new ArmError(404, 'ResourceNotFound', `The Resource '${scope.split('/providers/').pop()}' under resource group '${p.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`)
    }
    return scope
  }
  const lockId = (scope: string, name: string) => `${scope}/providers/${LOCK_TYPE}/${name}`
  const lockOf = (scope: string, name: string): ArmResource => {
    const lock = locks()[key(lockId(scope, name))]
    if (!lock) throw new ArmError(404, 'LockNotFound', `The lock '${name}' could not be found.`)
    return lock
  }
  /** Without a filter, the locks at the scope and below it; with `$filter=atScope()`, those at it and above (inherited). */
  const listLocks = (req: ArmRequest, scope: string): ArmResponse => {
    const atScope = /^\s*atScope\(\)\s*$/i.test(req.query.get('$filter') ?? '')
    const items = Object.values(locks()).filter((l) => (atScope ? covers(lockScope(l), scope) : covers(scope, lockScope(l))))
    return page(req, items.map((l) => structuredClone(l)), 100)
  }
  const putLock = (req: ArmRequest, scope: string, name: string): ArmResponse => {
    const body = jsonBody(req)
    const level = body.properties?.level
    if (!LEVELS.includes(level)) throw badRequest(`The lock level '${level ?? ''}' is not valid: 'properties.level' must be one of ${LEVELS.join(', ')}.`, 'InvalidLockLevel')
    const id = lockId(scope, name)
    const created = !locks()[key(id)]
    const lock: ArmResource = {id, type: LOCK_TYPE, name, properties: {level, ...(body.properties.notes ? {notes: String(body.properties.notes)} : {}), ...(body.properties.owners ? {owners: body.properties.owners} : {})}}
    locks()[key(id)] = lock
    ctx.dirty = true
    return ok(structuredClone(lock), created ? 201 : 200)
  }
  const deleteLock = (scope: string, name: string): ArmResponse => {
    const k = key(lockId(scope, name))
    if (!locks()[k]) return {status: 204}
    delete locks()[k]
    ctx.dirty = true
    return {status: 200}
  }
  const permissions = (req: ArmRequest, scope: string): ArmResponse => {
    const principal = ctx.principal
    const blocks = principal ? assignmentsAt(principal, scope).map(() => ({actions: principal.role.actions, notActions: principal.role.notActions, dataActions: [], notDataActions: []})) : []
    return page(req, blocks, 100)
  }
  const L = `/providers/${LOCK_TYPE}`
  const V = API_VERSIONS.locks
  return [
    scopeRoute('GET', '/providers/Microsoft.Authorization/permissions', API_VERSIONS.permissions, (req, p) => permissions(req, existing(p))),
    scopeRoute('GET', L, V, (req, p) => listLocks(req, existing(p))),
    scopeRoute('GET', `${L}/{name}`, V, (_req, p) => ok(structuredClone(lockOf(existing(p), p.name)))),
    scopeRoute('PUT', `${L}/{name}`, V, (req, p) => putLock(req, existing(p), p.name)),
    scopeRoute('DELETE', `${L}/{name}`, V, (_req, p) => deleteLock(existing(p), p.name)),
  ]
}

/** The scope a lock is placed at: its id without `/providers/Microsoft.Authorization/locks/{name}`. */
const lockScope = (lock: ArmResource) => lock.id.slice(0, lock.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/locks/'))

/** ARM's 409 when a lock at or above the request's scope forbids it: any lock a DELETE, a ReadOnly lock any change. */
export function lockRefusal(world: World, method: string, path: string): ArmError | undefined {
  if (method === 'GET' || method === 'HEAD' || isAuthorizationPath(path)) return undefined
  const {scope} = armAction(method, path)
  const operation = method === 'DELETE' ? 'delete' : 'write'
  const blocking = Object.values(world.locks ?? {}).filter((l) => {
    return covers(lockScope(l), scope) && (operation === 'delete' || l.properties.level === 'ReadOnly')
  })
  if (blocking.length === 0) return undefined
  const scopes = [...new Set(blocking.map(lockScope))]
  return new ArmError(409, 'ScopeLocked', `The scope '${scope}' cannot perform ${operation} operation because following scope(s) are locked: ${scopes.map((s) => `'${s}'`).join(', ')}. Please remove the lock and try again.`)
}
