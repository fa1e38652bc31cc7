// A fleet: many runbooks failed over (or game-dayed) together, wave after wave, the runbooks of a wave in parallel up
// to the fleet's concurrency. Each runbook runs through the same service a single run uses (runAction, resume,
// runGameday), in this process, under its own lock and journal: one process shares one connection to the target (and
// one in-process sandbox), one consent, and one Ctrl-C that reaches every run, where child processes would each sign
// in, start or find a sandbox, and need their output parsed back. The fleet journal records which run is whose.
import {createHash} from 'node:crypto'
import {hostname} from 'node:os'
import pLimit from 'p-limit'
import {createClients} from '../azure/clients.ts'
import {type AzureTarget, targetOn} from '../azure/target.ts'
import type {RunObserver} from '../engine/events.ts'
import type {EngineGate} from '../engine/run.ts'
import {type FleetMeta, type FleetRunbookRecord, type FleetRunbookStatus, FleetJournal, newFleetRunId} from '../engine/fleet-journal.ts'
import {Journal, newRunId} from '../engine/journal.ts'
import type {Change, RunReport} from '../engine/types.ts'
import {AzfailError, InputError, exitCodeOf, type ErrorStatus} from '../errors.ts'
import {runbookDigest} from '../runbook/digest.ts'
import {type Fleet, type FleetRunbook, fleetRunbooks, loadFleet} from '../runbook/fleet.ts'
import type {StepContext} from '../steps/context.ts'
import {runGameday} from './gameday.ts'
import {localResume} from './resume.ts'
import {type RunRequest, runAction, validateRequest} from './run.ts'

/** A runbook's outcome in a fleet: a run's status, a game day's verdict, or never started. */
export type FleetStatus = FleetRunbookStatus | 'ready'

export interface FleetRunbookResult {
  name: string
  file: string
  wave: string
  status: FleetStatus
  runId?: string
  rtoMs?: number
  /** what still lives in the region after its run (the run's residue); absent where the run did not say */
  residue?: Array<{region: string; what: string}>
  error?: {code: string; message: string}
  /** drainAhead: the run drained and waited, then was held before its later steps: an earlier wave did not succeed, or the fleet was interrupted first */
  held?: boolean
  /** a dry run's changes, for the fleet's one consent */
  changes?: Change[]
  warnings?: string[]
}

export interface FleetReport {
  fleetRunId?: string
  fleet: string
  file: string
  action: string
  region?: string
  dryRun: boolean
  status: FleetStatus
  startedAt: string
  endedAt: string
  durationMs: number
  /** a run resumed from the fleet journal: its attempt */
  attempt?: number
  waves: Array<{name: string; runbooks: FleetRunbookResult[]}>
}

/** What each runbook's run gets from the command: its display, and how a manual action is confirmed. */
export interface FleetIo {
  observers(runbook: FleetRunbook): RunObserver[]
  acknowledge: StepContext['acknowledge']
}

export interface FleetRequest extends FleetIo {
  fleet: Fleet
  action: 'failover'
  region: string
  forced: boolean
  dryRun: boolean
  /** the target the fleet reaches; each runbook acts in its own subscription there */
  target: AzureTarget
  runsDir: string
}

/** The exit code of a runbook's outcome, as CONTRACT.md gives it; the fleet exits with the worst (highest). */
function exitOf(status: FleetStatus): number {
  if (status === 'succeeded' || status === 'planned' || status === 'ready' || status === 'not-started') return 0
  if (status === 'running') return exitCodeOf('failed')
  return exitCodeOf(status)
}

const worst = (statuses: FleetStatus[]): FleetStatus => statuses.reduce<FleetStatus>((w, s) => (exitOf(s) > exitOf(w) ? s : w), 'succeeded')

/** Did the runbook do what it was asked: a failure (of any kind) stops a fleet whose onFailure is stop. */
const wentWell = (status: FleetStatus) => exitOf(status) === 0

