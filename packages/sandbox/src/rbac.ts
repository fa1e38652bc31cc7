// Azure role-based access control as ARM applies it: a request's method and path name an action over a scope; a role
// grants actions minus notActions (wildcards, case-insensitive); an assignment at a scope holds for everything under it.

/** A role definition's one permission block, as Microsoft.Authorization/roleDefinitions carries it. */
export interface RolePermissions {
  actions: string[]
  notActions: string[]
}

export interface RoleDefinition extends RolePermissions {
  roleName: string
  description?: string
}

/** Who is calling: an application (client id, object id) with its role assigned at scopes. */
export interface Principal {
  clientId: string
  objectId: string
  role: RoleDefinition
  /** the assignment scopes (a subscription, a resource group, a resource) */
  scopes: string[]
}

/** Built-in Reader, as Azure defines it. */
export const READER: RoleDefinition = {roleName: 'Reader', description: 'View all resources, but does not allow you to make any changes.', actions: ['*/read'], notActions: []}

/** What the sandbox's static token may do: everything (the sandbox's Owner-like admin). */
export const SANDBOX_ADMIN: RoleDefinition = {roleName: 'azfail sandbox admin', description: 'The static token of the --sandbox path.', actions: ['*'], notActions: []}

export interface ActionRequest {
  /** e.g. Microsoft.Network/privateDnsZones/TXT/write */
  action: string
  /** the ARM id the action is performed over */
  scope: string
}

const AUTHORIZATION = /\/providers\/Microsoft\.Authorization\//i

/** The action an ARM request performs and its scope: GET read, PUT/PATCH write, DELETE delete, POST `<name>/action`. */
export function armAction(method: string, path: string): ActionRequest {
  const clean = path.replace(/\/+$/, '')
  const at = clean.toLowerCase().lastIndexOf('/providers/')
  if (at < 0) {
    const inGroup = /\/resourceGroups\/[^/]+/i.test(clean)
    const type = inGroup ? 'Microsoft.Resources/subscriptions/resourceGroups' : 'Microsoft.Resources/subscriptions'
    return {action: `${type}/${verbOf(method)}`, scope: clean}
  }
  const [namespace, ...segments] = clean.slice(at + '/providers/'.length).split('/')
  // A POST's last segment names its action: type/name pairs, then the action (`failoverGroups/fog/failover`).
  const post = method === 'POST' && segments.length % 2 === 1
  const typed = post ? segments.slice(0, -1) : segments
  const types = typed.filter((_, i) => i % 2 === 0)
  if (post) return {action: [namespace, ...types, segments.at(-1), 'action'].join('/'), scope: clean.slice(0, clean.lastIndexOf('/'))}
  return {action: [namespace, ...types, verbOf(method)].join('/'), scope: clean}
}

function verbOf(method: string): string {
  if (method === 'GET' || method === 'HEAD') return 'read'
  if (method === 'DELETE') return 'delete'
  return 'write'
}

/** Whether an action pattern (`*` matches any run of characters, e.g. `Microsoft.Network/*`) matches an action, ignoring case as Azure does. */
export function actionMatches(pattern: string, action: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')
  return new RegExp(`^${source}$`, 'i').test(action)
}

export const grants = (role: RolePermissions, action: string): boolean =>
  role.actions.some((a) => actionMatches(a, action)) && !role.notActions.some((a) => actionMatches(a, action))

/** Whether an assignment at `assigned` holds at `scope`: the same scope or anything under it. */
export function covers(assigned: string, scope: string): boolean {
  const a = assigned.replace(/\/+$/, '').toLowerCase()
  const s = scope.replace(/\/+$/, '').toLowerCase()
  return s === a || s.startsWith(a + '/')
}

export const assignmentsAt = (principal: Principal, scope: string): string[] => principal.scopes.filter((s) => covers(s, scope))

export function allowed(principal: Principal, request: ActionRequest): boolean {
  return assignmentsAt(principal, request.scope).length > 0 && grants(principal.role, request.action)
}

/** A request's linked scopes: the other resources a write joins, each needing its own join action (LinkedAuthorizationFailed). */
export function linkedActions(method: string, path: string, body: any): ActionRequest[] {
  if (method !== 'PUT') return []
  if (/\/providers\/Microsoft\.Network\/privateEndpoints\/[^/]+\/privateDnsZoneGroups\/[^/]+\/?$/i.test(path)) {
    const configs: any[] = Array.isArray(body?.properties?.privateDnsZoneConfigs) ? body.properties.privateDnsZoneConfigs : []
    return configs
      .map((c) => c?.properties?.privateDnsZoneId)
      .filter((id): id is string => typeof id === 'string')
      .map((scope) => ({action: 'Microsoft.Network/privateDnsZones/join/action', scope}))
  }
  if (/\/providers\/Microsoft\.Network\/privateEndpoints\/[^/]+\/?$/i.test(path)) {
    const subnet = body?.properties?.subnet?.id
    return typeof subnet === 'string' ? [{action: 'Microsoft.Network/virtualNetworks/subnets/join/action', scope: subnet}] : []
  }
  return []
}

/** Requests every authenticated caller may make whatever its role: reading its own permissions. */
export const alwaysAllowed = (method: string, path: string): boolean => method === 'GET' && /\/providers\/Microsoft\.Authorization\/permissions\/?$/i.test(path)

export const isAuthorizationPath = (path: string): boolean => AUTHORIZATION.test(path)

/** ARM's 403 for a missing action, word for word in Azure's shape. */
export function authorizationFailed(principal: Pick<Principal, 'clientId' | 'objectId'>, request: ActionRequest) {
  return {
    code: 'AuthorizationFailed',
    message: `The client '${principal.clientId}' with object id '${principal.objectId}' does not have authorization to perform action '${request.action}' over scope '${request.scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  }
}

/** ARM's 403 for a write allowed on its own scope whose linked scopes lack their join actions. */
export function linkedAuthorizationFailed(principal: Pick<Principal, 'clientId' | 'objectId'>, request: ActionRequest, denied: ActionRequest[]) {
  const actions = [...new Set(denied.map((d) => d.action))].join(',')
  return {
    code: 'LinkedAuthorizationFailed',
    message: `The client '${principal.clientId}' with object id '${principal.objectId}' has permission to perform action '${request.action}' on scope '${request.scope}'; however, it does not have permission to perform action(s) '${actions}' on the linked scope(s) '${denied.map((d) => d.scope).join(',')}' or the linked scope(s) are invalid.`,
  }
}
