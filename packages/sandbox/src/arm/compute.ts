// Compute: a VM and a scale-set instance, read and asked to run a shell script (the action run command, RunShellScript
// on Linux). The run is an LRO as Compute answers it: 202 with a Location at the region's `operations/{id}?monitor=true`,
// which answers 202 while the script runs, then 200 with the RunCommandResult: stdout and stderr, each its last 4,096
// bytes. The script runs in the VM's region (vantage.ts); a failed run answers the VM agent's error there.
import {type ArmRequest, type ArmResponse, type Route, ArmError, badRequest, jsonBody, route} from '../http.ts'
import {type ArmResource, locationKey, subscriptionOf} from '../world.ts'
import {type RunOutcome, type VantageRun, regionAt} from '../vantage.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const vmType = 'Microsoft.Compute/virtualMachines'
const instanceType = 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines'
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/{vm}`
const INSTANCE = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss}/virtualMachines/{instanceId}`

export function computeRoutes(ctx: ArmContext): Route[] {
  const {w, get, list} = provider(ctx)
  /** A scale-set instance as Compute returns it: named `{scaleSet}_{instanceId}`, its instance id beside its properties. */
  const presentInstance = (r: ArmResource) => ({...present(w(), r), instanceId: r.id.split('/').pop()})
  return [
    // the subscription's VMs (virtualMachines.listAll), read by `azfail init` to propose a region's vantage
    route('GET', `${SUB}/providers/Microsoft.Compute/virtualMachines`, API_VERSIONS.compute, (req, p) => list(req, p, vmType)),
    route('GET', VM, API_VERSIONS.compute, (req) => ok(present(w(), get(idOf(req), vmType)))),
    route('POST', `${VM}/runCommand`, API_VERSIONS.compute, (req) => runCommand(ctx, req, get(idOf(req).replace(/\/runCommand$/i, ''), vmType))),
    route('GET', INSTANCE, API_VERSIONS.compute, (req) => ok(presentInstance(get(idOf(req), instanceType)))),
    route('POST', `${INSTANCE}/runCommand`, API_VERSIONS.compute, (req) => runCommand(ctx, req, get(idOf(req).replace(/\/runCommand$/i, ''), instanceType))),
    route('GET', `${SUB}/providers/Microsoft.Compute/locations/{location}/operations/{id}`, API_VERSIONS.compute, (req, p) => pollRun(ctx, req, p.id)),
  ]
}

/** POST …/runCommand: checks the RunCommandInput, starts the script in the machine's region, answers 202 + Location. */
function runCommand(ctx: ArmContext, req: ArmRequest, machine: ArmResource): ArmResponse {
  const body = jsonBody(req)
  const commandId = body.commandId
  if (typeof commandId !== 'string' || commandId === '') throw badRequest("The run command input must name its 'commandId'.", 'InvalidParameter')
  if (commandId.toLowerCase() !== 'runshellscript') {
    throw badRequest(`The command id '${commandId}' is not valid for the Linux virtual machine '${machine.name}'. The azfail sandbox runs 'RunShellScript' only.`, 'InvalidParameter')
  }
  const script = body.script ?? []
  if (!Array.isArray(script) || script.some((line: unknown) => typeof line !== 'string')) throw badRequest("'script' must be an array of strings, the script's lines.", 'InvalidParameter')
  if (Array.isArray(body.parameters) && body.parameters.length > 0) {
    throw new ArmError(400, 'NotEmulated', "The azfail sandbox does not emulate run command 'parameters'; write the values into the script.")
  }
  const run = startRun(ctx, machine, {script: script.join('\n'), combinedOutput: false})
  const location = locationKey(machine.location!)
  const url = `${req.baseUrl}/subscriptions/${subscriptionOf(machine.id)}/providers/Microsoft.Compute/locations/${location}/operations/${run.id}?monitor=true&api-version=${req.query.get('api-version')}`
  return {status: 202, headers: {Location: url, 'Retry-After': String(ctx.world.settings.lroRetryAfterSeconds)}}
}

/** Starts a vantage's run of a script in the region the resource is in. */
export function startRun(ctx: ArmContext, target: ArmResource, o: {script: string; combinedOutput: boolean}): VantageRun {
  const region = regionAt(ctx.world, target.location, target.id)
  if (!region) throw new ArmError(409, 'NotEmulated', `'${target.name}' is in location '${target.location}', where the azfail sandbox has no region to run a command in.`)
  if (!ctx.vantages) throw new ArmError(503, 'ServiceUnavailable', 'The sandbox is still starting its regions; retry shortly.')
  return ctx.vantages.start({resourceId: target.id, region, ...o})
}

/**
 * The operation at `locations/{l}/operations/{id}`: with `monitor=true` (the Location URL), 202 while running, then the
 * RunCommandResult or the error; without it, the operation's status, as Compute's Azure-AsyncOperation answers.
 */
function pollRun(ctx: ArmContext, req: ArmRequest, id: string): ArmResponse {
  const run = ctx.vantages?.find(id)
  if (!run || subscriptionOf(run.resourceId).toLowerCase() !== subscriptionOf(req.path).toLowerCase()) {
    throw new ArmError(404, 'OperationNotFound', `The operation '${id}' was not found.`)
  }
  const outcome = ctx.vantages!.outcome(run)
  const retry = {'Retry-After': String(ctx.world.settings.lroRetryAfterSeconds)}
  const failure = outcome && agentFailure(outcome, run.resourceId.split('/').pop()!)
  if (req.query.get('monitor') === 'true') {
    if (!outcome) return {status: 202, headers: {Location: `${req.baseUrl}${req.path}?${req.query.toString()}`, ...retry}}
    if (failure) throw new ArmError(409, failure.code, failure.message)
    return ok(runCommandResult(outcome))
  }
  const status = !outcome ? 'InProgress' : failure ? 'Failed' : 'Succeeded'
  return {
    status: 200,
    headers: outcome ? {} : retry,
    body: {
      name: run.id,
      startTime: run.startedAt,
      status,
      ...(outcome ? {endTime: outcome.finishedAt} : {}),
      ...(failure ? {error: failure} : outcome ? {properties: {output: runCommandResult(outcome)}} : {}),
    },
  }
}

/** RunCommandResult: the script's stdout and stderr as instance-view statuses, whatever its exit code, as Compute reports them. */
function runCommandResult(outcome: RunOutcome) {
  const status = (stream: 'StdOut' | 'StdErr', message: string) => ({code: `ComponentStatus/${stream}/succeeded`, level: 'Info', displayStatus: 'Provisioning succeeded', message})
  return {value: [status('StdOut', outcome.stdout), status('StdErr', outcome.stderr)]}
}

/** Compute's error for a run the VM agent did not complete: it never reported back, or ran out of time. */
function agentFailure(outcome: RunOutcome, machine: string): {code: string; message: string} | undefined {
  if (outcome.ending.kind === 'failed') {
    return {
      code: 'VMAgentStatusCommunicationError',
      message: `VM '${machine}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, the VM has a running VM agent, and that it can establish outbound connections to Azure storage. Please refer to https://aka.ms/vmextensionlinuxtroubleshoot for additional VM agent troubleshooting information.`,
    }
  }
  if (outcome.ending.kind === 'timedOut') {
    return {
      code: 'VMExtensionProvisioningTimeout',
      message: `Provisioning of VM extension 'RunCommandLinux' on '${machine}' has timed out. Extension provisioning has taken too long to complete. The script was stopped (azfail sandbox vantage time limit).`,
    }
  }
  return undefined
}
