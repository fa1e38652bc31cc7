// The fleet file: many runbooks evacuated together, in waves (shared data tiers before the applications that use
// them). Loaded like a runbook (errors name file, line and field); each runbook it names must load, runbooks are
// ordered into waves, and two runbooks over one estate (they would contend for one lock) are refused.
import {dirname, relative, resolve} from 'node:path'
import {z} from 'zod'
import {lockKeys} from '../azure/estate-lock.ts'
import {AzfailError} from '../errors.ts'
import {type Issue, type LoadedRunbook, loadRunbook, loadYamlFile} from './load.ts'

export const DEFAULT_CONCURRENCY = 4
export const MAX_CONCURRENCY = 32

const Path = z.string().min(1, 'must name a runbook file (relative to the fleet file)')

const Wave = z.strictObject({
  name: z.string().min(1).optional().describe('what the wave is, e.g. data'),
  runbooks: z.array(Path).min(1, 'a wave runs at least one runbook').describe('runbook files, relative to the fleet file; run in parallel up to concurrency'),
})

const Entry = z.strictObject({
  path: Path.describe('the runbook file, relative to the fleet file'),
  after: z.array(z.string().min(1)).optional().describe('runbooks (by path as written here, or by their name) that must finish first'),
})

export const FleetFile = z
  .strictObject({
    version: z.literal(1),
    name: z.string().min(1).describe('the fleet, in reports'),
    concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(DEFAULT_CONCURRENCY).describe('the most runbooks that run at once'),
    onFailure: z.enum(['stop', 'continue']).default('stop').describe('stop: start nothing new after a runbook fails (running ones finish); continue: go on'),
    drainAhead: z
      .boolean()
      .default(false)
      .describe("every runbook drains its steering and waits out its TTL window as soon as it may, whatever its wave; the waves order what follows the wait (the survivors' check, promotions, the CNAME): the waits of all waves overlap"),
    waves: z.array(Wave).min(1).optional().describe('the runbooks in waves, each wave after the one before'),
    runbooks: z.array(Entry).min(1).optional().describe('the runbooks with what each waits for; waves follow from the dependencies'),
  })
  .superRefine((f, ctx) => {
    if (!f.waves === !f.runbooks) ctx.addIssue({code: 'custom', path: [], message: 'give either waves or runbooks (with after:), exactly one of them'})
  })
export type FleetFile = z.infer<typeof FleetFile>

export interface FleetRunbook {
  /** the runbook's name: how the fleet's report, journal and dependencies name it */
  name: string
  /** the path as the fleet file writes it */
  path: string
  loaded: LoadedRunbook
}

export interface FleetWave {
  name: string
  runbooks: FleetRunbook[]
}

export interface Fleet {
  file: string
  name: string
  concurrency: number
  onFailure: 'stop' | 'continue'
  /** each runbook drains and waits at once; its steps after the wait follow the waves */
  drainAhead: boolean
  waves: FleetWave[]
}

/** Where each runbook sits in the file, for its problems: the waves form or the runbooks form. */
interface Placed {
  path: string
  at: Array<string | number>
  after: string[]
}

const placed = (f: FleetFile): Placed[] =>
  f.waves ? f.waves.flatMap((w, i) => w.runbooks.map((path, j) => ({path, at: ['waves', i, 'runbooks', j], after: []}))) : f.runbooks!.map((e, i) => ({path: e.path, at: ['runbooks', i, 'path'], after: e.after ?? []}))

export function loadFleet(file: string): Fleet {
  const abs = resolve(file)
  const base = dirname(abs)
  const loaded = new Map<string, LoadedRunbook>()
  const crossCheck = (f: FleetFile): Issue[] => {
    const issues: Issue[] = []
    const entries = placed(f)
    const seen = new Map<string, Placed>()
    for (const e of entries) {
      const full = resolve(base, e.path)
      if (seen.has(full)) {
        issues.push({path: e.at, message: `${e.path} is already in the fleet (at ${seen.get(full)!.at.join('.')}): a runbook runs once`})
        continue
      }
      seen.set(full, e)
      try {
        loaded.set(e.path, loadRunbook(full))
      } catch (error) {
        const problem = error instanceof AzfailError ? error.message.split('\n').slice(0, 2).map((l) => l.trim()).join(' ') : String(error)
        issues.push({path: e.at, message: `the runbook does not load: ${problem}`})
      }
    }
    if (issues.length > 0) return issues
    issues.push(...duplicateNames(entries, loaded), ...sharedEstates(entries, loaded))
    if (issues.length > 0 || f.waves) return issues
    return dependencyProblems(f, loaded)
  }
  const f = loadYamlFile(abs, {noun: 'fleet file', code: 'InvalidFleet', schema: FleetFile, crossCheck})
  const named = (path: string): FleetRunbook => ({name: loaded.get(path)!.runbook.name, path, loaded: loaded.get(path)!})
  const waves = f.waves ? f.waves.map((w, i) => ({name: w.name ?? `wave ${i + 1}`, runbooks: w.runbooks.map(named)})) : layered(f, loaded).map((paths, i) => ({name: `wave ${i + 1}`, runbooks: paths.map(named)}))
  return {file: abs, name: f.name, concurrency: f.concurrency, onFailure: f.onFailure, drainAhead: f.drainAhead, waves}
}

