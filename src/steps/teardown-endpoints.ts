// teardownEndpoints: delete the region's private endpoints (and with them the records their zone groups wrote), only
// once the region is drained at every steering layer and the TTL window has passed, and only if no surviving region
// still resolves one of those records. Before it deletes anything it records each endpoint's definition and its zone
// groups in Azure (the `_azfail-teardown-<region>` TXT record set), so `restore` can create them again from any machine.
import {deletePrivateEndpoint, describePrivateEndpoint} from '../azure/actions.ts'
import {readTeardownRecord, writeTeardownRecord} from '../azure/state-records.ts'
import type {StepPlan} from '../engine/types.ts'
import {copyState} from '../estate/state.ts'
import {drainedBeforeTeardown, noSurvivorDependency} from '../guards/guards.ts'
import type {ResourceRef} from '../runbook/estate.ts'
import {type StepKind, need} from './context.ts'

const PARALLEL = 4

interface TeardownData {
  endpoints: ResourceRef[]
}

export const teardownEndpoints: StepKind<TeardownData> = {
  kind: 'teardownEndpoints',
  summary: "record the region's private endpoints and zone groups in Azure, then delete them and with them their zone-group records, guarded (drained-before-teardown, no-survivor-dependency)",
  defaults: {teardown: 1},
  reads: {endpoints: true, resolution: true},
  permissions: [
    {action: 'Microsoft.Network/privateEndpoints/delete'},
    {action: 'Microsoft.Network/privateDnsZones/join/action', when: 'on the zones its zone groups wrote to'},
    {action: 'Microsoft.Network/privateDnsZones/TXT/write', when: 'the teardown record, on the state zone'},
  ],
  create(ctx, params) {
    const region = need(params.region, {kind: 'teardownEndpoints', action: params.action}, 'a region')
    return {
      id: 'teardownEndpoints',
      kind: 'teardownEndpoints',
      title: `Tear down ${region}'s private endpoints`,
      changes: true,
      plan(state): StepPlan<TeardownData> {
        const endpoints = state.regions[region]?.endpoints ?? []
        const existing = endpoints.filter((e) => e.exists)
        if (existing.length === 0) {
          return {summary: 'nothing to delete', changes: [], verdicts: [], done: endpoints.length > 0 ? `none of ${region}'s ${endpoints.length} private endpoints exists` : `the runbook lists no private endpoints for ${region}`}
        }
        return {
          summary: `delete ${existing.length} private endpoints: ${existing.map((e) => e.name).join(', ')}`,
          changes: existing.map((e) => ({what: `private endpoint ${e.resourceGroup}/${e.name}`, from: `exists (${e.records.map((r) => `${r.fqdn} ${r.ips.join(',')}`).join('; ') || 'no records'})`, to: 'deleted'})),
          verdicts: [drainedBeforeTeardown(state, region, ctx.estate.connectionDrainSeconds, ctx.now()), noSurvivorDependency(state, region)],
          data: {endpoints: existing.map((e) => ({...(e.subscription ? {subscription: e.subscription} : {}), resourceGroup: e.resourceGroup, name: e.name}))},
        }
      },
      project(state) {
        const s = copyState(state)
        for (const e of s.regions[region]?.endpoints ?? []) Object.assign(e, {exists: false, records: []})
        return s
      },
      async apply(plan, rt) {
        // What is about to be deleted, recorded first; a record an earlier teardown left keeps what it deleted then.
        const described = await Promise.all(plan.data.endpoints.map((ref) => describePrivateEndpoint(ctx.clients, ref)))
        const now = described.filter((d) => d !== undefined)
        const key = (e: {resourceGroup: string; name: string}) => `${e.resourceGroup}/${e.name}`.toLowerCase()
        const earlier = ((await readTeardownRecord(ctx.estate, ctx.clients, region))?.endpoints ?? []).filter((e) => !now.some((d) => key(d) === key(e)))
        await writeTeardownRecord(ctx.estate, ctx.clients, region, {at: new Date(ctx.stamp()).toISOString(), runId: rt.runId, endpoints: [...earlier, ...now]})
        rt.progress(`recorded ${now.length} private endpoints in _azfail-teardown-${region}`)
        const queue = [...plan.data.endpoints]
        let deleted = 0
        const total = queue.length
        await Promise.all(
          Array.from({length: Math.min(PARALLEL, queue.length)}, async () => {
            for (let ref = queue.shift(); ref; ref = queue.shift()) {
              await deletePrivateEndpoint(ctx.clients, ref)
              deleted++
              rt.progress(`${deleted}/${total} deleted (last: ${ref.name})`)
            }
          }),
        )
        return `deleted ${deleted} private endpoints; their zone-group records went with them (recorded for restore in _azfail-teardown-${region})`
      },
    }
  },
}
