// What every step kind gets (the estate from the runbook, the SDK clients, the resolvers, a clock), and the shape of
// a step kind's one declaration in the registry.
import type {z} from 'zod'
import type {Clients} from '../azure/clients.ts'
import type {AzureTarget} from '../azure/target.ts'
import type {Step, StepRuntime} from '../engine/types.ts'
import type {LiveState, Reads} from '../estate/state.ts'
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
  /** a person's confirmation that a manual action is done (--yes never gives it) */
  acknowledge(step: {id: string; instruction: string}): Promise<Acknowledgement>
  /** where the estate lives, and how to reach what a check must connect to */
  target: AzureTarget
}

/** Who confirmed a manual action, or why no one could. */
export type Acknowledgement = {confirmed: true; by: string} | {confirmed: false; why: string}

export type LiveStep<D = unknown> = Step<LiveState, D>

/** The actions a command runs; each has a safe default order of steps. */
export const ACTIONS = ['drain', 'teardown', 'promote-replica', 'promote-failover-group', 'promote-cosmos', 'restore', 'repoint'] as const
export type Action = (typeof ACTIONS)[number]

export interface StepParams {
  /** the region the action is about (drain, teardown, restore) */
  region?: string
  /** the region that becomes primary / write region */
  to?: string
  forced?: boolean
  /** promote the replica to a standalone server (replication stops; the old primary stays a primary) */
  standalone?: boolean
}

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
  /** whether the step belongs in a run of this estate at all (e.g. only where a write check is configured) */
  applies?(estate: Estate): boolean
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
