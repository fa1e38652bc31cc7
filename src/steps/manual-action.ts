// manualAction: an instruction only a person can carry out (e.g. seed 001: point on-premises conditional forwarders
// at the surviving region's resolver). At a terminal the operator confirms it; --yes acknowledges it in the journal.
import type {StepPlan} from '../engine/types.ts'
import type {LiveStep, StepContext} from './context.ts'

export function manualAction(ctx: StepContext, id: string, instruction: string): LiveStep {
  return {
    id,
    kind: 'manualAction',
    title: `Manual: ${instruction}`,
    changes: false,
    plan(): StepPlan {
      return {summary: `the operator confirms: ${instruction}`, changes: [], verdicts: []}
    },
    async apply() {
      if (!(await ctx.acknowledge(instruction))) {
        throw Object.assign(new Error(`the operator did not confirm: ${instruction}`), {code: 'ManualActionNotConfirmed'})
      }
      return `confirmed: ${instruction}`
    },
  }
}
