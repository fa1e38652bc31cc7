// What it takes to bring a region's steering layers to one state, shared by drainSteering and enableSteering.
import {idleState, setFrontDoorOrigin, setTrafficManagerEndpoint} from '../azure/actions.ts'
import type {Change} from '../engine/types.ts'
import type {LiveState, SteeringLayer} from '../estate/state.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Permission, StepContext, StepRuntime} from './context.ts'

/** Which steering layers a plan changes: what apply() needs. */
export interface SteeringData {
  trafficManager: boolean
  frontDoor: boolean
  /** the Front Door origin was read with no operation in flight on it: it is written without being read again */
  frontDoorIdle?: boolean
}

export const STEERING_PERMISSIONS: Permission[] = [
  {action: 'Microsoft.Network/trafficManagerProfiles/azureEndpoints/write', when: 'or externalEndpoints / nestedEndpoints, per the endpoint type'},
  {action: 'Microsoft.Cdn/profiles/originGroups/origins/write'},
  {action: 'Microsoft.Network/privateDnsZones/TXT/write', when: 'the drain record, on the state zone'},
  {action: 'Microsoft.Network/privateDnsZones/TXT/delete', when: 'the drain record, on the state zone'},
]

export interface SteeringPlan extends SteeringData {
  changes: Change[]
  problems: string[]
}

/** The steering layers the runbook names for the region, in the order azfail changes them. */
export function layersOf(state: LiveState, region: string): SteeringLayer[] {
  const r = state.regions[region]
  return [...(r.trafficManager ? (['trafficManager'] as const) : []), ...(r.frontDoor ? (['frontDoor'] as const) : [])]
}

/** Whether a layer of the region is in the state `to` as observed. */
export function layerIs(state: LiveState, region: string, layer: SteeringLayer, to: 'Enabled' | 'Disabled'): boolean {
  const r = state.regions[region]
  return layer === 'trafficManager' ? r.trafficManager?.status === to : r.frontDoor?.enabledState === to
}

export const LAYER_NAMES: Record<SteeringLayer, string> = {trafficManager: 'Traffic Manager', frontDoor: 'Front Door'}

/** The layer's resource as a person names it: "Front Door origin origin-eus2". */
export function layerResource(estate: Estate, region: string, layer: SteeringLayer): string {
  return layer === 'trafficManager' ? `Traffic Manager endpoint ${estate.steering.trafficManager?.endpoints[region]}` : `Front Door origin ${estate.steering.frontDoor?.origins[region]}`
}

export function planSteering(state: LiveState, region: string, to: 'Enabled' | 'Disabled', skip: readonly SteeringLayer[] = []): SteeringPlan {
  const r = state.regions[region]
  const out: SteeringPlan = {changes: [], problems: [], trafficManager: false, frontDoor: false}
  if (skip.includes('trafficManager')) {
    // skipped by the operator (--skip-layer): neither changed nor judged
  } else if (r.trafficManager?.status === 'Missing') out.problems.push(`Traffic Manager endpoint ${r.trafficManager.name} does not exist in profile ${state.steering.trafficManager?.profile}.`)
  else if (r.trafficManager && r.trafficManager.status !== to) {
    out.changes.push({what: `Traffic Manager endpoint ${r.trafficManager.name}`, from: r.trafficManager.status, to})
    out.trafficManager = true
  }
  if (skip.includes('frontDoor')) {
    // skipped by the operator (--skip-layer)
  } else if (r.frontDoor?.enabledState === 'Missing') out.problems.push(`Front Door origin ${r.frontDoor.name} does not exist in origin group ${state.steering.frontDoor?.originGroup}.`)
  else if (r.frontDoor && r.frontDoor.enabledState !== to) {
    out.changes.push({what: `Front Door origin ${r.frontDoor.name}`, from: r.frontDoor.enabledState, to})
    out.frontDoor = true
    if (idleState(r.frontDoor.provisioningState)) out.frontDoorIdle = true
  }
  return out
}

/** Projects the steering layers of a region into `to` (all but the skipped ones), in a copy the caller owns. */
export function projectSteering(state: LiveState, region: string, to: 'Enabled' | 'Disabled', skip: readonly SteeringLayer[] = []): void {
  const r = state.regions[region]
  if (r.trafficManager && !skip.includes('trafficManager')) Object.assign(r.trafficManager, {status: to, monitorStatus: to === 'Enabled' ? 'Online' : 'Disabled'})
  if (r.frontDoor && !skip.includes('frontDoor')) r.frontDoor.enabledState = to
  r.serving = to === 'Enabled' || layersOf(state, region).some((l) => layerIs(state, region, l, 'Enabled'))
}

/** What became of each layer a plan changes: done, or refused by Azure with its error. */
export interface SteeringResult {
  done: SteeringLayer[]
  refused: Array<{layer: SteeringLayer; error: string}>
}

/**
 * Brings each layer the plan changes to `to`, all at once and each independently of the others: one layer's control
 * plane refusing (Front Door's, 29 Oct 2025) leaves the others changed, and says which it refused. An abort still
 * ends it at once. Done and refused are listed in layer order.
 */
export async function applySteering(ctx: StepContext, region: string, to: 'Enabled' | 'Disabled', which: SteeringData, rt: StepRuntime): Promise<SteeringResult> {
  const verb = to === 'Enabled' ? 'enabling' : 'disabling'
  const write: Record<SteeringLayer, () => Promise<void>> = {
    trafficManager: () => setTrafficManagerEndpoint(ctx.estate, ctx.clients, region, to),
    frontDoor: () => setFrontDoorOrigin(ctx.estate, ctx.clients, region, to, {idle: which.frontDoorIdle}),
  }
  const layers = (['trafficManager', 'frontDoor'] as const).filter((layer) => which[layer])
  if (layers.length > 0) rt.progress(`${verb} ${layers.map((layer) => `${layerResource(ctx.estate, region, layer)}${layer === 'frontDoor' ? ' (long-running)' : ''}`).join(' and ')}`)
  const settled = await Promise.allSettled(layers.map((layer) => write[layer]()))
  const out: SteeringResult = {done: [], refused: []}
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') out.done.push(layers[i])
    else if (rt.signal.aborted || result.reason?.name === 'AbortError') throw result.reason
    else out.refused.push({layer: layers[i], error: String(result.reason?.message ?? result.reason).split('\n')[0]})
  })
  return out
}

/** "Traffic Manager endpoint ep-eus2 disabled, Front Door origin origin-eus2 disabled" */
export function describeSteering(estate: Estate, region: string, done: SteeringLayer[], to: 'Enabled' | 'Disabled'): string {
  return done.map((l) => `${layerResource(estate, region, l)} ${to.toLowerCase()}`).join(', ')
}
