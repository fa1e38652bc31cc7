// The writes azfail makes to Azure, one function per change. Steps call these; nothing else writes.
import type {Estate, ResourceRef} from '../runbook/schema.ts'
import type {Clients} from './clients.ts'

export async function setTrafficManagerEndpoint(estate: Estate, clients: Clients, region: string, status: 'Enabled' | 'Disabled'): Promise<void> {
  const spec = estate.steering.trafficManager!
  const client = await clients.trafficManager()
  await client.endpoints.update(spec.resourceGroup, spec.profile, spec.endpointType, spec.endpoints[region], {endpointStatus: status})
}

export async function setFrontDoorOrigin(estate: Estate, clients: Clients, region: string, enabledState: 'Enabled' | 'Disabled'): Promise<void> {
  const spec = estate.steering.frontDoor!
  const client = await clients.frontDoor()
  await client.afdOrigins.beginUpdateAndWait(spec.resourceGroup, spec.profile, spec.originGroup, spec.origins[region], {enabledState})
}

export async function promotePostgresReplica(clients: Clients, server: ResourceRef, option: 'Planned' | 'Forced'): Promise<void> {
  const client = await clients.postgres()
  await client.servers.beginUpdateAndWait(server.resourceGroup, server.name, {replica: {promoteMode: 'Switchover', promoteOption: option}})
}

export async function failOverSqlGroup(clients: Clients, toServer: ResourceRef, group: string, allowDataLoss: boolean): Promise<void> {
  const client = await clients.sql()
  if (allowDataLoss) await client.failoverGroups.beginForceFailoverAllowDataLossAndWait(toServer.resourceGroup, toServer.name, group)
  else await client.failoverGroups.beginFailoverAndWait(toServer.resourceGroup, toServer.name, group)
}

export async function changeCosmosWriteRegion(clients: Clients, account: {resourceGroup: string; account: string}, order: string[]): Promise<void> {
  const client = await clients.cosmos()
  await client.databaseAccounts.failoverPriorityChange(account.resourceGroup, account.account, {
    failoverPolicies: order.map((locationName, failoverPriority) => ({locationName, failoverPriority})),
  })
}

/** Points the CNAME at `target`, only if it is still the record set the plan read (If-Match on its etag). */
export async function repointCname(estate: Estate, clients: Clients, target: string, ttl: number, etag: string | undefined): Promise<void> {
  const spec = estate.cname!
  const client = await clients.privateDns()
  await client.recordSets.createOrUpdate(spec.resourceGroup, spec.zone, 'CNAME', spec.name, {ttl, cnameRecord: {cname: target}}, etag ? {ifMatch: etag} : {ifNoneMatch: '*'})
}

export async function deletePrivateEndpoint(clients: Clients, ref: ResourceRef): Promise<void> {
  const client = await clients.network()
  await client.privateEndpoints.delete(ref.resourceGroup, ref.name)
}
