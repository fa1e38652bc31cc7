// flipFailoverGroup: fail the SQL failover group over to the region's server (planned; forced allows data loss).
import {failOverSqlGroup} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {FAILOVER_GROUP_ROLES, unknownValue} from '../estate/predicates.ts'
import {copyState} from '../estate/state.ts'
import {leavingRegionObserved} from '../guards/guards.ts'
import {type StepKind, configured, describeNotSeen, need, notSeenIn, promotionRegion} from './context.ts'

interface FlipData {
  subscription?: string
  resourceGroup: string
  name: string
  group: string
  forced: boolean
  /** what a forced failover could not read of the side it leaves */
  unseen?: string[]
}

export const flipFailoverGroup: StepKind<FlipData> = {
  kind: 'flipFailoverGroup',
  summary: "fail the SQL failover group over to the region's server (--forced allows data loss)",
  lane: 'sql',
  defaults: {'promote-failover-group': 1, failover: 8, failback: 7},
  applies: configured('sql'),
  reads: {data: true},
  permissions: [
    {action: 'Microsoft.Sql/servers/failoverGroups/failover/action'},
    {action: 'Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action', when: '--forced'},
  ],
  create(ctx, params) {
    const toRegion = need(promotionRegion(params, 'sql'), {kind: 'flipFailoverGroup', action: params.action}, 'a target region')
    const forced = Boolean(params.forced)
    return {
      id: 'flipFailoverGroup',
      kind: 'flipFailoverGroup',
      title: `Fail over SQL failover group to ${toRegion}${forced ? ' (allowing data loss)' : ''}`,
      changes: true,
      plan(state): StepPlan<FlipData> {
        const spec = ctx.estate.data.sqlFailoverGroup
        const fog = state.data.sqlFailoverGroup
        const ref = spec?.servers[toRegion]
        if (!spec || !ref) return {summary: 'no failover group', changes: [], verdicts: [], problems: [`The runbook names no SQL failover group server in ${toRegion}.`]}
        const server = fog?.servers.find((s) => s.region === toRegion)
        if (server?.role === 'Primary') return {summary: 'already primary', changes: [], verdicts: [], done: `${server.name} is already primary of ${fog!.name}`}
        const leaving = Object.keys(spec.servers).filter((r) => r !== toRegion)
        const unseen = notSeenIn(state, 'sqlFailoverGroup', [...leaving, ...(server ? [] : [toRegion])])
        // A group not read at all: a forced failover asks the target server to take it over anyway; a planned one cannot.
        if (!server && !forced) return {summary: 'failover group not read', changes: [], verdicts: [], problems: [`The failover group ${spec.name} could not be read through ${ref.name} (${unseen.join('; ') || 'unknown'}); a planned failover needs it. --forced fails over without reading it.`]}
        // A role azfail has never seen says nothing of which partner is primary: a planned failover stops; --forced goes on.
        const strange = (fog?.servers ?? []).filter((s) => unknownValue(s.role, FAILOVER_GROUP_ROLES))
        if (strange.length > 0 && !forced) return {summary: 'unknown roles', changes: [], verdicts: [], problems: [`${spec.name}'s partner roles are unknown: ${strange.map((s) => `${s.name} unknown value '${s.role}'`).join(', ')} (Azure documents ${FAILOVER_GROUP_ROLES.join(', ')}); a planned failover needs to know which is primary. --forced fails over without it.`]}
        const primary = fog?.servers.find((s) => s.role === 'Primary')
        return {
          summary: `${spec.name}: primary ${primary?.name ?? 'unknown'} -> ${ref.name}${unseen.length > 0 ? `; not read: ${unseen.join('; ')}` : ''}`,
          changes: [{what: `SQL failover group ${spec.name} primary`, from: primary?.name ?? 'unknown', to: ref.name}],
          verdicts: forced ? [] : [leavingRegionObserved(state, `failover of ${spec.name}`, leaving)],
          data: {...ref, group: spec.name, forced, ...(forced && unseen.length > 0 ? {unseen} : {})},
        }
      },
      project(state) {
        const s = copyState(state)
        const fog = s.data.sqlFailoverGroup
        if (!fog) return s
        for (const server of fog.servers) server.role = server.region === toRegion ? 'Primary' : 'Secondary'
        fog.primaryRegion = toRegion
        return s
      },
      async apply(plan, rt) {
        const d = plan.data
        rt.progress(`${d.forced ? 'forced ' : ''}failover of ${d.group} to ${d.name} (long-running)`)
        await failOverSqlGroup(ctx.clients, d, d.group, d.forced, {resumeFrom: typeof rt.resumed === 'string' ? rt.resumed : undefined, started: (state) => rt.checkpoint(state)})
        return `${d.name} is primary of ${d.group}${d.forced ? ' (forced, allowing data loss)' : ''}${describeNotSeen(d.unseen)}`
      },
    }
  },
}
