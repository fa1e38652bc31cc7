// The writes azfail makes to Azure, one function per change. Steps call these; nothing else writes.
import pRetry from 'p-retry'
import {AzureError, StepError} from '../errors.ts'
import type {EndpointDefinition} from '../estate/state.ts'
import type {Estate, Located, ResourceRef} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'

const BUSY = ['Updating', 'Creating', 'Deleting', 'Starting', 'Stopping', 'InProgress']

/**
 * Whether a resource's provisioning state as read says no operation is in flight on it: a step that read it so just
 * before writes without reading it again (settled below). An unknown or missing state is not idle.
 */
export const idleState = (state: string | undefined): boolean => Boolean(state) && state !== 'Unknown' && !BUSY.includes(state!)
const SETTLE_TIMEOUT_MS = 10 * 60_000
/** Waiting out an operation already in flight on a resource: look again every second, for up to ten minutes. */
const EVERY_SECOND_UNTIL_SETTLED = {retries: Number.POSITIVE_INFINITY, factor: 1, minTimeout: 1000, maxRetryTime: SETTLE_TIMEOUT_MS}

/**
 * Reads a resource until no operation is in flight on it (a run killed mid-write leaves one), so a resumed run
 * sees what that operation did instead of colliding with it (409 AnotherOperationInProgress). A failed read is not
 * retried here: the SDK's own policy has retried it already.
 */
async function settled<T>(read: () => Promise<T>, busy: (r: T) => boolean, what: string): Promise<T> {
  const stillBusy = new StepError('StillInProgress', `${what} still has an operation in progress after ${SETTLE_TIMEOUT_MS / 60_000} minutes.`)
  return pRetry(
    async () => {
      const r = await read()
      if (busy(r)) throw stillBusy
      return r
    },
    {...EVERY_SECOND_UNTIL_SETTLED, shouldRetry: ({error}) => error === stillBusy},
  )
}

/** Runs one write; a terminal failure names the resource and ARM's error code (the SDK's LRO errors carry them in text). */
async function write<T>(resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error: any) {
    if (error instanceof StepError || error instanceof AzureError || error?.name === 'AbortError') throw error
    const lro = /^The long-running operation has failed\. ([\w.]+)\. ([\s\S]*)$/.exec(error?.message ?? '')
    const code: string = lro?.[1] ?? error?.code ?? (error?.statusCode ? `HTTP${error.statusCode}` : 'AzureError')
    const message = lro?.[2] ?? String(error?.message ?? error).split('\n')[0]
    throw new AzureError(code, `${resource}: ${code}: ${message}`, {cause: error, statusCode: error?.statusCode})
  }
}

export async function setTrafficManagerEndpoint(estate: Estate, clients: Clients, region: string, status: 'Enabled' | 'Disabled'): Promise<void> {
  const spec = estate.steering.trafficManager!
  const client = await clients.for(spec.subscription).trafficManager()
  await write(`Traffic Manager endpoint ${spec.profile}/${spec.endpoints[region]}`, () =>
    client.endpoints.update(spec.resourceGroup, spec.profile, spec.endpointType, spec.endpoints[region], {endpointStatus: status}),
  )
}

/** `idle`: the step's read just before found the origin in another state with no operation in flight: no read again. */
export async function setFrontDoorOrigin(estate: Estate, clients: Clients, region: string, enabledState: 'Enabled' | 'Disabled', o: {idle?: boolean} = {}): Promise<void> {
  const spec = estate.steering.frontDoor!
  const client = await clients.for(spec.subscription).frontDoor()
  const what = `Front Door origin ${spec.profile}/${spec.originGroup}/${spec.origins[region]}`
  if (!o.idle) {
    const now = await settled(() => client.afdOrigins.get(spec.resourceGroup, spec.profile, spec.originGroup, spec.origins[region]), (x) => BUSY.includes(x.provisioningState ?? ''), what)
    if (now.enabledState === enabledState) return
  }
  await write(what, () => client.afdOrigins.beginUpdateAndWait(spec.resourceGroup, spec.profile, spec.originGroup, spec.origins[region], {enabledState}))
}

/** `how.idle`: the step's read just before found the server a replica with no operation in flight: no read again. */
export async function promotePostgresReplica(clients: Clients, server: ResourceRef, how: {mode: 'Switchover' | 'Standalone'; option: 'Planned' | 'Forced'; idle?: boolean}): Promise<void> {
  const client = await clients.for(server.subscription).postgres()
  const what = `PostgreSQL flexible server ${server.resourceGroup}/${server.name}`
  if (!how.idle) {
    const now = await settled(() => client.servers.get(server.resourceGroup, server.name), (s) => BUSY.includes(s.state ?? ''), what)
    if (now.replica?.role === 'Primary' || now.replica?.role === 'None') return
  }
  await write(what, () =>
    client.servers.beginUpdateAndWait(server.resourceGroup, server.name, {replica: {promoteMode: how.mode, promoteOption: how.option}}),
  )
}

