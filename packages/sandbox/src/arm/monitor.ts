// Azure Monitor's activity log (Microsoft.Insights/eventtypes/management/values) as `@azure/arm-monitor` reads it:
// every write the sandbox served (PUT, PATCH, DELETE, POST), from its request log, with the caller, in Azure's EventData
// shape, newest first. GETs are not in it, as in Azure. Only the filters Azure accepts: eventTimestamp ge (required),
// eventTimestamp le, and at most one of resourceUri, resourceGroupName, resourceProvider, correlationId.
import {createHash} from 'node:crypto'
import type {RequestLogEntry} from '../client.ts'
import {type Route, badRequest, page, route} from '../http.ts'
import {armAction} from '../rbac.ts'
import {API_VERSIONS, type ArmContext, SUB} from './common.ts'

const WRITES = new Set(['PUT', 'PATCH', 'DELETE', 'POST'])
const SCOPES = ['resourceuri', 'resourcegroupname', 'resourceprovider', 'correlationid'] as const

interface Filter {
  from: number
  to: number
  scope?: {field: (typeof SCOPES)[number]; value: string}
}

/** `eventTimestamp ge '…' and … eq '…'`: what Azure's activity log accepts, or its 400. */
export function parseFilter(text: string | null): Filter {
  const refuse = (why: string) =>
    badRequest(`The $filter '${text ?? ''}' is not valid: ${why}. It must be eventTimestamp ge '<start>' [and eventTimestamp le '<end>'] and at most one of resourceUri, resourceGroupName, resourceProvider or correlationId eq '<value>'.`)
  if (!text) throw refuse('a start time is required')
  const filter: Partial<Filter> = {to: Infinity}
  for (const clause of text.split(/\s+and\s+/i)) {
    const m = /^\s*(\w+)\s+(eq|ge|le)\s+'([^']*)'\s*$/i.exec(clause)
    if (!m) throw refuse(`'${clause}' is not a clause it knows`)
    const [, field, op, value] = m
    const name = field.toLowerCase()
    if (name === 'eventtimestamp' && (op.toLowerCase() === 'ge' || op.toLowerCase() === 'le')) {
      const t = Date.parse(value)
      if (Number.isNaN(t)) throw refuse(`'${value}' is not a time`)
      if (op.toLowerCase() === 'ge') filter.from = t
      else filter.to = t
    } else if ((SCOPES as readonly string[]).includes(name) && op.toLowerCase() === 'eq') {
      if (filter.scope) throw refuse('only one of resourceUri, resourceGroupName, resourceProvider or correlationId may be given')
      filter.scope = {field: name as (typeof SCOPES)[number], value}
    } else {
      throw refuse(`'${field} ${op}' is not supported`)
    }
  }
  if (filter.from === undefined) throw refuse('a start time (eventTimestamp ge) is required')
  return filter as Filter
}

const statusOf = (code: number) => (code === 202 ? 'Accepted' : code >= 200 && code < 300 ? 'Succeeded' : 'Failed')

/** One request the sandbox served, as an activity log event (EventData). */
function eventOf(entry: RequestLogEntry, line: number, subscriptionId: string) {
  const {action, scope} = armAction(entry.method, entry.path)
  const resourceId = entry.method === 'POST' ? scope : entry.path.replace(/\/+$/, '')
  const operationId = uuidOf(`${line}|${entry.time}|${entry.method}|${entry.path}`)
  const eventDataId = uuidOf(`event|${operationId}`)
  const namespace = /\/providers\/([^/]+)/i.exec(resourceId)?.[1] ?? 'Microsoft.Resources'
  const status = statusOf(entry.status)
  const localized = (value: string) => ({value, localizedValue: value})
  const ticks = BigInt(Date.parse(entry.time)) * 10000n + 621355968000000000n
  return {
    authorization: {action, scope},
    caller: entry.caller ?? '',
    channels: 'Operation',
    claims: entry.caller ? {appid: entry.caller} : {},
    correlationId: operationId,
    description: '',
    eventDataId,
    eventName: localized('EndRequest'),
    category: localized('Administrative'),
    httpRequest: {method: entry.method},
    id: `${resourceId}/events/${eventDataId}/ticks/${ticks}`,
    level: status === 'Failed' ? 'Error' : 'Informational',
    resourceGroupName: /\/resourceGroups\/([^/]+)/i.exec(resourceId)?.[1] ?? '',
    resourceProviderName: localized(namespace),
    resourceId,
    resourceType: localized(action.split('/').slice(0, -1).join('/')),
    operationId,
    operationName: localized(action),
    properties: {statusCode: String(entry.status)},
    status: localized(status),
    subStatus: localized(String(entry.status)),
    eventTimestamp: entry.time,
    submissionTimestamp: new Date(Date.parse(entry.time) + entry.durationMs).toISOString(),
    subscriptionId,
  }
}

function uuidOf(text: string): string {
  const h = createHash('sha1').update(text).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

function matches(event: ReturnType<typeof eventOf>, scope: Filter['scope']): boolean {
  if (!scope) return true
  const v = scope.value.toLowerCase()
  if (scope.field === 'resourceuri') return event.resourceId.toLowerCase() === v.replace(/\/+$/, '')
  if (scope.field === 'resourcegroupname') return event.resourceGroupName.toLowerCase() === v
  if (scope.field === 'resourceprovider') return event.resourceProviderName.value.toLowerCase() === v
  return event.correlationId === scope.value
}

export function monitorRoutes(ctx: ArmContext): Route[] {
  return [
    route('GET', `${SUB}/providers/Microsoft.Insights/eventtypes/management/values`, API_VERSIONS.activityLog, (req, p) => {
      const filter = parseFilter(req.query.get('$filter'))
      const prefix = `/subscriptions/${p.sub}/`.toLowerCase()
      const events = (ctx.requestLog?.() ?? [])
        .map((entry, line) => ({entry, line}))
        .filter(({entry}) => WRITES.has(entry.method) && entry.status > 0 && entry.path.toLowerCase().startsWith(prefix))
        .filter(({entry}) => {
          const t = Date.parse(entry.time)
          return t >= filter.from && t <= filter.to
        })
        .map(({entry, line}) => eventOf(entry, line, p.sub))
        .filter((e) => matches(e, filter.scope))
        .reverse()
      return page(req, events, 200)
    }),
  ]
}
