// Resume: what an interrupted run asked for, read back from its journal (or, from another machine, from beside its
// lock in Azure), typed and checked, so the run can be rebuilt. Only an interrupted run resumes.
import type {Clients} from '../azure/clients.ts'
import {azureClock} from '../azure/clock.ts'
import {LockHeldError, readStateRecords} from '../azure/state-records.ts'
import type {AzureTarget} from '../azure/target.ts'
import {Journal, isRunId} from '../engine/journal.ts'
import type {RunMeta} from '../engine/types.ts'
import {AzfailError, InputError} from '../errors.ts'
import {changedKeys, runbookDigest} from '../runbook/digest.ts'
import {type LoadedRunbook, loadRunbook} from '../runbook/load.ts'
import {type Action, ACTIONS} from '../steps/context.ts'
import {holderState} from './lock.ts'
import {type ActionOptions, journaledOverrides} from './run.ts'

export interface ResumeSource {
  journal: Journal
  meta: RunMeta
  runbook: LoadedRunbook
  action: Action
  options: ActionOptions
  overrides: string[]
  reason?: string
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined)

function actionOf(runId: string, name: string): Action {
  const action = ACTIONS.find((a) => a === name)
  if (!action) throw new InputError('UnknownRun', `Run ${runId} records action '${name}', which this azfail does not know.`)
  return action
}

class NotResumable extends InputError {
  constructor(runId: string, why: string, hint: string) {
    super('NotResumable', `Run ${runId} cannot be resumed: ${why}. Only an interrupted run resumes.`, hint)
  }
}

/** Refuses what is not an interrupted run: a dry run, a refused one, one that failed before changing anything, a finished one. */
function checkResumable(journal: Journal, meta: RunMeta): void {
  const again = `Run the command again ('azfail ${meta.action.replace('-', ' ')}${meta.region ? ` ${meta.region}` : ''}'); it plans from live state.`
  if (meta.dryRun) throw new NotResumable(meta.runId, 'it was a dry run, which changes nothing', again)
  if (meta.status === 'running' || meta.status === 'interrupted') return
  const executed = journal.events().some((e) => e.event === 'started')
  if (meta.status === 'failed' && executed) return
  const why: Record<string, string> = {
    succeeded: 'it finished',
    refused: 'it was refused before it changed anything',
    declined: 'the person at the prompt declined its plan, so nothing was changed',
    failed: 'it failed at planning, before it changed anything',
    locked: 'it never started: another run held the lock',
    'not-ready': 'it was a dry run',
    planned: 'it was a dry run',
  }
  throw new NotResumable(meta.runId, why[meta.status] ?? `it ended ${meta.status}`, meta.status === 'succeeded' ? "'azfail runs show' has its record." : again)
}

/**
 * A resume acts on what the operator consented to: the runbook it runs on (the journaled one, or --runbook) must be
 * the one the run was consented on, unless the operator asked to re-plan (the new plan is then shown and consented to).
 */
function checkConsentedRunbook(journal: Journal, meta: RunMeta, runbook: LoadedRunbook, replan: boolean): void {
  if (replan || !meta.runbookDigest || runbookDigest(runbook.runbook) === meta.runbookDigest) return
  const kept = journal.keptRunbook()
  const changes = kept ? changedKeys(kept, runbook.runbook) : []
  const which = runbook.file === meta.runbook ? `${runbook.file} has changed since the run was consented to` : `${runbook.file} is not the runbook the run was consented on (${meta.runbook})`
  throw new InputError(
    'RunbookChanged',
    `Run ${meta.runId} cannot resume as it is: ${which}${changes.length > 0 ? `: ${changes.join('; ')}` : ''}. Nothing was changed.`,
    `Put the runbook back as it was, or 'azfail resume ${meta.runId} --replan' to plan the rest of the run on this runbook, see the new plan and consent to it (or --yes) before any change.`,
  )
}

