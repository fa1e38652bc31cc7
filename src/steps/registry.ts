// Every step kind, declared once (in its own module) and collected here. The runbook's step schema, each action's
// default order, the live state an action reads, --help and the README's permission table all derive from this list.
import {z} from 'zod'
import type {Reads} from '../estate/state.ts'
import {type Action, ACTIONS, type LiveStep, type Permission, type StepContext, type StepKind, type StepParams} from './context.ts'
import {drainSteering} from './drain-steering.ts'
import {enableSteering} from './enable-steering.ts'
import {failoverCosmos} from './failover-cosmos.ts'
import {flipFailoverGroup} from './flip-failover-group.ts'
import {manualAction} from './manual-action.ts'
import {promoteReplica} from './promote-replica.ts'
import {recreateEndpoints} from './recreate-endpoints.ts'
import {repointCname} from './repoint-cname.ts'
import {teardownEndpoints} from './teardown-endpoints.ts'
import {verifyCname, verifyListener} from './verify-alias.ts'
import {verifyCosmos} from './verify-cosmos.ts'
import {verifySurvivorResolution} from './verify-survivor-resolution.ts'
import {verifyWritable} from './verify-writable.ts'
import {waitOutTtl} from './wait-out-ttl.ts'

/** In the order the runbook schema lists them. */
export const STEP_KINDS: readonly StepKind[] = [
  drainSteering,
  waitOutTtl,
  verifySurvivorResolution,
  teardownEndpoints,
  promoteReplica,
  repointCname,
  verifyCname,
  verifyWritable,
  flipFailoverGroup,
  verifyListener,
  failoverCosmos,
  verifyCosmos,
  recreateEndpoints,
  enableSteering,
  manualAction,
]

export {type Action, ACTIONS}

/** The actions a runbook may give its own step list, by their runbook key. */
export const RUNBOOK_ACTIONS = ['drain', 'teardown', 'promoteReplica', 'promoteFailoverGroup', 'promoteCosmos', 'restore'] as const
export type RunbookAction = (typeof RUNBOOK_ACTIONS)[number]
export const RUNBOOK_KEY: Partial<Record<Action, RunbookAction>> = {
  drain: 'drain',
  teardown: 'teardown',
  'promote-replica': 'promoteReplica',
  'promote-failover-group': 'promoteFailoverGroup',
  'promote-cosmos': 'promoteCosmos',
  restore: 'restore',
}

/** A step as a runbook names it: a kind's id, or an object for kinds that take arguments (manualAction). */
export type StepSpec = string | Record<string, unknown>

export function stepSpecSchema() {
  const ids = STEP_KINDS.filter((k) => !k.spec).map((k) => k.kind) as [string, ...string[]]
  const objects = STEP_KINDS.flatMap((k) => (k.spec ? [k.spec] : []))
  return z.union([z.enum(ids), ...objects]) as z.ZodType<StepSpec>
}

const byId = new Map(STEP_KINDS.filter((k) => !k.spec).map((k) => [k.kind, k]))

function kindOf(spec: StepSpec): StepKind {
  if (typeof spec === 'string') return byId.get(spec)!
  return STEP_KINDS.find((k) => k.spec?.safeParse(spec).success)!
}

/** An action's steps in the safe order, from each kind's declared position. */
export function defaultSteps(action: Action): string[] {
  return STEP_KINDS.filter((k) => k.defaults?.[action] !== undefined)
    .sort((a, b) => a.defaults![action]! - b.defaults![action]!)
    .map((k) => k.kind)
}

/** The live state a list of steps reads: the union of their kinds' needs. */
export function readsOf(kinds: StepKind[]): Reads {
  return {
    endpoints: kinds.some((k) => k.reads.endpoints),
    zones: kinds.some((k) => k.reads.zones),
    resolution: kinds.some((k) => k.reads.resolution),
    data: kinds.some((k) => k.reads.data),
  }
}

/** What one step of this kind reads before it is planned and run: its kind's declared reads (an unknown kind reads everything). */
export function readsOfKind(kind: string): Reads {
  const k = STEP_KINDS.find((x) => x.kind === kind)
  return k ? readsOf([k]) : {endpoints: true, zones: true, resolution: true, data: true}
}

export interface BuiltSteps {
  steps: LiveStep[]
  reads: Reads
}

/** The steps an action runs: the runbook's list for it, or the safe default order. */
export function buildSteps(action: Action, ctx: StepContext, params: StepParams & {teardown?: boolean}, runbookActions: Partial<Record<RunbookAction, StepSpec[]>>): BuiltSteps {
  const key = RUNBOOK_KEY[action]
  const specs: StepSpec[] = [...((key && runbookActions[key]) ?? defaultSteps(action))]
  if (action === 'drain' && params.teardown && !specs.includes('teardownEndpoints')) specs.push('teardownEndpoints')
  const kinds = specs.map((spec) => ({spec, kind: kindOf(spec)})).filter(({kind}) => kind.applies?.(ctx.estate, action) ?? true)
  const ordinals = new Map<string, number>()
  const steps = kinds.map(({spec, kind}) => {
    const ordinal = (ordinals.get(kind.kind) ?? 0) + 1
    ordinals.set(kind.kind, ordinal)
    const step = kind.create(ctx, {...params, action, entry: spec, ordinal})
    return kind.lane ? Object.assign(step, {lane: kind.lane}) : step
  })
  return {steps, reads: readsOf(kinds.map((k) => k.kind))}
}

