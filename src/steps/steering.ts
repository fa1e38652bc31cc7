// What it takes to bring a region's steering layers to one state, shared by drainSteering and enableSteering.
import {setFrontDoorOrigin, setTrafficManagerEndpoint} from '../azure/actions.ts'
import type {Change} from '../engine/types.ts'
import type {LiveState} from '../estate/state.ts'
import type {Permission, StepContext, StepRuntime} from './context.ts'

/** Which steering layers a plan changes: what apply() needs. */
export interface SteeringData {
  trafficManager: boolean
  frontDoor: boolean
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

export function planSteering(state: LiveState, region: string, to: 'Enabled' | 'Disabled'): SteeringPlan {
  const r = state.regions[region]
  const out: SteeringPlan = {changes: [], problems: [], trafficManager: false, frontDoor: false}
  if (r.trafficManager?.status === 'Missing') out.problems.push(`Traffic Manager endpoint ${r.trafficManager.name} does not exist in profile ${state.steering.trafficManager?.profile}.`)
  else if (r.trafficManager && r.trafficManager.status !== to) {
    out.changes.push({what: `Traffic Manager endpoint ${r.trafficManager.name}`, from: r.trafficManager.status, to})
    out.trafficManager = true
  }
  if (r.frontDoor?.enabledState === 'Missing') out.problems.push(`Front Door origin ${r.frontDoor.name} does not exist in origin group ${state.steering.frontDoor?.originGroup}.`)
  else if (r.frontDoor && r.frontDoor.enabledState !== to) {
    out.changes.push({what: `Front Door origin ${r.frontDoor.name}`, from: r.frontDoor.enabledState, to})
    out.frontDoor = true
  }
  return out
}

/** Projects the steering layers of a region into `to`, in a copy the caller owns. */
export function projectSteering(state: LiveState, region: string, to: 'Enabled' | 'Disabled'): void {
  const r = state.regions[region]
  if (r.trafficManager) Object.assign(r.trafficManager, {status: to, monitorStatus: to === 'Enabled' ? 'Online' : 'Disabled'})
  if (r.frontDoor) r.frontDoor.enabledState = to
  r.serving = to === 'Enabled'
}

export async function applySteering(ctx: StepContext, region: string, to: 'Enabled' | 'Disabled', which: SteeringData, rt: StepRuntime): Promise<string[]> {
  const done: string[] = []
  const verb = to === 'Enabled' ? 'enabl' : 'disabl'
  if (which.trafficManager) {
    rt.progress(`${verb}ing Traffic Manager endpoint ${ctx.estate.steering.trafficManager!.endpoints[region]}`)
    await setTrafficManagerEndpoint(ctx.estate, ctx.clients, region, to)
    done.push(`Traffic Manager endpoint ${verb}ed`)
  }
  if (which.frontDoor) {
    rt.progress(`${verb}ing Front Door origin ${ctx.estate.steering.frontDoor!.origins[region]} (long-running)`)
    await setFrontDoorOrigin(ctx.estate, ctx.clients, region, to)
    done.push(`Front Door origin ${verb}ed`)
  }
  return done
}
