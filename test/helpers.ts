// Shared test fixtures: a sandbox in a fresh state dir driven through the real SDK clients, and the CLI as a process.
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {type RequestLogEntry, type SandboxHandle, WorldStore, control, controlOk, demoWorld, readRequestLog, sandboxAccess, sandboxRequest, startSandbox, staticTokenCredential} from '@azfail/sandbox'
import {createClients} from '../src/azure/clients.ts'
import {type AzureTarget, sandboxTargetOf} from '../src/azure/target.ts'

export const ROOT = join(import.meta.dirname, '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export const tempDir = (prefix = 'azfail-test-') => mkdtempSync(join(tmpdir(), prefix))

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
    clients: createClients(target),
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
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
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
