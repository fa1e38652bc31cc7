// Vantages: a region's VMs, scale-set instances and AKS clusters running a command through ARM (VM run command, AKS
// command invoke), so a program can resolve the region's private names from inside it. The sandbox does not read the
// command: it runs it with /bin/sh in a fresh directory whose PATH holds only the sandbox's `getent` (getent.ts), which
// asks the region's own resolver. Each run is bounded; its process group is killed at the bound and when the sandbox
// stops. This runs shell only as the sandbox's own user, for callers that passed its token check, with the region's
// resolver on loopback: it gives a caller nothing the sandbox's user could not already do.
//
// Runs are kept in this process (a child process is not state another process could continue); how a region's
// vantages misbehave is part of the world (`POST /_sandbox/vantage`), like an outage.
import {type ChildProcess, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {constants, tmpdir} from 'node:os'
import {join} from 'node:path'
import type {SandboxVantage} from './client.ts'
import {generator} from './faults.ts'
import {RESOLVER_ENV, getentProgram} from './getent.ts'
import {ArmError, controlFields} from './http.ts'
import {namesRegion, regionNamed} from './outage.ts'
import {subscriptionOf, type VantageSetting, type World} from './world.ts'

export const VANTAGE_BEHAVIOURS = ['normal', 'hang', 'garbage', 'replace', 'truncate', 'fail'] as const satisfies ReadonlyArray<SandboxVantage['behaviour']>

/** Azure keeps the last 4,096 bytes of a VM run command's stdout and of its stderr. */
export const RUN_COMMAND_OUTPUT_BYTES = 4096
/** An AKS command's logs: bounded so a chatty command cannot fill memory (not an Azure limit). */
const COMMAND_LOG_BYTES = 64 * 1024
const DEFAULT_TIMEOUT_SECONDS = 60
/** Finished runs stay this long for late pollers, as finished long-running operations do. */
const KEEP_FINISHED_MS = 3600_000

const FIELDS = ['region', 'behaviour', 'stdout', 'keepBytes', 'seed']

/** Checks a vantage request against the world's regions; a region may be named by key (eus2) or location (eastus2). */
export function validateVantage(input: unknown, world: World): SandboxVantage {
  const {o: v, problems} = controlFields(input, FIELDS, 'InvalidVantage', 'a vantage behaviour')
  const region = typeof v.region === 'string' ? regionNamed(world, v.region) : undefined
  if (!region) problems.push(`'region' must name one of the sandbox's regions: ${Object.keys(world.regions).join(', ')}`)
  if (!VANTAGE_BEHAVIOURS.includes(v.behaviour as any)) problems.push(`'behaviour' must be one of ${VANTAGE_BEHAVIOURS.join(', ')}`)
  const only = (field: string, behaviour: string) => v[field] !== undefined && v.behaviour !== behaviour && problems.push(`'${field}' goes with behaviour '${behaviour}'`)
  only('stdout', 'replace')
  only('keepBytes', 'truncate')
  only('seed', 'garbage')
  if (v.behaviour === 'replace' && typeof v.stdout !== 'string') problems.push("behaviour 'replace' needs 'stdout', the text returned instead")
  if (v.behaviour === 'truncate' && !(Number.isInteger(v.keepBytes) && (v.keepBytes as number) >= 0)) problems.push("behaviour 'truncate' needs 'keepBytes', a non-negative integer")
  if (v.seed !== undefined && !Number.isInteger(v.seed)) problems.push("'seed' must be an integer")
  if (problems.length > 0) throw new ArmError(400, 'InvalidVantage', `Invalid vantage behaviour: ${problems.join('; ')}.`)
  const {stdout, keepBytes, seed} = v as Partial<VantageSetting>
  return {region: region!, behaviour: v.behaviour as SandboxVantage['behaviour'], ...(stdout === undefined ? {} : {stdout}), ...(keepBytes === undefined ? {} : {keepBytes}), ...(seed === undefined ? {} : {seed})}
}

/** Sets a region's behaviour in the world; `normal` removes it. */
export function applyVantage(world: World, spec: SandboxVantage): void {
  const {region, ...setting} = spec
  world.vantages ??= {}
  if (setting.behaviour === 'normal') delete world.vantages[region]
  else world.vantages[region] = setting as VantageSetting
  if (Object.keys(world.vantages).length === 0) delete world.vantages
}

/** The behaviours in force, as `GET /_sandbox/vantage` lists them. */
export const vantagesOf = (world: World): SandboxVantage[] => Object.entries(world.vantages ?? {}).map(([region, setting]) => ({region, ...setting}))

/**
 * The region whose location a resource is in, by the world's regions: on the fleet estate, its own copy's (regions
 * `eus2@<subscription>`), whose resolver answers from that copy's zones.
 */
export function regionAt(world: World, location: string | undefined, resourceId?: string): string | undefined {
  if (!location) return undefined
  const sub = resourceId ? subscriptionOf(resourceId).toLowerCase() : undefined
  const own = sub ? Object.keys(world.regions).find((r) => r.toLowerCase().endsWith(`@${sub}`) && namesRegion(world, r, location)) : undefined
  return own ?? regionNamed(world, location)
}

/** How a run ended: its script exited, it ran out of time, or the region's vantages fail. */
type Ending = {kind: 'exited'; code: number} | {kind: 'timedOut'} | {kind: 'failed'}

export interface VantageRun {
  id: string
  /** the VM, scale-set instance or cluster that runs it */
  resourceId: string
  region: string
  /** how the region's vantages behaved when the run started */
  setting?: VantageSetting
  startedAt: string
  finishedAt?: string
  ending?: Ending
  /** stdout (an AKS command: its logs, stdout and stderr as they came) and stderr, each its last bytes */
  stdout: Tail
  stderr: Tail
}

/** What a finished run answers, its stdout as the region's behaviour makes it. */
export interface RunOutcome {
  ending: Ending
  stdout: string
  stderr: string
  startedAt: string
  finishedAt: string
}

/** The last `limit` bytes written to a stream. */
class Tail {
  private chunks: Buffer[] = []
  private size = 0
  private readonly limit: number

  constructor(limit: number) {
    this.limit = limit
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length
  }

  bytes(): Buffer {
    return lastBytes(Buffer.concat(this.chunks), this.limit)
  }
}

const lastBytes = (bytes: Buffer, n: number): Buffer => bytes.subarray(Math.max(0, bytes.length - n))

/** Deterministic printable junk in lines of random length, the last one cut short: what a broken agent might return. */
export function garbage(seed: number): string {
  const random = generator(seed)
  const length = 64 + Math.floor(random() * 448)
  let text = ''
  for (let i = 0; i < length; i++) text += random() < 0.06 ? '\n' : String.fromCharCode(0x20 + Math.floor(random() * 95))
  return text.replace(/\n+$/, '')
}

export interface StartRun {
  resourceId: string
  region: string
  /** the script for /bin/sh -c */
  script: string
  /** an AKS command's logs interleave stdout and stderr; a VM's keep them apart */
  combinedOutput: boolean
}

export class Vantages {
  private readonly runs = new Map<string, VantageRun>()
  private readonly children = new Map<string, ChildProcess>()
  private readonly binDir: string
  private readonly world: () => World
  private readonly resolverOf: (region: string) => string | undefined

  /** Writes the vantages' `getent` into the state dir; `resolverOf` gives a region's resolver as "address:port". */
  constructor(stateDir: string, world: () => World, resolverOf: (region: string) => string | undefined) {
    this.binDir = join(stateDir, 'vantage-bin')
    this.world = world
    this.resolverOf = resolverOf
    mkdirSync(this.binDir, {recursive: true})
    const getent = join(this.binDir, 'getent')
    writeFileSync(getent, getentProgram(process.execPath, import.meta.resolve('dns-packet')))
    chmodSync(getent, 0o755)
  }

  /** Starts a run of the script in the region, as the region's vantages behave now. */
  start(o: StartRun): VantageRun {
    this.forgetFinished()
    const world = this.world()
    const setting = world.vantages?.[o.region]
    const run: VantageRun = {
      id: randomUUID(),
      resourceId: o.resourceId,
      region: o.region,
      ...(setting ? {setting: structuredClone(setting)} : {}),
      startedAt: new Date().toISOString(),
      stdout: new Tail(o.combinedOutput ? COMMAND_LOG_BYTES : RUN_COMMAND_OUTPUT_BYTES),
      stderr: new Tail(RUN_COMMAND_OUTPUT_BYTES),
    }
    this.runs.set(run.id, run)
    if (setting?.behaviour === 'fail') {
      this.finish(run, {kind: 'failed'})
      return run
    }
    const dir = mkdtempSync(join(tmpdir(), 'azfail-vantage-'))
    const child = spawn('/bin/sh', ['-c', o.script], {
      cwd: dir,
      env: {PATH: this.binDir, HOME: dir, [RESOLVER_ENV]: this.resolverOf(o.region) ?? ''},
      // its own process group, so the bound and the sandbox's stop end everything the script started
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.children.set(run.id, child)
    child.stdout!.on('data', (chunk: Buffer) => run.stdout.push(chunk))
    child.stderr!.on('data', (chunk: Buffer) => (o.combinedOutput ? run.stdout : run.stderr).push(chunk))
    const timeoutSeconds = world.settings.vantageTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
    const timer = setTimeout(() => {
      run.ending ??= {kind: 'timedOut'}
      killGroup(child)
    }, timeoutSeconds * 1000)
    const ended = (code: number) => {
      if (!this.children.has(run.id)) return
      clearTimeout(timer)
      this.children.delete(run.id)
      rmSync(dir, {recursive: true, force: true})
      this.finish(run, run.ending ?? {kind: 'exited', code})
    }
    child.on('error', (error) => {
      run.stderr.push(Buffer.from(`${error.message}\n`))
      ended(127)
    })
    child.on('close', (code, signal) => ended(code ?? 128 + (signal ? constants.signals[signal] : 0)))
    return run
  }

  find(id: string): VantageRun | undefined {
    return this.runs.get(id)
  }

  /**
   * What the run answers now: nothing while it runs, or while it started in a region whose vantages hang and they
   * still do; once done, its output as the region's behaviour at its start makes it.
   */
  outcome(run: VantageRun): RunOutcome | undefined {
    if (!run.ending || !run.finishedAt) return undefined
    if (run.setting?.behaviour === 'hang' && this.world().vantages?.[run.region]?.behaviour === 'hang') return undefined
    const stdout = run.stdout.bytes()
    const setting = run.setting
    const shown =
      setting?.behaviour === 'garbage' ? garbage(setting.seed ?? 1)
      : setting?.behaviour === 'replace' ? setting.stdout ?? ''
      : setting?.behaviour === 'truncate' ? lastBytes(stdout, setting.keepBytes ?? 0).toString('utf8')
      : stdout.toString('utf8')
    return {ending: run.ending, stdout: shown, stderr: run.stderr.bytes().toString('utf8'), startedAt: run.startedAt, finishedAt: run.finishedAt}
  }

  /** Kills every run still going (the sandbox is stopping). */
  stop(): void {
    for (const child of this.children.values()) killGroup(child)
    this.children.clear()
  }

  private finish(run: VantageRun, ending: Ending): void {
    run.ending = ending
    run.finishedAt = new Date().toISOString()
  }

  private forgetFinished(now = Date.now()): void {
    for (const [id, run] of this.runs) if (run.finishedAt && now - Date.parse(run.finishedAt) > KEEP_FINISHED_MS) this.runs.delete(id)
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // the group is already gone
  }
}
