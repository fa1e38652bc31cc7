// The least-privilege custom role "azfail operator", derived from the step registry: every action a step declares,
// the reads every run, game day and the run lock make, and the long-running-operation polls of each provider azfail
// changes. `npm run docs` writes it to the sandbox's roles/operator.json; a test keeps the two equal.
import type {Permission} from './context.ts'
import {LOCK_PERMISSIONS, READ_PERMISSIONS, STEP_KINDS, SURVEY_PERMISSIONS, VANTAGE_PERMISSIONS} from './registry.ts'

export interface RoleDefinition {
  roleName: string
  description: string
  actions: string[]
  notActions: string[]
}

/** What the read-only preflight (doctor, the permissions guard) reads besides a run's reads. */
export const PREFLIGHT_PERMISSIONS: Permission[] = [{action: 'Microsoft.Authorization/locks/read', when: 'management locks that would block a teardown'}]

/**
 * Where a provider's long-running operations are polled, where it is not `locations/operationStatuses` and
 * `locations/operationResults`: Compute's run command at `locations/operations`; AKS's at the command's result, a read
 * declared beside it.
 */
const POLLED_AT: Record<string, string[]> = {
  'Microsoft.Compute': ['Microsoft.Compute/locations/operations/read'],
  'Microsoft.ContainerService': [],
}

/** The status and result reads an SDK poller makes while a long-running operation of `namespace` runs. */
export const pollingActions = (namespace: string): string[] => POLLED_AT[namespace] ?? [`${namespace}/locations/operationStatuses/read`, `${namespace}/locations/operationResults/read`]

const namespaceOf = (action: string) => action.split('/')[0]

export function operatorRole(): RoleDefinition {
  const declared = [
    ...Object.values(READ_PERMISSIONS).flat(),
    ...SURVEY_PERMISSIONS,
    ...LOCK_PERMISSIONS,
    ...PREFLIGHT_PERMISSIONS,
    ...VANTAGE_PERMISSIONS,
    ...STEP_KINDS.flatMap((k) => k.permissions),
  ].map((p) => p.action)
  const changing = declared.filter((a) => !a.endsWith('/read'))
  const polls = [...new Set(changing.map(namespaceOf))].flatMap(pollingActions)
  return {
    roleName: 'azfail operator',
    description: "Exactly what azfail's commands need: generated from its step registry by `npm run docs`.",
    actions: [...new Set([...declared, ...polls])].sort((a, b) => a.localeCompare(b)),
    notActions: [],
  }
}
