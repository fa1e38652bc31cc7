// The local journal of runs: .azfail/runs/<id>/run.json (what was asked, by whom, how it ended) and
// journal.jsonl (one line per step event, appended as it happens, so a killed run leaves its trail).
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {InputError} from '../errors.ts'
import type {RunObserver} from './events.ts'
import type {RunMeta, StepRecord} from './types.ts'
import {redact} from '../secrets.ts'
import {writeFileWhole} from '../write-whole.ts'

export const DEFAULT_RUNS_DIR = '.azfail/runs'

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

/** A run id as a directory name: what newRunId makes, give or take; never '.', '..', a separator or a leading dot. */
export const isRunId = (runId: unknown): runId is string => typeof runId === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(runId) && !runId.includes('..')

export class Journal {
  readonly dir: string

  constructor(runsDir: string, runId: string) {
    this.dir = join(resolve(runsDir), runId)
  }

  static create(runsDir: string, meta: RunMeta): Journal {
    // a run id can come from Azure (a lock record a takeover reads): it names a directory only once it is one
    if (!isRunId(meta.runId)) throw new InputError('BadRunId', `'${meta.runId}' is not a run id (letters, digits, '.', '_' and '-', at most 128): no journal is written for it.`, "'azfail runs list' shows the runs recorded here; 'azfail lock status' the run holding the lock.")
    const j = new Journal(runsDir, meta.runId)
    mkdirSync(j.dir, {recursive: true})
    j.writeMeta(meta)
    return j
  }

  static exists(runsDir: string, runId: string): boolean {
    return isRunId(runId) && existsSync(join(resolve(runsDir), runId, 'run.json'))
  }

  static open(runsDir: string, runId: string): Journal {
    const j = new Journal(runsDir, runId)
    if (!isRunId(runId) || !existsSync(join(j.dir, 'run.json'))) {
      throw new InputError('UnknownRun', `No run '${runId}' in ${resolve(runsDir)}.`, "'azfail runs list' shows the runs recorded here.")
    }
    return j
  }

  /** Keeps the runbook the operator consented to (its parsed content), so a resume can say what changed since. */
  keepRunbook(content: unknown): void {
    const file = join(this.dir, 'runbook.json')
    naming(file, () => writeFileWhole(file, JSON.stringify(content, null, 2) + '\n', {fsync: true}))
  }

  /** The runbook this run was consented on, where it was kept. */
  keptRunbook(): unknown {
    const file = join(this.dir, 'runbook.json')
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
  }

  meta(): RunMeta {
    return JSON.parse(readFileSync(join(this.dir, 'run.json'), 'utf8'))
  }

  /** Replaces run.json atomically (temporary file, fsync, rename): a kill leaves the old or the new, never half. */
  writeMeta(meta: RunMeta): void {
    const file = join(this.dir, 'run.json')
    naming(file, () => writeFileWhole(file, redact(JSON.stringify(meta, null, 2)) + '\n', {fsync: true}))
  }

  updateMeta(patch: Partial<RunMeta>): RunMeta {
    const meta = {...this.meta(), ...patch}
    this.writeMeta(meta)
    return meta
  }

  /** Appends one event and syncs it: the journal must hold what happened even if the process is killed next. */
  append(event: {event: 'started' | 'finished' | 'checkpoint' | 'note'; step?: StepRecord; attempt: number; note?: string; data?: unknown}): void {
    const file = join(this.dir, 'journal.jsonl')
    const fd = openSync(file, 'a')
    try {
      naming(file, () => {
        writeSync(fd, redact(JSON.stringify({time: new Date().toISOString(), ...event})) + '\n')
        fsyncSync(fd)
      })
    } finally {
      closeSync(fd)
    }
  }

  events(): Array<{time: string; event: string; step?: StepRecord; attempt: number; note?: string; data?: unknown}> {
    const file = join(this.dir, 'journal.jsonl')
    if (!existsSync(file)) return []
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l)]
        } catch {
          return [] // a line torn by a kill mid-append
        }
      })
  }

  /** The latest record of each step, in first-seen order. */
  steps(): StepRecord[] {
    const latest = new Map<string, StepRecord>()
    for (const e of this.events()) if (e.step) latest.set(e.step.id, e.step)
    return [...latest.values()]
  }

  /** Records one attempt of the run as the engine reports it: each step as it starts and ends, and how the run ended. */
  observer(attempt: number): RunObserver {
    return {
      critical: true,
      on: (e) => {
        if (e.type === 'step-started') this.append({event: 'started', step: e.record, attempt})
        else if (e.type === 'step-ended') this.append({event: 'finished', step: e.record, attempt})
        else if (e.type === 'step-checkpoint') this.append({event: 'checkpoint', step: {id: e.step.id, kind: e.step.kind, status: 'planned', message: 'checkpoint'}, attempt, data: e.data})
        // A resumed attempt turned away before it changed anything (no consent, a guard, the lock) leaves the run as it
        // was, interrupted and resumable: what the earlier attempts did is still half done.
        else if (e.type === 'run-ended') this.updateMeta({status: attempt > 1 && (e.report.status === 'refused' || e.report.status === 'declined' || e.report.status === 'locked') ? 'interrupted' : e.report.status, endedAt: new Date().toISOString(), warnings: e.report.warnings})
      },
    }
  }

  /** The last checkpoint each step recorded: what a resumed attempt follows instead of starting again. */
  checkpoints(): Map<string, unknown> {
    const out = new Map<string, unknown>()
    for (const e of this.events()) if (e.event === 'checkpoint' && e.step) out.set(e.step.id, e.data)
    return out
  }

  /** Steps an earlier attempt ran and that succeeded (their writes must not be repeated); a step planned, refused or skipped never ran. */
  completedSteps(): Set<string> {
    const ran = new Set<string>()
    const done = new Set<string>()
    for (const e of this.events()) {
      if (e.event === 'started' && e.step) ran.add(`${e.attempt}/${e.step.id}`)
      if (e.event === 'finished' && e.step?.status === 'succeeded' && ran.has(`${e.attempt}/${e.step.id}`)) done.add(e.step.id)
    }
    return done
  }
}

export function listRuns(runsDir: string): RunMeta[] {
  const dir = resolve(runsDir)
  if (!existsSync(dir)) return []
  if (!statSync(dir).isDirectory()) throw new InputError('BadDirectory', `--runs-dir ${runsDir} is a file, not a directory.`, 'Pass the directory the runs were journaled in.')
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'run.json')))
    .map((d) => JSON.parse(readFileSync(join(dir, d, 'run.json'), 'utf8')) as RunMeta)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

/** A write's error names no file (write(2) takes a descriptor): give it the journal file, so a full disk's message can. */
function naming(file: string, write: () => void): void {
  try {
    write()
  } catch (error: any) {
    if (error && typeof error === 'object') error.path ??= file
    throw error
  }
}
