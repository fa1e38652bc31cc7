// promoteReplica: promote the PostgreSQL flexible read replica to primary. A switchover by default (the old primary
// becomes its replica, as Azure documents); --standalone stops replication instead and leaves the old primary a
// primary (seed 004). Planned by default (replica-healthy); --forced accepts data loss. Where the runbook configures a
// write check, the promotion's RPO is measured (./rpo.ts): azfail's marker rows, and for a forced promotion the WAL,
// transactions and tables the servers' replication positions say it lost.
import {idleState, promotePostgresReplica} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {POSTGRES_ROLES, isReplica, UNKNOWN, unknownValue} from '../estate/predicates.ts'
import {copyState} from '../estate/state.ts'
import {leavingRegionObserved, replicaHealthy} from '../guards/guards.ts'
import {maxLagSeconds} from '../runbook/estate.ts'
import {type StepKind, configured, describeNotSeen, need, notSeenIn, promotionRegion} from './context.ts'
import {describeRpo, rpoAfter, rpoBefore} from './rpo.ts'

interface PromoteData {
  subscription?: string
  resourceGroup: string
  name: string
  option: 'Planned' | 'Forced'
  mode: 'Switchover' | 'Standalone'
  /** the promoted server's own name, where the RPO count reads it */
  fqdn?: string
  /** what a forced promotion could not read of the side it leaves */
  unseen?: string[]
  /** the replica was read with no operation in flight on it: it is promoted without being read again */
  idle?: boolean
}

export const promoteReplica: StepKind<PromoteData> = {
  kind: 'promoteReplica',
  summary: 'promote the PostgreSQL flexible read replica: a switchover, or --standalone (planned: replica-healthy and its lag limit; --forced accepts data loss); measures the RPO where a write check is configured',
  lane: 'postgres',
  defaults: {'promote-replica': 1, failover: 4, failback: 3},
  applies: configured('postgres'),
  reads: {data: true},
  permissions: [{action: 'Microsoft.DBforPostgreSQL/flexibleServers/write', when: 'on the replica'}],
  create(ctx, params) {
    const toRegion = need(promotionRegion(params, 'postgres'), {kind: 'promoteReplica', action: params.action}, 'a target region')
    const forced = Boolean(params.forced)
    const mode = params.standalone ? 'Standalone' : 'Switchover'
    const option = forced ? 'Forced' : 'Planned'
    return {
      id: 'promoteReplica',
      kind: 'promoteReplica',
      title: `Promote the PostgreSQL replica in ${toRegion}${params.standalone ? ' to a standalone server' : ''}${forced ? ' (forced)' : ''}`,
      changes: true,
      plan(state): StepPlan<PromoteData> {
        const servers = state.data.postgres?.servers ?? []
        const target = servers.find((s) => s.region === toRegion)
        if (!target) return {summary: 'no server', changes: [], verdicts: [], problems: [`The runbook names no PostgreSQL server in ${toRegion} (estate.data.postgres.servers).`]}
        if (target.role === UNKNOWN) return {summary: `${target.name} not read`, changes: [], verdicts: [], problems: [`${target.name} could not be read (${notSeenIn(state, 'postgres', [toRegion]).join('; ') || 'unknown'}), so azfail cannot tell whether it is a replica to promote.`]}
        if (unknownValue(target.role, POSTGRES_ROLES)) return {summary: `${target.name}'s role is unknown`, changes: [], verdicts: [], problems: [`${target.name}'s replication role is unknown value '${target.role}' (Azure documents ${POSTGRES_ROLES.join(', ')}), so azfail cannot tell whether it is a replica to promote.`]}
        if (!isReplica(target.role)) return {summary: `${target.name} is ${target.role}`, changes: [], verdicts: [], done: `${target.name} is already ${target.role}`}
        const primary = servers.find((s) => s.role === 'Primary')
        const leaving = servers.filter((s) => s.region !== toRegion).map((s) => s.region)
        const unseen = notSeenIn(state, 'postgres', leaving)
        return {
          summary: `${mode === 'Standalone' ? `promote ${target.name} to a standalone server (${option})` : `switch over to ${target.name} (${option})`}${unseen.length > 0 ? `; not read: ${unseen.join('; ')}` : ''}`,
          changes: [
            {what: `PostgreSQL ${target.name}`, from: target.role, to: mode === 'Standalone' ? 'None (standalone)' : 'Primary'},
            ...(primary && mode === 'Switchover' ? [{what: `PostgreSQL ${primary.name}`, from: 'Primary', to: target.role}] : []),
          ],
          verdicts: forced ? [] : [leavingRegionObserved(state, `switchover to ${target.name}`, leaving), replicaHealthy(state, toRegion, maxLagSeconds(ctx.estate.data.postgres?.maxReplicationLag))],
          data: {...(target.subscription ? {subscription: target.subscription} : {}), resourceGroup: target.resourceGroup, name: target.name, option, mode, ...(target.fqdn ? {fqdn: target.fqdn} : {}), ...(forced && unseen.length > 0 ? {unseen} : {}), ...(idleState(target.state) ? {idle: true} : {})},
        }
      },
      project(state) {
        const s = copyState(state)
        const pg = s.data.postgres!
        const target = pg.servers.find((x) => x.region === toRegion)!
        if (mode === 'Switchover') {
          for (const server of pg.servers) if (server.role === 'Primary') Object.assign(server, {role: target.role, replicationState: 'Active'})
        }
        Object.assign(target, {role: mode === 'Standalone' ? 'None' : 'Primary', replicationState: undefined, replicationLagSeconds: undefined})
        pg.primaryRegion = toRegion
        return s
      },
      async apply(plan, rt) {
        const d = plan.data
        const before = await rpoBefore(ctx, toRegion, d, rt)
        rt.progress(`${d.option} ${d.mode === 'Standalone' ? 'standalone promotion' : 'switchover'} of ${d.name} (long-running)`)
        await promotePostgresReplica(ctx.clients, d, {mode: d.mode, option: d.option, idle: d.idle})
        const done = `${d.name} is ${d.mode === 'Standalone' ? 'a standalone primary' : 'primary'} (${d.option.toLowerCase()} ${d.mode === 'Standalone' ? 'promotion' : 'switchover'})`
        const rpo = await rpoAfter(ctx, toRegion, d, before, rt)
        return {message: `${done}; ${describeRpo(rpo)}${describeNotSeen(d.unseen)}`, rpo}
      },
    }
  },
}
