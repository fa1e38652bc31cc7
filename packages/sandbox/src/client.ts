// How a program talks to a sandbox: find it (connection.json), ask whether it is up, send it ARM or control requests
// with its token and CA, and read its request log. azfail and the tests use this one client.
import {closeSync, existsSync, fstatSync, openSync, readFileSync, readSync} from 'node:fs'
import type {IncomingHttpHeaders} from 'node:http'
import https from 'node:https'
import {join} from 'node:path'
import type {TokenCredential} from '@azure/core-auth'

/** The contents of D/connection.json: everything another process needs to use a running sandbox. */
export interface SandboxConnection {
  armEndpoint: string
  caCertPath: string
  tenantId: string
  /** the sandbox's Entra ID (OpenID discovery, the token endpoint): its HTTPS origin, the ARM endpoint's */
  authorityHost: string
  /** the applications the sandbox's Entra ID knows, by name (operator, reader, lacks-one, and any defined at run time) */
  identities: Record<string, SandboxIdentity>
  /** the default subscription */
  subscriptionId: string
  /** every subscription the sandbox serves, the default first */
  subscriptions: string[]
  token: string
  resolvers: Record<string, string>
  /** flexible server name -> "ip:port" of the real PostgreSQL behind it, when the sandbox runs them */
  postgres?: Record<string, string>
  /** SQL server name -> "ip:port" of the loopback TCP listener standing in for its private endpoint's port 1433 */
  sql?: Record<string, string>
  controlEndpoint: string
  pid: number
  stateDir: string
}

/** An application of the sandbox's Entra ID: sign in with its secret, or with the federated token in its file. */
export interface SandboxIdentity {
  clientId: string
  objectId: string
  clientSecret: string
  /** the OIDC token (issuer the sandbox, audience api://AzureADTokenExchange) for AZURE_FEDERATED_TOKEN_FILE */
  federatedTokenFile: string
  /** its role's name: "azfail operator", "Reader", ... */
  role: string
  /** the actions it lacks next to the operator role */
  missing?: string[]
}

/**
 * One line of D/requests.jsonl: an ARM request the sandbox answered (status 0: a `drop` fault cut it), or a token
 * request to its Entra ID (path `/{tenant}/oauth2/v2.0/token`).
 */
export interface RequestLogEntry {
  time: string
  method: string
  path: string
  apiVersion: string | null
  status: number
  durationMs: number
  /** the principal's client id (`appid`): `sandbox-admin` for the static token; absent when unauthenticated */
  caller?: string
  fault?: string
  /** the delay `--latency azure` gave the request before it was answered */
  injectedDelayMs?: number
}

/** A connection fit to print: the static token and the identities' secrets redacted (they stay in connection.json). */
export function redactedConnection(conn: SandboxConnection): SandboxConnection {
  const identities = Object.fromEntries(Object.entries(conn.identities ?? {}).map(([name, i]) => [name, {...i, clientSecret: '(redacted)'}]))
  return {...conn, token: '(redacted)', identities}
}

/** Where the control endpoint lives under the ARM endpoint. */
export const CONTROL_PATH = '/_sandbox'

export const connectionFile = (stateDir: string) => join(stateDir, 'connection.json')
export const requestLogFile = (stateDir: string) => join(stateDir, 'requests.jsonl')

export function readRequestLog(stateDir: string): RequestLogEntry[] {
  const file = requestLogFile(stateDir)
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
}

/**
 * The request log, read as it grows: each call parses only the lines appended since the last (the Activity Log reads
 * it on every query, and a fleet's runs make thousands of requests). A log cut short (a reset empties it) or begun
 * anew (its first line changed) is read again from its start.
 */
