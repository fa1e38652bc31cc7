// Starts the sandbox: the ARM emulator over HTTPS on loopback, one DNS resolver per region, and the control endpoint.
import {randomBytes} from 'node:crypto'
import {appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {type ArmContext, armRoutes} from './arm.ts'
import {type ResolverHandle, startResolver} from './dns.ts'
import {demoWorld} from './estate.ts'
import {FaultBook, faultResponse, validateFault} from './faults.ts'
import {type ArmRequest, type ArmResponse, ArmError, checkApiVersion, matchRoute, requestId} from './http.ts'
import {settle} from './lro.ts'
import {type PgInstance, setReadOnly, startPostgres, stopPostgres} from './postgres.ts'
import {ensureTlsIdentity} from './tls.ts'
import {type World, WorldStore, getResource, resourcesOfType} from './world.ts'

export interface SandboxConnection {
  armEndpoint: string
  caCertPath: string
  tenantId: string
  subscriptionId: string
  token: string
  resolvers: Record<string, string>
  /** flexible server name -> "ip:port" of the real PostgreSQL behind it, when the sandbox runs them */
  postgres?: Record<string, string>
  controlEndpoint: string
  pid: number
  stateDir: string
}

export interface SandboxOptions {
  stateDir: string
  /** ARM port; 0 picks a free one */
  port?: number
  /** write D/connection.json so other processes can use this sandbox */
  publish?: boolean
}

export interface SandboxHandle {
  connection: SandboxConnection
  store: WorldStore
  stop(): Promise<void>
}

const MAX_BODY = 4 * 1024 * 1024
const LOOPBACK = '127.0.0.1'

export const connectionFile = (stateDir: string) => join(stateDir, 'connection.json')
export const requestLogFile = (stateDir: string) => join(stateDir, 'requests.jsonl')

function ensureToken(stateDir: string): string {
  const file = join(stateDir, 'token')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const token = `azfail-sandbox.${randomBytes(24).toString('base64url')}`
  writeFileSync(file, token + '\n', {mode: 0o600})
  return token
}

export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  const {stateDir} = options
  mkdirSync(stateDir, {recursive: true})
  const store = new WorldStore(stateDir, demoWorld)
  const tls = await ensureTlsIdentity(stateDir)
  const token = ensureToken(stateDir)
  const faults = new FaultBook(() => store.world.faults)
  const ctx: ArmContext = {world: store.world, dirty: false}
  const routes = armRoutes(ctx)
  const logFile = requestLogFile(stateDir)

  let postgres: PgInstance[] = []
  const isReplica = (role: string | undefined) => role === 'AsyncReplica' || role === 'GeoAsyncReplica'
  const pgServers = (w: World) => resourcesOfType(w, 'Microsoft.DBforPostgreSQL/flexibleServers').filter((r) => r.sandbox?.address)

  /** The current world, with due operations completed: every ARM request and DNS query sees the same present. */
  const current = (): World => {
    store.refresh()
    if (settle(store.world)) store.save()
    // A promotion that completed makes its real server writable, and the old primary read-only, before anyone asks.
    for (const instance of postgres) {
      const server = pgServers(store.world).find((r) => r.name === instance.server)
      if (server) setReadOnly(instance, isReplica(server.properties.replica?.role))
    }
    return store.world
  }

  const server = https.createServer({cert: tls.cert, key: tls.key}, (req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent) return
      send(res, error instanceof ArmError ? error.toResponse() : new ArmError(500, 'InternalServerError', `azfail sandbox bug: ${(error as Error).stack}`).toResponse())
    })
  })
  const sockets = new Set<import('node:stream').Duplex>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? LOOPBACK}`)
    const rawBody = await readBody(req)
    const armReq: ArmRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      baseUrl: `https://${req.headers.host ?? `${LOOPBACK}:${port}`}`,
    }
    const authorized = req.headers.authorization === `Bearer ${token}`
    if (armReq.path.startsWith('/_sandbox')) {
      send(res, authorized ? control(armReq) : unauthorized(req))
      return
    }
    let response: ArmResponse
    let faultId: string | undefined
    if (!authorized) {
      response = unauthorized(req)
    } else {
      try {
        const matched = matchRoute(routes, armReq.method, armReq.path)
        if (!matched) {
          throw new ArmError(404, 'NotEmulated', `The azfail sandbox does not emulate ${armReq.method} ${armReq.path}. Azure may serve it; the emulator does not, so this is a missing emulation, not an empty result.`)
        }
        if ('methodNotAllowed' in matched) {
          throw new ArmError(405, 'MethodNotAllowed', `The azfail sandbox does not emulate ${armReq.method} on ${armReq.path}.`)
        }
        checkApiVersion(armReq, matched.route.apiVersions, matched.route.template.split('/providers/').pop()!.replace(/\/\{[^}]+\}/g, ''))
        current()
        const hits = faults.match(armReq.method, armReq.path, armReq.method !== 'GET')
        if (hits.length > 0) store.save()
        let failLro: ArmContext['failLro']
        for (const f of hits) {
          faultId = f.id
          if (f.kind === 'latency') await delay(f.latencyMs ?? 1000)
          if (f.kind === 'drop') {
            log({time: new Date(started).toISOString(), method: armReq.method, path: armReq.path, apiVersion: armReq.query.get('api-version'), status: 0, durationMs: Date.now() - started, fault: f.id})
            req.socket.destroy()
            return
          }
          if (f.kind === 'throttle' || f.kind === 'error') throw faultResponse(f)
          if (f.kind === 'fail-lro') failLro = {code: 'OperationFailed', message: `The long-running operation failed (injected by azfail sandbox fault ${f.id}).`}
        }
        // From here to the save, nothing awaits: the shared context belongs to this request alone.
        ctx.world = current()
        ctx.dirty = false
        ctx.failLro = failLro
        try {
          response = matched.route.handler(armReq, matched.params)
        } finally {
          if (ctx.dirty) store.save()
        }
      } catch (error) {
        if (!(error instanceof ArmError)) throw error
        response = error.toResponse()
      }
    }
    send(res, response)
    log({time: new Date(started).toISOString(), method: armReq.method, path: armReq.path, apiVersion: armReq.query.get('api-version'), status: response.status, durationMs: Date.now() - started, ...(faultId ? {fault: faultId} : {})})
  }

  function log(entry: Record<string, unknown>): void {
    appendFileSync(logFile, JSON.stringify(entry) + '\n')
  }

  function control(req: ArmRequest): ArmResponse {
    const sub = req.path.replace(/^\/_sandbox\/?/, '')
    const body = () => (req.rawBody ? JSON.parse(req.rawBody) : {})
    try {
      if (req.method === 'GET' && sub === 'health') return {status: 200, body: {ok: true, pid: process.pid, stateDir}}
      if (req.method === 'GET' && sub === 'requests') {
        const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
        return {status: 200, body: {value: text.split('\n').filter(Boolean).map((l) => JSON.parse(l))}}
      }
      if (req.method === 'GET' && sub === 'faults') return {status: 200, body: {value: current().faults}}
      if (req.method === 'POST' && sub === 'faults') {
        current()
        const fault = faults.add(validateFault(body()))
        store.save()
        return {status: 201, body: fault}
      }
      if (req.method === 'DELETE' && sub.startsWith('faults')) {
        const w = current()
        const id = sub.split('/')[1]
        w.faults = id ? w.faults.filter((f) => f.id !== id) : []
        store.save()
        return {status: 204}
      }
      if (req.method === 'POST' && sub === 'reset') {
        const {ttl, postgres: withPostgres} = body()
        if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0)) throw new ArmError(400, 'InvalidRequestContent', "'ttl' must be a non-negative integer.")
        if (Boolean(withPostgres) !== Boolean(store.world.settings.postgres)) {
          throw new ArmError(409, 'Conflict', 'A running sandbox cannot start or stop its PostgreSQL servers; stop it, reset with or without --postgres, and start it again.')
        }
        store.replace(demoWorld({ttl, postgres: withPostgres}))
        writeFileSync(logFile, '')
        return {status: 200, body: {ok: true}}
      }
      if (req.method === 'GET' && sub === 'state') return {status: 200, body: current()}
      if (req.method === 'POST' && sub === 'mutate') {
        const {id, properties, sandbox, remove} = body()
        const w = current()
        const r = getResource(w, String(id ?? ''))
        if (!r) throw new ArmError(404, 'ResourceNotFound', `No resource with id '${id}' in the sandbox.`)
        if (remove) delete w.resources[r.id.toLowerCase()]
        if (properties) r.properties = {...r.properties, ...properties}
        if (sandbox) r.sandbox = {...r.sandbox, ...sandbox}
        store.save()
        return {status: 200, body: r}
      }
      if (req.method === 'PATCH' && sub === 'settings') {
        const w = current()
        const s = body()
        if (s.lroMs !== undefined) w.settings.lroMs = Number(s.lroMs)
        if (s.lroRetryAfterSeconds !== undefined) w.settings.lroRetryAfterSeconds = Number(s.lroRetryAfterSeconds)
        store.save()
        return {status: 200, body: w.settings}
      }
      throw new ArmError(404, 'NotFound', `Unknown control route ${req.method} /_sandbox/${sub}. Routes: GET health|requests|faults|state, POST faults|reset|mutate, DELETE faults[/id], PATCH settings.`)
    } catch (error) {
      if (error instanceof ArmError) return error.toResponse()
      if (error instanceof SyntaxError) return new ArmError(400, 'InvalidRequestContent', `The control request body is not valid JSON: ${error.message}`).toResponse()
      throw error
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({host: LOOPBACK, port: options.port ?? 0}, () => resolve())
  })
  const port = (server.address() as import('node:net').AddressInfo).port

  const resolvers: ResolverHandle[] = []
  try {
    for (const [region, info] of Object.entries(store.world.regions)) {
      resolvers.push(await startResolver(region, info.resolverAddress, current))
    }
    if (store.world.settings.postgres) {
      postgres = await startPostgres(stateDir, pgServers(store.world).map((r) => ({server: r.name, address: r.sandbox!.address, readOnly: isReplica(r.properties.replica?.role)})))
    }
  } catch (error) {
    server.close()
    await Promise.all(resolvers.map((r) => r.close()))
    throw error
  }

  const armEndpoint = `https://${LOOPBACK}:${port}`
  const connection: SandboxConnection = {
    armEndpoint,
    caCertPath: tls.certPath,
    tenantId: store.world.tenantId,
    subscriptionId: store.world.subscriptionId,
    token,
    resolvers: Object.fromEntries(resolvers.map((r) => [r.region, `${r.address}:${r.port}`])),
    ...(postgres.length > 0 ? {postgres: Object.fromEntries(postgres.map((p) => [p.server, `${p.address}:${p.port}`]))} : {}),
    controlEndpoint: `${armEndpoint}/_sandbox`,
    pid: process.pid,
    stateDir,
  }
  if (options.publish) writeFileSync(connectionFile(stateDir), JSON.stringify(connection, null, 2) + '\n', {mode: 0o600})

  return {
    connection,
    store,
    async stop() {
      stopPostgres(postgres)
      await Promise.all(resolvers.map((r) => r.close()))
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
    },
  }
}

function unauthorized(req: IncomingMessage): ArmResponse {
  const missing = !req.headers.authorization
  return {
    status: 401,
    headers: {'WWW-Authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is missing or invalid."'},
    body: {
      error: missing
        ? {code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing."}
        : {code: 'InvalidAuthenticationToken', message: 'The access token is invalid.'},
    },
  }
}

function send(res: ServerResponse, r: ArmResponse): void {
  const headers: Record<string, string> = {'x-ms-request-id': requestId(), ...(r.headers ?? {})}
  if (r.body !== undefined) {
    const text = JSON.stringify(r.body)
    headers['Content-Type'] = 'application/json; charset=utf-8'
    headers['Content-Length'] = String(Buffer.byteLength(text))
    res.writeHead(r.status, headers)
    res.end(text)
  } else {
    headers['Content-Length'] = '0'
    res.writeHead(r.status, headers)
    res.end()
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new ArmError(413, 'RequestEntityTooLarge', 'The request body is larger than 4 MiB.'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
