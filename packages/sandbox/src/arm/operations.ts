// Operation status and results, for every namespace: what the SDK pollers ask while an LRO runs.
import {type Route, route} from '../http.ts'
import {operationResult, operationStatus} from '../lro.ts'
import {API_VERSIONS, type ArmContext, SUB, presentById, provider} from './common.ts'

const allVersions = [...new Set(Object.values(API_VERSIONS).flat())]

export function operationRoutes(ctx: ArmContext): Route[] {
  const {w} = provider(ctx)
  return [
    route('GET', `${SUB}/providers/{namespace}/locations/{location}/operationStatuses/{id}`, allVersions, (_req, p) => operationStatus(w(), p.id)),
    route('GET', `${SUB}/providers/{namespace}/locations/{location}/operationResults/{id}`, allVersions, (req, p) =>
      operationResult(w(), req, p.id, (resourceId) => presentById(w(), resourceId)),
    ),
  ]
}
