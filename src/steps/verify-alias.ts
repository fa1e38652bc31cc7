// verifyAlias: in every region, an alias (the CNAME, a failover-group listener) must resolve to the same private
// address as the name it should now lead to. Resolvers may hold the old answer for its TTL, so it asks again until
// the TTL has passed before calling it a failure.
import {setTimeout as sleep} from 'node:timers/promises'
import {resolveName, resolverFor} from '../azure/resolve.ts'
import {Interrupted} from '../engine/run.ts'
import type {StepPlan} from '../engine/types.ts'
import type {LiveState} from '../azure/observe.ts'
import type {LiveStep, StepContext} from './context.ts'

export interface AliasSpec {
  id: string
  title: string
  alias: string
  /** the name the alias must lead to, computed from (projected) state */
  canonical(state: LiveState): string | undefined
  /** seconds an old answer may be cached */
  ttl(state: LiveState): number
}

export function verifyAlias(ctx: StepContext, spec: AliasSpec): LiveStep {
  return {
    id: spec.id,
    kind: 'verifyAlias',
    title: spec.title,
    changes: false,
    plan(state): StepPlan {
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
      const {canonical, deadlineSeconds} = plan.data as {canonical: string; deadlineSeconds: number}
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
        if (ctx.now() > deadline) throw Object.assign(new Error(`after ${deadlineSeconds}s, ${wrong.join('; ')}`), {code: 'VerificationFailed'})
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