/** The fleet's status: the worst of its runbooks', or interrupted when some never started because it was. */
export function fleetStatus(results: FleetRunbookResult[], interrupted: boolean, dryRun: boolean): FleetStatus {
  // A run held by drainAhead is interrupted because another went wrong: the fleet ends as that one did.
  const counted = worst(results.filter((r) => !r.held).map((r) => r.status))
  const w = exitOf(counted) === 0 && results.some((r) => r.held) ? 'interrupted' : counted
  if (interrupted && results.some((r) => r.status === 'not-started') && exitOf(w) < exitCodeOf('interrupted')) return 'interrupted'
  return w === 'succeeded' && dryRun ? 'planned' : w
}

/** The error a fleet that did not succeed ends with: its exit code is the worst runbook's; `report` is the fleet's. */
export function fleetError(report: FleetReport): AzfailError | undefined {
  if (exitOf(report.status) === 0) return undefined
  const bad = report.waves.flatMap((w) => w.runbooks).filter((r) => !wentWell(r.status))
  const notStarted = report.waves.flatMap((w) => w.runbooks).filter((r) => r.status === 'not-started')
  const resumable = report.fleetRunId && (report.status === 'interrupted' || bad.some((r) => r.status === 'interrupted'))
  const status = (report.status === 'running' ? 'failed' : report.status) as ErrorStatus
  const message = `Fleet ${report.fleet}: ${bad.filter((r) => r.status !== 'not-started').map((r) => `${r.name} ${r.status}${r.error ? ` (${r.error.message.split('\n')[0]})` : ''}`).join('; ') || 'interrupted'}${notStarted.length > 0 ? `; not started: ${notStarted.map((r) => r.name).join(', ')}` : ''}.`
  const hint = resumable ? `'azfail resume ${report.fleetRunId}' finishes the fleet: what succeeded is not repeated, interrupted runs resume, the rest start.` : "Each runbook's run is in 'azfail runs show <run id>'."
  return Object.assign(new AzfailError(status, 'FleetNotSucceeded', message, {hint}), {report})
}

/**
 * Runs the waves in order, each wave's runbooks in parallel up to the concurrency. After a runbook goes wrong with
 * onFailure stop, or once interrupted, nothing new starts (running ones finish) and the rest are reported not started.
 */
async function runWaves(fleet: Fleet, options: {interrupted(): boolean; done?: Map<string, FleetRunbookResult>}, runOne: (r: FleetRunbook, wave: string) => Promise<FleetRunbookResult>): Promise<FleetReport['waves']> {
  let stopping = false
  const limit = pLimit(fleet.concurrency)
  const out: FleetReport['waves'] = []
  const notStarted = (r: FleetRunbook, wave: string): FleetRunbookResult => ({name: r.name, file: r.loaded.file, wave, status: 'not-started'})
  for (const wave of fleet.waves) {
    const results = await Promise.all(
      wave.runbooks.map((r) =>
        limit(async () => {
          const before = options.done?.get(r.name)
          if (before) return before
          if (stopping || options.interrupted()) return notStarted(r, wave.name)
          const result = await runOne(r, wave.name)
          if (!wentWell(result.status) && fleet.onFailure === 'stop') stopping = true
          return result
        }),
      ),
    )
    for (const r of results) if (!wentWell(r.status) && fleet.onFailure === 'stop') stopping = true
    out.push({name: wave.name, runbooks: results})
  }
  return out
}

/** Ahead of its wave (drainAhead): draining, waiting out the TTL window, and the survivors' check after it: steering and reads. */
const AHEAD = new Set(['drainSteering', 'waitOutTtl', 'verifySurvivorResolution'])

/**
 * drainAhead: every runbook starts as soon as a slot is free, in wave order, drains and waits out its TTL window (its
 * slot given up for the wait: waiting is no load on ARM); at its first step after the survivors' check, it waits for
 * every runbook of the waves before it to end, then takes a slot again and goes on. The waits of all waves overlap; what the waves order (promotions, the CNAME) keeps its
 * order. A wave that cannot start (a runbook before it went wrong, with onFailure stop; or Ctrl-C) holds the runs
 * waiting for it: they end interrupted, drained, and are reported as held.
 */
