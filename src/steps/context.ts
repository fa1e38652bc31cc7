// What every step kind gets: the estate from the runbook, the SDK clients, and a clock.
import type {Clients} from '../azure/clients.ts'
import type {AzureTarget} from '../azure/target.ts'
import type {LiveState} from '../azure/observe.ts'
import type {Step, StepRuntime} from '../engine/types.ts'
import type {Estate} from '../runbook/schema.ts'

export interface StepContext {
  estate: Estate
  clients: Clients
  /** region -> resolver address, for steps that ask DNS themselves */
  resolvers: Record<string, string>
  now(): number
  /** an operator's answer to a manual action; true when --yes acknowledged it */
  acknowledge(instruction: string): Promise<boolean>
  /** where the estate lives (checks that connect need to know whether it is the sandbox) */
  target: AzureTarget
}

export type LiveStep = Step<LiveState>

/** A deep copy to project changes onto without touching the observed state. */
export const copy = (s: LiveState): LiveState => structuredClone(s)

export type {StepRuntime}
