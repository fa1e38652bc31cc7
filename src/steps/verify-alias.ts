// verifyCname, verifyListener: in every region, an alias (the CNAME, a failover-group listener) must resolve to the
// same private address as the name it should now lead to. Resolvers may hold the old answer for its TTL, so it asks
// again until the TTL has passed before calling it a failure.
import {setTimeout as sleep} from 'node:timers/promises'
import {resolveName, resolverFor} from '../azure/resolve.ts'
import {Interrupted} from '../engine/run.ts'
import type {StepPlan} from '../engine/types.ts'
import type {LiveState} from '../estate/state.ts'
import {StepError} from '../errors.ts'
import type {LiveStep, StepContext, StepKind} from './context.ts'

interface AliasSpec {
  id: string
  title: string
  alias: string
  /** the name the alias must lead to, computed from (projected) state */
  canonical(state: LiveState): string | undefined
  /** seconds an old answer may be cached */
  ttl(state: LiveState): number
}

interface AliasData {
  canonical: string
  deadlineSeconds: number
}

function verifyAlias(ctx: StepContext, spec: AliasSpec): LiveStep<AliasData> {
  return {
    id: spec.id,
    kind: spec.id,
    title: spec.title,
    changes: false,
    plan(state): StepPlan<AliasData> {
      const canonical = spec.canonical(state)
      if (!canonical) return {summary: spec.alias, changes: [], verdicts: [], problems: [`Cannot tell what ${spec.alias} should lead to.`]}
      return {
        summary: `every region resolves ${spec.alias} to the address of ${canonical}`,
        changes: [],
        verdicts: [],
        data: {canonical, deadlineSeconds: spec.ttl(state) + 5},
      }
    },
    async apply(plan, rt) {
      const {canonical, deadlineSeconds} = plan.data
      const deadline = ctx.now() + deadlineSeconds * 1000
      for (;;) {
        const wrong: string[] = []
        for (const [region, server] of Object.entries(ctx.resolvers)) {
          const r = resolverFor(server)
          const [alias, target] = await Promise.all([resolveName(r, spec.alias), resolveName(r, canonical)])
          const same = alias.addresses.length > 0 && alias.addresses.join() === target.addresses.join()
          if (!same) wrong.push(`${region}: ${spec.alias} -> ${alias.addresses.join(',') || alias.outcome}, ${canonical} -> ${target.addresses.join(',') || target.outcome}`)
        }
        if (wrong.length === 0) return `every region resolves ${spec.alias} to ${canonical}'s address`
        if (ctx.now() > deadline) throw new StepError('VerificationFailed', `after ${deadlineSeconds}s, ${wrong.join('; ')}`)
        rt.progress(`waiting for resolvers: ${wrong.join('; ')}`)
        try {
          await sleep(1000, undefined, {signal: rt.signal})
        } catch {
          throw new Interrupted()
        }
      }
    },
  }
}

export const verifyCname: StepKind<AliasData> = {
  kind: 'verifyCname',
  summary: 'check over DNS that every region resolves the CNAME to the new primary, waiting out its TTL',
  defaults: {'promote-replica': 3, repoint: 2},
  reads: {data: true},
  permissions: [],
  create(ctx) {
    const spec = ctx.estate.cname
    return verifyAlias(ctx, {
      id: 'verifyCname',
      title: 'Verify every region resolves the CNAME to the new primary',
      alias: spec ? `${spec.name}.${spec.zone}` : '',
      canonical: (s) => s.cname?.target ?? undefined,
      ttl: (s) => s.cname?.ttl ?? 30,
    })
  },
}

export const verifyListener: StepKind<AliasData> = {
  kind: 'verifyListener',
  summary: "check over DNS that every region resolves the failover group's listener to the new primary",
  defaults: {'promote-failover-group': 2},
  reads: {data: true},
  permissions: [],
  create(ctx) {
    const fog = ctx.estate.data.sqlFailoverGroup
    return verifyAlias(ctx, {
      id: 'verifyListener',
      title: 'Verify every region resolves the failover-group listener to the new primary',
      alias: `${fog?.name}.database.windows.net`,
      canonical: (s) => {
        const primary = s.data.sqlFailoverGroup?.servers.find((x) => x.role === 'Primary')
        return primary ? `${primary.name}.database.windows.net` : undefined
      },
      ttl: () => 30,
    })
  },
}