async function runWavesAhead(fleet: Fleet, options: {interrupted(): boolean; done?: Map<string, FleetRunbookResult>}, runOne: (r: FleetRunbook, wave: string, gate: EngineGate) => Promise<FleetRunbookResult>): Promise<FleetReport['waves']> {
  const limit = pLimit(fleet.concurrency)
  /** A slot held until `release()`: p-limit's queue keeps the order slots were asked for. */
  const slot = () => new Promise<() => void>((got) => void limit(() => new Promise<void>((release) => got(release))))
  let stopping = false
  const opened = new Map<number, Promise<boolean>>()
  const results: Array<Array<Promise<FleetRunbookResult>>> = []
  const waveOpens = (k: number): Promise<boolean> => {
    if (!opened.has(k)) {
      opened.set(
        k,
        (async () => {
          for (const wave of results.slice(0, k)) {
            const ended = await Promise.all(wave)
            if (fleet.onFailure === 'stop' && ended.some((r) => !wentWell(r.status))) return false
          }
          return !options.interrupted()
        })(),
      )
    }
    return opened.get(k)!
  }
  fleet.waves.forEach((wave, k) => {
    results.push(
      wave.runbooks.map(async (r): Promise<FleetRunbookResult> => {
        const before = options.done?.get(r.name)
        if (before) return before
        let release = await slot()
        try {
          if (stopping || options.interrupted()) return {name: r.name, file: r.loaded.file, wave: wave.name, status: 'not-started'}
          let holding = true
          let passed = k === 0
          let held = false
          const letGo = () => {
            release()
            release = () => {}
            holding = false
          }
          // A run holds a slot while it acts: not while it waits out its TTL window, nor while it waits for its wave.
          const gate: EngineGate = async (step) => {
            if (step.kind === 'waitOutTtl') {
              if (holding) letGo()
              return true
            }
            if (!passed && !AHEAD.has(step.kind)) {
              if (holding) letGo()
              // held from here until its wave opens: a Ctrl-C meanwhile ends the run before the wave's answer comes
              held = true
              if (!(await waveOpens(k))) return false
              held = false
              passed = true
            }
            if (!holding) {
              release = await slot()
              holding = true
            }
            return true
          }
          const result = await runOne(r, wave.name, gate)
          if (held) {
            const why = options.interrupted() ? 'the fleet was interrupted before its wave opened' : 'a runbook of an earlier wave did not succeed (onFailure: stop)'
            const wait = `drained and waited; its steps after the wait (from the survivors' check on: promotions, the CNAME) did not run because ${why}. Finish it with 'azfail resume ${result.runId ?? '<its run id>'}'`
            return {...result, held: true, error: {code: 'HeldAtWave', message: wait}}
          }
          if (!wentWell(result.status) && fleet.onFailure === 'stop') stopping = true
          return result
        } finally {
          release()
        }
      }),
    )
  })
  return Promise.all(fleet.waves.map(async (wave, k) => ({name: wave.name, runbooks: await Promise.all(results[k])})))
}

/** Ctrl-C and SIGTERM: every run in flight ends interrupted by its own handler; the fleet starts nothing new. */
function onInterrupt(): {interrupted(): boolean; release(): void} {
  let interrupted = false
  const flag = () => void (interrupted = true)
  process.on('SIGINT', flag)
  process.on('SIGTERM', flag)
  return {interrupted: () => interrupted, release: () => (process.off('SIGINT', flag), process.off('SIGTERM', flag))}
}

const describeFailure = (error: unknown): {code: string; message: string} => ({code: (error as AzfailError)?.code ?? 'Error', message: String((error as Error)?.message ?? error)})

/** The status of a run that threw: its report's, or the error's where the run never journaled. */
const thrownStatus = (error: unknown, report: RunReport | undefined): FleetStatus => report?.status ?? (error instanceof AzfailError ? (error.status as FleetStatus) : 'failed')

