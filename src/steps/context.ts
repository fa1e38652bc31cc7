// What every step kind gets (the estate from the runbook, the SDK clients, the resolvers, a clock), and the shape of
// a step kind's one declaration in the registry.
import type {z} from 'zod'
import type {Clients} from '../azure/clients.ts'
import type {AzureTarget} from '../azure/target.ts'
import type {Step, StepRuntime} from '../engine/types.ts'
import type {LiveState, Reads, SteeringLayer, UnobservedPart} from '../estate/state.ts'
import {InputError} from '../errors.ts'
import type {Estate} from '../runbook/estate.ts'

export interface StepContext {
  estate: Estate
  clients: Clients
  /** region -> resolver address, for steps that ask DNS themselves */
  resolvers: Record<string, string>
  /** Azure's time in ms, the earliest it can be now: for comparisons with times written to Azure (never Date.now()) */
  now(): number
  /** Azure's time in ms, the latest it can be now: for times written to Azure that others wait from */
  stamp(): number
  /** whether this process stamped that time (a drain this run made just now) */
  stampedHere(time: number): boolean
  /** a person's confirmation that a manual action is done (--yes never gives it) */
  acknowledge(step: {id: string; instruction: string}): Promise<Acknowledgement>
  /** where the estate lives, and how to reach what a check must connect to */
  target: AzureTarget
  /** the command line an operator types for `args` against this estate (the runbook, the target): "azfail drain eus2 --runbook …" */
  command(args: string): string
}

/** Who confirmed a manual action, or why no one could. */
export type Acknowledgement = {confirmed: true; by: string} | {confirmed: false; why: string}

export type LiveStep<D = unknown> = Step<LiveState, D>

/** The actions a command runs; each has a safe default order of steps. */
export const ACTIONS = ['drain', 'teardown', 'promote-replica', 'promote-failover-group', 'promote-cosmos', 'restore', 'repoint', 'failover', 'failback'] as const
export type Action = (typeof ACTIONS)[number]

export interface StepParams {
  /** the region the action is about (drain, teardown, restore) */
  region?: string
  /** the region that becomes primary / write region */
  to?: string
  forced?: boolean
  /** promote the replica to a standalone server (replication stops; the old primary stays a primary) */
  standalone?: boolean
  /** steering layers the operator chose not to change (--skip-layer, journaled with who and why) */
  skipLayers?: SteeringLayer[]
  /** failover / failback: the region each data service's promotion goes to, where it is not `to` */
  promoteTo?: Partial<Record<DataService, string>>
  /** the longest wait the run may take from Azure's numbers (TTLs) without being told more (--max-wait); default MAX_WAIT_SECONDS */
  maxWaitSeconds?: number
}

/** An hour: a wait from a TTL Azure serves past this is far beyond any normal one (2147483647 s is 68 years), so the run asks for --max-wait instead. */
export const MAX_WAIT_SECONDS = 3600

/** Why a wait of `seconds` (from `what`) is too long to take without --max-wait, or undefined when it is not. */
export function waitTooLong(seconds: number, what: string, params: StepParams): string | undefined {
  const max = params.maxWaitSeconds ?? MAX_WAIT_SECONDS
  if (seconds <= max) return undefined
  return `The wait would be ${seconds}s (${what}), more than the ${max}s azfail waits without being told: check the TTLs Azure serves, or pass --max-wait ${seconds} to accept this wait.`
}

/** The data services a region's failover promotes. */
export type DataService = 'postgres' | 'sql' | 'cosmos'

/** The actions that run a whole region's failover in one plan: their data-tier steps run only where the runbook configures the service. */
export const WHOLE_REGION: readonly Action[] = ['failover', 'failback']

/** A data-tier step applies to a single promotion always (a missing service is its problem), to a region's failover only where configured. */
export const configured = (service: DataService | 'cname') => (estate: Estate, action: Action): boolean => {
  if (!WHOLE_REGION.includes(action)) return true
  const {postgres, sqlFailoverGroup, cosmos} = estate.data
  return Boolean({postgres, sql: sqlFailoverGroup, cosmos, cname: postgres && estate.cname}[service])
}

/** What an observation could not read of a data service in these regions, in words: what a forced promotion went ahead without seeing. */
export const notSeenIn = (state: Pick<LiveState, 'unobserved'>, part: UnobservedPart, regions: Array<string | undefined>): string[] =>
  (state.unobserved ?? []).filter((u) => u.part === part && (u.region === undefined || regions.includes(u.region))).map((u) => `${u.what} (${u.why})`)

/** "; not seen: PostgreSQL server pg-app-eus2 (HTTP 503)": appended to what a forced step did. */
export const describeNotSeen = (unseen: string[] | undefined): string => (unseen?.length ? `; not seen (unknown, the promotion went ahead without it): ${unseen.join('; ')}` : '')

/** The region a step that promotes `service` goes to: the failover's choice for it, or --to. */
export const promotionRegion = (params: StepParams, service: DataService): string | undefined => params.promoteTo?.[service] ?? params.to

/** An Azure RBAC action a step needs, and when (a flag that adds it). */
export interface Permission {
  action: string
  when?: string
}

/** Everything about one step kind, declared once; the runbook schema, help and the README's permission table derive from it. */
export interface StepKind<D = any> {
  kind: string
  /** what the step does, in one line (help, README) */
  summary: string
  /** how a runbook names it: by its id (the default), or an object of this schema */
  spec?: z.ZodType
  /** its position in each action's default order */
  defaults?: Partial<Record<Action, number>>
  /** whether the step belongs in this action's run of this estate at all (e.g. only where a write check is configured) */
  applies?(estate: Estate, action: Action): boolean
  /** the data tier it belongs to: its steps run beside the other tiers' (Step.lane) */
  lane?: string
  /** the live state its plan reads */
  reads: Reads
  /** the Azure RBAC actions its apply() needs */
  permissions: Permission[]
  create(ctx: StepContext, params: StepParams & {action: Action; entry?: unknown; ordinal: number}): LiveStep<D>
}

/** The parameter a step kind needs, or an input error naming it. */
export function need(value: string | undefined, step: {kind: string; action: Action}, what: string): string {
  if (!value) throw new InputError('StepNeedsRegion', `Step ${step.kind} in action ${step.action} needs ${what}.`)
  return value
}

export type {StepRuntime}
