// repointCname: point the private-DNS CNAME the applications use at the new primary, with If-Match on the etag the
// plan read, and never at a server that is still a read-only replica.
import {repointCname as writeCname} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {isReplica, privateFqdn, sameName} from '../estate/predicates.ts'
import {copyState} from '../estate/state.ts'
import {StepError, describeUnreachable, unreachableEndpoint} from '../errors.ts'
import {promoteBeforeRepoint} from '../guards/guards.ts'
import {type StepKind, configured, need, promotionRegion} from './context.ts'

interface RepointData {
  target: string
  etag?: string
  ttl: number
  /** where the CNAME points now, and that server's role: what applications reach if the write fails */
  from?: {target: string; server?: string; role?: string}
}

/** What applications reach through the CNAME while the repoint has not happened. */
function stillLeadsTo(fqdn: string, from: RepointData['from']): string {
  if (!from) return `${fqdn} has no target, so applications using it cannot connect`
  if (!from.server) return `${fqdn} still points at ${from.target}`
  return isReplica(from.role)
    ? `${fqdn} still points at ${from.target} (${from.server}, now a read-only replica: ${from.role}), so applications using it cannot write`
    : `${fqdn} still points at ${from.target} (${from.server}, ${from.role})`
}

export const repointCname: StepKind<RepointData> = {
  kind: 'repointCname',
  summary: 'point the private-DNS CNAME the applications use at the new primary, with If-Match on the etag read (promote-before-repoint)',
  lane: 'postgres',
  defaults: {'promote-replica': 2, repoint: 1, failover: 5, failback: 4},
  applies: configured('cname'),
  reads: {data: true},
  permissions: [{action: 'Microsoft.Network/privateDnsZones/CNAME/write'}],
  create(ctx, params) {
    const toRegion = need(promotionRegion(params, 'postgres'), {kind: 'repointCname', action: params.action}, 'a target region')
    return {
      id: 'repointCname',
      kind: 'repointCname',
      title: `Repoint the CNAME at ${toRegion}`,
      changes: true,
      plan(state): StepPlan<RepointData> {
        const spec = ctx.estate.cname
        const server = state.data.postgres?.servers.find((s) => s.region === toRegion)
        if (!spec || !server) {
          return {summary: 'no CNAME', changes: [], verdicts: [], problems: [`The runbook needs estate.cname and a PostgreSQL server in ${toRegion} to repoint.`]}
        }
        const target = privateFqdn(server, spec.zone)
        const current = state.cname?.target
        if (sameName(current, target)) return {summary: 'already pointing there', changes: [], verdicts: [], done: `${state.cname!.fqdn} already points at ${target}`}
        const old = state.data.postgres?.servers.find((s) => current && sameName(privateFqdn(s, spec.zone), current))
        return {
          summary: `${state.cname?.fqdn}: ${current ?? '(missing)'} -> ${target}`,
          changes: [{what: `CNAME ${state.cname?.fqdn ?? `${spec.name}.${spec.zone}`}`, from: current ?? '(missing)', to: target}],
          verdicts: [promoteBeforeRepoint(state, toRegion)],
          data: {target, etag: state.cname?.etag, ttl: state.cname?.ttl ?? 30, ...(current ? {from: {target: current, ...(old ? {server: old.name, role: old.role} : {})}} : {})},
        }
      },
      project(state, plan) {
        const s = copyState(state)
        s.cname = {...(s.cname ?? {fqdn: ''}), target: plan.data!.target, targetRegion: toRegion}
        return s
      },
      async apply(plan, rt) {
        const d = plan.data
        rt.progress(`writing CNAME -> ${d.target} (If-Match ${d.etag ?? 'none: creating'})`)
        try {
          await writeCname(ctx.estate, ctx.clients, d.target, d.ttl, d.etag)
        } catch (error: any) {
          const fqdn = `${ctx.estate.cname!.name}.${ctx.estate.cname!.zone}`
          const unreachable = unreachableEndpoint(error)
          const why =
            error.statusCode === 412
              ? `the CNAME changed since it was read (etag ${d.etag}), so nothing was written`
              : unreachable
                ? describeUnreachable(unreachable)
                : String(error.message ?? error).split('\n')[0].replace(/\.+$/, '')
          throw new StepError(error.statusCode === 412 ? 'PreconditionFailed' : (error.code ?? 'RepointFailed'), `${stillLeadsTo(fqdn, d.from)}. Pointing it at ${d.target} failed: ${why}.`, {
            cause: error,
            hint: `Point it at the new primary: 'azfail repoint --to ${toRegion}' (it plans against the CNAME's current value), or 'azfail resume ${rt.runId}' to continue this run from the repoint.`,
          })
        }
        return `CNAME now points at ${d.target}`
      },
    }
  },
}