/** One runbook's run (new, or resumed from its journal) through the single-run service; its outcome as the fleet reports it. */
async function runRunbook(req: FleetRequest, r: FleetRunbook, wave: string, how: {runId?: string; resume?: Journal; gate?: EngineGate}): Promise<FleetRunbookResult> {
  const {estate} = r.loaded.runbook
  const target = targetOn(req.target, estate.subscription)
  const request: RunRequest = {
    action: req.action,
    options: {region: req.region, forced: req.forced},
    dryRun: req.dryRun,
    overrides: [],
    runbook: r.loaded,
    target,
    clients: createClients(target, {estate}),
    runsDir: req.runsDir,
    observers: req.observers(r),
    // The fleet's one consent covered every runbook before any started.
    confirm: async () => true,
    acknowledge: req.acknowledge,
    ...(how.runId ? {runId: how.runId} : {}),
    ...(how.resume ? {resume: how.resume} : {}),
    ...(how.gate ? {gate: how.gate} : {}),
  }
  let report: RunReport | undefined
  let error: unknown
  try {
    report = await runAction(request)
  } catch (e) {
    error = e
    report = (e as {report?: RunReport}).report
  }
  const runId = report?.runId ?? how.runId
  const meta = runId && Journal.exists(req.runsDir, runId) ? Journal.open(req.runsDir, runId).meta() : undefined
  const ended = meta?.endedAt ?? new Date().toISOString()
  return {
    name: r.name,
    file: r.loaded.file,
    wave,
    status: error ? thrownStatus(error, report) : (report?.status ?? 'failed'),
    ...(runId ? {runId} : {}),
    ...(meta ? {rtoMs: Date.parse(ended) - Date.parse(meta.startedAt)} : {}),
    ...(report?.residue ? {residue: report.residue} : {}),
    ...(error ? {error: describeFailure(error)} : {}),
    ...(req.dryRun && report ? {changes: report.steps.flatMap((s) => s.plan?.changes ?? [])} : {}),
    ...(report?.warnings.length ? {warnings: report.warnings} : {}),
  }
}

/** Bad input caught for every runbook before anything is read: the region each must declare. */
export function validateFleetRequest(fleet: Fleet, region: string): void {
  for (const r of fleetRunbooks(fleet)) {
    try {
      validateRequest(r.loaded.runbook.estate, {action: 'failover', options: {region}})
    } catch (error) {
      if (error instanceof InputError) throw new InputError(error.code, `${r.name} (${r.path}): ${error.message}`, error.hint)
      throw error
    }
  }
}

function reportOf(req: {fleet: Fleet; action: string; region?: string; dryRun: boolean}, waves: FleetReport['waves'], started: number, interrupted: boolean, fleetRunId?: string, attempt?: number): FleetReport {
  const results = waves.flatMap((w) => w.runbooks)
  const end = Date.now()
  return {
    ...(fleetRunId ? {fleetRunId} : {}),
    fleet: req.fleet.name,
    file: req.fleet.file,
    action: req.action,
    ...(req.region ? {region: req.region} : {}),
    dryRun: req.dryRun,
    status: fleetStatus(results, interrupted, req.dryRun),
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(end).toISOString(),
    durationMs: end - started,
    ...(attempt && attempt > 1 ? {attempt} : {}),
    waves,
  }
}

/** The digest of what the fleet was consented on: the fleet file as loaded, each runbook's own digest. */
// drainAhead changes what runs before a wave opens: it is part of what was consented (named only when on, so a digest
// taken before it existed still matches its fleet).
const fleetDigest = (fleet: Fleet): string => createHash('sha256').update(JSON.stringify({name: fleet.name, concurrency: fleet.concurrency, onFailure: fleet.onFailure, ...(fleet.drainAhead ? {drainAhead: true} : {}), waves: fleet.waves.map((w) => ({name: w.name, runbooks: w.runbooks.map((r) => [r.loaded.file, runbookDigest(r.loaded.runbook)])}))})).digest('hex')

/** A dry run of every runbook, wave by wave: the plan the fleet's consent lists, or the whole of `--dry-run`. */
export async function planFleet(req: FleetRequest): Promise<FleetReport> {
  const started = Date.now()
  const dry = {...req, dryRun: true}
  const waves = await runWaves({...req.fleet, onFailure: 'continue'}, {interrupted: () => false}, (r, wave) => runRunbook(dry, r, wave, {}))
  return reportOf(dry, waves, started, false)
}