/** Each runbook's name identifies it in the report and the journal: two of one name could not be told apart. */
function duplicateNames(entries: Placed[], loaded: Map<string, LoadedRunbook>): Issue[] {
  const first = new Map<string, Placed>()
  return entries.flatMap((e) => {
    const name = loaded.get(e.path)!.runbook.name
    const other = first.get(name)
    if (!other) {
      first.set(name, e)
      return []
    }
    return [{path: e.at, message: `${e.path} is named '${name}', as ${other.path} is: each runbook of a fleet needs a name of its own (its name: field)`}]
  })
}

/**
 * Two runbooks over one estate (a steering profile, data resource or CNAME in common) would contend for one lock:
 * the same keys the estate lock compares. A runbook naming no subscription acts in the target's, the same for all.
 */
function sharedEstates(entries: Placed[], loaded: Map<string, LoadedRunbook>): Issue[] {
  const owner = new Map<string, Placed>()
  return entries.flatMap((e) => {
    const estate = loaded.get(e.path)!.runbook.estate
    const keys = lockKeys(estate, estate.subscription ?? '(the target subscription)')
    const other = keys.map((k) => owner.get(k)).find((o) => o !== undefined)
    for (const k of keys) if (!owner.has(k)) owner.set(k, e)
    return other ? [{path: e.at, message: `${e.path} acts on the same estate as ${other.path} (a steering profile, data resource or CNAME in common): they would contend for one lock; put them in one runbook`}] : []
  })
}

/** The runbook an `after` names: by its path as written, or by its name. */
function resolveAfter(f: FleetFile, loaded: Map<string, LoadedRunbook>, ref: string): string | undefined {
  return f.runbooks!.find((e) => e.path === ref)?.path ?? f.runbooks!.find((e) => loaded.get(e.path)!.runbook.name === ref)?.path
}

function dependencyProblems(f: FleetFile, loaded: Map<string, LoadedRunbook>): Issue[] {
  const issues: Issue[] = []
  f.runbooks!.forEach((e, i) =>
    (e.after ?? []).forEach((ref, j) => {
      const to = resolveAfter(f, loaded, ref)
      if (!to) issues.push({path: ['runbooks', i, 'after', j], message: `'${ref}' is no runbook of this fleet (by path or name); it has: ${f.runbooks!.map((x) => x.path).join(', ')}`})
      else if (to === e.path) issues.push({path: ['runbooks', i, 'after', j], message: `${e.path} cannot wait for itself`})
    }),
  )
  if (issues.length > 0) return issues
  const cycle = findCycle(f, loaded)
  if (cycle) issues.push({path: ['runbooks', f.runbooks!.findIndex((e) => e.path === cycle[0]), 'after'], message: `the dependencies go round in a cycle: ${[...cycle, cycle[0]].join(' -> ')}`})
  return issues
}

function findCycle(f: FleetFile, loaded: Map<string, LoadedRunbook>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (path: string): string[] | undefined => {
    if (state.get(path) === 'done') return undefined
    if (state.get(path) === 'open') return stack.slice(stack.indexOf(path))
    state.set(path, 'open')
    stack.push(path)
    for (const ref of f.runbooks!.find((e) => e.path === path)!.after ?? []) {
      const found = visit(resolveAfter(f, loaded, ref)!)
      if (found) return found
    }
    stack.pop()
    state.set(path, 'done')
    return undefined
  }
  for (const e of f.runbooks!) {
    const found = visit(e.path)
    if (found) return found
  }
  return undefined
}

/** The runbooks form as waves: each runbook in the wave after the latest of those it waits for, in file order. */
function layered(f: FleetFile, loaded: Map<string, LoadedRunbook>): string[][] {
  const wave = new Map<string, number>()
  const depth = (path: string): number => {
    if (!wave.has(path)) {
      const deps = (f.runbooks!.find((e) => e.path === path)!.after ?? []).map((ref) => resolveAfter(f, loaded, ref)!)
      wave.set(path, deps.length === 0 ? 0 : Math.max(...deps.map(depth)) + 1)
    }
    return wave.get(path)!
  }
  const out: string[][] = []
  for (const e of f.runbooks!) (out[depth(e.path)] ??= []).push(e.path)
  return out
}

/** The fleet's waves as data (`azfail fleet plan`, lint): each runbook's name, its file as the fleet file writes it, and its subscription. */
export interface FleetPlan {
  name: string
  file: string
  concurrency: number
  onFailure: 'stop' | 'continue'
  waves: Array<{name: string; runbooks: Array<{name: string; runbook: string; subscription?: string}>}>
}

export function fleetPlan(fleet: Fleet): FleetPlan {
  const base = dirname(fleet.file)
  return {
    name: fleet.name,
    file: relative(process.cwd(), fleet.file) || fleet.file,
    concurrency: fleet.concurrency,
    onFailure: fleet.onFailure,
    waves: fleet.waves.map((w) => ({name: w.name, runbooks: w.runbooks.map((r) => ({name: r.name, runbook: relative(process.cwd(), resolve(base, r.path)) || r.path, ...(r.loaded.runbook.estate.subscription ? {subscription: r.loaded.runbook.estate.subscription} : {})}))})),
  }
}

export const fleetRunbooks = (fleet: Fleet): FleetRunbook[] => fleet.waves.flatMap((w) => w.runbooks)
