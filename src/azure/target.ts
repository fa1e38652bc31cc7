// Where azfail talks to: Azure (DefaultAzureCredential, a cloud's ARM endpoint) or the sandbox (its endpoint, its
// token, its CA). Everything downstream uses the same SDK clients either way.
import {existsSync, readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import type {TokenCredential} from '@azure/core-auth'
import type {SandboxConnection, SandboxHandle} from '../sandbox/server.ts'

export const CLOUDS = {
  AzurePublicCloud: {arm: 'https://management.azure.com', authority: 'https://login.microsoftonline.com'},
  AzureUSGovernment: {arm: 'https://management.usgovcloudapi.net', authority: 'https://login.microsoftonline.us'},
  AzureChinaCloud: {arm: 'https://management.chinacloudapi.cn', authority: 'https://login.chinacloudapi.cn'},
} as const
export type CloudName = keyof typeof CLOUDS

export interface AzureTarget {
  kind: 'azure' | 'sandbox'
  subscriptionId: string
  endpoint: string
  credential: TokenCredential
  /** PEM of a CA to trust in addition to the system's (the sandbox's self-signed certificate) */
  ca?: string
  /** region -> "ip:port" of that region's resolver, when the sandbox provides them */
  resolvers?: Record<string, string>
  /** flexible server name -> "ip:port" of the sandbox's real PostgreSQL behind it */
  postgres?: Record<string, string>
  controlEndpoint?: string
  stateDir?: string
  /** stops an in-process sandbox started for this command */
  close(): Promise<void>
}

export class TargetError extends Error {
  readonly hint: string

  constructor(message: string, hint: string) {
    super(message)
    this.hint = hint
  }
}

export const DEFAULT_STATE_DIR = '.azfail/sandbox'

/** A credential that hands out the sandbox's bearer token: the sandbox's stand-in for Entra ID. */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    async getToken() {
      return {token, expiresOnTimestamp: Date.now() + 3600_000, tokenType: 'Bearer'}
    },
  }
}

export function readConnection(stateDir: string): SandboxConnection | undefined {
  const file = resolve(stateDir, 'connection.json')
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error: any) {
    return error.code === 'EPERM'
  }
}

/** Asks a published sandbox's control endpoint whether it is up; a stale connection.json answers no. */
export async function probeSandbox(conn: SandboxConnection, timeoutMs = 1500): Promise<boolean> {
  if (!alive(conn.pid)) return false
  const https = await import('node:https')
  return new Promise((done) => {
    const req = https.get(
      `${conn.controlEndpoint}/health`,
      {ca: readFileSync(conn.caCertPath, 'utf8'), headers: {authorization: `Bearer ${conn.token}`}, timeout: timeoutMs},
      (res) => {
        res.resume()
        done(res.statusCode === 200)
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => done(false))
  })
}

/** The sandbox running for `stateDir`, if one is; a stale connection.json counts as none. */
export async function runningSandbox(stateDir: string): Promise<SandboxConnection | undefined> {
  const published = readConnection(stateDir)
  return published && (await probeSandbox(published)) ? published : undefined
}

function fromConnection(conn: SandboxConnection, close: () => Promise<void>, handle?: SandboxHandle): AzureTarget {
  return {
    kind: 'sandbox',
    subscriptionId: conn.subscriptionId,
    endpoint: conn.armEndpoint,
    credential: staticTokenCredential(conn.token),
    ca: readFileSync(conn.caCertPath, 'utf8'),
    resolvers: conn.resolvers,
    ...(conn.postgres ? {postgres: conn.postgres} : {}),
    controlEndpoint: conn.controlEndpoint,
    stateDir: handle?.connection.stateDir ?? conn.stateDir,
    close,
  }
}

/** Uses the sandbox running for `stateDir`, or starts one in this process for the command's duration. */
export async function sandboxTarget(stateDir = DEFAULT_STATE_DIR): Promise<AzureTarget> {
  const dir = resolve(stateDir)
  const published = await runningSandbox(dir)
  if (published) return fromConnection(published, async () => {})
  const {startSandbox} = await import('../sandbox/server.ts')
  const handle = await startSandbox({stateDir: dir})
  return fromConnection(handle.connection, () => handle.stop(), handle)
}

export async function azureTarget(options: {subscription?: string; cloud?: CloudName}): Promise<AzureTarget> {
  const cloud = CLOUDS[options.cloud ?? 'AzurePublicCloud']
  const subscriptionId = options.subscription ?? process.env.AZURE_SUBSCRIPTION_ID
  if (!subscriptionId) {
    throw new TargetError('No Azure subscription is set.', 'Pass --subscription <id>, set AZURE_SUBSCRIPTION_ID, or name it in the runbook (estate.subscription); or add --sandbox to use the embedded sandbox.')
  }
  const {DefaultAzureCredential} = await import('@azure/identity')
  return {
    kind: 'azure',
    subscriptionId,
    endpoint: cloud.arm,
    credential: new DefaultAzureCredential({authorityHost: cloud.authority}),
    close: async () => {},
  }
}

/** Calls a sandbox's control endpoint (faults, mutations); only sandbox targets have one. */
export async function sandboxControl(target: AzureTarget, method: string, path: string, body?: unknown): Promise<any> {
  if (!target.controlEndpoint) throw new Error('this target has no sandbox control endpoint')
  const https = await import('node:https')
  const token = (await target.credential.getToken(''))?.token
  return new Promise((resolve, reject) => {
    const req = https.request(`${target.controlEndpoint}/${path}`, {method, ca: target.ca, headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}}, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(text ? JSON.parse(text) : undefined) : reject(new Error(`sandbox control ${method} ${path}: HTTP ${res.statusCode} ${text}`))))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}
