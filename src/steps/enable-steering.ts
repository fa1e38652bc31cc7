// enableSteering (restore): re-enable the region at every steering layer, after checking that it is healthy: its
// private endpoints exist and its own resolver answers its own private IPs.
import {clearDrainRecord} from '../azure/state-records.ts'
import type {GuardVerdict, StepPlan} from '../engine/types.ts'
import {type LiveStep, type StepContext, copy} from './context.ts'
import {applySteering, planSteering, projectSteering} from './steering.ts'

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
      const steering = planSteering(state, region, 'Enabled')
      const changes = [...steering.changes]
      if (r.drain) changes.push({what: `drain record for ${region}`, from: r.drain.drainedAt, to: 'removed'})
      if (changes.length === 0 && steering.problems.length === 0) return {summary: 'nothing to change', changes, verdicts: [], done: `${region} is enabled at every steering layer`}
      return {
        summary: changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('; '),
        changes,
        verdicts: [regionHealthy(state, region)],
        ...(steering.problems.length > 0 ? {problems: steering.problems} : {}),
        data: {trafficManager: steering.trafficManager, frontDoor: steering.frontDoor, record: Boolean(r.drain)},
      }
    },
    project(state) {
      const s = copy(state)
      projectSteering(s, region, 'Enabled')
      delete s.regions[region].drain
      return s
    },
    async apply(plan, rt) {
      await applySteering(ctx, region, 'Enabled', plan.data ?? {}, rt)
      if (plan.data?.record) await clearDrainRecord(ctx.estate, ctx.clients, region)
      return `${region} is serving again`
    },
  }
}
