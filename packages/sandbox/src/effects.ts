// What a completed long-running operation does to the world, as Azure documents it.
import {etag, recordSet} from './estate.ts'
import {type ArmResource, type Effect, type World, childrenOf, deleteResource, getResource, key, locationKey, mergePatch, putResource, resourcesOfType} from './world.ts'

export function applyEffect(world: World, effect: Effect): void {
  switch (effect.kind) {
    case 'mergeProperties': {
      const r = must(world, effect.id)
      r.properties = {...mergePatch(r.properties, effect.properties), ...effect.settled}
      if (effect.sku) r.sku = mergePatch(r.sku, effect.sku)
      if (effect.tags) r.tags = {...effect.tags}
      return
    }
    case 'deletePrivateEndpoint': {
      for (const group of childrenOf(world, effect.id, 'privateDnsZoneGroups')) reapZoneGroup(world, group)
      deleteResource(world, effect.id)
      return
    }
    case 'deleteZoneGroup': {
      const group = getResource(world, effect.id)
      if (group) reapZoneGroup(world, group)
      deleteResource(world, effect.id)
      return
    }
    case 'writeZoneGroup': {
      const group = must(world, effect.id)
      writeZoneGroup(world, group)
      group.properties.provisioningState = 'Succeeded'
      return
    }
    case 'promoteReplica':
      promoteReplica(world, effect)
      return
    case 'deleteServer': {
      const server = getResource(world, effect.id)
      if (server?.sandbox?.address) world.settings.postgresAddresses = {...world.settings.postgresAddresses, [server.name.toLowerCase()]: server.sandbox.address}
      deleteResource(world, effect.id)
      return
    }
    case 'failoverGroup': {
      const fog = must(world, effect.id)
      const {primaryId, secondaryId} = fog.sandbox as {primaryId: string; secondaryId: string}
      if (key(effect.toServerId) === key(secondaryId)) fog.sandbox = {primaryId: secondaryId, secondaryId: primaryId}
      fog.properties.replicationState = effect.allowDataLoss ? 'SEEDING' : 'CATCH_UP'
      return
    }
    case 'cosmosFailoverPriority': {
      const account = must(world, effect.id)
      const priority = new Map(effect.policies.map((p) => [locationKey(p.locationName), p.failoverPriority]))
      const locations = (account.properties.locations as any[])
        .map((l) => ({...l, failoverPriority: priority.get(locationKey(l.locationName))}))
        .sort((a, b) => a.failoverPriority - b.failoverPriority)
      account.properties.locations = locations
      account.properties.readLocations = locations
      account.properties.writeLocations = [locations[0]]
      account.properties.failoverPolicies = locations.map((l) => ({id: l.id, locationName: l.locationName, failoverPriority: l.failoverPriority}))
      account.properties.provisioningState = 'Succeeded'
      return
    }
  }
}

/** Removes what a private DNS zone group wrote: its IPs from each record set, and a record set left empty. */
export function reapZoneGroup(world: World, group: ArmResource): void {
  for (const config of group.properties.privateDnsZoneConfigs ?? []) {
    const zoneId: string = config.properties?.privateDnsZoneId
    for (const rs of config.properties?.recordSets ?? []) {
      const id = `${zoneId}/${rs.recordType}/${rs.recordSetName}`
      const record = getResource(world, id)
      if (!record) continue
      const written = new Set<string>(rs.ipAddresses ?? [])
      const left = (record.properties.aRecords ?? []).filter((a: any) => !written.has(a.ipv4Address))
      if (left.length === 0) {
        deleteResource(world, id)
      } else {
        record.properties.aRecords = left
        record.etag = etag()
      }
    }
    recountZone(world, zoneId)
  }
}

/** Writes what a private DNS zone group holds into its zones: its IPs added to each A record set, created when missing. */
export function writeZoneGroup(world: World, group: ArmResource): void {
  for (const config of group.properties.privateDnsZoneConfigs ?? []) {
    const zone = getResource(world, config.properties?.privateDnsZoneId ?? '')
    if (!zone) continue
    for (const rs of config.properties?.recordSets ?? []) {
      const ips: string[] = rs.ipAddresses ?? []
      const record = getResource(world, `${zone.id}/${rs.recordType}/${rs.recordSetName}`)
      if (!record) {
        putResource(world, recordSet(zone.id, zone.name, 'A', rs.recordSetName, rs.ttl ?? 10, {aRecords: ips.map((ipv4Address) => ({ipv4Address}))}))
        continue
      }
      const have = new Set((record.properties.aRecords ?? []).map((a: any) => a.ipv4Address))
      record.properties.aRecords = [...(record.properties.aRecords ?? []), ...ips.filter((ip) => !have.has(ip)).map((ipv4Address) => ({ipv4Address}))]
      record.etag = etag()
    }
    recountZone(world, zone.id)
  }
}

export function recountZone(world: World, zoneId: string): void {
  const zone = getResource(world, zoneId)
  if (!zone) return
  const prefix = key(zoneId) + '/'
  const kids = Object.keys(world.resources).filter((k) => k.startsWith(prefix))
  zone.properties.numberOfRecordSets = kids.filter((k) => !k.includes('/virtualnetworklinks/')).length
}

function promoteReplica(world: World, effect: Extract<Effect, {kind: 'promoteReplica'}>): void {
  const replica = must(world, effect.id)
  const sourceId: string | undefined = replica.properties.sourceServerResourceId
  const source = sourceId ? getResource(world, sourceId) : undefined
  replica.properties.state = 'Ready'
  // For the real servers behind it: how to promote (planned waits for the standby to replay all its primary wrote).
  if (replica.sandbox?.address) {
    replica.sandbox.promotion = effect.option
    delete replica.sandbox.replicationPaused
  }
  if (effect.mode === 'Standalone' || !source) {
    // Azure's examples show a server just promoted to standalone with no replica capacity yet.
    setRole(replica, 'None', undefined, 0)
    if (source) {
      const others = resourcesOfType(world, replica.type).filter((s) => s !== replica && key(s.properties.sourceServerResourceId ?? '') === key(source.id))
      if (others.length === 0) setRole(source, 'None', undefined)
    }
    return
  }
  // Switchover: the replica becomes the primary and the old primary its replica.
  const crossRegion = locationKey(replica.location ?? '') !== locationKey(source.location ?? '')
  setRole(replica, 'Primary', undefined)
  setRole(source, crossRegion ? 'GeoAsyncReplica' : 'AsyncReplica', replica.id)
  source.properties.state = 'Ready'
  for (const other of resourcesOfType(world, replica.type)) {
    if (other !== source && key(other.properties.sourceServerResourceId ?? '') === key(source.id)) other.properties.sourceServerResourceId = replica.id
  }
}

function setRole(server: ArmResource, role: string, sourceId: string | undefined, capacity = role === 'Primary' || role === 'None' ? 5 : 0): void {
  const replica = role === 'Primary' || role === 'None' ? {role, capacity} : {role, capacity, replicationState: 'Active'}
  server.properties.replica = replica
  server.properties.replicationRole = role
  server.properties.replicaCapacity = replica.capacity
  if (sourceId) server.properties.sourceServerResourceId = sourceId
  else delete server.properties.sourceServerResourceId
}

function must(world: World, id: string): ArmResource {
  const r = getResource(world, id)
  if (!r) throw new Error(`resource ${id} vanished during its operation`)
  return r
}
