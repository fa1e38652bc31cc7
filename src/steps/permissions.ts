// Which Azure RBAC actions a plan needs, and at which scope: derived from the step registry's declarations (each
// kind's permissions, the reads every run makes, the lock) and from the estate the runbook describes. The permissions
// guard and `azfail doctor` judge these against what the principal may do (src/guards/permissions.ts).
import {stateZoneOf} from '../azure/state-records.ts'
import type {LiveState} from '../estate/state.ts'
import {type NeededPermission, groupOf} from '../guards/permissions.ts'
import type {Estate, ResourceRef} from '../runbook/estate.ts'
import {type Action, type Permission, type StepParams, promotionRegion} from './context.ts'
import type {Reads} from '../estate/state.ts'
import {pollingActions} from './role.ts'
import {defaultSteps, LOCK_PERMISSIONS, READ_PERMISSIONS, STEP_KINDS, SURVEY_PERMISSIONS, VANTAGE_PERMISSIONS} from './registry.ts'

export interface PermissionContext {
  estate: Estate
  /** the subscription resources live in, unless a reference names its own */
  subscriptionId: string
  params: StepParams
  /** live state, for scopes only it knows: the zones a region's zone groups write to, a teardown's subnets */
  state?: LiveState
}

/** Step kinds whose writes run as long-running operations, and the provider whose operation status is polled. */
const POLLED: Record<string, string[]> = {
  drainSteering: ['Microsoft.Cdn'],
  enableSteering: ['Microsoft.Cdn'],
  teardownEndpoints: ['Microsoft.Network'],
  recreateEndpoints: ['Microsoft.Network'],
  promoteReplica: ['Microsoft.DBforPostgreSQL'],
  flipFailoverGroup: ['Microsoft.Sql'],
  failoverCosmos: ['Microsoft.DocumentDB'],
}

const subscriptionOf = (ctx: PermissionContext, ref?: object) => (ref as {subscription?: string} | undefined)?.subscription ?? ctx.subscriptionId
const groupScope = (ctx: PermissionContext, ref: {resourceGroup: string}) => `/subscriptions/${subscriptionOf(ctx, ref)}/resourceGroups/${ref.resourceGroup}`
const resourceScope = (ctx: PermissionContext, ref: {resourceGroup: string}, type: string, name: string) => `${groupScope(ctx, ref)}/providers/${type}/${name}`
const ZONES = 'Microsoft.Network/privateDnsZones'

