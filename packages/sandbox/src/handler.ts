// The sandbox's HTTPS request handler: the anonymous cloud metadata and Entra ID's token routes first; then
// authenticate, send /_sandbox to the control routes (static token only) and everything else, once authorized, to the
// ARM routes, inject the faults that match, and log every ARM request and token issued with its caller.
import {appendFileSync} from 'node:fs'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {setTimeout as delay} from 'node:timers/promises'
import {authenticate, authorize} from './access.ts'
import {type ArmContext, armRoutes} from './arm/index.ts'
import {CONTROL_PATH, type RequestLogEntry, requestLogFile, requestLogReader} from './client.ts'
import {controlRoutes} from './control-routes.ts'
import type {EntraDirectory} from './entra.ts'
import {faultResponse} from './faults.ts'
import {injectLatency} from './latency.ts'
import {serveMetadata} from './metadata.ts'
import {type ArmRequest, type ArmResponse, type Route, ArmError, checkApiVersion, matchRoute, requestId} from './http.ts'
import {type LiveSandbox, aboutFlexibleServers} from './live.ts'
import {HANG_CAP_MS, gatewayTimeout, outageEffect} from './outage.ts'
import type {Principal} from './rbac.ts'

const MAX_BODY = 4 * 1024 * 1024
/** How often a held request looks whether its outage has ended (another process may end it, through the state file). */
const HANG_POLL_MS = 200

/** How an ARM request ended: answered (perhaps by an injected fault), or its connection dropped by one. */
type Served = {response: ArmResponse; fault?: string} | {droppedBy: string}

export function requestHandler(live: LiveSandbox, token: string, directory: EntraDirectory): (req: IncomingMessage, res: ServerResponse) => void {
  const ctx: ArmContext = {world: live.store.world, dirty: false, requestLog: requestLogReader(live.stateDir)}
  const routes = armRoutes(ctx)
  const control = controlRoutes(live, directory)
  const logFile = requestLogFile(live.stateDir)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    const armReq = await armRequestOf(req)
    let caller: string | undefined
    let injectedDelayMs = 0
    const log = (status: number, fault: string | undefined) => {
      const entry: RequestLogEntry = {
        time: new Date(started).toISOString(),
        method: armReq.method,
        path: armReq.path,
        apiVersion: armReq.query.get('api-version'),
        status,
        durationMs: Date.now() - started,
        ...(caller ? {caller} : {}),
        ...(fault ? {fault} : {}),
        ...(injectedDelayMs > 0 ? {injectedDelayMs} : {}),
      }
      appendFileSync(logFile, JSON.stringify(entry) + '\n')
    }
    const metadata = serveMetadata(armReq)
    if (metadata) {
      send(res, metadata)
      return
    }
    const world = live.settled()
    const entra = await directory.serve(armReq, world)
    if (entra) {
      send(res, entra.response)
      caller = entra.caller
      if (armReq.method === 'POST') log(entra.response.status, undefined)
      return
    }
    const who = await authenticate(armReq, world, token, directory)
    if (armReq.path.startsWith(CONTROL_PATH)) {
      send(res, 'refusal' in who ? who.refusal : who.admin ? await control(armReq) : controlRefused())
      return
    }
    if (!('refusal' in who)) caller = who.principal.clientId
    injectedDelayMs = await injectLatency(live, armReq)
    // A client that gives up on a held request (an outage's hang) frees it.
    const gone = new AbortController()
    res.on('close', () => gone.abort())
    const served: Served = 'refusal' in who ? {response: who.refusal} : await serve(armReq, who.principal, gone.signal)
    if ('droppedBy' in served) {
      log(0, served.droppedBy)
      req.socket.destroy()
      return
    }
    send(res, served.response)
    log(served.response.status, served.fault)
  }

  /** An authenticated ARM request: its authorization, its route and api-version, the faults that match it, then its handler. */
  async function serve(req: ArmRequest, principal: Principal, gone: AbortSignal): Promise<Served> {
    let fault: string | undefined
    try {
      const refused = authorize(req, live.settled(), principal)
      if (refused) return {response: refused}
      const matched = routeFor(routes, req)
      const outage = await meetOutage(req, gone)
      if (outage && 'droppedBy' in outage) return outage
      if (outage) {
        fault = outage.label
        throw outage.error
      }
      const hits = live.faults.match(req.method, req.path, req.method !== 'GET')
      if (hits.length > 0) live.store.save()
      let failLro: ArmContext['failLro']
      for (const f of hits) {
        fault = f.id
        if (f.kind === 'latency') {
          // A client that gives up on a delayed request frees it too: the request never reached ARM, and a stopped
          // sandbox's process is not kept alive by a timer minutes long.
          await delay(f.latencyMs ?? 1000, undefined, {signal: gone}).catch(() => {})
          if (gone.aborted) return {droppedBy: `${f.id} (client closed the delayed request)`}
        }
        if (f.kind === 'drop') return {droppedBy: f.id}
        if (f.kind === 'throttle' || f.kind === 'error') throw faultResponse(f)
        if (f.kind === 'fail-lro') failLro = {code: 'OperationFailed', message: `The long-running operation failed (injected by azfail sandbox fault ${f.id}).`}
      }
      // A request about flexible servers waits for the real servers; any other is answered while they work.
      const world = aboutFlexibleServers(req.path) ? await live.current() : live.settled()
      // From here to the save, nothing awaits: the shared context belongs to this request alone.
      ctx.world = world
      ctx.dirty = false
      ctx.failLro = failLro
      ctx.principal = principal
      ctx.vantages = live.vantages
      try {
        return {response: matched.route.handler(req, matched.params), fault}
      } finally {
        if (ctx.dirty) live.store.save()
      }
    } catch (error) {
      if (!(error instanceof ArmError)) throw error
      return {response: error.toResponse(), fault}
    }
  }

  /**
   * The outage this request meets: an error to answer, or a connection to drop. A hang holds the request until the
   * outage changes (then it is served as the world now says), its client leaves, or ARM's patience runs out.
   */
  async function meetOutage(req: ArmRequest, gone: AbortSignal): Promise<{label: string; error: ArmError} | {droppedBy: string} | undefined> {
    const heldUntil = Date.now() + HANG_CAP_MS
    const now = () => {
      live.store.refresh()
      return outageEffect(live.store.world, req)
    }
    for (let effect = now(); effect; effect = now()) {
      if (effect.kind === 'error') return {label: effect.label, error: effect.error}
      if (effect.kind === 'drop') return {droppedBy: effect.label}
      if (gone.aborted) return {droppedBy: `${effect.label} (client closed the held request)`}
      if (Date.now() >= heldUntil) return {label: effect.label, error: gatewayTimeout(req)}
      await delay(HANG_POLL_MS, undefined, {signal: gone}).catch(() => {})
    }
    return undefined
  }

  return (req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent) return
      send(res, error instanceof ArmError ? error.toResponse() : new ArmError(500, 'InternalServerError', `azfail sandbox bug: ${(error as Error).stack}`).toResponse())
    })
  }
}

