// Shared test fixtures: a sandbox in a fresh state dir driven through the real SDK clients, and the CLI as a process.
import {spawn} from 'node:child_process'
import {chmodSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {type RequestLogEntry, type SandboxHandle, WorldStore, control, controlOk, demoWorld, readRequestLog, removeSandboxState, sandboxAccess, sandboxRequest, startSandbox, staticTokenCredential} from '#sandbox'
import {createClients} from '../src/azure/clients.ts'
import {type AzureTarget, sandboxTargetOf} from '../src/azure/target.ts'

export const ROOT = join(import.meta.dirname, '..')
export const BIN = join(ROOT, 'bin', 'run.js')

let runRoot: string | undefined

/**
 * A new private directory (mkdtemp, 0700) under this test process's one root in TMPDIR, which goes when the process's
 * tests end, with the PostgreSQL data its sandboxes kept elsewhere: a run of the suite leaves nothing in TMPDIR.
 */
export function tempDir(prefix = 'azfail-test-'): string {
  if (!runRoot) {
    runRoot = mkdtempSync(join(tmpdir(), 'azfail-test-run-'))
    // others may pass through (not list) it: tests run azfail as an unprivileged user, and postgres reads its data
    chmodSync(runRoot, 0o711)
    const root = runRoot
    // on exit, not node:test's after(): created inside a test, after() would belong to that test, not to the file
    process.once('exit', () => {
      // a sandbox run as root keeps its PostgreSQL data outside its state dir, which records where
      for (const f of readdirSync(root, {recursive: true, encoding: 'utf8'})) if (basename(f) === 'postgres-root') removeSandboxState(dirname(join(root, f)))
      rmSync(root, {recursive: true, force: true})
    })
  }
  return mkdtempSync(join(runRoot, prefix))
}

export interface TestSandbox {
  handle: SandboxHandle
  /** region -> the sandbox's resolver address */
  resolvers: Record<string, string>
  dir: string
  target: AzureTarget
  clients: ReturnType<typeof createClients>
  /** ARM requests logged since the sandbox started (or since `mark()`) */
  requests(): RequestLogEntry[]
  mark(): void
  control(method: string, path: string, body?: unknown): Promise<{status: number; body: any}>
  raw(method: string, path: string, options?: {body?: string; token?: string | null; headers?: Record<string, string>}): Promise<{status: number; body: any; headers: Record<string, any>}>
  /** takes a region down (`{region, arm?, status?, resolver?}`) and/or refuses Front Door's changes (`{frontDoor: 'refuse'}`); returns the outage in force */
  outage(spec: OutageSpec): Promise<OutageState>
  /** ends every outage */
  clearOutage(): Promise<void>
  /** injects a fault (`{kind, path, ...}`); returns it with its id */
  fault(spec: Record<string, unknown>): Promise<{id: string}>
  stop(): Promise<void>
}

/** What `POST /_sandbox/outage` takes (packages/sandbox/src/outage.ts). */
export interface OutageSpec {
  region?: string
  arm?: 'error' | 'hang' | 'drop' | 'none'
  status?: number
  resolver?: 'silent' | 'refuse' | 'none'
  frontDoor?: 'refuse' | 'none'
}

/** The outage in force: each down region's parts, and Front Door's control plane. */
export interface OutageState {
  regions: Record<string, {arm?: 'error' | 'hang' | 'drop'; status?: number; resolver?: 'silent' | 'refuse'}>
  frontDoor: 'refuse' | 'none'
}

export async function startTestSandbox(dir = tempDir(), options: {publish?: boolean; ttl?: number; postgres?: boolean} = {}): Promise<TestSandbox> {
  if (options.ttl !== undefined || options.postgres) new WorldStore(dir, () => demoWorld({ttl: options.ttl, postgres: options.postgres}))
  const handle = await startSandbox({stateDir: dir, publish: options.publish})
  const c = handle.connection
  const access = sandboxAccess(c)
  const target = sandboxTargetOf(c, staticTokenCredential(c.token))
  let offset = 0
  return {
    handle,
    resolvers: c.resolvers,
    dir,
    target,
    // A sandbox running real PostgreSQL does that work inside the ARM requests it answers (a base backup inside a
    // replica's creation): on a loaded machine the test's own reads get the minute the CLI runs get (support.ts), not
    // the 10 s default, which a replica's LRO status read once exceeded beside two other test runs.
    clients: createClients(target, options.postgres ? {env: {AZFAIL_REQUEST_TIMEOUT: '60'}} : {}),
    requests: () => readRequestLog(dir).slice(offset),
    mark: () => (offset = readRequestLog(dir).length),
    control: async (method, path, body) => {
      const r = await control(access, method, path, body)
      return {status: r.status, body: r.body}
    },
    raw: (method, path, options) => sandboxRequest(access, method, path, options),
    outage: (spec) => controlOk(access, 'POST', 'outage', spec),
    clearOutage: async () => void (await controlOk(access, 'DELETE', 'outage')),
    fault: (spec) => controlOk(access, 'POST', 'faults', spec),
    stop: () => handle.stop(),
  }
}

export const SUB_PATH = (t: TestSandbox) => `/subscriptions/${t.target.subscriptionId}`

/**
 * How long a CLI may take, or take to reach a point a test waits for, before it counts as hung: not a speed check. A
 * start, a plan and a drain take ~20 s on a 2-core machine loaded 8 deep, a forced promotion with real PostgreSQL
 * over 60 s; this is ~3 times the slowest.
 */
export const HANG_MS = 180_000

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs bin/run.js as a user would, without a TTY and without CI noise unless given. */
export function runCli(args: string[], options: {cwd?: string; env?: Record<string, string>; timeoutMs?: number} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: {...process.env, ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? HANG_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** Waits for `fn` to hold; the bound is a hang guard, not a speed check. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = HANG_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (error) {
      if (Date.now() > deadline) throw error
    }
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}
