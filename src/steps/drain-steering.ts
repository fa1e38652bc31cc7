// drainSteering: disable the region's Traffic Manager endpoint and Front Door origin, then record the drain time in
// Azure so a later teardown, from any machine, knows when the TTL window started.
import {setFrontDoorOrigin, setTrafficManagerEndpoint} from '../azure/actions.ts'
import {writeDrainRecord} from '../azure/state-records.ts'
import type {Change, StepPlan} from '../engine/types.ts'
import {lastRegion} from '../guards/guards.ts'
import {type LiveStep, type StepContext, copy} from './context.ts'

export function drainSteering(ctx: StepContext, region: string): LiveStep {
  return {
    id: 'drainSteering',
    kind: 'drainSteering',
    title: `Drain ${region} at the steering layer`,
    changes: true,
    plan(state): StepPlan {
      const r = state.regions[region]
      const changes: Change[] = []
      const problems: string[] = []
      if (r.trafficManager) {
        if (r.trafficManager.status === 'Missing') problems.push(`Traffic Manager endpoint ${r.trafficManager.name} does not exist in profile ${state.steering.trafficManager?.profile}.`)
        else if (r.trafficManager.status !== 'Disabled') changes.push({what: `Traffic Manager endpoint ${r.trafficManager.name}`, from: r.trafficManager.status, to: 'Disabled'})
      }
      if (r.frontDoor) {
        if (r.frontDoor.enabledState === 'Missing') problems.push(`Front Door origin ${r.frontDoor.name} does not exist in origin group ${state.steering.frontDoor?.originGroup}.`)
        else if (r.frontDoor.enabledState !== 'Disabled') changes.push({what: `Front Door origin ${r.frontDoor.name}`, from: r.frontDoor.enabledState, to: 'Disabled'})
      }
      if (!r.drain) changes.push({what: `drain record for ${region}`, from: 'none', to: 'drain time, when the steering change completes'})
      const steeringChanges = changes.filter((c) => !c.what.startsWith('drain record'))
      return {
        summary: changes.length > 0 ? changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('; ') : 'nothing to change',
        changes,
        verdicts: steeringChanges.length > 0 ? [lastRegion(state, region)] : [],
        ...(problems.length > 0 ? {problems} : {}),
        ...(changes.length === 0 ? {done: `${region} is disabled at every steering layer since ${r.drain?.drainedAt}`} : {}),
        data: {trafficManager: changes.some((c) => c.what.startsWith('Traffic Manager')), frontDoor: changes.some((c) => c.what.startsWith('Front Door'))},
      }
    },
    project(state) {
      const s = copy(state)
      const r = s.regions[region]
      if (r.trafficManager) Object.assign(r.trafficManager, {status: 'Disabled', monitorStatus: 'Disabled'})
      if (r.frontDoor) r.frontDoor.enabledState = 'Disabled'
      r.serving = false
      r.drain ??= {drainedAt: new Date(ctx.now()).toISOString()}
      return s
    },
    async apply(plan, rt) {
      const done: string[] = []
      if (plan.data?.trafficManager) {
        rt.progress(`disabling Traffic Manager endpoint ${ctx.estate.steering.trafficManager!.endpoints[region]}`)
        await setTrafficManagerEndpoint(ctx.estate, ctx.clients, region, 'Disabled')
        done.push('Traffic Manager endpoint disabled')
      }
      if (plan.data?.frontDoor) {
        rt.progress(`disabling Front Door origin ${ctx.estate.steering.frontDoor!.origins[region]} (long-running)`)
        await setFrontDoorOrigin(ctx.estate, ctx.clients, region, 'Disabled')
        done.push('Front Door origin disabled')
      }
      const drainedAt = new Date(ctx.now()).toISOString()
      await writeDrainRecord(ctx.estate, ctx.clients, region, {drainedAt, runId: rt.runId})
      return `${done.join(', ') || 'steering already disabled'}; drained at ${drainedAt}`
    },
  }
}
