// manualAction: an instruction only a person can carry out (e.g. seed 001: point on-premises conditional forwarders
// at the surviving region's resolver). A person confirms it, at the terminal or with --ack <step>; --yes never does.
// Without that the run stops before it (exit 5), resumable once the person has done it.
import {z} from 'zod'
import type {StepPlan} from '../engine/types.ts'
import {AzfailError} from '../errors.ts'
import type {StepKind} from './context.ts'

const ManualActionSpec = z.strictObject({manualAction: z.string().min(1).describe('an instruction the operator must confirm, e.g. an on-premises forwarder change')})

/** A run stopped before a manual action no person confirmed: exit 5, and how to continue. */
export class ManualActionPending extends AzfailError {
  constructor(runId: string, stepId: string, instruction: string, why: string) {
    super('interrupted', 'ManualActionPending', `Stopped before manual action ${stepId} ("${instruction}"): ${why}.`, {
      hint: `Once a person has done it: 'azfail resume ${runId} --ack ${stepId}' (or answer the prompt at a terminal).`,
    })
  }
}

export const manualAction: StepKind<void> = {
  kind: 'manualAction',
  summary: 'an instruction only a person can carry out, confirmed at the terminal or with --ack (a runbook lists it as {manualAction: "..."})',
  spec: ManualActionSpec,
  reads: {},
  permissions: [],
  create(ctx, params) {
    const {manualAction: instruction} = ManualActionSpec.parse(params.entry)
    const id = `manualAction${params.ordinal}`
    return {
      id,
      kind: 'manualAction',
      title: `Manual: ${instruction}`,
      changes: false,
      plan(): StepPlan<void> {
        return {summary: `a person confirms: ${instruction}`, changes: [], verdicts: []}
      },
      async apply(_plan, rt) {
        const ack = await ctx.acknowledge({id, instruction})
        if (!ack.confirmed) throw new ManualActionPending(rt.runId, id, instruction, ack.why)
        return `confirmed by ${ack.by}: ${instruction}`
      },
    }
  },
}
