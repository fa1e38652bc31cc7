// verifySurvivorResolution: every surviving region must resolve each of its expected names to its OWN private IP.
// The answers come from each survivor's resolver, over DNS, in the live state this step is planned against.
import type {StepPlan} from '../engine/types.ts'
import {survivorResolvesLocal} from '../guards/guards.ts'
import {type StepKind, need} from './context.ts'

interface SurvivorData {
  names: number
  survivors: string[]
  /** how each survivor was asked: "wus2 through VM vm-probe-wus2", "wus2 at 10.30.0.4" */
  asked: string[]
}

export const verifySurvivorResolution: StepKind<SurvivorData> = {
  kind: 'verifySurvivorResolution',
  summary: "check over DNS that every surviving region resolves each expected name to its OWN private IP (survivor-resolves-local)",
  defaults: {drain: 3, failover: 3},
  reads: {resolution: true},
  permissions: [],
  create(_ctx, params) {
    const region = need(params.region, {kind: 'verifySurvivorResolution', action: params.action}, 'a region')
    return {
      id: 'verifySurvivorResolution',
      kind: 'verifySurvivorResolution',
      title: 'Verify every survivor resolves its own private IPs',
      changes: false,
      plan(state): StepPlan<SurvivorData> {
        const survivors = Object.values(state.regions).filter((r) => r.region !== region && r.serving)
        const excluded = Object.keys(state.regions).filter((r) => !survivors.some((s) => s.region === r))
        const names = survivors.reduce((n, r) => n + r.names.length, 0)
        return {
          summary: `${names} names in ${survivors.map((s) => s.region).join(', ') || 'no region'} must resolve to their own private IPs`,
          changes: [],
          verdicts: [survivorResolvesLocal(state, excluded)],
          data: {names, survivors: survivors.map((s) => s.region), asked: survivors.map((s) => (s.vantage ? `${s.region} through its vantage ${s.vantage}` : `${s.region} at its resolver ${s.resolver}`))},
        }
      },
      async apply(plan) {
        return `${plan.data.names} names in ${plan.data.survivors.join(', ')} resolve to their own private IPs (asked: ${plan.data.asked.join('; ')})`
      },
    }
  },
}
