// Who may do what, decided before any ARM route runs, in ARM's order: authenticate the bearer token (the sandbox's
// static token, or an access token its Entra ID issued), authorize the action over its scope and any linked scope
// against the caller's role assignments, then refuse what a management lock forbids.
import {lockRefusal} from './arm/index.ts'
import {type EntraDirectory, OPERATOR_ROLE, adminPrincipal, armAuthError} from './entra.ts'
import {type ArmRequest, type ArmResponse, header} from './http.ts'
import {type ActionRequest, type Principal, allowed, alwaysAllowed, armAction, authorizationFailed, linkedActions, linkedAuthorizationFailed} from './rbac.ts'
import {type World, servesSubscription, subscriptionOf} from './world.ts'

/** The audiences ARM accepts besides the endpoint's own origin (a custom cloud's `${AZFAIL_ARM_ENDPOINT}/.default`). */
const PUBLIC_ARM_AUDIENCES = ['https://management.azure.com/', 'https://management.core.windows.net/']

export interface Caller {
  principal: Principal
  /** the static token's admin */
  admin: boolean
}

/** Authenticates a request: its caller, or ARM's 401. */
export async function authenticate(req: ArmRequest, world: World, staticToken: string, directory: EntraDirectory): Promise<Caller | {refusal: ArmResponse}> {
  const authorization = header(req, 'authorization')
  if (!authorization) return {refusal: armAuthError(world.tenantId, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.")}
  if (authorization === `Bearer ${staticToken}`) return {principal: adminPrincipal(world), admin: true}
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)
  if (!bearer) return {refusal: armAuthError(world.tenantId, 'AuthenticationFailedInvalidHeader', "Authentication failed. The 'Authorization' header is provided in an invalid format.")}
  const known = await directory.authenticate(bearer[1], world, [req.baseUrl, ...PUBLIC_ARM_AUDIENCES])
  return 'refusal' in known ? known : {principal: known.principal, admin: false}
}

/** ARM's 403 (AuthorizationFailed, LinkedAuthorizationFailed) or 409 (ScopeLocked) for a request, or nothing. */
export function authorize(req: ArmRequest, world: World, principal: Principal): ArmResponse | undefined {
  // A subscription the sandbox does not serve is ARM's 404 SubscriptionNotFound, whoever asks: the routes answer it.
  const sub = subscriptionOf(req.path)
  if (!sub || !servesSubscription(world, sub)) return undefined
  if (!alwaysAllowed(req.method, req.path)) {
    const request = canonical(pollingScoped(world, armAction(req.method, req.path), req.path))
    if (!allowed(principal, request)) return {status: 403, body: {error: authorizationFailed(principal, request)}}
    const denied = linkedActions(req.method, req.path, parsed(req.rawBody)).filter((linked) => !allowed(principal, linked))
    if (denied.length > 0) return {status: 403, body: {error: linkedAuthorizationFailed(principal, request, denied)}}
  }
  return lockRefusal(world, req.method, req.path)?.toResponse()
}

/**
 * A long-running operation's status or result (`/subscriptions/s/providers/ns/locations/l/operationStatuses/id`) is
 * authorized at the resource group of the resource the operation changes: an assignment on that group (or above) lets
 * the caller poll, one on the resource alone does not, as Azure answers (MicrosoftDocs/azure-docs#111535).
 */
function pollingScoped(world: World, request: ActionRequest, path: string): ActionRequest {
  const m = /\/locations\/[^/]+\/(?:operationStatuses|operationResults|azureAsyncOperation|operations)\/([^/?]+)$/i.exec(path.replace(/\/+$/, ''))
  const op = m ? world.operations[m[1]] : undefined
  const group = op ? /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(op.resourceId)?.[0] : undefined
  return group ? {...request, scope: group} : request
}

/** The action as Azure spells it (the path may be in any case): the operator role's spelling where it knows it. */
function canonical(request: ActionRequest): ActionRequest {
  const known = OPERATOR_ROLE.actions.find((a) => a.toLowerCase() === request.action.toLowerCase())
  return known ? {...request, action: known} : request
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