/** A long-running operation an attempt started, so that a resumed attempt follows it instead of starting it again. */
export interface LroCheckpoint {
  /** the poller state an earlier attempt recorded */
  resumeFrom?: string
  /** called with the poller state as soon as the operation is accepted */
  started(state: string): void
}

export async function failOverSqlGroup(clients: Clients, toServer: ResourceRef, group: string, allowDataLoss: boolean, lro: LroCheckpoint): Promise<void> {
  const client = await clients.for(toServer.subscription).sql()
  const what = `SQL failover group ${toServer.name}/${group}`
  const begin = (options: {resumeFrom?: string} = {}) =>
    allowDataLoss
      ? client.failoverGroups.beginForceFailoverAllowDataLoss(toServer.resourceGroup, toServer.name, group, options)
      : client.failoverGroups.beginFailover(toServer.resourceGroup, toServer.name, group, options)
  if (lro.resumeFrom) {
    // An earlier attempt's failover may still be running: follow it to its end rather than ask for another.
    await begin({resumeFrom: lro.resumeFrom})
      .then((poller) => poller.pollUntilDone())
      .catch(() => {}) // failed or forgotten: the role below says whether it happened
  }
  await pRetry(
    async () => {
      if ((await client.failoverGroups.get(toServer.resourceGroup, toServer.name, group)).replicationRole === 'Primary') return
      await write(what, async () => {
        const poller = await begin()
        lro.started(poller.toString())
        return poller.pollUntilDone()
      })
    },
    // A failover already in flight that no checkpoint knew of (409): wait for it, then see whether it did the job.
    {...EVERY_SECOND_UNTIL_SETTLED, shouldRetry: ({error}) => error instanceof AzureError && error.statusCode === 409},
  )
}

export async function changeCosmosWriteRegion(clients: Clients, account: Located & {account: string}, order: string[]): Promise<void> {
  const client = await clients.for(account.subscription).cosmos()
  const what = `Cosmos DB account ${account.resourceGroup}/${account.account}`
  const now = await settled(() => client.databaseAccounts.get(account.resourceGroup, account.account), (a) => BUSY.includes(a.provisioningState ?? ''), what)
  if ((now.writeLocations?.[0]?.locationName ?? '').toLowerCase() === order[0].toLowerCase()) return
  await write(what, async () => {
    await client.databaseAccounts.failoverPriorityChange(account.resourceGroup, account.account, {
      failoverPolicies: order.map((locationName, failoverPriority) => ({locationName, failoverPriority})),
    })
  })
}

/**
 * Takes the account's write region offline: Cosmos DB's forced ("ungraceful") failover, which moves writes to the
 * region of the next failover priority without asking the region that is down (POST …/offlineRegion, long-running).
 * Nothing is done when `location` no longer writes (an earlier attempt's offline already moved the writes).
 */
export async function offlineCosmosRegion(clients: Clients, account: Located & {account: string}, location: string, signal?: AbortSignal): Promise<void> {
  const client = await clients.for(account.subscription).cosmos()
  const what = `Cosmos DB account ${account.resourceGroup}/${account.account}`
  const now = await client.databaseAccounts.get(account.resourceGroup, account.account, {abortSignal: signal})
  if ((now.writeLocations?.[0]?.locationName ?? '').toLowerCase() !== location.toLowerCase()) return
  await write(what, () => client.databaseAccounts.beginOfflineRegionAndWait(account.resourceGroup, account.account, {region: location}, {abortSignal: signal}))
}

/** Points the CNAME at `target`, only if it is still the record set the plan read (If-Match on its etag). */
export async function repointCname(estate: Estate, clients: Clients, target: string, ttl: number, etag: string | undefined): Promise<void> {
  const spec = estate.cname!
  const client = await clients.for(spec.subscription).privateDns()
  await write(`CNAME ${spec.name}.${spec.zone}`, () =>
    client.recordSets.createOrUpdate(spec.resourceGroup, spec.zone, 'CNAME', spec.name, {ttl, cnameRecord: {cname: target}}, etag ? {ifMatch: etag} : {ifNoneMatch: '*'}),
  )
}

export async function deletePrivateEndpoint(clients: Clients, ref: ResourceRef): Promise<void> {
  const client = await clients.for(ref.subscription).network()
  const what = `private endpoint ${ref.resourceGroup}/${ref.name}`
  const gone = async () => {
    try {
      return await client.privateEndpoints.get(ref.resourceGroup, ref.name)
    } catch (error: any) {
      if (error.statusCode === 404) return undefined
      throw error
    }
  }
  if (!(await settled(gone, (pe) => pe?.provisioningState === 'Deleting', what))) return
  await write(what, async () => {
    await client.privateEndpoints.delete(ref.resourceGroup, ref.name)
  })
}