/** Runs the fleet, journaled: a kill leaves the fleet journal that `azfail resume <fleet run id>` finishes. */
export async function runFleet(req: FleetRequest): Promise<FleetReport> {
  const principal = await req.target.principal()
  const started = Date.now()
  const meta: FleetMeta = {
    fleetRunId: newFleetRunId(),
    fleet: {file: req.fleet.file, name: req.fleet.name, digest: fleetDigest(req.fleet), concurrency: req.fleet.concurrency, onFailure: req.fleet.onFailure},
    action: req.action,
    region: req.region,
    options: {forced: req.forced},
    target: req.target.record,
    principal,
    host: hostname(),
    pid: process.pid,
    startedAt: new Date(started).toISOString(),
    status: 'running',
    attempts: 1,
    waves: req.fleet.waves.map((w) => w.name),
    runbooks: req.fleet.waves.flatMap((w, i) => w.runbooks.map((r): FleetRunbookRecord => ({name: r.name, file: r.loaded.file, wave: i, runbookDigest: runbookDigest(r.loaded.runbook), status: 'not-started'}))),
  }
  return journaledWaves(req, FleetJournal.create(req.runsDir, meta), new Map(), started)
}

async function journaledWaves(req: FleetRequest, journal: FleetJournal, done: Map<string, FleetRunbookResult>, started: number, resumes: Map<string, Journal> = new Map()): Promise<FleetReport> {
  const signals = onInterrupt()
  // Each run listens for Ctrl-C itself: as many listeners as runs at once, besides the fleet's and the display's.
  process.setMaxListeners(Math.max(process.getMaxListeners(), req.fleet.concurrency + 10))
  try {
    const runOne = async (r: FleetRunbook, wave: string, gate?: EngineGate) => {
      const resume = resumes.get(r.name)
      const runId = resume ? resume.meta().runId : newRunId()
      journal.record(r.name, {status: 'running', runId, ...(resume ? {} : {startedAt: new Date().toISOString()})})
      const result = await runRunbook(req, r, wave, {...(resume ? {resume} : {runId}), ...(gate ? {gate} : {})})
      journal.record(r.name, {status: result.status as FleetRunbookStatus, endedAt: new Date().toISOString(), ...(result.rtoMs === undefined ? {} : {rtoMs: result.rtoMs}), ...(result.residue ? {residue: result.residue} : {}), ...(result.error ? {error: result.error} : {})})
      return result
    }
    const options = {interrupted: signals.interrupted, done}
    const waves = req.fleet.drainAhead && !req.dryRun ? await runWavesAhead(req.fleet, options, runOne) : await runWaves(req.fleet, options, runOne)
    const report = reportOf(req, waves, started, signals.interrupted(), journal.read().fleetRunId, journal.read().attempts)
    journal.update({status: report.status === 'ready' ? 'succeeded' : report.status, endedAt: report.endedAt})
    return report
  } finally {
    signals.release()
  }
}

/** What resuming a fleet needs: its journal, and the fleet file it was consented on, reloaded and checked. */
export interface FleetResumeSource {
  journal: FleetJournal
  meta: FleetMeta
  fleet: Fleet
}