/** The run as this machine journaled it, or undefined when there is no journal of it here. */
export function localResume(runsDir: string, runId: string, options: {runbook?: string; replan?: boolean} = {}): ResumeSource | undefined {
  if (!Journal.exists(runsDir, runId)) return undefined
  const journal = Journal.open(runsDir, runId)
  const meta = journal.meta()
  checkResumable(journal, meta)
  const runbook = loadRunbook(options.runbook ?? meta.runbook)
  checkConsentedRunbook(journal, meta, runbook, options.replan === true)
  const o = meta.options
  const {overrides, skipLayers} = journaledOverrides(meta.overrides)
  return {
    journal,
    meta,
    runbook,
    action: actionOf(runId, meta.action),
    options: {region: str(o.region), to: str(o.to), forced: o.forced === true, teardown: o.teardown === true, ...(o.standalone === true ? {standalone: true} : {}), ...(skipLayers ? {skipLayers} : {})},
    overrides,
    reason: meta.overrides.map((x) => x.reason).join('; ') || undefined,
  }
}

/**
 * Takes over a run another machine started: what it asked for is kept beside its lock in Azure. Allowed once its
 * lease has lapsed (its holder stopped renewing); the run is re-planned from live state, so writes that landed
 * plan as done.
 */
export async function remoteResume(runbook: LoadedRunbook, target: AzureTarget, clients: Clients, runsDir: string, runId: string, principal: string): Promise<ResumeSource> {
  const {lock} = await readStateRecords(runbook.runbook.estate, clients)
  if (!lock || lock.runId !== runId) {
    throw new InputError('UnknownRun', `No run '${runId}' in this machine's journal (${runsDir}), and the lock in Azure ${lock ? `belongs to run ${lock.runId}` : 'is free'}.`, "'azfail runs list' shows the runs recorded here; 'azfail lock status' shows the run holding the lock.")
  }
  if (!isRunId(lock.runId)) {
    throw new AzfailError('failed', 'BadLockRecord', `The lock in Azure names run '${lock.runId}', which is not a run id azfail writes (letters, digits, '.', '_' and '-'): nothing was taken over or written here.`, {hint: "Check who wrote the lock record (_azfail-lock in the state zone); 'azfail lock release --reason \"...\" --force' frees it."})
  }
  const holder = holderState(lock, azureClock(target).now())
  if (holder === 'alive') throw new LockHeldError(lock, true)
  if (!lock.request) throw new InputError('NotResumable', `Run ${runId}'s lock records no request to rebuild it from.`, "Run the command again; 'azfail lock release --reason \"...\"' frees the stale lock first.")
  const request = lock.request
  const at = new Date().toISOString()
  const meta: RunMeta = {
    runId,
    action: request.action,
    ...(request.region ? {region: request.region} : {}),
    options: {region: request.region, to: request.to, forced: request.forced, ...(request.standalone ? {standalone: true} : {}), teardown: request.teardown, takenOverFrom: lock.holder},
    runbook: runbook.file,
    target: target.record,
    principal,
    startedAt: lock.since,
    dryRun: false,
    overrides: request.overrides.map((o) => ({...o, at})),
    status: 'interrupted',
    attempts: 1,
  }
  const journal = Journal.create(runsDir, meta)
  journal.append({event: 'note', attempt: 1, note: `taken over by ${principal} from ${lock.holder}, ${holder === 'lapsed' ? `whose lease lapsed at ${lock.expires}` : `whose process (pid ${lock.pid} on this machine) had ended, its lease running until ${lock.expires}`}`})
  const {overrides, skipLayers} = journaledOverrides(request.overrides)
  return {
    journal,
    meta,
    runbook,
    action: actionOf(runId, request.action),
    options: {region: request.region, to: request.to, forced: request.forced, ...(request.standalone ? {standalone: true} : {}), teardown: request.teardown, ...(skipLayers ? {skipLayers} : {})},
    overrides,
    reason: request.overrides.map((o) => o.reason).join('; ') || undefined,
  }
}