/** The reads every run makes, and the permissions they need. */
export const READ_PERMISSIONS: Record<'always' | keyof Reads, Permission[]> = {
  always: [
    {action: 'Microsoft.Network/trafficManagerProfiles/read'},
    {action: 'Microsoft.Cdn/profiles/originGroups/origins/read'},
    {action: 'Microsoft.Network/privateDnsZones/TXT/read', when: 'drain records and the lock, on the state zone'},
    {action: 'Microsoft.Insights/eventtypes/values/read', when: "the Activity Log: writes on a drained region's steering since its drain"},
  ],
  endpoints: [
    {action: 'Microsoft.Network/privateEndpoints/read'},
    {action: 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read'},
    {action: 'Microsoft.Network/privateDnsZones/A/read', when: "the records as served, for the TTL window"},
  ],
  zones: [
    {action: 'Microsoft.Network/privateDnsZones/read', when: 'listing the zones'},
    {action: 'Microsoft.Network/privateDnsZones/A/read', when: "the drained region's records as served, for the TTL window"},
  ],
  resolution: [],
  data: [
    {action: 'Microsoft.DBforPostgreSQL/flexibleServers/read'},
    {action: 'Microsoft.Sql/servers/failoverGroups/read'},
    {action: 'Microsoft.DocumentDB/databaseAccounts/read'},
    {action: 'Microsoft.Network/privateDnsZones/CNAME/read'},
  ],
}

/** What game days (stale-record checks) and `sandbox import` read besides a run's reads. */
export const SURVEY_PERMISSIONS: Permission[] = [
  {action: 'Microsoft.Network/privateDnsZones/read'},
  {action: 'Microsoft.Network/privateDnsZones/ALL/read', when: 'record-set lists'},
  {action: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/read'},
  {action: 'Microsoft.Cdn/profiles/read'},
  {action: 'Microsoft.Cdn/profiles/originGroups/read'},
]

/** Taking and releasing the run lock. */
export const LOCK_PERMISSIONS: Permission[] = [
  {action: 'Microsoft.Network/privateDnsZones/TXT/write', when: 'on the state zone'},
  {action: 'Microsoft.Network/privateDnsZones/TXT/delete', when: 'on the state zone'},
]

/**
 * Resolving a region's private names from inside it, through one of its vantages: reading the VM, scale-set instance or
 * AKS cluster, and having it run the lookup (run command, command invoke).
 */
export const VANTAGE_PERMISSIONS: Permission[] = [
  {action: 'Microsoft.Compute/virtualMachines/read'},
  {action: 'Microsoft.Compute/virtualMachines/runCommand/action', when: 'a VM vantage'},
  {action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read'},
  {action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action', when: 'a scale-set instance vantage'},
  {action: 'Microsoft.ContainerService/managedClusters/read'},
  {action: 'Microsoft.ContainerService/managedClusters/runcommand/action', when: 'an AKS vantage'},
  {action: 'Microsoft.ContainerService/managedClusters/commandResults/read', when: "the command's result"},
]

const cell = (ps: Permission[]) => (ps.length === 0 ? 'no Azure permission' : ps.map((p) => `\`${p.action}\`${p.when ? ` (${p.when})` : ''}`).join(', '))

/** The README's least-privilege table, generated from the declarations above (a test keeps the README in step). */
export function permissionTable(): string {
  const reads = [...READ_PERMISSIONS.always, ...READ_PERMISSIONS.endpoints, ...READ_PERMISSIONS.zones, ...READ_PERMISSIONS.data]
  const rows = [
    ['every run (reads; `status` needs only these)', `${cell(reads)}, and each provider's \`locations/operationStatuses/read\` (or \`locations/operations/read\`) to poll long-running operations`],
    ['game days and `sandbox import` (reads, besides the above)', cell(SURVEY_PERMISSIONS)],
    ['the run lock', cell(LOCK_PERMISSIONS)],
    ['vantages (resolving private names from inside a region)', cell(VANTAGE_PERMISSIONS)],
    ...STEP_KINDS.map((k) => [`\`${k.kind}\``, cell(k.permissions)]),
  ]
  return ['| step | actions |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n')
}

/** The step kinds, one line each, for --help. */
export function stepKindsHelp(action?: Action): string {
  const kinds = action ? defaultSteps(action).map((id) => byId.get(id)!) : STEP_KINDS
  return kinds.map((k) => `  ${k.kind}: ${k.summary}`).join('\n')
}

