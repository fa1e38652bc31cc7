// The writes azfail makes to Azure, one function per change. Steps call these; nothing else writes.
import {StepError} from '../errors.ts'
import type {Estate, ResourceRef} from '../runbook/schema.ts'
import type {Clients} from './clients.ts'

/** Runs one write; a terminal failure names the resource and ARM's error code (the SDK's LRO errors carry them in text). */
async function write<T>(resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error: any) {
    if (error instanceof StepError || error?.name === 'AbortError') throw error
    const lro = /^The long-running operation has failed\. ([\w.]+)\. ([\s\S]*)$/.exec(error?.message ?? '')
    const code: string = lro?.[1] ?? error?.code ?? (error?.statusCode ? `HTTP${error.statusCode}` : 'AzureError')
    const message = lro?.[2] ?? String(error?.message ?? error).split('\n')[0]
    throw Object.assign(new StepError(code, `${resource}: ${code}: ${message}`, {cause: error}), {statusCode: error?.statusCode})
  }
}

export async function setTrafficManagerEndpoint(estate: Estate, clients: Clients, region: string, status: 'Enabled' | 'Disabled'): Promise<void> {
  const spec = estate.steering.trafficManager!
  const client = await clients.trafficManager()
  await write(`Traffic Manager endpoint ${spec.profile}/${spec.endpoints[region]}`, () =>
    client.endpoints.update(spec.resourceGroup, spec.profile, spec.endpointType, spec.endpoints[region], {endpointStatus: status}),
  )
}

export async function setFrontDoorOrigin(estate: Estate, clients: Clients, region: string, enabledState: 'Enabled' | 'Disabled'): Promise<void> {
  const spec = estate.steering.frontDoor!
  const client = await clients.frontDoor()
  await write(`Front Door origin ${spec.profile}/${spec.originGroup}/${spec.origins[region]}`, () =>
    client.afdOrigins.beginUpdateAndWait(spec.resourceGroup, spec.profile, spec.originGroup, spec.origins[region], {enabledState}),
  )
}

export async function promotePostgresReplica(clients: Clients, server: ResourceRef, option: 'Planned' | 'Forced'): Promise<void> {
  const client = await clients.postgres()
  await write(`PostgreSQL flexible server ${server.resourceGroup}/${server.name}`, () =>
    client.servers.beginUpdateAndWait(server.resourceGroup, server.name, {replica: {promoteMode: 'Switchover', promoteOption: option}}),
  )
}

export async function failOverSqlGroup(clients: Clients, toServer: ResourceRef, group: string, allowDataLoss: boolean): Promise<void> {
  const client = await clients.sql()
  await write(`SQL failover group ${toServer.name}/${group}`, () =>
    allowDataLoss
      ? client.failoverGroups.beginForceFailoverAllowDataLossAndWait(toServer.resourceGroup, toServer.name, group)
      : client.failoverGroups.beginFailoverAndWait(toServer.resourceGroup, toServer.name, group),
  )
}

export async function changeCosmosWriteRegion(clients: Clients, account: {resourceGroup: string; account: string}, order: string[]): Promise<void> {
  const client = await clients.cosmos()
  await write(`Cosmos DB account ${account.resourceGroup}/${account.account}`, async () => {
    await client.databaseAccounts.failoverPriorityChange(account.resourceGroup, account.account, {
      failoverPolicies: order.map((locationName, failoverPriority) => ({locationName, failoverPriority})),
    })
  })
}

/** Points the CNAME at `target`, only if it is still the record set the plan read (If-Match on its etag). */
export async function repointCname(estate: Estate, clients: Clients, target: string, ttl: number, etag: string | undefined): Promise<void> {
  const spec = estate.cname!
  const client = await clients.privateDns()
  await write(`CNAME ${spec.name}.${spec.zone}`, () =>
    client.recordSets.createOrUpdate(spec.resourceGroup, spec.zone, 'CNAME', spec.name, {ttl, cnameRecord: {cname: target}}, etag ? {ifMatch: etag} : {ifNoneMatch: '*'}),
  )
}

export async function deletePrivateEndpoint(clients: Clients, ref: ResourceRef): Promise<void> {
  const client = await clients.network()
  await write(`private endpoint ${ref.resourceGroup}/${ref.name}`, async () => {
    await client.privateEndpoints.delete(ref.resourceGroup, ref.name)
  })
}
