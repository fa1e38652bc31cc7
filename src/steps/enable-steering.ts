// enableSteering (restore): re-enable the region at every steering layer, after checking that it is healthy: its
// private endpoints exist and its own resolver answers its own private IPs.
import {setFrontDoorOrigin, setTrafficManagerEndpoint} from '../azure/actions.ts'
import {clearDrainRecord} from '../azure/state-records.ts'
import type {Change, GuardVerdict, StepPlan} from '../engine/types.ts'
import {type LiveStep, type StepContext, copy} from './context.ts'

export function regionHealthy(state: Parameters<LiveStep['plan']>[0], region: string): GuardVerdict {
  const r = state.regions[region]
  const bad = [
    ...r.names.filter((n) => !n.ok).map((n) => `${n.name} answers ${n.addresses.join(',') || n.outcome}, expected ${n.expected}`),
    ...(r.endpoints ?? []).filter((e) => !e.exists || (e.provisioningState && e.provisioningState !== 'Succeeded')).map((e) => `private endpoint ${e.name} is ${e.exists ? e.provisioningState : 'missing'}`),
  ]
  return {
    guard: 'region-healthy',
    ok: bad.length === 0,
    observed: bad.length === 0 ? `${region} resolves its ${r.names.length} names to its own IPs and its endpoints exist` : bad.join('; '),
    remedy: `Repair ${region}'s private endpoints and records before sending traffic back; 'azfail status' shows what it answers.`,
  }
}

export function enableSteering(ctx: StepContext, region: string): LiveStep {
  return {
    id: 'enableSteering',
    kind: 'enableSteering',
    title: `Re-enable ${region} at the steering layer`,
    changes: true,
    plan(state): StepPlan {
      const r = state.regions[region]
      const changes: Change[] = []
      if (r.trafficManager && r.trafficManager.status !== 'Enabled') changes.push({what: `Traffic Manager endpoint ${r.trafficManager.name}`, from: r.trafficManager.status, to: 'Enabled'})
      if (r.frontDoor && r.frontDoor.enabledState !== 'Enabled') changes.push({what: `Front Door origin ${r.frontDoor.name}`, from: r.frontDoor.enabledState, to: 'Enabled'})
      if (r.drain) changes.push({what: `drain record for ${region}`, from: r.drain.drainedAt, to: 'removed'})
      if (changes.length === 0) return {summary: 'nothing to change', changes, verdicts: [], done: `${region} is enabled at every steering layer`}
      return {
        summary: changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('; '),
        changes,
        verdicts: [regionHealthy(state, region)],
        data: {trafficManager: changes.some((c) => c.what.startsWith('Traffic')), frontDoor: changes.some((c) => c.what.startsWith('Front')), record: Boolean(r.drain)},
      }
    },
    project(state) {
      const s = copy(state)
      const r = s.regions[region]
      if (r.trafficManager) Object.assign(r.trafficManager, {status: 'Enabled', monitorStatus: 'Online'})
      if (r.frontDoor) r.frontDoor.enabledState = 'Enabled'
      r.serving = true
      delete r.drain
      return s
    },
    async apply(plan, rt) {
      if (plan.data?.trafficManager) {
        rt.progress('enabling the Traffic Manager endpoint')
        await setTrafficManagerEndpoint(ctx.estate, ctx.clients, region, 'Enabled')
      }
      if (plan.data?.frontDoor) {
        rt.progress('enabling the Front Door origin (long-running)')
        await setFrontDoorOrigin(ctx.estate, ctx.clients, region, 'Enabled')
      }
      if (plan.data?.record) await clearDrainRecord(ctx.estate, ctx.clients, region)
      return `${region} is serving again`
    },
  }
}
