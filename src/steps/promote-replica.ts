// promoteReplica: switch the PostgreSQL flexible read replica over to primary (planned by default; forced accepts
// data loss). The old primary becomes its replica, as Azure documents for a switchover.
import {promotePostgresReplica} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {isReplica} from '../estate/predicates.ts'
import {copyState} from '../estate/state.ts'
import {replicaHealthy} from '../guards/guards.ts'
import {type StepKind, need} from './context.ts'

interface PromoteData {
  subscription?: string
  resourceGroup: string
  name: string
  option: 'Planned' | 'Forced'
}

export const promoteReplica: StepKind<PromoteData> = {
  kind: 'promoteReplica',
  summary: 'switch the PostgreSQL flexible read replica over to primary (planned: replica-healthy; --forced accepts data loss)',
  defaults: {'promote-replica': 1},
  reads: {data: true},
  permissions: [{action: 'Microsoft.DBforPostgreSQL/flexibleServers/write', when: 'on the replica'}],
  create(ctx, params) {
    const toRegion = need(params.to, {kind: 'promoteReplica', action: params.action}, 'a target region')
    const forced = Boolean(params.forced)
    return {
      id: 'promoteReplica',
      kind: 'promoteReplica',
      title: `Promote the PostgreSQL replica in ${toRegion}${forced ? ' (forced)' : ''}`,
      changes: true,
      plan(state): StepPlan<PromoteData> {
        const servers = state.data.postgres?.servers ?? []
        const target = servers.find((s) => s.region === toRegion)
        if (!target) return {summary: 'no server', changes: [], verdicts: [], problems: [`The runbook names no PostgreSQL server in ${toRegion} (estate.data.postgres.servers).`]}
        if (!isReplica(target.role)) return {summary: `${target.name} is ${target.role}`, changes: [], verdicts: [], done: `${target.name} is already ${target.role}`}
        const primary = servers.find((s) => s.role === 'Primary')
        return {
          summary: `switch over to ${target.name} (${forced ? 'Forced' : 'Planned'})`,
          changes: [
            {what: `PostgreSQL ${target.name}`, from: target.role, to: 'Primary'},
            ...(primary ? [{what: `PostgreSQL ${primary.name}`, from: 'Primary', to: target.role}] : []),
          ],
          verdicts: forced ? [] : [replicaHealthy(state, toRegion)],
          data: {...(target.subscription ? {subscription: target.subscription} : {}), resourceGroup: target.resourceGroup, name: target.name, option: forced ? 'Forced' : 'Planned'},
        }
      },
      project(state) {
        const s = copyState(state)
        const pg = s.data.postgres!
        const target = pg.servers.find((x) => x.region === toRegion)!
        for (const server of pg.servers) if (server.role === 'Primary') Object.assign(server, {role: target.role, replicationState: 'Active'})
        Object.assign(target, {role: 'Primary', replicationState: undefined})
        pg.primaryRegion = toRegion
        return s
      },
      async apply(plan, rt) {
        const d = plan.data
        rt.progress(`${d.option} switchover of ${d.name} (long-running)`)
        await promotePostgresReplica(ctx.clients, d, d.option)
        return `${d.name} is primary (${d.option.toLowerCase()} switchover)`
      },
    }
  },
}
