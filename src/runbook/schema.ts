// The runbook file's schema: the estate azfail acts on, and the steps of each action. The loader validates with it
// and the committed JSON Schema (schema/runbook.schema.json, for editors) is generated from it, so the two cannot
// drift. Step kinds come from the step registry, where each is declared once.
import {z} from 'zod'
import {RUNBOOK_ACTIONS, type RunbookAction, stepSpecSchema} from '../steps/registry.ts'
import {Estate} from './estate.ts'

const StepSpec = stepSpecSchema()

const Actions = z
  .strictObject(Object.fromEntries(RUNBOOK_ACTIONS.map((a) => [a, z.array(StepSpec).optional()])) as Record<RunbookAction, z.ZodOptional<z.ZodArray<typeof StepSpec>>>)
  .describe('ordered steps per action; omit an action to use the safe default order. Guards apply whatever the order.')

export const Runbook = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  name: z.string().min(1).describe('a short name for the estate'),
  estate: Estate,
  actions: Actions.default({}),
  rto: z
    .union([z.number().int().positive(), z.string().regex(/^\d+(s|m|h)$/, "a duration such as 900, '90s', '15m' or '1h'")])
    .optional()
    .describe('recovery-time objective: how long a full failover may take; game-day practice runs are measured against it'),
})

export type Runbook = z.infer<typeof Runbook>
export type {Estate, ResourceRef} from './estate.ts'
export type {StepSpec} from '../steps/registry.ts'
export type ActionName = RunbookAction

/** The RTO in seconds. */
export function rtoSeconds(rto: Runbook['rto']): number | undefined {
  if (rto === undefined) return undefined
  if (typeof rto === 'number') return rto
  const n = Number(rto.slice(0, -1))
  return n * {s: 1, m: 60, h: 3600}[rto.at(-1) as 's' | 'm' | 'h']!
}

export function runbookJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://azfail.dev/schema/runbook.schema.json',
    title: 'azfail runbook',
    ...z.toJSONSchema(Runbook, {io: 'input'}),
  }
}
