// verifyCosmos: after the write region moves, the account writes where it was asked to, and every region still
// resolves the account's names to its OWN private IPs (seed 001: one privatelink zone per region).
import type {StepPlan} from '../engine/types.ts'
import {type StepKind, configured, need, promotionRegion} from './context.ts'

const isCosmosName = (name: string) => /\.documents\.azure\.(com|us|cn)$/i.test(name)

export const verifyCosmos: StepKind<{checked: number}> = {
  kind: 'verifyCosmos',
  summary: "check that Cosmos DB writes in the region asked for and that every region resolves the account's names to its own private IPs",
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
      plan(state): StepPlan<{checked: number}> {
        const cosmos = state.data.cosmos
        const names = Object.values(state.regions).flatMap((r) => r.names.filter((n) => isCosmosName(n.name)).map((n) => ({region: r.region, ...n})))
        const problems = [
          ...(cosmos?.writeRegion === toRegion ? [] : [`Cosmos DB ${cosmos?.account ?? '(no account)'} writes in ${cosmos?.writeRegion ?? 'no known region'}, not ${toRegion}.`]),
          ...names.filter((n) => !n.ok).map((n) => `${n.region} resolves ${n.name} to ${n.addresses.join(',') || n.outcome}, not its own ${n.expected}.`),
        ]
        return {
          summary: `${cosmos?.account ?? 'Cosmos DB'} writes in ${toRegion}; ${names.length} per-region names resolve locally`,
          changes: [],
          verdicts: [],
          ...(problems.length > 0 ? {problems} : {}),
          data: {checked: names.length},
        }
      },
      async apply(plan) {
        return `writes in ${toRegion}; ${plan.data.checked} per-region names resolve to their own private IPs`
      },
    }
  },
}
