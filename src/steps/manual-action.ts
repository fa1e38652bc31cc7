// manualAction: an instruction only a person can carry out (e.g. seed 001: point on-premises conditional forwarders
// at the surviving region's resolver). At a terminal the operator confirms it; --yes acknowledges it in the journal.
import {z} from 'zod'
import type {StepPlan} from '../engine/types.ts'
import {StepError} from '../errors.ts'
import type {StepKind} from './context.ts'

const ManualActionSpec = z.strictObject({manualAction: z.string().min(1).describe('an instruction the operator must confirm, e.g. an on-premises forwarder change')})

export const manualAction: StepKind<void> = {
  kind: 'manualAction',
  summary: 'an instruction only a person can carry out, confirmed by the operator (a runbook lists it as {manualAction: "..."})',
  spec: ManualActionSpec,
  reads: {},
  permissions: [],
  create(ctx, params) {
    const {manualAction: instruction} = ManualActionSpec.parse(params.entry)
    return {
      id: `manualAction${params.ordinal}`,
      kind: 'manualAction',
      title: `Manual: ${instruction}`,
      changes: false,
      plan(): StepPlan<void> {
        return {summary: `the operator confirms: ${instruction}`, changes: [], verdicts: []}
      },
      async apply() {
        if (!(await ctx.acknowledge(instruction))) throw new StepError('ManualActionNotConfirmed', `the operator did not confirm: ${instruction}`)
        return `confirmed: ${instruction}`
      },
    }
  },
}