export function requestLogReader(stateDir: string): () => RequestLogEntry[] {
  const file = requestLogFile(stateDir)
  let entries: RequestLogEntry[] = []
  let offset = 0
  let head = Buffer.alloc(0)
  const bytesAt = (fd: number, position: number, length: number) => {
    const buf = Buffer.alloc(length)
    return buf.subarray(0, readSync(fd, buf, 0, length, position))
  }
  return () => {
    let fd: number
    try {
      fd = openSync(file, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      ;[entries, offset, head] = [[], 0, Buffer.alloc(0)]
      return entries
    }
    try {
      const size = fstatSync(fd).size
      if (size < offset || !bytesAt(fd, 0, head.length).equals(head)) [entries, offset, head] = [[], 0, Buffer.alloc(0)]
      if (size === offset) return entries
      const grown = bytesAt(fd, offset, size - offset)
      const end = grown.lastIndexOf(0x0a) + 1 // whole lines only: a line being appended is read next time
      for (const line of grown.subarray(0, end).toString('utf8').split('\n')) if (line) entries.push(JSON.parse(line))
      offset += end
      if (head.length === 0 && offset > 0) head = bytesAt(fd, 0, Math.min(offset, 256))
      return entries
    } finally {
      closeSync(fd)
    }
  }
}

/** The sandbox published in `stateDir`, running or not; undefined when there is none or the file is unreadable. */
export function readConnection(stateDir: string): SandboxConnection | undefined {
  const file = connectionFile(stateDir)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** Asks a published sandbox's control endpoint whether it is up; a stale connection.json answers no. */
export async function probeSandbox(conn: SandboxConnection, timeoutMs = 1500): Promise<boolean> {
  if (!alive(conn.pid)) return false
  try {
    return (await sandboxRequest(sandboxAccess(conn), 'GET', `${CONTROL_PATH}/health`, {timeoutMs})).status === 200
  } catch {
    return false
  }
}

/** The sandbox running for `stateDir`, if one is; a stale connection.json counts as none. */
export async function runningSandbox(stateDir: string): Promise<SandboxConnection | undefined> {
  const published = readConnection(stateDir)
  return published && (await probeSandbox(published)) ? published : undefined
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error: any) {
    return error.code === 'EPERM'
  }
}

/** What a request to a sandbox needs: its ARM endpoint, its bearer token, and the CA (PEM) its certificate chains to. */
export interface SandboxAccess {
  armEndpoint: string
  token: string
  ca: string
}

export const sandboxAccess = (conn: SandboxConnection): SandboxAccess => ({armEndpoint: conn.armEndpoint, token: conn.token, ca: readFileSync(conn.caCertPath, 'utf8')})

export interface SandboxResponse {
  status: number
  /** the parsed JSON body; the text when it is not JSON; undefined when empty */
  body: any
  headers: IncomingHttpHeaders
}

export interface SandboxRequestOptions {
  /** sent as application/json */
  body?: string
  /** another bearer token than the sandbox's; null sends no Authorization header */
  token?: string | null
  headers?: Record<string, string>
  timeoutMs?: number
}

/** One HTTPS request to the sandbox, as raw as a test needs: any method, path (with query), token or none. */
export function sandboxRequest(access: SandboxAccess, method: string, path: string, options: SandboxRequestOptions = {}): Promise<SandboxResponse> {
  const headers: Record<string, string> = {...options.headers}
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? access.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    // No timeout given is none: Node's keep-alive agent would cut the request at its 5 s idle timeout, and a control
    // request that waits for the PostgreSQL servers (a reset, a paused replica) may take longer; the sandbox bounds those.
    const req = https.request(access.armEndpoint + path, {method, ca: access.ca, headers, timeout: options.timeoutMs ?? 0}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: parseBody(text), headers: res.headers}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`the sandbox did not answer ${method} ${path} within ${options.timeoutMs} ms`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

function parseBody(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Calls the control endpoint: `control(access, 'POST', 'faults', {...})`; the response whatever its status. */
export function control(access: SandboxAccess, method: string, path: string, body?: unknown): Promise<SandboxResponse> {
  return sandboxRequest(access, method, `${CONTROL_PATH}/${path}`, body === undefined ? {} : {body: JSON.stringify(body)})
}

/** A control request the sandbox answered with an error: its status and body (ARM's shape, `{error: {code, message}}`). */
export class SandboxControlError extends Error {
  override readonly name = 'SandboxControlError'
  readonly method: string
  /** the control path, e.g. `/_sandbox/reset` */
  readonly path: string
  readonly status: number
  readonly body: unknown

  constructor(method: string, path: string, status: number, body: unknown) {
    const error = (body as {error?: {code?: string; message?: string}} | undefined)?.error
    super(`sandbox control ${method} ${path}: HTTP ${status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? JSON.stringify(body ?? '')}`)
    this.method = method
    this.path = path
    this.status = status
    this.body = body
  }

  /** the sandbox's own explanation, when it gave one */
  get serverMessage(): string | undefined {
    const body = this.body as {error?: {message?: string}} | string | undefined
    return typeof body === 'string' ? body : body?.error?.message
  }

  get serverCode(): string | undefined {
    return (this.body as {error?: {code?: string}} | undefined)?.error?.code
  }
}

/** Like `control`, but only a 2xx answer resolves, to its body; any other throws a SandboxControlError. */
export async function controlOk(access: SandboxAccess, method: string, path: string, body?: unknown): Promise<any> {
  const r = await control(access, method, path, body)
  if (r.status < 200 || r.status >= 300) throw new SandboxControlError(method, `${CONTROL_PATH}/${path}`, r.status, r.body)
  return r.body
}

/**
 * How a region's vantages (its VMs, scale-set instances and AKS clusters running commands through ARM) behave:
 * `POST /_sandbox/vantage` takes one, `GET` lists those in force, `DELETE` (or `DELETE vantage/{region}`, or a reset)
 * ends them. `hang`: the run never completes (polls answer 202) while the region hangs; `garbage`: stdout is
 * deterministic printable junk in partial lines (`seed`); `replace`: stdout is `stdout` verbatim (the script still
 * runs); `truncate`: stdout keeps only its last `keepBytes` bytes; `fail`: the run fails as Azure reports a VM agent or
 * command pod failure; `normal` ends the region's misbehaviour.
 */
export interface SandboxVantage {
  /** a region key (eus2), location (eastus2) or display name */
  region: string
  behaviour: 'normal' | 'hang' | 'garbage' | 'replace' | 'truncate' | 'fail'
  stdout?: string
  keepBytes?: number
  seed?: number
}

/** Sets one region's vantage behaviour, clears them all (`'clear'`), or only reads them (nothing); returns those in force. */
export async function sandboxVantages(access: SandboxAccess, change?: SandboxVantage | 'clear'): Promise<SandboxVantage[]> {
  if (change === 'clear') await controlOk(access, 'DELETE', 'vantage')
  else if (change) await controlOk(access, 'POST', 'vantage', change)
  return (await controlOk(access, 'GET', 'vantage')).value
}

/** A credential that hands out the sandbox's bearer token: the sandbox's stand-in for Entra ID. */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    async getToken() {
      return {token, expiresOnTimestamp: Date.now() + 3600_000, tokenType: 'Bearer'}
    },
  }
}
