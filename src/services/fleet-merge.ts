// The fleet report of runs journaled apart (a CI matrix, one job per runbook): every run journal found under the
// directories given (each job's artifact), checked, one per runbook, ordered into the fleet's waves where its file is
// given. A journal that is not one azfail wrote, or a run found twice, is refused: the report would not be true.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {basename, dirname, join, relative} from 'node:path'
import {isRunId} from '../engine/journal.ts'
import type {RunMeta, RunReport} from '../engine/types.ts'
import {InputError} from '../errors.ts'
import type {Fleet} from '../runbook/fleet.ts'
import {type FleetReport, type FleetRunbookResult, fleetStatus} from './fleet.ts'

/** How deep under a given directory journals are looked for (an artifact holds .azfail/runs/<id>/run.json). */
const MAX_DEPTH = 6

interface FoundRun {
  meta: RunMeta
  name: string
  file: string
  residue?: RunReport['residue']
}

function filesNamed(dir: string, names: string[], depth = 0): string[] {
  if (depth > MAX_DEPTH) return []
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? filesNamed(join(dir, e.name), names, depth + 1) : names.includes(e.name) ? [join(dir, e.name)] : []))
}

const shown = (file: string) => relative(process.cwd(), file) || file

function corrupt(file: string, why: string): InputError {
  return new InputError('CorruptJournal', `${shown(file)} is not a run journal azfail wrote: ${why}. Nothing was merged.`, "Check that job's artifact (each job uploads its .azfail/runs directory as it is); leave out a directory that holds no run.")
}

function readRun(file: string): FoundRun {
  let meta: RunMeta
  try {
    meta = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw corrupt(file, `not JSON (${(error as Error).message})`)
  }
  const fields: Array<[keyof RunMeta, string]> = [['action', 'string'], ['status', 'string'], ['startedAt', 'string'], ['runbook', 'string'], ['dryRun', 'boolean']]
  const bad = fields.find(([k, type]) => typeof meta?.[k] !== type)
  if (!isRunId(meta?.runId) || basename(dirname(file)) !== meta.runId) throw corrupt(file, `its runId ${JSON.stringify(meta?.runId)} is not the name of its directory`)
  if (bad) throw corrupt(file, `its ${bad[0]} is not a ${bad[1]}`)
  const kept = join(dirname(file), 'runbook.json')
  let name = basename(meta.runbook).replace(/\.ya?ml$/i, '')
  if (existsSync(kept)) {
    try {
      name = JSON.parse(readFileSync(kept, 'utf8')).name ?? name
    } catch {
      throw corrupt(kept, 'the runbook kept beside the run is not JSON')
    }
  }
  return {meta, name, file}
}

/** A job's --json report (report.json beside its journal): what still lives in the region after its run. */
function residueOf(files: string[]): Map<string, RunReport['residue']> {
  const out = new Map<string, RunReport['residue']>()
  for (const f of files) {
    try {
      const result = JSON.parse(readFileSync(f, 'utf8'))?.result
      if (result?.runId && Array.isArray(result.residue)) out.set(result.runId, result.residue)
    } catch {
      // a report that is not JSON adds nothing: the journal is the record
    }
  }
  return out
}

export function mergeFleetRuns(dirs: string[], fleet?: Fleet): FleetReport {
  const runs: FoundRun[] = []
  const residues = new Map<string, RunReport['residue']>()
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('NotADirectory', `${dir} is not a directory.`, "Give the directories the jobs' artifacts were downloaded to.")
    for (const [id, r] of residueOf(filesNamed(dir, ['report.json']))) residues.set(id, r)
    for (const file of filesNamed(dir, ['run.json'])) {
      const run = readRun(file)
      if (run.meta.dryRun) continue
      const same = runs.find((r) => r.meta.runId === run.meta.runId) ?? runs.find((r) => r.name === run.name)
      if (same) {
        const what = same.meta.runId === run.meta.runId ? `run ${run.meta.runId}` : `two runs of runbook '${run.name}' (${same.meta.runId}, ${run.meta.runId})`
        throw new InputError('DuplicateJournal', `${what} found twice: ${shown(same.file)} and ${shown(file)}. Nothing was merged.`, 'Give each run once (a re-run job leaves its earlier artifact: keep the one to report).')
      }
      runs.push(run)
    }
  }
  if (runs.length === 0) throw new InputError('NoJournals', `No run journal (run.json) under ${dirs.join(', ')}.`, "Give the directories the jobs' artifacts were downloaded to; each job uploads its --runs-dir.")
  const kinds = new Set(runs.map((r) => `${r.meta.action}${r.meta.region ? ` ${r.meta.region}` : ''}`))
  if (kinds.size > 1) throw new InputError('MixedRuns', `The journals are of different runs (${[...kinds].join(', ')}): a fleet report is of one action on one region. Nothing was merged.`, 'Give the artifacts of one fleet run.')
  const result = (r: FoundRun, wave: string): FleetRunbookResult => {
    const residue = residues.get(r.meta.runId)
    return {name: r.name, file: r.meta.runbook, wave, status: r.meta.status, runId: r.meta.runId, ...(r.meta.endedAt ? {rtoMs: Date.parse(r.meta.endedAt) - Date.parse(r.meta.startedAt)} : {}), ...(residue ? {residue} : {})}
  }
  const waves = fleet
    ? fleet.waves.map((w) => ({name: w.name, runbooks: w.runbooks.map((rb) => {
        const run = runs.find((r) => r.name === rb.name)
        return run ? result(run, w.name) : {name: rb.name, file: rb.loaded.file, wave: w.name, status: 'not-started' as const}
      })}))
    : [{name: 'merged', runbooks: [...runs].sort((a, b) => a.meta.startedAt.localeCompare(b.meta.startedAt)).map((r) => result(r, 'merged'))}]
  if (fleet) {
    const stray = runs.filter((r) => !fleet.waves.some((w) => w.runbooks.some((rb) => rb.name === r.name)))
    if (stray.length > 0) throw new InputError('NotInFleet', `${stray.map((r) => `${r.name} (${shown(r.file)})`).join(', ')}: no runbook of that name in ${shown(fleet.file)}. Nothing was merged.`, 'Give the artifacts of this fleet only.')
  }
  const results = waves.flatMap((w) => w.runbooks)
  const starts = runs.map((r) => Date.parse(r.meta.startedAt))
  const ends = runs.map((r) => Date.parse(r.meta.endedAt ?? r.meta.startedAt))
  const [first] = runs
  return {
    fleet: fleet?.name ?? 'merged',
    file: fleet?.file ?? '',
    action: first.meta.action,
    ...(first.meta.region ? {region: first.meta.region} : {}),
    dryRun: false,
    status: fleetStatus(results, false, false),
    startedAt: new Date(Math.min(...starts)).toISOString(),
    endedAt: new Date(Math.max(...ends)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
    waves,
  }
}
