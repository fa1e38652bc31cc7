// recreateEndpoints (restore): create again the private endpoints a teardown deleted, from the definitions it recorded in
// Azure (`_azfail-teardown-<region>`), then their private DNS zone groups, which write the region's records back; the
// region-healthy guard on the next step verifies the region resolves its own IPs. Clears the record once done.
import {recreatePrivateEndpoint} from '../azure/actions.ts'
import {clearTeardownRecord} from '../azure/state-records.ts'
import type {StepPlan} from '../engine/types.ts'
import {type EndpointDefinition, copyState} from '../estate/state.ts'
import {type StepKind, need} from './context.ts'

const PARALLEL = 4

interface RecreateData {
  endpoints: EndpointDefinition[]
  /** clear the teardown record once every endpoint is back */
  record: boolean
}

const key = (e: {resourceGroup: string; name: string}) => `${e.resourceGroup}/${e.name}`.toLowerCase()

export const recreateEndpoints: StepKind<RecreateData> = {
  kind: 'recreateEndpoints',
  summary: "re-create the private endpoints and zone groups a teardown recorded in Azure, so the region's records reappear, and clear the teardown record",
  defaults: {restore: 0, failback: 0},
  reads: {endpoints: true, resolution: true},
  permissions: [
    {action: 'Microsoft.Network/privateEndpoints/write'},
    {action: 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write'},
    {action: 'Microsoft.Network/privateDnsZones/join/action', when: 'on the zones its zone groups write to'},
    {action: 'Microsoft.Network/virtualNetworks/subnets/join/action', when: "on the endpoints' subnets"},
    {action: 'Microsoft.Network/privateDnsZones/TXT/delete', when: 'the teardown record, on the state zone'},
  ],
  create(ctx, params) {
    const region = need(params.region, {kind: 'recreateEndpoints', action: params.action}, 'a region')
    return {
      id: 'recreateEndpoints',
      kind: 'recreateEndpoints',
      title: `Re-create ${region}'s private endpoints`,
      changes: true,
      plan(state): StepPlan<RecreateData> {
        const r = state.regions[region]
        const endpoints = r?.endpoints ?? []
        const record = r?.teardown
        const toCreate = (record?.endpoints ?? []).filter((d) => !endpoints.find((e) => key(e) === key(d))?.exists)
        const unrecorded = endpoints.filter((e) => !e.exists && !toCreate.some((d) => key(d) === key(e)))
        if (toCreate.length === 0 && !record) {
          const done =
            unrecorded.length > 0
              ? `no teardown record for ${region}: nothing to re-create ${unrecorded.map((e) => e.name).join(', ')} from`
              : endpoints.length > 0
                ? `every one of ${region}'s ${endpoints.length} private endpoints exists`
                : `the runbook lists no private endpoints for ${region}`
          return {summary: 'nothing to re-create', changes: [], verdicts: [], done}
        }
        const changes = toCreate.map((d) => ({
          what: `private endpoint ${d.resourceGroup}/${d.name}`,
          from: 'missing',
          to: `re-created (${d.customDnsConfigs.map((c) => `${c.fqdn} ${c.ipAddresses.join(',')}`).join('; ') || 'no DNS configs'}; zone groups ${d.zoneGroups.map((g) => g.name).join(', ') || 'none'})`,
        }))
        if (record) changes.push({what: `teardown record for ${region}`, from: record.at, to: 'removed'})
        return {
          summary: toCreate.length > 0 ? `re-create ${toCreate.length} private endpoints: ${toCreate.map((d) => d.name).join(', ')}` : `clear ${region}'s teardown record`,
          changes,
          verdicts: [],
          data: {endpoints: toCreate, record: Boolean(record)},
        }
      },
      project(state, plan) {
        const s = copyState(state)
        const r = s.regions[region]
        const created = plan.data?.endpoints ?? []
        for (const e of r?.endpoints ?? []) {
          if (created.some((d) => key(d) === key(e))) Object.assign(e, {exists: true, provisioningState: 'Succeeded'})
        }
        const ips = new Set(created.flatMap((d) => d.customDnsConfigs.flatMap((c) => c.ipAddresses)))
        if (r) {
          r.names = r.names.map((n) => (!n.ok && ips.has(n.expected) ? {...n, addresses: [n.expected], outcome: 'NOERROR', ok: true} : n))
          delete r.teardown
        }
        return s
      },
      async apply(plan, rt) {
        const queue = [...plan.data.endpoints]
        let created = 0
        const total = queue.length
        await Promise.all(
          Array.from({length: Math.min(PARALLEL, queue.length)}, async () => {
            for (let def = queue.shift(); def; def = queue.shift()) {
              await recreatePrivateEndpoint(ctx.clients, def)
              created++
              rt.progress(`${created}/${total} re-created (last: ${def.name})`)
            }
          }),
        )
        if (plan.data.record) await clearTeardownRecord(ctx.estate, ctx.clients, region)
        return `re-created ${created} private endpoints and their zone groups${plan.data.record ? `; cleared _azfail-teardown-${region}` : ''}`
      },
    }
  },
}
