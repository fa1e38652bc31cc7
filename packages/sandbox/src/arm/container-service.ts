// AKS: a managed cluster, read and asked to run a command (`az aks command invoke`). The run is an LRO as AKS answers
// it: 202 with a Location at the cluster's `commandResults/{commandId}`, which answers 202 without a body while the
// command runs, then 200 with the RunCommandResult: provisioningState, exit code, times and logs. The command runs in
// the cluster's region (vantage.ts).
import {type ArmRequest, type ArmResponse, type Route, ArmError, badRequest, jsonBody, route} from '../http.ts'
import {key} from '../world.ts'
import type {RunOutcome, VantageRun} from '../vantage.ts'
import {startRun} from './compute.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const clusterType = 'Microsoft.ContainerService/ManagedClusters'
const AKS = `${RG}/providers/Microsoft.ContainerService/managedClusters/{cluster}`

export function containerServiceRoutes(ctx: ArmContext): Route[] {
  const {w, get, parent, list} = provider(ctx)
  return [
    // the subscription's clusters (managedClusters.list), read by `azfail init` to propose a region's vantage
    route('GET', `${SUB}/providers/Microsoft.ContainerService/managedClusters`, API_VERSIONS.containerService, (req, p) => list(req, p, clusterType)),
    route('GET', AKS, API_VERSIONS.containerService, (req) => ok(present(w(), get(idOf(req), clusterType)))),
    route('POST', `${AKS}/runCommand`, API_VERSIONS.containerService, (req) => {
      const cluster = get(idOf(req).replace(/\/runCommand$/i, ''), clusterType)
      const body = jsonBody(req)
      if (typeof body.command !== 'string' || body.command.trim() === '') throw badRequest("The run command request must give its 'command'.", 'InvalidParameter')
      for (const field of ['context', 'clusterToken']) {
        if (body[field] !== undefined && typeof body[field] !== 'string') throw badRequest(`'${field}' must be a string.`, 'InvalidParameter')
      }
      if (body.context) throw new ArmError(400, 'NotEmulated', "The azfail sandbox does not emulate a command's 'context' (files for the command); send it empty.")
      const run = startRun(ctx, cluster, {script: body.command, combinedOutput: true})
      return {status: 202, headers: {Location: resultUrl(req, cluster.id, run.id), 'Retry-After': String(ctx.world.settings.lroRetryAfterSeconds)}}
    }),
    route('GET', `${AKS}/commandResults/{commandId}`, API_VERSIONS.containerService, (req, p) => {
      const cluster = parent(idOf(req).replace(/\/commandResults\/[^/]+$/i, ''), clusterType)
      const run = ctx.vantages?.find(p.commandId)
      if (!run || key(run.resourceId) !== key(cluster.id)) throw new ArmError(404, 'NotFound', `The command result '${p.commandId}' of managed cluster '${cluster.name}' was not found.`)
      const outcome = ctx.vantages!.outcome(run)
      if (!outcome) return {status: 202, headers: {Location: resultUrl(req, cluster.id, run.id), 'Retry-After': String(ctx.world.settings.lroRetryAfterSeconds)}}
      return ok(commandResult(run, outcome))
    }),
  ]
}

const resultUrl = (req: ArmRequest, clusterId: string, id: string) => `${req.baseUrl}${clusterId}/commandResults/${id}?api-version=${req.query.get('api-version')}`

/**
 * RunCommandResult: Succeeded with the command's exit code and logs when it ran; Failed with a reason when its pod
 * did not (the region's vantages fail) or was stopped at the time limit.
 */
function commandResult(run: VantageRun, outcome: RunOutcome): ArmResponse['body'] {
  const {ending} = outcome
  const properties =
    ending.kind === 'exited' ? {provisioningState: 'Succeeded', exitCode: ending.code, logs: outcome.stdout}
    : ending.kind === 'timedOut' ? {provisioningState: 'Failed', exitCode: 137, logs: outcome.stdout, reason: 'DeadlineExceeded'}
    : {provisioningState: 'Failed', exitCode: 1, logs: '', reason: 'ImagePullBackoff'}
  return {id: run.id, properties: {...properties, startedAt: outcome.startedAt, finishedAt: outcome.finishedAt}}
}
