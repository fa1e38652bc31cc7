// Routing primitives of the ARM emulator: requests, responses in ARM's error shape, templated routes, api-versions.
import {randomUUID} from 'node:crypto'

export interface ArmRequest {
  method: string
  /** decoded path, no query */
  path: string
  query: URLSearchParams
  headers: Record<string, string | string[] | undefined>
  /** raw body text ('' when none) */
  rawBody: string
  /** https://host:port, to build absolute URLs (polling, nextLink) */
  baseUrl: string
}

export interface ArmResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export class ArmError extends Error {
  readonly status: number
  readonly code: string
  readonly headers: Record<string, string>

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.headers = headers
  }

  toResponse(): ArmResponse {
    return {status: this.status, body: {error: {code: this.code, message: this.message}}, headers: this.headers}
  }
}

export const notFound = (type: string, name: string, rg: string) =>
  new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`)

/** ARM's answer for a nested resource whose parent does not exist (a record set in a missing zone). */
export const parentNotFound = (parentName: string) =>
  new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`)

export const resourceGroupNotFound = (rg: string) => new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`)

export const subscriptionNotFound = (sub: string) => new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`)

export const badRequest = (message: string, code = 'BadRequest') => new ArmError(400, code, message)

export function header(req: ArmRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** Parses the JSON body; ARM answers malformed content with 400 InvalidRequestContent. */
export function jsonBody(req: ArmRequest): any {
  if (req.rawBody.trim() === '') throw badRequest('The request content was invalid and could not be deserialized: the body is empty.', 'InvalidRequestContent')
  try {
    const body = JSON.parse(req.rawBody)
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('expected a JSON object')
    return body
  } catch (error) {
    throw badRequest(`The request content was invalid and could not be deserialized: ${(error as Error).message}`, 'InvalidRequestContent')
  }
}

/**
 * A control request's body as an object, and what is wrong with it so far (fields it does not take); not an object is
 * ARM's 400 with `code`. `what` names the request with its article: "an outage".
 */
export function controlFields(input: unknown, fields: readonly string[], code: string, what: string): {o: Record<string, unknown>; problems: string[]} {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ArmError(400, code, `${what.charAt(0).toUpperCase()}${what.slice(1)} must be a JSON object.`)
  const o = input as Record<string, unknown>
  const unknown = Object.keys(o).filter((k) => !fields.includes(k))
  return {o, problems: unknown.length > 0 ? [`unknown field(s) ${unknown.map((k) => `'${k}'`).join(', ')}; ${what} takes ${fields.join(', ')}`] : []}
}

export type Params = Record<string, string>
export type Handler = (req: ArmRequest, params: Params) => ArmResponse

export interface Route {
  method: string
  pattern: RegExp
  names: string[]
  template: string
  apiVersions: readonly string[]
  handler: Handler
}

/** Compiles `/subscriptions/{sub}/.../{name}` into a case-insensitive matcher: ARM paths are case-insensitive. */
export function route(method: string, template: string, apiVersions: readonly string[], handler: Handler): Route {
  const names: string[] = []
  const source = template
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg)
      if (m) {
        names.push(m[1])
        return '([^/]+)'
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return {method, pattern: new RegExp(`^${source}/?$`, 'i'), names, template, apiVersions, handler}
}

export function matchRoute(routes: Route[], method: string, path: string): {route: Route; params: Params} | {methodNotAllowed: true} | undefined {
  let pathMatched = false
  for (const r of routes) {
    const m = r.pattern.exec(path)
    if (!m) continue
    pathMatched = true
    if (r.method !== method) continue
    const params: Params = {}
    // An optional part the path lacks (a scope's resource group) stays absent.
    r.names.forEach((n, i) => m[i + 1] !== undefined && (params[n] = decodeURIComponent(m[i + 1])))
    return {route: r, params}
  }
  return pathMatched ? {methodNotAllowed: true} : undefined
}

export function checkApiVersion(req: ArmRequest, supported: readonly string[], typeName: string): void {
  const v = req.query.get('api-version')
  if (!v) {
    throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.")
  }
  if (!supported.includes(v)) {
    throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location 'global' and API version '${v}' for type '${typeName}'. The supported api-versions are '${supported.join(', ')}'.`)
  }
}

export const requestId = () => randomUUID()

/** Pages a list the way ARM does: `value` plus an absolute `nextLink` carrying a skip token; `$top` sets the page size. */
export function page(req: ArmRequest, items: unknown[], pageSize: number): ArmResponse {
  const top = Number(req.query.get('$top') ?? NaN)
  const size = Number.isInteger(top) && top > 0 ? Math.min(top, pageSize) : pageSize
  const skip = Number(req.query.get('$skipToken') ?? 0) || 0
  const value = items.slice(skip, skip + size)
  const body: Record<string, unknown> = {value}
  if (skip + size < items.length) {
    const next = new URL(req.baseUrl + encodePath(req.path))
    for (const [k, v] of req.query) if (k !== '$skipToken') next.searchParams.set(k, v)
    next.searchParams.set('$skipToken', String(skip + size))
    body.nextLink = next.toString()
  }
  return {status: 200, body}
}

export const encodePath = (path: string) => path.split('/').map((s) => encodeURIComponent(s).replace(/%40/g, '@')).join('/')
