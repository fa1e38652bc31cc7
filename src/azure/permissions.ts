// What the signed-in principal may do, as Azure says (Microsoft.Authorization/permissions), and the management locks
// that would block a change. Read-only. The judging is pure (src/guards/permissions.ts); this only reads.
import {allows, type GrantedPermission, type JudgedNeed, type NeededPermission} from '../guards/permissions.ts'
import type {Clients} from './clients.ts'

const GROUP = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i

/**
 * The top-level resource of a resource id (a failover group's server, an origin's profile), split as the SDK's
 * listForResource takes it. Permissions are read there: an assignment on it holds for its children too.
 */
function resourceParts(scope: string): {subscription: string; resourceGroup: string; namespace: string; type: string; name: string; id: string} | undefined {
  const m = /^(\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+))(\/.*)?$/i.exec(scope)
  return m ? {id: m[1], subscription: m[2], resourceGroup: m[3], namespace: m[4], type: m[5], name: m[6]} : undefined
}

const granted = (list: Array<{actions?: string[]; notActions?: string[]}>): GrantedPermission[] => list.map((p) => ({actions: p.actions ?? [], notActions: p.notActions ?? []}))

/**
 * How long what the principal may do at a scope is reused within one process: the preflight, the lock's release and a
 * run started beside them ask the same scopes within seconds, and role assignments change on a scale of minutes (Azure
 * itself takes minutes to apply one). Azure still refuses what it does not allow; this only judges a plan early.
 */
const PERMISSIONS_MAX_AGE_MS = 30_000

/**
 * Judges each need against the principal's permissions. Read once per resource group (an assignment on the group or
 * above shows there); a need not granted there is read again at its own resource, where a narrower assignment may
 * grant it.
 */
export async function judgePermissions<N extends NeededPermission>(needs: N[], clients: Clients): Promise<Array<N & JudgedNeed>> {
  const readOnce = (key: string, read: () => Promise<GrantedPermission[]>) => clients.recent(`permissions ${key}`, PERMISSIONS_MAX_AGE_MS, read)
  const atGroup = (subscription: string, group: string) =>
    readOnce(`/subscriptions/${subscription}/resourceGroups/${group}`.toLowerCase(), async () => {
      const client = await clients.for(subscription).authorization()
      const out = []
      for await (const p of client.permissions.listForResourceGroup(group)) out.push(p)
      return granted(out)
    })
  const atResource = (r: NonNullable<ReturnType<typeof resourceParts>>) =>
    readOnce(r.id.toLowerCase(), async () => {
      const client = await clients.for(r.subscription).authorization()
      const out = []
      for await (const p of client.permissions.listForResource(r.resourceGroup, r.namespace, '', r.type, r.name)) out.push(p)
      return granted(out)
    })
  return Promise.all(
    needs.map(async (n): Promise<N & JudgedNeed> => {
      const g = GROUP.exec(n.scope)
      if (!g) return {...n, allowed: false, readAt: n.scope}
      const groupScope = g[0]
      if (allows(await atGroup(g[1], g[2]), n.action)) return {...n, allowed: true, readAt: groupScope}
      const r = resourceParts(n.scope)
      if (!r) return {...n, allowed: false, readAt: groupScope}
      return {...n, allowed: allows(await atResource(r), n.action), readAt: r.id}
    }),
  )
}

/** A management lock, and the scope it is placed at (it holds there and on everything under it). */
export interface ManagementLock {
  id: string
  name: string
  level: string
  scope: string
  notes?: string
}

/**
 * The management locks that can hold over anything in a resource group: those placed in it (on it or a resource in
 * it) and those it inherits (from its subscription), `$filter=atScope()`.
 */
export async function groupLocks(scope: string, clients: Clients): Promise<ManagementLock[]> {
  const g = GROUP.exec(scope)
  if (!g) return []
  const client = await clients.for(g[1]).locks()
  const out = new Map<string, ManagementLock>()
  for (const options of [{}, {filter: 'atScope()'}]) {
    for await (const l of client.managementLocks.listAtResourceGroupLevel(g[2], options)) {
      const id = l.id ?? ''
      const at = id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/locks/')
      out.set(id.toLowerCase(), {id, name: l.name ?? '', level: l.level, scope: at >= 0 ? id.slice(0, at) : id, ...(l.notes ? {notes: l.notes} : {})})
    }
  }
  return [...out.values()]
}

/** The locks that hold at a scope: placed at it or above it. */
export const locksOver = (locks: ManagementLock[], scope: string): ManagementLock[] =>
  locks.filter((l) => scope.toLowerCase() === l.scope.toLowerCase() || scope.toLowerCase().startsWith(`${l.scope.toLowerCase()}/`))
