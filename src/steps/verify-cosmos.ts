// verifyCosmos: after the write region moves, the account writes where it was asked to, and every region still
// resolves the account's names to its OWN private IPs (seed 001: one privatelink zone per region).
import type {StepPlan} from '../engine/types.ts'
import {describeUnobserved, isUnreachable, unobservedOf} from '../estate/predicates.ts'
import {type StepKind, configured, need, promotionRegion} from './context.ts'

const isCosmosName = (name: string) => /\.documents\.azure\.(com|us|cn)$/i.test(name)

interface CosmosData {
  checked: number
  /** the regions whose resolver gave no answer: not verified, never an answer */
  silent: string[]
}

export const verifyCosmos: StepKind<CosmosData> = {
  kind: 'verifyCosmos',
  summary: "check that Cosmos DB writes in the region asked for and that every region resolves the account's names to its own private IPs",
  lane: 'cosmos',
  defaults: {'promote-cosmos': 2, failover: 11, failback: 10},
  applies: configured('cosmos'),
  reads: {data: true, resolution: true},
  permissions: [],
  create(_ctx, params) {
    const toRegion = need(promotionRegion(params, 'cosmos'), {kind: 'verifyCosmos', action: params.action}, 'a target region')
    return {
      id: 'verifyCosmos',
      kind: 'verifyCosmos',
      title: `Verify Cosmos DB writes in ${toRegion} and every region resolves it locally`,
      changes: false,
      plan(state): StepPlan<CosmosData> {
        const cosmos = state.data.cosmos
        const unread = unobservedOf(state, 'cosmos')
        const names = Object.values(state.regions).flatMap((r) => r.names.filter((n) => isCosmosName(n.name)).map((n) => ({region: r.region, resolver: r.resolver, ...n})))
        const answered = names.filter((n) => !isUnreachable(n))
        const silent = [...new Set(names.filter(isUnreachable).map((n) => n.region))].map((region) => {
          const n = names.find((x) => x.region === region)!
          return `${n.via ? `${region}'s vantage ${n.via}` : `${region}'s resolver ${n.resolver}`} gave no answer (${n.detail ?? 'no reply'}), so whether ${region} resolves Cosmos DB's names to its own private IPs is unknown`
        })
        const problems = [
          ...(unread.length > 0
            ? [`Where Cosmos DB ${cosmos?.account ?? ''} writes is unknown: ${unread.map(describeUnobserved).join('; ')}.`]
            : cosmos?.writeRegion === toRegion
              ? []
              : [`Cosmos DB ${cosmos?.account ?? '(no account)'} writes in ${cosmos?.writeRegion ?? 'no known region'}, not ${toRegion}.`]),
          ...answered.filter((n) => !n.ok).map((n) => `${n.region} resolves ${n.name} to ${n.addresses.join(',') || n.outcome}, not its own ${n.expected}.`),
        ]
        return {
          summary: `${cosmos?.account ?? 'Cosmos DB'} writes in ${toRegion}; ${answered.length} per-region names resolve locally${silent.length > 0 ? `; ${silent.length} region(s) not verified` : ''}`,
          changes: [],
          verdicts: [],
          ...(problems.length > 0 ? {problems} : {}),
          data: {checked: answered.length, silent},
        }
      },
      async apply(plan) {
        const {checked, silent} = plan.data
        return {message: `writes in ${toRegion}; ${checked} per-region names resolve to their own private IPs${silent.length > 0 ? `; NOT VERIFIED: ${silent.length} region(s) gave no answer` : ''}`, notVerified: silent}
      },
    }
  },
}
