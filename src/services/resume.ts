// Resume: what an interrupted run asked for, read back from its journal, typed and checked, so the run can be rebuilt.
import {Journal} from '../engine/journal.ts'
import type {RunMeta} from '../engine/types.ts'
import {InputError} from '../errors.ts'
import {type LoadedRunbook, loadRunbook} from '../runbook/load.ts'
import {type Action, ACTIONS} from '../steps/context.ts'
import type {ActionOptions} from './run.ts'

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

export function openResume(runsDir: string, runId: string): ResumeSource {
  const journal = Journal.open(runsDir, runId)
  const meta = journal.meta()
  const action = ACTIONS.find((a) => a === meta.action)
  if (!action) throw new InputError('UnknownRun', `Run ${runId} records action '${meta.action}', which this azfail does not know.`)
  const o = meta.options
  const options: ActionOptions = {region: str(o.region), to: str(o.to), forced: o.forced === true, teardown: o.teardown === true}
  return {
    journal,
    meta,
    runbook: loadRunbook(meta.runbook),
    action,
    options,
    overrides: meta.overrides.map((x) => x.guard),
    reason: meta.overrides.map((x) => x.reason).join('; ') || undefined,
  }
}
