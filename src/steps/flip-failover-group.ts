// flipFailoverGroup: fail the SQL failover group over to the region's server (planned; forced allows data loss).
import {failOverSqlGroup} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {copyState} from '../estate/state.ts'
import {type StepKind, configured, need, promotionRegion} from './context.ts'

interface FlipData {
  subscription?: string
  resourceGroup: string
  name: string
  group: string
  forced: boolean
}

export const flipFailoverGroup: StepKind<FlipData> = {
  kind: 'flipFailoverGroup',
  summary: "fail the SQL failover group over to the region's server (--forced allows data loss)",
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
        const server = fog?.servers.find((s) => s.region === toRegion)
        if (!spec || !fog || !server) return {summary: 'no failover group', changes: [], verdicts: [], problems: [`The runbook names no SQL failover group server in ${toRegion}.`]}
        if (server.role === 'Primary') return {summary: 'already primary', changes: [], verdicts: [], done: `${server.name} is already primary of ${fog.name}`}
        const primary = fog.servers.find((s) => s.role === 'Primary')
        return {
          summary: `${fog.name}: primary ${primary?.name ?? '?'} -> ${server.name}`,
          changes: [{what: `SQL failover group ${fog.name} primary`, from: primary?.name ?? '?', to: server.name}],
          verdicts: [],
          data: {...spec.servers[toRegion], group: spec.name, forced},
        }
      },
      project(state) {
        const s = copyState(state)
        const fog = s.data.sqlFailoverGroup!
        for (const server of fog.servers) server.role = server.region === toRegion ? 'Primary' : 'Secondary'
        fog.primaryRegion = toRegion
        return s
      },
      async apply(plan, rt) {
        const d = plan.data
        rt.progress(`${d.forced ? 'forced ' : ''}failover of ${d.group} to ${d.name} (long-running)`)
        await failOverSqlGroup(ctx.clients, d, d.group, d.forced, {resumeFrom: typeof rt.resumed === 'string' ? rt.resumed : undefined, started: (state) => rt.checkpoint(state)})
        return `${d.name} is primary of ${d.group}`
      },
    }
  },
}