/** The interrupted fleet run recorded here; refused when it finished, or when its process still runs. */
export function openFleetResume(runsDir: string, fleetRunId: string): FleetResumeSource {
  const journal = FleetJournal.open(runsDir, fleetRunId)
  const meta = journal.read()
  if (meta.status !== 'running' && meta.status !== 'interrupted') {
    throw new InputError('NotResumable', `Fleet run ${fleetRunId} cannot be resumed: it ended ${meta.status}. Only an interrupted fleet resumes.`, `Run the fleet again ('azfail ${meta.action} ${meta.region ?? ''} --fleet ${meta.fleet.file}'); succeeded runbooks plan as already done.`)
  }
  if (meta.status === 'running' && meta.host === hostname() && meta.pid !== process.pid && pidAlive(meta.pid)) {
    throw new AzfailError('locked', 'FleetRunning', `Fleet run ${fleetRunId} is still running (pid ${meta.pid} on this machine).`, {hint: 'Let it finish, or interrupt it (Ctrl-C, or kill -TERM the pid) and resume it then.'})
  }
  const fleet = loadFleet(meta.fleet.file)
  if (fleetDigest(fleet) !== meta.fleet.digest) {
    throw new InputError('FleetChanged', `Fleet run ${fleetRunId} cannot resume: ${meta.fleet.file} or one of its runbooks changed since the fleet was consented to. Nothing was changed.`, 'Put the files back as they were, or run the fleet again (it plans from live state; finished runbooks plan as already done).')
  }
  return {journal, meta, fleet}
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Finishes an interrupted fleet, wave by wave: runbooks whose run succeeded are not run again, runs left interrupted
 * (or running, by a killed process) resume through their own journal, runbooks not started start.
 */
export async function resumeFleet(source: FleetResumeSource, io: FleetIo & {target: AzureTarget; runsDir: string}): Promise<FleetReport> {
  const {journal, meta, fleet} = source
  const started = Date.parse(meta.startedAt)
  journal.update({status: 'running', attempts: meta.attempts + 1, pid: process.pid, host: hostname(), endedAt: undefined})
  const done = new Map<string, FleetRunbookResult>()
  const resumes = new Map<string, Journal>()
  const waveName = (i: number) => meta.waves[i] ?? `wave ${i + 1}`
  for (const rec of meta.runbooks) {
    const run = rec.runId && Journal.exists(io.runsDir, rec.runId) ? Journal.open(io.runsDir, rec.runId).meta() : undefined
    const kept = (status: FleetStatus): FleetRunbookResult => ({name: rec.name, file: rec.file, wave: waveName(rec.wave), status, ...(rec.runId ? {runId: rec.runId} : {}), ...(rec.rtoMs === undefined ? {} : {rtoMs: rec.rtoMs}), ...(rec.residue ? {residue: rec.residue} : {}), ...(rec.error ? {error: rec.error} : {})})
    if (rec.status === 'succeeded' || run?.status === 'succeeded') {
      // a run that finished after the fleet last wrote (killed in between) counts as its journal says
      if (rec.status !== 'succeeded') journal.record(rec.name, {status: 'succeeded', ...(run?.endedAt ? {endedAt: run.endedAt} : {})})
      const rto = rec.rtoMs === undefined && run?.endedAt ? {rtoMs: Date.parse(run.endedAt) - Date.parse(run.startedAt)} : {}
      done.set(rec.name, {...kept('succeeded'), ...rto})
    } else if (run && (run.status === 'running' || run.status === 'interrupted')) {
      const source = localResume(io.runsDir, run.runId)
      if (source) resumes.set(rec.name, source.journal)
    } else if (run || (rec.status !== 'not-started' && rec.status !== 'running')) {
      // a run that failed, was refused or found the lock held stays as it ended: a resume does not retry it
      done.set(rec.name, kept(run?.status ?? rec.status))
    }
  }
  const req: FleetRequest = {...io, fleet, action: 'failover', region: meta.region!, forced: meta.options.forced === true, dryRun: false}
  return journaledWaves(req, journal, done, started, resumes)
}

/** A game day over the fleet: each runbook's read-only readiness checks, wave by wave, in parallel up to the concurrency. */
export async function fleetGameday(req: {fleet: Fleet; region?: string; target: AzureTarget; runsDir: string; note(message: string): void}): Promise<FleetReport> {
  const started = Date.now()
  const waves = await runWaves({...req.fleet, onFailure: 'continue'}, {interrupted: () => false}, async (r, wave) => {
    const target = targetOn(req.target, r.loaded.runbook.estate.subscription)
    const base = {name: r.name, file: r.loaded.file, wave}
    try {
      const result = await runGameday({runbooks: [r.loaded], region: req.region, practice: false, target, clients: createClients(target, {estate: r.loaded.runbook.estate}), runsDir: req.runsDir, observers: () => [], note: (m) => req.note(`${r.name}: ${m}`)})
      const failed = result.checks.filter((c) => c.status === 'failed')
      return {
        ...base,
        status: result.status,
        rtoMs: result.durationMs,
        ...(failed.length > 0 ? {error: {code: 'NotReady', message: failed.map((c) => `${c.title}: ${c.observed}`).join('; ')}} : {}),
      }
    } catch (error) {
      return {...base, status: error instanceof AzfailError ? (error.status as FleetStatus) : 'failed', error: describeFailure(error)}
    }
  })
  const report = reportOf({fleet: req.fleet, action: 'gameday', region: req.region, dryRun: false}, waves, started, false)
  return {...report, status: report.status === 'succeeded' ? 'ready' : report.status}
}