/** The scopes an action is performed over, for this estate and request; [] where the estate has nothing of that kind. */
function scopesOf(action: string, kind: string, ctx: PermissionContext): string[] {
  const {estate, params, state} = ctx
  const a = action.toLowerCase()
  const region = params.region
  const endpointsOf = (r: string | undefined): ResourceRef[] => (r ? (estate.regions[r]?.privateEndpoints ?? []) : Object.values(estate.regions).flatMap((x) => x.privateEndpoints))
  const zonesOf = (r: string | undefined) => {
    const regions = r ? [r] : Object.keys(estate.regions)
    const observed = [
      ...regions.flatMap((x) => state?.regions[x]?.endpoints ?? []).flatMap((e) => e.records.map((rec) => rec.zoneId)),
      ...(state?.zoneRecords ?? []).filter((z) => z.region && regions.includes(z.region)).map((z) => z.zoneId),
    ]
    const recorded = regions.flatMap((x) => state?.regions[x]?.teardown?.endpoints ?? []).flatMap((e) => e.zoneGroups.flatMap((g) => g.configs.map((c) => c.privateDnsZoneId)))
    return kind === 'recreateEndpoints' ? recorded : observed
  }
  // A region's vantage (the run command, its result): judged at the VM, scale set or cluster; its polling at its group.
  const vantages = Object.values(estate.regions).flatMap((r) => (r.vantage ? [r.vantage] : []))
  if (a.startsWith('microsoft.compute/virtualmachines/')) return vantages.flatMap((v) => (v.vm ? [resourceScope(ctx, v.vm, 'Microsoft.Compute/virtualMachines', v.vm.name)] : []))
  if (a.startsWith('microsoft.compute/virtualmachinescalesets/')) return vantages.flatMap((v) => (v.vmss ? [`${resourceScope(ctx, v.vmss, 'Microsoft.Compute/virtualMachineScaleSets', v.vmss.scaleSet)}/virtualMachines/${v.vmss.instanceId}`] : []))
  if (a === 'microsoft.compute/locations/operations/read') return unique(vantages.flatMap((v) => (v.vm ?? v.vmss ? [groupScope(ctx, (v.vm ?? v.vmss)!)] : [])))
  if (a.startsWith('microsoft.containerservice/managedclusters/')) return vantages.flatMap((v) => (v.aks ? [resourceScope(ctx, v.aks, 'Microsoft.ContainerService/managedClusters', v.aks.name)] : []))
  if (a.startsWith('microsoft.network/trafficmanagerprofiles/')) {
    const tm = estate.steering.trafficManager
    return tm ? [resourceScope(ctx, tm, 'Microsoft.Network/trafficManagerProfiles', tm.profile)] : []
  }
  if (a.startsWith('microsoft.cdn/profiles/')) {
    const fd = estate.steering.frontDoor
    return fd ? [resourceScope(ctx, fd, 'Microsoft.Cdn/profiles', fd.profile)] : []
  }
  // The Activity Log, filtered to the steering profiles' resources: judged where those live.
  if (a === 'microsoft.insights/eventtypes/values/read') {
    const {trafficManager: tm, frontDoor: fd} = estate.steering
    return [...(tm ? [resourceScope(ctx, tm, 'Microsoft.Network/trafficManagerProfiles', tm.profile)] : []), ...(fd ? [resourceScope(ctx, fd, 'Microsoft.Cdn/profiles', fd.profile)] : [])]
  }
  if (a.startsWith(`${ZONES}/txt/`.toLowerCase())) {
    const zone = stateZoneOf(estate)
    return zone ? [resourceScope(ctx, zone, ZONES, zone.zone)] : []
  }
  if (a.startsWith(`${ZONES}/cname/`.toLowerCase())) return estate.cname ? [resourceScope(ctx, estate.cname, ZONES, estate.cname.zone)] : []
  if (a === `${ZONES}/a/read`.toLowerCase() || a === `${ZONES}/join/action`.toLowerCase()) return unique(zonesOf(region))
  if ([`${ZONES}/read`, `${ZONES}/ALL/read`, `${ZONES}/virtualNetworkLinks/read`].some((x) => x.toLowerCase() === a)) {
    return unique([...zonesOf(undefined), ...(estate.cname ? [resourceScope(ctx, estate.cname, ZONES, estate.cname.zone)] : [])])
  }
  if (a === 'microsoft.network/virtualnetworks/subnets/join/action') {
    return unique((region ? (state?.regions[region]?.teardown?.endpoints ?? []) : []).map((e) => e.subnetId).filter(Boolean))
  }
  if (a.startsWith('microsoft.network/privateendpoints/')) return endpointsOf(region).map((pe) => resourceScope(ctx, pe, 'Microsoft.Network/privateEndpoints', pe.name))
  const servers = (refs: Record<string, ResourceRef> | undefined, only?: string) => Object.entries(refs ?? {}).filter(([r]) => !only || r === only).map(([, ref]) => ref)
  if (a.startsWith('microsoft.dbforpostgresql/flexibleservers/')) {
    const only = a.endsWith('/read') ? undefined : promotionRegion(params, 'postgres')
    return servers(estate.data.postgres?.servers, only).map((s) => resourceScope(ctx, s, 'Microsoft.DBforPostgreSQL/flexibleServers', s.name))
  }
  if (a.startsWith('microsoft.sql/servers/failovergroups/')) {
    const fog = estate.data.sqlFailoverGroup
    const only = a.endsWith('/read') ? undefined : promotionRegion(params, 'sql')
    return fog ? servers(fog.servers, only).map((s) => `${resourceScope(ctx, s, 'Microsoft.Sql/servers', s.name)}/failoverGroups/${fog.name}`) : []
  }
  if (a.startsWith('microsoft.documentdb/databaseaccounts/')) {
    const cosmos = estate.data.cosmos
    return cosmos ? [resourceScope(ctx, cosmos, 'Microsoft.DocumentDB/databaseAccounts', cosmos.account)] : []
  }
  return []
}

const unique = (xs: string[]) => [...new Set(xs)]

/** A declared permission as this request needs it: the Traffic Manager endpoint type's own action; --forced's alternative. */
function applicable(p: Permission, kind: string, ctx: PermissionContext): string | undefined {
  const forcedOnly = p.when?.includes('--forced') ?? false
  if (forcedOnly !== Boolean(ctx.params.forced) && (forcedOnly || kind === 'flipFailoverGroup' || kind === 'failoverCosmos')) return undefined
  const type = ctx.estate.steering.trafficManager?.endpointType ?? 'AzureEndpoints'
  return p.action.replace('trafficManagerProfiles/azureEndpoints/', `trafficManagerProfiles/${type[0].toLowerCase()}${type.slice(1)}/`)
}