function routeFor(routes: Route[], req: ArmRequest) {
  const matched = matchRoute(routes, req.method, req.path)
  if (!matched) {
    throw new ArmError(404, 'NotEmulated', `The azfail sandbox does not emulate ${req.method} ${req.path}. Azure may serve it; the emulator does not, so this is a missing emulation, not an empty result.`)
  }
  if ('methodNotAllowed' in matched) {
    throw new ArmError(405, 'MethodNotAllowed', `The azfail sandbox does not emulate ${req.method} on ${req.path}.`)
  }
  checkApiVersion(req, matched.route.apiVersions, matched.route.template.split('/providers/').pop()!.replace(/\/\{[^}]+\}/g, ''))
  return matched
}

async function armRequestOf(req: IncomingMessage): Promise<ArmRequest> {
  const origin = `https://${req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`}`
  // The request target is a path: `//metadata/...` (a client's endpoint with a trailing slash) is not a host.
  const url = new URL(origin + (req.url ?? '/'))
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    // ARM reads `a//b` as `a/b` (an SDK's empty parentResourcePath)
    path: decodeURIComponent(url.pathname).replace(/\/{2,}/g, '/'),
    query: url.searchParams,
    headers: req.headers,
    rawBody: await readBody(req),
    baseUrl: origin,
  }
}

const controlRefused = (): ArmResponse => ({
  status: 403,
  body: {error: {code: 'AuthorizationFailed', message: `The sandbox's control routes (${CONTROL_PATH}) take the sandbox's static token (connection.json 'token') only, not an Entra ID access token.`}},
})

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
