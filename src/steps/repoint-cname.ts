// repointCname: point the private-DNS CNAME the applications use at the new primary, with If-Match on the etag the
// plan read, and never at a server that is still a read-only replica.
import {privateFqdn} from '../azure/observe.ts'
import {repointCname as writeCname} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {StepError} from '../errors.ts'
import {promoteBeforeRepoint} from '../guards/guards.ts'
import {type LiveStep, type StepContext, copy} from './context.ts'

const bare = (n: string | undefined) => (n ?? '').toLowerCase().replace(/\.$/, '')

export function repointCname(ctx: StepContext, toRegion: string): LiveStep {
  return {
    id: 'repointCname',
    kind: 'repointCname',
    title: `Repoint the CNAME at ${toRegion}`,
    changes: true,
    plan(state): StepPlan {
      const spec = ctx.estate.cname
      const server = state.data.postgres?.servers.find((s) => s.region === toRegion)
      if (!spec || !server) {
        return {summary: 'no CNAME', changes: [], verdicts: [], problems: [`The runbook needs estate.cname and a PostgreSQL server in ${toRegion} to repoint.`]}
      }
      const target = privateFqdn(server, ctx.estate)
      const current = state.cname?.target
      if (bare(current) === bare(target)) return {summary: 'already pointing there', changes: [], verdicts: [], done: `${state.cname!.fqdn} already points at ${target}`}
      return {
        summary: `${state.cname?.fqdn}: ${current ?? '(missing)'} -> ${target}`,
        changes: [{what: `CNAME ${state.cname?.fqdn ?? `${spec.name}.${spec.zone}`}`, from: current ?? '(missing)', to: target}],
        verdicts: [promoteBeforeRepoint(state, toRegion)],
        data: {target, etag: state.cname?.etag, ttl: state.cname?.ttl ?? 30},
      }
    },
    project(state, plan) {
      const s = copy(state)
      s.cname = {...(s.cname ?? {fqdn: ''}), target: plan.data!.target as string, targetRegion: toRegion}
      return s
    },
    async apply(plan, rt) {
      const d = plan.data as {target: string; etag?: string; ttl: number}
      rt.progress(`writing CNAME -> ${d.target} (If-Match ${d.etag ?? 'none: creating'})`)
      try {
        await writeCname(ctx.estate, ctx.clients, d.target, d.ttl, d.etag)
      } catch (error: any) {
        if (error.statusCode !== 412) throw error
        throw new StepError('PreconditionFailed', `The CNAME changed since it was read (etag ${d.etag}); nothing was written. Re-run to plan against its new value.`)
      }
      return `CNAME now points at ${d.target}`
    },
  }
}
