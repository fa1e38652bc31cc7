// enableSteering (restore): re-enable the region at every steering layer, after checking that it is healthy: its
// private endpoints exist and its own resolver answers its own private IPs.
import {clearDrainRecord} from '../azure/state-records.ts'
import type {StepPlan} from '../engine/types.ts'
import {copyState} from '../estate/state.ts'
import {regionHealthy} from '../guards/guards.ts'
import {type StepKind, need} from './context.ts'
import {StepError} from '../errors.ts'
import {type SteeringData, applySteering, planSteering, projectSteering, STEERING_PERMISSIONS} from './steering.ts'

export const enableSteering: StepKind<SteeringData & {record: boolean}> = {
  kind: 'enableSteering',
  summary: 'after checking the region is healthy (region-healthy), re-enable it at every steering layer and clear its drain record',
  defaults: {restore: 1, failback: 1},
  reads: {endpoints: true, resolution: true},
  permissions: STEERING_PERMISSIONS,
  create(ctx, params) {
    const region = need(params.region, {kind: 'enableSteering', action: params.action}, 'a region')
    return {
      id: 'enableSteering',
      kind: 'enableSteering',
      title: `Re-enable ${region} at the steering layer`,
      changes: true,
      plan(state): StepPlan<SteeringData & {record: boolean}> {
        const r = state.regions[region]
        const steering = planSteering(state, region, 'Enabled')
        const changes = [...steering.changes]
        if (r.drain) changes.push({what: `drain record for ${region}`, from: r.drain.drainedAt, to: 'removed'})
        if (changes.length === 0 && steering.problems.length === 0) return {summary: 'nothing to change', changes, verdicts: [], done: `${region} is enabled at every steering layer`}
        return {
          summary: changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('; '),
          changes,
          verdicts: [regionHealthy(state, region)],
          ...(steering.problems.length > 0 ? {problems: steering.problems} : {}),
          data: {trafficManager: steering.trafficManager, frontDoor: steering.frontDoor, ...(steering.frontDoorIdle ? {frontDoorIdle: true} : {}), record: Boolean(r.drain)},
        }
      },
      project(state) {
        const s = copyState(state)
        projectSteering(s, region, 'Enabled')
        delete s.regions[region].drain
        return s
      },
      async apply(plan, rt) {
        const {refused} = await applySteering(ctx, region, 'Enabled', plan.data, rt)
        // The drain record stays while any layer is still disabled: it is what a later teardown judges.
        if (refused.length > 0) throw new StepError('SteeringRefused', refused.map((r) => r.error).join('; '), {hint: `Re-run the command once the steering layer accepts changes; what is already enabled stays.`})
        if (plan.data.record) await clearDrainRecord(ctx.estate, ctx.clients, region)
        return `${region} is serving again`
      },
    }
  },
}