function need(actions: Permission[], kind: string, forWhat: string, ctx: PermissionContext): NeededPermission[] {
  return actions.flatMap((p) => {
    const action = applicable(p, kind, ctx)
    return action ? scopesOf(action, kind, ctx).map((scope) => ({action, scope, for: forWhat})) : []
  })
}

/** What resolving through the regions' vantages needs (none where no region has one): the actions and the run command's poll. */
const VANTAGE_READS: Permission[] = [...VANTAGE_PERMISSIONS, ...pollingActions('Microsoft.Compute').map((action) => ({action, when: "polling a vantage VM's run command"}))]

/** What a read-only command needs: the reads every run makes, those named, and a game day's survey of the zones. */
export function readPermissions(ctx: PermissionContext, reads: Reads & {survey?: boolean}): NeededPermission[] {
  return [
    ...need(READ_PERMISSIONS.always, 'reads', 'its reads', ctx),
    ...need(VANTAGE_READS, 'reads', "its regions' vantages", ctx),
    ...(reads.endpoints ? need(READ_PERMISSIONS.endpoints, 'reads', 'its reads', ctx) : []),
    ...(reads.zones ? need(READ_PERMISSIONS.zones, 'reads', 'its reads', ctx) : []),
    ...(reads.data ? need(READ_PERMISSIONS.data, 'reads', 'its reads', ctx) : []),
    ...(reads.survey ? need(SURVEY_PERMISSIONS, 'reads', 'its survey of the zones and origins', ctx) : []),
  ]
}

/** Releasing the run lock by hand: reading it, recording the release and deleting the lock, on the state zone. */
export function lockReleasePermissions(ctx: PermissionContext): NeededPermission[] {
  const read = READ_PERMISSIONS.always.filter((p) => p.action.endsWith('/TXT/read'))
  return [...need(read, 'reads', 'reading the lock', ctx), ...need(LOCK_PERMISSIONS, 'lock', 'releasing the lock', ctx)]
}

/** The step kinds an action runs: the runbook's list for it, else the safe default order. */
export function stepKindsOf(action: Action, listed?: Array<string | Record<string, unknown>>): string[] {
  const specs = listed ?? defaultSteps(action)
  return specs.map((s) => (typeof s === 'string' ? s : 'manualAction'))
}

/**
 * Everything a run of these steps needs: the reads every run makes (and those its steps add), each step's writes at
 * the resources it writes, the lock in the state zone, and the reads that poll its long-running operations.
 */
export function neededPermissions(kinds: string[], ctx: PermissionContext, options: {changes?: boolean} = {}): NeededPermission[] {
  const declared = kinds.map((k) => STEP_KINDS.find((s) => s.kind === k)).filter((k) => k !== undefined)
  const reads = [
    ...READ_PERMISSIONS.always,
    ...(declared.some((k) => k.reads.endpoints) ? READ_PERMISSIONS.endpoints : []),
    ...(declared.some((k) => k.reads.zones) ? READ_PERMISSIONS.zones : []),
    ...(declared.some((k) => k.reads.data) || ctx.params.to || ctx.params.promoteTo ? READ_PERMISSIONS.data : []),
  ]
  const writes = declared.map((k) => ({k, needs: need(k.permissions, k.kind, k.kind, ctx)}))
  const needs = [
    ...need(reads, 'reads', "the run's reads", ctx),
    ...need(VANTAGE_READS, 'reads', "the regions' vantages", ctx),
    ...writes.flatMap((w) => w.needs),
    ...(options.changes === false ? [] : need(LOCK_PERMISSIONS, 'lock', 'the run lock', ctx)),
    // Polling a long-running operation reads its status at /subscriptions/{s}/providers/{ns}/locations/{l}/...: a URL
    // outside the resource, which ARM authorizes at the resource group of the resource the operation changes. A role
    // on the resource alone lets the write start and its polling fail (MicrosoftDocs/azure-docs#111535), so the need
    // is judged at the group.
    ...writes.flatMap(({k, needs: written}) =>
      (POLLED[k.kind] ?? []).flatMap((ns) => {
        const changed = unique(written.filter((n) => n.action.startsWith(`${ns}/`) && !n.action.endsWith('/read')).map((n) => groupOf(n.scope)))
        return changed.flatMap((scope) => pollingActions(ns).map((action) => ({action, scope, for: `${k.kind} (polling its long-running operation)`})))
      }),
    ),
  ]
  const seen = new Set<string>()
  return needs.filter((n) => {
    const key = `${n.action.toLowerCase()} ${n.scope.toLowerCase()} ${n.for}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
