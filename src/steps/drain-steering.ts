// drainSteering: disable the region's Traffic Manager endpoint and Front Door origin, then record the drain time in
// Azure so a later teardown, from any machine, knows when the TTL window started.
import {writeDrainRecord} from '../azure/state-records.ts'
import type {StepPlan} from '../engine/types.ts'
import {copyState} from '../estate/state.ts'
import {lastRegion} from '../guards/guards.ts'
import {type StepKind, need} from './context.ts'
import {type SteeringData, applySteering, planSteering, projectSteering, STEERING_PERMISSIONS} from './steering.ts'

export const drainSteering: StepKind<SteeringData> = {
  kind: 'drainSteering',
  summary: 'disable the region at every steering layer (Traffic Manager endpoint, Front Door origin) and record the drain time in Azure',
  defaults: {drain: 1},
  reads: {},
  permissions: STEERING_PERMISSIONS,
  create(ctx, params) {
    const region = need(params.region, {kind: 'drainSteering', action: params.action}, 'a region')
    return {
      id: 'drainSteering',
      kind: 'drainSteering',
      title: `Drain ${region} at the steering layer`,
      changes: true,
      plan(state): StepPlan<SteeringData> {
        const r = state.regions[region]
        const steering = planSteering(state, region, 'Disabled')
        const changes = [...steering.changes]
        if (!r.drain) changes.push({what: `drain record for ${region}`, from: 'none', to: 'drain time, when the steering change completes'})
        return {
          summary: changes.length > 0 ? changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('; ') : 'nothing to change',
          changes,
          verdicts: steering.changes.length > 0 ? [lastRegion(state, region)] : [],
          ...(steering.problems.length > 0 ? {problems: steering.problems} : {}),
          ...(changes.length === 0 ? {done: `${region} is disabled at every steering layer since ${r.drain?.drainedAt}`} : {}),
          data: {trafficManager: steering.trafficManager, frontDoor: steering.frontDoor},
        }
      },
      project(state) {
        const s = copyState(state)
        projectSteering(s, region, 'Disabled')
        s.regions[region].drain ??= {drainedAt: new Date(ctx.now()).toISOString()} // a plan's estimate; apply records Azure's latest
        return s
      },
      async apply(plan, rt) {
        const done = await applySteering(ctx, region, 'Disabled', plan.data, rt)
        const drainedAt = new Date(ctx.stamp()).toISOString()
        await writeDrainRecord(ctx.estate, ctx.clients, region, {drainedAt, runId: rt.runId})
        return `${done.join(', ') || 'steering already disabled'}; drained at ${drainedAt}`
      },
    }
  },
}
