// The runbook file's schema: the estate azfail acts on, and the steps of each action. The loader validates with it
// and the committed JSON Schema (schema/runbook.schema.json, for editors) is generated from it, so the two cannot
// drift. Step kinds come from the step registry, where each is declared once.
import {z} from 'zod'
import {RUNBOOK_ACTIONS, type RunbookAction, stepSpecSchema} from '../steps/registry.ts'
import {DURATION_SHAPE, Estate, durationSeconds} from './estate.ts'

const StepSpec = stepSpecSchema()

const Actions = z
  .strictObject(Object.fromEntries(RUNBOOK_ACTIONS.map((a) => [a, z.array(StepSpec).optional()])) as Record<RunbookAction, z.ZodOptional<z.ZodArray<typeof StepSpec>>>)
  .describe('ordered steps per action; omit an action to use the safe default order. Guards apply whatever the order.')

/** What a notification target can be told; each is posted as it happens. */
export const NOTIFY_EVENTS = ['run-started', 'step-ended', 'waiting', 'run-ended'] as const
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number]

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const looksLikeUrl = (v: unknown) => typeof v === 'string' && /^\s*[a-z][a-z0-9+.-]*:\/\//i.test(v)
// A webhook URL is a credential (whoever holds it posts to the channel): it stays out of the file, wherever it is put.
const URL_IN_FILE = 'is a URL: a webhook URL is a secret and never goes in the runbook; put it in an environment variable and name the variable in urlEnv (e.g. urlEnv: AZFAIL_TEAMS_WEBHOOK)'

const NotifyTarget = z
  .object({
    kind: z.enum(['teams', 'slack', 'generic']).describe('payload shape: a Teams Workflows / Incoming Webhook Adaptive Card message, a Slack incoming webhook {text, blocks}, or the event as JSON'),
    urlEnv: z
      .string()
      .refine((v) => !looksLikeUrl(v), URL_IN_FILE)
      .refine((v) => ENV_NAME.test(v) || looksLikeUrl(v), 'must be the name of an environment variable that holds the webhook URL (letters, digits and _), e.g. AZFAIL_TEAMS_WEBHOOK')
      .meta({pattern: ENV_NAME.source})
      .describe('the environment variable that holds the webhook URL (never the URL itself)'),
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1).optional().describe(`what to post (default: all of ${NOTIFY_EVENTS.join(', ')})`),
  })
  // Strict, but an unknown key holding a URL (url: https://...) is told why, not just that the key is unknown.
  .catchall(
    z
      .unknown()
      .superRefine((v, ctx) => ctx.addIssue({code: 'custom', message: looksLikeUrl(v) ? URL_IN_FILE : 'is not a notify field: use kind, urlEnv and events'}))
      .meta({not: {}}),
  )
  .describe('a webhook told how a run goes; a failed post is a warning, never a failed run')

export const Runbook = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  name: z.string().min(1).describe('a short name for the estate'),
  estate: Estate,
  actions: Actions.default({}),
  rto: z
    .union([
      z.number().int().positive(),
      z
        .string()
        .regex(DURATION_SHAPE, "a duration such as 900, '90s', '15m', '1h' or '1h30m'")
        .refine((v) => (durationSeconds(v) ?? 0) > 0, "a duration such as 900, '90s', '15m', '1h' or '1h30m' (units: s, m, h, d, and their names)"),
    ])
    .optional()
    .describe('recovery-time objective: how long a full failover may take (seconds, or a duration such as 15m or 1h30m); game-day practice runs are measured against it'),
  notify: z.array(NotifyTarget).optional().describe('webhooks told when a run starts, as each step ends, when a person must act, and when it ends'),
})

export type Runbook = z.infer<typeof Runbook>
export type {Estate, ResourceRef} from './estate.ts'
export type {StepSpec} from '../steps/registry.ts'

/** The RTO in seconds. */
export function rtoSeconds(rto: Runbook['rto']): number | undefined {
  if (rto === undefined) return undefined
  return typeof rto === 'number' ? rto : durationSeconds(rto)
}

export function runbookJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://azfail.dev/schema/runbook.schema.json',
    title: 'azfail runbook',
    ...z.toJSONSchema(Runbook, {io: 'input'}),
  }
}
