// failoverCosmos: make the region the Cosmos DB account's write region by changing failover priorities.
import {changeCosmosWriteRegion} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {normalizeLocation} from '../estate/predicates.ts'
import {copyState} from '../estate/state.ts'
import {type StepKind, need} from './context.ts'

interface CosmosData {
  order: string[]
}

export const failoverCosmos: StepKind<CosmosData> = {
  kind: 'failoverCosmos',
  summary: "make the region the Cosmos DB account's write region by changing failover priorities",
  defaults: {'promote-cosmos': 1},
  reads: {data: true},
  permissions: [{action: 'Microsoft.DocumentDB/databaseAccounts/failoverPriorityChange/action'}],
  create(ctx, params) {
    const toRegion = need(params.to, {kind: 'failoverCosmos', action: params.action}, 'a target region')
    return {
      id: 'failoverCosmos',
      kind: 'failoverCosmos',
      title: `Move the Cosmos DB write region to ${toRegion}`,
      changes: true,
      plan(state): StepPlan<CosmosData> {
        const spec = ctx.estate.data.cosmos
        const cosmos = state.data.cosmos
        const location = normalizeLocation(ctx.estate.regions[toRegion]?.location ?? '')
        const target = cosmos?.locations.find((l) => normalizeLocation(l.name) === location)
        if (!spec || !cosmos || !target) return {summary: 'no account', changes: [], verdicts: [], problems: [`The Cosmos DB account has no location for ${toRegion} (${location}).`]}
        if (cosmos.writeRegion === toRegion) return {summary: 'already the write region', changes: [], verdicts: [], done: `${toRegion} is already the write region of ${cosmos.account}`}
        const order = [target.name, ...cosmos.locations.filter((l) => l !== target).sort((a, b) => a.failoverPriority - b.failoverPriority).map((l) => l.name)]
        return {
          summary: `${cosmos.account} write region: ${cosmos.writeRegion ?? '?'} -> ${toRegion}`,
          changes: [{what: `Cosmos DB ${cosmos.account} write region`, from: cosmos.writeRegion ?? '?', to: toRegion}],
          verdicts: [],
          data: {order},
        }
      },
      project(state) {
        const s = copyState(state)
        if (s.data.cosmos) s.data.cosmos.writeRegion = toRegion
        return s
      },
      async apply(plan, rt) {
        rt.progress('changing failover priorities (long-running)')
        await changeCosmosWriteRegion(ctx.clients, ctx.estate.data.cosmos!, plan.data.order)
        return `write region is ${toRegion}`
      },
    }
  },
}
