// verifySurvivorResolution: every surviving region must resolve each of its expected names to its OWN private IP.
// The answers come from each survivor's resolver, over DNS, in the live state this step is planned against.
import type {StepPlan} from '../engine/types.ts'
import {survivorResolvesLocal} from '../guards/guards.ts'
import type {LiveStep, StepContext} from './context.ts'

export function verifySurvivorResolution(_ctx: StepContext, region: string): LiveStep {
  return {
    id: 'verifySurvivorResolution',
    kind: 'verifySurvivorResolution',
    title: 'Verify every survivor resolves its own private IPs',
    changes: false,
    plan(state): StepPlan {
      const survivors = Object.values(state.regions).filter((r) => r.region !== region && r.serving)
      const excluded = Object.keys(state.regions).filter((r) => !survivors.some((s) => s.region === r))
      const names = survivors.reduce((n, r) => n + r.names.length, 0)
      return {
        summary: `${names} names in ${survivors.map((s) => s.region).join(', ') || 'no region'} must resolve to their own private IPs`,
        changes: [],
        verdicts: [survivorResolvesLocal(state, excluded)],
        data: {names, survivors: survivors.map((s) => s.region)},
      }
    },
    async apply(plan) {
      return `${plan.data!.names} names in ${(plan.data!.survivors as string[]).join(', ')} resolve to their own private IPs`
    },
  }
}
