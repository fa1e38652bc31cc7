// Shared test fixtures: a sandbox in a fresh state dir driven through the real SDK clients, and the CLI as a process.
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import https from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createClients} from '../src/azure/clients.ts'
import {type AzureTarget, staticTokenCredential} from '../src/azure/target.ts'
import {type SandboxHandle, requestLogFile, startSandbox} from '../src/sandbox/server.ts'

export const ROOT = join(import.meta.dirname, '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export const tempDir = (prefix = 'azfail-test-') => mkdtempSync(join(tmpdir(), prefix))

export interface TestSandbox {
  handle: SandboxHandle
  dir: string
  target: AzureTarget
  clients: ReturnType<typeof createClients>
  /** ARM requests logged since the sandbox started (or since `mark()`) */
  requests(): Array<{method: string; path: string; status: number; apiVersion?: string; fault?: string}>
  mark(): void
  control(method: string, path: string, body?: unknown): Promise<{status: number; body: any}>
  raw(method: string, path: string, options?: {body?: string; token?: string | null; headers?: Record<string, string>}): Promise<{status: number; body: any; headers: Record<string, any>}>
  stop(): Promise<void>
}

export async function startTestSandbox(dir = tempDir(), options: {publish?: boolean; ttl?: number; postgres?: boolean} = {}): Promise<TestSandbox> {
  if (options.ttl !== undefined || options.postgres) {
    const {WorldStore} = await import('../src/sandbox/world.ts')
    const {demoWorld} = await import('../src/sandbox/estate.ts')
    new WorldStore(dir, () => demoWorld({ttl: options.ttl, postgres: options.postgres}))
  }
  const handle = await startSandbox({stateDir: dir, publish: options.publish})
  const c = handle.connection
  const target: AzureTarget = {
    kind: 'sandbox',
    subscriptionId: c.subscriptionId,
    endpoint: c.armEndpoint,
    credential: staticTokenCredential(c.token),
    ca: readFileSync(c.caCertPath, 'utf8'),
    resolvers: c.resolvers,
    ...(c.postgres ? {postgres: c.postgres} : {}),
    controlEndpoint: c.controlEndpoint,
    stateDir: dir,
    close: async () => {},
  }
  let offset = 0
  const readLog = () => {
    try {
      return readFileSync(requestLogFile(dir), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    } catch {
      return []
    }
  }
  const raw: TestSandbox['raw'] = (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {...(options.headers ?? {})}
      if (options.token !== null) headers.authorization = `Bearer ${options.token ?? c.token}`
      if (options.body !== undefined) headers['content-type'] = 'application/json'
      const req = https.request(c.armEndpoint + path, {method, ca: target.ca, headers}, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: res.headers}))
      })
      req.on('error', reject)
      if (options.body !== undefined) req.write(options.body)
      req.end()
    })
  return {
    handle,
    dir,
    target,
    clients: createClients(target),
    requests: () => readLog().slice(offset),
    mark: () => (offset = readLog().length),
    control: async (method, path, body) => {
      const r = await raw(method, `/_sandbox/${path}`, body === undefined ? {} : {body: JSON.stringify(body)})
      return {status: r.status, body: r.body}
    },
    raw,
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
