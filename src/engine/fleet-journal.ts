// The journal of a fleet run, beside the runs' own journals: .azfail/runs/<fleet run id>/fleet.json, what the fleet
// was asked and, for each runbook, its run id (recorded before its run starts) and how it ended. Replaced whole on
// every change, so a kill leaves the fleet's last state; each run keeps its own journal as any run does.
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {InputError} from '../errors.ts'
import {redact} from '../secrets.ts'
import {writeFileWhole} from '../write-whole.ts'
import {isRunId, newRunId} from './journal.ts'
import type {RunStatus, RunTarget} from './types.ts'

export const FLEET_JOURNAL = 'fleet.json'

/** not-started: the fleet never started it (a runbook before it failed, or the fleet was interrupted first) */
export type FleetRunbookStatus = RunStatus | 'not-started'

export interface FleetRunbookRecord {
  name: string
  /** the runbook file, absolute */
  file: string
  wave: number
  /** sha256 of the runbook the fleet was consented on */
  runbookDigest: string
  status: FleetRunbookStatus
  runId?: string
  startedAt?: string
  endedAt?: string
  /** wall time of its run, from its first start to its end (a resumed run counts the time it lay interrupted) */
  rtoMs?: number
  residue?: Array<{region: string; what: string}>
  error?: {code: string; message: string}
}

export interface FleetMeta {
  fleetRunId: string
  fleet: {file: string; name: string; digest: string; concurrency: number; onFailure: 'stop' | 'continue'}
  action: string
  region?: string
  options: {forced?: boolean}
  target: RunTarget
  principal: string
  host: string
  pid: number
  startedAt: string
  endedAt?: string
  status: FleetRunbookStatus
  attempts: number
  waves: string[]
  runbooks: FleetRunbookRecord[]
}

export const newFleetRunId = (): string => `fleet-${newRunId()}`

export class FleetJournal {
  readonly file: string
  private meta: FleetMeta

  private constructor(file: string, meta: FleetMeta) {
    this.file = file
    this.meta = meta
  }

  static create(runsDir: string, meta: FleetMeta): FleetJournal {
    const dir = join(resolve(runsDir), meta.fleetRunId)
    mkdirSync(dir, {recursive: true})
    const j = new FleetJournal(join(dir, FLEET_JOURNAL), meta)
    j.write()
    return j
  }

  static exists(runsDir: string, id: string): boolean {
    return isRunId(id) && existsSync(join(resolve(runsDir), id, FLEET_JOURNAL))
  }

  static open(runsDir: string, id: string): FleetJournal {
    const file = join(resolve(runsDir), id, FLEET_JOURNAL)
    if (!FleetJournal.exists(runsDir, id)) throw new InputError('UnknownRun', `No fleet run '${id}' in ${resolve(runsDir)}.`, "'azfail runs list' shows the runs recorded here.")
    let meta: FleetMeta
    try {
      meta = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new InputError('BadFleetJournal', `${file} is not a fleet journal azfail wrote: ${(error as Error).message}.`, 'Check the file; a fleet journal is replaced whole, so a kill never leaves it cut.')
    }
    if (meta.fleetRunId !== id || !Array.isArray(meta.runbooks)) throw new InputError('BadFleetJournal', `${file} is not the journal of fleet run ${id}.`, 'Check the file, or the id.')
    return new FleetJournal(file, meta)
  }

  read(): FleetMeta {
    return this.meta
  }

  update(patch: Partial<FleetMeta>): FleetMeta {
    this.meta = {...this.meta, ...patch}
    this.write()
    return this.meta
  }

  /** Records a runbook's state: in-process runs finish one at a time, so each write holds every change before it. */
  record(name: string, patch: Partial<FleetRunbookRecord>): void {
    this.meta = {...this.meta, runbooks: this.meta.runbooks.map((r) => (r.name === name ? {...r, ...patch} : r))}
    this.write()
  }

  private write(): void {
    writeFileWhole(this.file, redact(JSON.stringify(this.meta, null, 2)) + '\n', {fsync: true})
  }
}
