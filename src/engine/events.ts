// What the engine tells the world while it runs. Observers (the journal, the renderers, later notifiers) listen; the
// engine knows none of them.
import {redactDeep} from '../secrets.ts'
import type {RunMeta, RunReport, StepRecord} from './types.ts'

export interface StepInfo {
  id: string
  kind: string
  title: string
}

export type RunEvent =
  | {type: 'run-started'; meta: RunMeta; steps: StepInfo[]}
  /** each step's plan against (projected) live state, before anything changes */
  | {type: 'step-planned'; step: StepInfo; record: StepRecord}
  /** consent was given and the lock taken: the steps execute from here */
  | {type: 'execution-started'; steps: StepInfo[]}
  | {type: 'step-started'; step: StepInfo; record: StepRecord}
  | {type: 'step-progress'; step: StepInfo; text: string}
  | {type: 'step-checkpoint'; step: StepInfo; data: unknown}
  | {type: 'step-ended'; step: StepInfo; record: StepRecord}
  /** azfail waits for a person: consent to the plan, or a manual action */
  | {type: 'prompt'; prompt: 'consent' | 'manual-action'; text: string}
  | {type: 'run-ended'; report: RunReport; error?: {code: string; message: string}}

export interface RunObserver {
  on(event: RunEvent): void
  /** a critical observer's failure stops the run (the journal: a run must not go on unrecorded) */
  critical?: boolean
  /** called once after run-ended; a renderer flushes its output here */
  close?(): Promise<void>
}

/** Fans events out to every observer; a non-critical observer's failure never stops the run or the others. */
export class EventBus {
  private readonly observers: RunObserver[]

  constructor(observers: RunObserver[]) {
    this.observers = observers
  }

  /** Every observer sees the event with the process's secrets redacted: none reaches a journal, a display or a webhook. */
  emit(event: RunEvent): void {
    const safe = redactDeep(event)
    for (const o of this.observers) {
      try {
        o.on(safe)
      } catch (error) {
        if (o.critical) throw error
        // a display or a notifier that throws loses its event, not the run
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.observers.map((o) => o.close?.().catch(() => {})))
  }
}
