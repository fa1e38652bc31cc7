// failoverCosmos: make the region the Cosmos DB account's write region. Planned, by changing failover priorities
// (no data loss; the write region must answer); forced ("ungraceful", --forced / failover --ungraceful), by taking the
// write region offline, which moves writes to the next failover priority without asking the region that is down
// (seed 001's "offline region").
import {changeCosmosWriteRegion, offlineCosmosRegion} from '../azure/actions.ts'
import type {StepPlan} from '../engine/types.ts'
import {normalizeLocation} from '../estate/predicates.ts'
import {copyState} from '../estate/state.ts'
import {leavingRegionObserved} from '../guards/guards.ts'
import {type StepKind, configured, describeNotSeen, need, notSeenIn, promotionRegion} from './context.ts'

type CosmosData = {forced: false; order: string[]} | {forced: true; offline: string; offlineRegion: string; unseen?: string[]}

export const failoverCosmos: StepKind<CosmosData> = {
  kind: 'failoverCosmos',
  summary: "make the region the Cosmos DB account's write region: by changing failover priorities, or (--forced, failover --ungraceful) by taking the write region offline",
  lane: 'cosmos',
  defaults: {'promote-cosmos': 1, failover: 10, failback: 9},
  applies: configured('cosmos'),
  reads: {data: true},
  permissions: [
    {action: 'Microsoft.DocumentDB/databaseAccounts/failoverPriorityChange/action'},
    {action: 'Microsoft.DocumentDB/databaseAccounts/offlineRegion/action', when: '--forced / --ungraceful'},
  ],
  create(ctx, params) {
    const toRegion = need(promotionRegion(params, 'cosmos'), {kind: 'failoverCosmos', action: params.action}, 'a target region')
    const forced = Boolean(params.forced)
    const keyOf = (name: string) => Object.keys(ctx.estate.regions).find((r) => normalizeLocation(ctx.estate.regions[r].location) === normalizeLocation(name))
    return {
      id: 'failoverCosmos',
      kind: 'failoverCosmos',
      title: `Move the Cosmos DB write region to ${toRegion}${forced ? ' (forced: offline region)' : ''}`,
      changes: true,
      plan(state): StepPlan<CosmosData> {
        const spec = ctx.estate.data.cosmos
        const cosmos = state.data.cosmos
        const location = normalizeLocation(ctx.estate.regions[toRegion]?.location ?? '')
        const target = cosmos?.locations.find((l) => normalizeLocation(l.name) === location)
        if (!spec || !cosmos || !target) return {summary: 'no account', changes: [], verdicts: [], problems: [`The Cosmos DB account has no location for ${toRegion} (${location}).`]}
        if (cosmos.writeRegion === toRegion) return {summary: 'already the write region', changes: [], verdicts: [], done: `${toRegion} is already the write region of ${cosmos.account}`}
        const byPriority = [...cosmos.locations].sort((a, b) => a.failoverPriority - b.failoverPriority)
        const change = {what: `Cosmos DB ${cosmos.account} write region`, from: cosmos.writeRegion ?? '?', to: toRegion}
        if (forced) {
          // The region that is down, as the failover names it, else the write region as read.
          const writing = params.region && params.region !== toRegion ? params.region : cosmos.writeRegion
          const offline = writing ? byPriority.find((l) => keyOf(l.name) === writing) : undefined
          if (!offline) return {summary: 'write region unknown', changes: [], verdicts: [], problems: [`Cannot tell which region of ${cosmos.account} writes, so none can be taken offline; name the region that is down ('azfail failover <region> --ungraceful').`]}
          const next = byPriority.find((l) => l !== offline)
          if (next !== target) {
            return {summary: 'offline moves writes elsewhere', changes: [], verdicts: [], problems: [`Taking ${offline.name} offline moves writes to ${next?.name ?? 'no region'}, the next failover priority, not ${toRegion}; fail over to ${next ? keyOf(next.name) : 'that region'}, or change the priorities while ${offline.name} answers.`]}
          }
          const unseen = notSeenIn(state, 'cosmos', [writing])
          return {
            summary: `${cosmos.account}: take ${offline.name} offline (forced), writes move to ${toRegion}${unseen.length > 0 ? `; not read: ${unseen.join('; ')}` : ''}`,
            changes: [change, {what: `Cosmos DB ${cosmos.account} region ${offline.name}`, from: 'online', to: 'offline'}],
            verdicts: [],
            data: {forced: true, offline: offline.name, offlineRegion: writing!, ...(unseen.length > 0 ? {unseen} : {})},
          }
        }
        const order = [target.name, ...byPriority.filter((l) => l !== target).map((l) => l.name)]
        return {
          summary: `${cosmos.account} write region: ${cosmos.writeRegion ?? '?'} -> ${toRegion}`,
          changes: [change],
          verdicts: cosmos.writeRegion ? [leavingRegionObserved(state, `write-region change of ${cosmos.account}`, [cosmos.writeRegion])] : [],
          data: {forced: false, order},
        }
      },
      project(state) {
        const s = copyState(state)
        if (s.data.cosmos) s.data.cosmos.writeRegion = toRegion
        return s
      },
      async apply(plan, rt) {
        const d = plan.data
        if (d.forced) {
          rt.progress(`taking ${d.offline} offline (long-running)`)
          await offlineCosmosRegion(ctx.clients, ctx.estate.data.cosmos!, d.offline, rt.signal)
          return `${d.offline} is offline; write region is ${toRegion}${describeNotSeen(d.unseen)}`
        }
        rt.progress('changing failover priorities (long-running)')
        await changeCosmosWriteRegion(ctx.clients, ctx.estate.data.cosmos!, d.order)
        return `write region is ${toRegion}`
      },
    }
  },
}
