// The permissions guard: whether the principal may perform every action a plan needs, at its scope, judged from
// what Azure says the principal may do there (Microsoft.Authorization/permissions). Pure: no Azure here.
import type {GuardVerdict} from '../engine/types.ts'

/** One entry of what a principal may do at a scope: a role's actions minus its notActions (wildcards allowed). */
export interface GrantedPermission {
  actions: string[]
  notActions: string[]
}

/** An Azure RBAC action the plan needs at a scope (a resource or resource group id), and what for. */
export interface NeededPermission {
  action: string
  scope: string
  /** the step, or the run's own need (its reads, the lock, polling), that needs it */
  for: string
}

/** A need and the permissions read at its scope (or at the nearest scope read). */
export interface JudgedNeed extends NeededPermission {
  allowed: boolean
  /** the scope whose permissions decided it */
  readAt: string
}

const patternOf = (glob: string) => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i')

/** Whether an RBAC action pattern (such as `Microsoft.Network/*` or a role's read-everything pattern) covers an action; case-insensitive, as in Azure. */
/** `/subscriptions/{s}/resourceGroups/{rg}` of a scope inside a resource group (the scope itself otherwise). */
export const groupOf = (scope: string): string => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(scope)?.[0] ?? scope

export const actionMatches = (pattern: string, action: string): boolean => patternOf(pattern).test(action)

/** Azure's rule: allowed when some entry's actions cover it and the same entry's notActions do not. */
export function allows(granted: GrantedPermission[], action: string): boolean {
  return granted.some((g) => g.actions.some((a) => actionMatches(a, action)) && !g.notActions.some((n) => actionMatches(n, action)))
}

/** Missing permissions, one line per action with the scopes it is missing at and what needs it. */
export function describeMissing(judged: JudgedNeed[]): string[] {
  const byAction = new Map<string, {scopes: Set<string>; for: Set<string>}>()
  for (const j of judged.filter((n) => !n.allowed)) {
    const entry = byAction.get(j.action) ?? {scopes: new Set(), for: new Set()}
    entry.scopes.add(j.scope)
    entry.for.add(j.for)
    byAction.set(j.action, entry)
  }
  return [...byAction].map(([action, e]) => `${action} at ${[...e.scopes].join(', ')} (for ${[...e.for].join(', ')})`)
}

export function permissionsVerdict(judged: JudgedNeed[], principal: string): GuardVerdict<'permissions'> {
  const missing = describeMissing(judged)
  const scopes = new Set(judged.map((j) => j.scope))
  return {
    guard: 'permissions',
    ok: missing.length === 0,
    observed:
      missing.length === 0
        ? `${principal} may perform all ${new Set(judged.map((j) => j.action)).size} actions the plan needs at its ${scopes.size} scopes`
        : `${principal} lacks ${missing.length} action${missing.length === 1 ? '' : 's'} the plan needs: ${missing.join('; ')}`,
    ...(missing.length === 0 ? {} : {remedy: "Grant the missing actions at those scopes (the README's permission table lists what each step needs; a role with exactly them is the least privilege), or run as an identity that has them. 'azfail doctor' checks every command."}),
  }
}