/** A private endpoint and its zone groups as they stand, enough to create them again (undefined when it is gone). */
export async function describePrivateEndpoint(clients: Clients, ref: ResourceRef): Promise<EndpointDefinition | undefined> {
  const client = await clients.for(ref.subscription).network()
  let pe
  try {
    pe = await client.privateEndpoints.get(ref.resourceGroup, ref.name)
  } catch (error: any) {
    if (error.statusCode === 404) return undefined
    throw error
  }
  const connections = (list: typeof pe.privateLinkServiceConnections) =>
    (list ?? []).map((c) => ({
      name: c.name ?? '',
      privateLinkServiceId: c.privateLinkServiceId ?? '',
      groupIds: c.groupIds ?? [],
      ...(c.requestMessage ? {requestMessage: c.requestMessage} : {}),
    }))
  const zoneGroups: EndpointDefinition['zoneGroups'] = []
  for await (const group of client.privateDnsZoneGroups.list(ref.resourceGroup, ref.name)) {
    zoneGroups.push({name: group.name ?? 'default', configs: (group.privateDnsZoneConfigs ?? []).map((c) => ({name: c.name ?? '', privateDnsZoneId: c.privateDnsZoneId ?? ''}))})
  }
  const manual = connections(pe.manualPrivateLinkServiceConnections)
  return {
    ...(ref.subscription ? {subscription: ref.subscription} : {}),
    resourceGroup: ref.resourceGroup,
    name: ref.name,
    location: pe.location ?? '',
    subnetId: pe.subnet?.id ?? '',
    privateLinkServiceConnections: connections(pe.privateLinkServiceConnections),
    ...(manual.length > 0 ? {manualPrivateLinkServiceConnections: manual} : {}),
    customDnsConfigs: (pe.customDnsConfigs ?? []).map((c) => ({fqdn: c.fqdn ?? '', ipAddresses: c.ipAddresses ?? []})),
    zoneGroups,
  }
}

/**
 * Creates a private endpoint again from its recorded definition (PUT, long-running), then its private DNS zone groups
 * (PUT, long-running), which write its records into the zones. What already exists is left as it is.
 */
export async function recreatePrivateEndpoint(clients: Clients, def: EndpointDefinition): Promise<void> {
  const client = await clients.for(def.subscription).network()
  const what = `private endpoint ${def.resourceGroup}/${def.name}`
  const found = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read()
    } catch (error: any) {
      if (error.statusCode === 404) return undefined
      throw error
    }
  }
  const now = await settled(() => found(() => client.privateEndpoints.get(def.resourceGroup, def.name)), (pe) => BUSY.includes(pe?.provisioningState ?? ''), what)
  if (!now || now.provisioningState === 'Failed') {
    const connections = (list: EndpointDefinition['privateLinkServiceConnections'] = []) =>
      list.map((c) => ({name: c.name, privateLinkServiceId: c.privateLinkServiceId, groupIds: c.groupIds, ...(c.requestMessage ? {requestMessage: c.requestMessage} : {})}))
    await write(what, () =>
      client.privateEndpoints.beginCreateOrUpdateAndWait(def.resourceGroup, def.name, {
        location: def.location,
        subnet: {id: def.subnetId},
        privateLinkServiceConnections: connections(def.privateLinkServiceConnections),
        manualPrivateLinkServiceConnections: connections(def.manualPrivateLinkServiceConnections),
        customDnsConfigs: def.customDnsConfigs,
      }),
    )
  }
  for (const group of def.zoneGroups) {
    const gwhat = `private DNS zone group ${def.name}/${group.name}`
    const existing = await settled(
      () => found(() => client.privateDnsZoneGroups.get(def.resourceGroup, def.name, group.name)),
      (g) => BUSY.includes(g?.provisioningState ?? ''),
      gwhat,
    )
    if (existing && existing.provisioningState !== 'Failed') continue
    await write(gwhat, () =>
      client.privateDnsZoneGroups.beginCreateOrUpdateAndWait(def.resourceGroup, def.name, group.name, {
        privateDnsZoneConfigs: group.configs.map((c) => ({name: c.name, privateDnsZoneId: c.privateDnsZoneId})),
      }),
    )
  }
}

/** Overwrites the addresses of an A record set (practice runs use it to plant a stale record). */
export async function setARecord(clients: Clients, zone: Located & {zone: string}, name: string, ips: string[]): Promise<void> {
  const dns = await clients.for(zone.subscription).privateDns()
  await write(`A record ${name}.${zone.zone}`, () => dns.recordSets.update(zone.resourceGroup, zone.zone, 'A', name, {aRecords: ips.map((ipv4Address) => ({ipv4Address}))}))
}
