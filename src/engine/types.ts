// The engine's vocabulary: steps plan against state and apply their plan. Nothing here knows Azure.

/** overridden: a verification whose guard an operator bypassed; it did not pass, and the record says what it saw */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'refused' | 'planned' | 'overridden'

/** A guard's verdict; G narrows the guard ids where they are known (src/guards). */
export interface GuardVerdict<G extends string = string> {
  guard: G
  ok: boolean
  /** what the guard saw, in live values */
  observed: string
  /** what to do when it refuses */
  remedy?: string
  /** set when --override bypassed a refusal */
  overridden?: boolean
}

export interface Change {
  what: string
  from: string
  to: string
}

export interface StepPlan<D = unknown> {
  /** what the step will do, in one line */
  summary: string
  changes: Change[]
  verdicts: GuardVerdict[]
  /** nothing to do: already in the desired state */
  done?: string
  /** nothing to do for another reason (the step does not apply, or cannot check here): said as it is, never as "already done" */
  skip?: string
  /** preconditions that do not hold now (a dry run reports them; the run would fail) */
  problems?: string[]
  /** how long the step will wait, for waits */
  waitSeconds?: number
  /** what apply() needs, computed at plan time; journaled. Present on every plan that apply() may receive. */
  data?: D
}

/** A plan the engine hands to apply(): not done, no problems, no refusal, so its data is there. */
export type ActionablePlan<D> = StepPlan<D> & {data: D}

export interface StepRuntime {
  runId: string
  signal: AbortSignal
  /** a line of progress under the step (a countdown, the resource being changed) */
  progress(text: string): void
  /** records, durably, what a resumed attempt needs to follow work this one started (a long-running operation's state) */
  checkpoint(data: unknown): void
  /** the last checkpoint an earlier attempt of this step recorded */
  resumed?: unknown
  /** throws (LockLost) once the run's lock is no longer its own: a step that waits asks it while it waits */
  holdsLock(): void
}

export interface Step<S, D = unknown> {
  id: string
  kind: string
  title: string
  plan(state: S): StepPlan<D>
  /**
   * The plan when live state cannot change it (a check the runbook or this machine leaves out): executing, the step
   * then reads nothing. Undefined when the plan depends on what is read.
   */
  planUnread?(): StepPlan<D> | undefined
  /** the state expected after apply, so later steps plan against it in a dry run */
  project?(state: S, plan: StepPlan<D>): S
  apply(plan: ActionablePlan<D>, rt: StepRuntime): Promise<string | StepOutcome>
  /** does this step change anything in Azure? (waits and checks do not) */
  changes: boolean
  /**
   * The data tier it acts on or checks ('postgres', 'sql', 'cosmos'): neighbouring steps of two or more lanes run
   * their lanes beside each other, each lane in its order (see stagesOf in run.ts). A step with no lane runs alone.
   */
  lane?: string
}

/** What an apply() found besides its message: the data a promotion lost, where it was measured. */
export interface StepOutcome {
  message: string
  rpo?: RpoMeasure
  /**
   * The step did part of its job and the run goes on (one steering layer refused while the others were drained): the
   * run ends `partial` with this error once every later step has run.
   */
  incomplete?: {code: string; message: string; hint?: string}
  /** what a check could not observe (a dead region's silent resolver): each becomes a run warning, never a pass */
  notVerified?: string[]
}

/**
 * The recovery point a promotion achieved. Two measures: azfail's own marker rows (`measured` … `via`: the marker
 * rows committed through the CNAME before it, up to one written just before, and how many of them the new primary
 * holds after it; `lost` is their difference), and, for a forced promotion, `wal`: what the servers' replication
 * positions say the application lost.
 */
export interface RpoMeasure {
  /** whether azfail's marker rows were counted */
  measured: boolean
  /** why the marker rows could not be counted (the old primary took no marker write, the new one could not be read) */
  reason?: string
  /** azfail's marker rows committed before the promotion */
  before?: number
  /** of those, on the new primary */
  after?: number
  lost?: number
  /** the name written through (the CNAME) */
  via?: string
  wal?: WalLoss
}

/** What a forced promotion lost, read from the old primary's WAL position against the replica's before it. */
export interface WalLoss {
  /** whether the old primary was read: false means the loss could not be measured, only the replica's position is known */
  measured: boolean
  /** why the old primary could not be read */
  reason?: string
  /** the server promoted, and the old primary */
  replica: string
  primary?: string
  /** the old primary's pg_current_wal_lsn() */
  primaryLsn?: string
  /** the replica's pg_last_wal_receive_lsn() and pg_last_wal_replay_lsn() */
  receivedLsn?: string
  replayedLsn?: string
  /** pg_last_xact_replay_timestamp(): when the last transaction the replica replayed committed */
  replayedAt?: string
  /** pg_wal_lsn_diff(primary, what the replica received or replayed, the further) */
  bytesLost?: number
  /** transaction ids the old primary assigned past the replica's last replayed one (azfail's marker among them) */
  transactionIdsLost?: number
  /** what those transactions wrote: tables only on the old primary, and rows inserted or updated past the replica */
  tables?: Array<{table: string; onlyOnPrimary: boolean; rows?: number; uncounted?: string}>
}

export interface StepRecord {
  id: string
  kind: string
  status: StepStatus
  startedAt?: string
  endedAt?: string
  durationMs?: number
  message: string
  rpo?: RpoMeasure
  plan?: StepPlan
  error?: {code: string; message: string}
}

/** partial: every step ran, but one did only part of its job (a steering layer refused); exit 1 */
export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'refused' | 'not-ready' | 'interrupted' | 'declined' | 'locked' | 'planned' | 'running'

export interface RunTarget {
  kind: 'azure' | 'sandbox'
  stateDir?: string
  subscription?: string
  /** the cloud's name, for an Azure target (resume signs in to the same cloud) */
  cloud?: string
}

export interface RunMeta {
  runId: string
  action: string
  region?: string
  /** everything needed to rebuild the steps on resume */
  options: Record<string, unknown>
  runbook: string
  /** sha256 of the runbook the operator consented to (its parsed content); a copy is kept in the run's directory */
  runbookDigest?: string
  target: RunTarget
  principal: string
  startedAt: string
  dryRun: boolean
  overrides: Array<{guard: string; by: string; reason: string; at: string}>
  status: RunStatus
  endedAt?: string
  attempts: number
  /** the last attempt's warnings: overridden guards' observations, post-condition violations, a lock not released */
  warnings?: string[]
}

export interface RunReport {
  runId: string
  action: string
  region?: string
  dryRun: boolean
  status: RunStatus
  steps: StepRecord[]
  overrides: RunMeta['overrides']
  /** run-wide guards judged before any change (permissions), with what each saw */
  guards?: GuardVerdict[]
  /** what a person should know although the run went on: an overridden guard's observation, a lock not released */
  warnings: string[]
  /** what still lives in a region that does not serve (a primary, a write region, the CNAME's target), after the run */
  residue?: Array<{region: string; what: string}>
}
