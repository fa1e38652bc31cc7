// One resolver per region, on its own loopback address, answering as Azure's platform resolver (168.63.129.16) in
// that region's virtual network would: private zones linked to the network first (authoritative for their names),
// then the public CNAME chain of the PaaS name, each record with its record set's TTL.
import dgram from 'node:dgram'
import net from 'node:net'
import * as dnsPacket from 'dns-packet'
import {resolverOutage} from './outage.ts'
import {type ArmResource, type World, getResource, key} from './world.ts'

export type RecordType = 'A' | 'CNAME' | 'TXT'

export interface Resolution {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL'
  answers: Array<{name: string; type: RecordType; ttl: number; data: string | string[]}>
}

const RCODE = {NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5} as const
const MAX_CHAIN = 16

const trimDot = (s: string) => s.toLowerCase().replace(/\.$/, '')

/**
 * The world's names as the resolvers look them up, built once per change of the world instead of scanned per query:
 * each region's linked private zones by name, Traffic Manager profiles by their DNS name with their endpoints, and
 * failover-group listener names. Record sets and public records are already keyed by id and name in the world.
 */
export interface NameIndex {
  world: World
  /** per region: linked zone name (lower case) → the zone; the first link wins for a name, as the zones' order did */
  zones: Map<string, Map<string, ArmResource>>
  /** profile FQDN → the first profile with that name and its endpoints */
  trafficManager: Map<string, {profile: ArmResource; endpoints: ArmResource[]}>
  /** listener FQDN → the failover group and which of its servers the name follows */
  listeners: Map<string, {fog: ArmResource; which: 'primaryId' | 'secondaryId'}>
}

const TM_PROFILE = 'microsoft.network/trafficmanagerprofiles'

function indexNames(world: World): NameIndex {
  const zones = new Map<string, Map<string, ArmResource>>()
  const regionsOfVnet = new Map<string, string[]>()
  for (const [region, info] of Object.entries(world.regions)) {
    zones.set(region, new Map())
    for (const v of info.virtualNetworks ?? []) regionsOfVnet.set(key(v), [...(regionsOfVnet.get(key(v)) ?? []), region])
  }
  const trafficManager: NameIndex['trafficManager'] = new Map()
  const endpointsOf = new Map<string, ArmResource[]>()
  const listeners: NameIndex['listeners'] = new Map()
  const links: ArmResource[] = []
  for (const r of Object.values(world.resources)) {
    const type = r.type.toLowerCase()
    if (type === 'microsoft.network/privatednszones/virtualnetworklinks') links.push(r)
    else if (type === TM_PROFILE) {
      const fqdn = trimDot(r.properties.dnsConfig?.fqdn ?? '')
      if (!trafficManager.has(fqdn)) trafficManager.set(fqdn, {profile: r, endpoints: []})
    } else if (r.type.startsWith('Microsoft.Network/trafficManagerProfiles/')) {
      // an endpoint's id is its profile's id and `/{endpointType}/{name}`
      const profile = key(r.id).split('/').slice(0, -2).join('/')
      endpointsOf.set(profile, [...(endpointsOf.get(profile) ?? []), r])
    } else if (type === 'microsoft.sql/servers/failovergroups') {
      const n = r.name.toLowerCase()
      if (!listeners.has(`${n}.database.windows.net`)) listeners.set(`${n}.database.windows.net`, {fog: r, which: 'primaryId'})
      if (!listeners.has(`${n}.secondary.database.windows.net`)) listeners.set(`${n}.secondary.database.windows.net`, {fog: r, which: 'secondaryId'})
    }
  }
  for (const entry of trafficManager.values()) entry.endpoints = endpointsOf.get(key(entry.profile.id)) ?? []
  for (const link of links) {
    const zone = getResource(world, link.id.replace(/\/virtualNetworkLinks\/[^/]+$/i, ''))
    if (!zone) continue
    for (const region of regionsOfVnet.get(key(link.properties.virtualNetwork?.id ?? '')) ?? []) {
      const byName = zones.get(region)!
      if (!byName.has(zone.name.toLowerCase())) byName.set(zone.name.toLowerCase(), zone)
    }
  }
  return {world, zones, trafficManager, listeners}
}

/** The index of the world as it is now, rebuilt only when the store's revision says the world changed. */
export function currentNames(world: () => World, revision: () => number): () => NameIndex {
  let index: NameIndex | undefined
  let at = -1
  return () => {
    const w = world() // completes due operations first, which saves and so moves the revision
    const r = revision()
    if (!index || index.world !== w || r !== at) {
      index = indexNames(w)
      at = r
    }
    return index
  }
}

/** The longest linked zone the name is in or under: the suffixes of the name, longest first. */
function zoneOf(zones: Map<string, ArmResource> | undefined, name: string): ArmResource | undefined {
  if (!zones || zones.size === 0) return undefined
  for (let suffix = name; ; ) {
    const zone = zones.get(suffix)
    if (zone) return zone
    const dot = suffix.indexOf('.')
    if (dot === -1) return undefined
    suffix = suffix.slice(dot + 1)
  }
}

/** Public answers Azure computes: Traffic Manager profiles and SQL failover-group listeners. */
function dynamicPublic(index: NameIndex, region: string, name: string): {cname: string; ttl: number} | 'nxdomain' | undefined {
  const {world} = index
  const tm = index.trafficManager.get(name)
  if (tm) {
    const {profile} = tm
    if (profile.properties.profileStatus === 'Disabled') return 'nxdomain'
    const endpoints = tm.endpoints.filter((e) => e.properties.endpointStatus === 'Enabled' && e.properties.target)
    if (endpoints.length === 0) return 'nxdomain'
    const healthy = endpoints.filter((e) => !['Degraded', 'Stopped'].includes(e.properties.endpointMonitorStatus))
    const pool = healthy.length > 0 ? healthy : endpoints
    const local = world.regions[region]?.displayName.toLowerCase()
    const chosen =
      (profile.properties.trafficRoutingMethod === 'Performance' && pool.find((e) => String(e.properties.endpointLocation ?? '').toLowerCase() === local)) ||
      [...pool].sort((a, b) => (a.properties.priority ?? 0) - (b.properties.priority ?? 0))[0]
    return {cname: chosen.properties.target, ttl: profile.properties.dnsConfig?.ttl ?? 60}
  }
  const listener = index.listeners.get(name)
  if (listener) {
    const server = getResource(world, listener.fog.sandbox?.[listener.which] ?? '')
    if (server) return {cname: server.properties.fullyQualifiedDomainName, ttl: 30}
  }
  return undefined
}

export function resolveInRegion(index: NameIndex, region: string, qname: string, qtype: RecordType): Resolution {
  const {world} = index
  const zones = index.zones.get(region)
  const answers: Resolution['answers'] = []
  let name = trimDot(qname)
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const zone = zoneOf(zones, name)
    if (zone) {
      const rel = name === zone.name.toLowerCase() ? '@' : name.slice(0, -(zone.name.length + 1))
      const at = (t: string) => getResource(world, `${zone.id}/${t}/${rel}`)
      const cname = at('CNAME')
      if (cname && qtype !== 'CNAME') {
        const target = trimDot(cname.properties.cnameRecord.cname)
        answers.push({name, type: 'CNAME', ttl: cname.properties.ttl, data: target})
        name = target
        continue
      }
      const set = at(qtype)
      if (set) {
        if (qtype === 'A') for (const a of set.properties.aRecords ?? []) answers.push({name, type: 'A', ttl: set.properties.ttl, data: a.ipv4Address})
        if (qtype === 'CNAME') answers.push({name, type: 'CNAME', ttl: set.properties.ttl, data: trimDot(set.properties.cnameRecord.cname)})
        if (qtype === 'TXT') for (const t of set.properties.txtRecords ?? []) answers.push({name, type: 'TXT', ttl: set.properties.ttl, data: t.value})
        return {rcode: 'NOERROR', answers}
      }
      const exists = ['A', 'CNAME', 'TXT', 'SOA'].some((t) => at(t))
      return {rcode: exists ? 'NOERROR' : 'NXDOMAIN', answers}
    }
    const dynamic = dynamicPublic(index, region, name)
    if (dynamic === 'nxdomain') return {rcode: 'NXDOMAIN', answers}
    const pub = dynamic ?? world.publicDns[name]
    if (!pub) return {rcode: 'NXDOMAIN', answers}
    if ('cname' in pub && pub.cname) {
      if (qtype === 'CNAME') {
        answers.push({name, type: 'CNAME', ttl: pub.ttl, data: trimDot(pub.cname)})
        return {rcode: 'NOERROR', answers}
      }
      answers.push({name, type: 'CNAME', ttl: pub.ttl, data: trimDot(pub.cname)})
      name = trimDot(pub.cname)
      continue
    }
    if (qtype === 'A') for (const ip of ('a' in pub && pub.a) || []) answers.push({name, type: 'A', ttl: pub.ttl, data: ip})
    return {rcode: 'NOERROR', answers}
  }
  return {rcode: 'SERVFAIL', answers}
}

/**
 * The answer to a query, and the UDP payload size its sender accepts; nothing for bytes too short to carry an id, and
 * nothing while the region's resolver is down and silent (a refusing one answers REFUSED).
 */
function respond(query: Buffer, names: () => NameIndex, region: string): {answer: dnsPacket.Packet; udpPayloadSize: number} | undefined {
  const index = names()
  const outage = resolverOutage(index.world, region)
  if (outage === 'silent') return undefined
  let request: dnsPacket.Packet
  try {
    request = dnsPacket.decode(query)
  } catch {
    if (query.length < 2) return undefined
    return {answer: {type: 'response', id: query.readUInt16BE(0), flags: RCODE.FORMERR}, udpPayloadSize: 512}
  }
  const edns = request.additionals?.find((a) => a.type === 'OPT') as {udpPayloadSize?: number} | undefined
  const udpPayloadSize = Math.max(512, edns?.udpPayloadSize ?? 512)
  const question = request.questions?.[0]
  const base = {type: 'response' as const, id: request.id ?? 0, questions: request.questions ?? []}
  const rd = (request.flags ?? 0) & dnsPacket.RECURSION_DESIRED
  const flags = rd | dnsPacket.RECURSION_AVAILABLE
  if (outage === 'refuse') return {answer: {...base, flags: flags | RCODE.REFUSED}, udpPayloadSize}
  if (!question) return {answer: {...base, flags: flags | RCODE.FORMERR}, udpPayloadSize}
  if (!['A', 'CNAME', 'TXT'].includes(question.type)) {
    // Other types: answer the CNAME chain with no data, as a resolver would for a name with no such record.
    const r = resolveInRegion(index, region, question.name, 'A')
    const chain = r.answers.filter((a) => a.type === 'CNAME')
    return {answer: {...base, flags: flags | RCODE[r.rcode], answers: chain.map(toAnswer)}, udpPayloadSize}
  }
  const r = resolveInRegion(index, region, question.name, question.type as RecordType)
  return {answer: {...base, flags: flags | RCODE[r.rcode], answers: r.answers.map(toAnswer)}, udpPayloadSize}
}

/** The answer as one datagram: one too large for the sender is replaced by an empty one with TC set, to retry over TCP. */
function datagram({answer, udpPayloadSize}: {answer: dnsPacket.Packet; udpPayloadSize: number}): Buffer {
  const out = dnsPacket.encode(answer)
  return out.length > udpPayloadSize ? dnsPacket.encode({...answer, answers: [], flags: (answer.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE}) : out
}

function toAnswer(a: Resolution['answers'][number]): dnsPacket.Answer {
  if (a.type === 'TXT') return {name: a.name, type: 'TXT', ttl: a.ttl, class: 'IN', data: a.data as string[]}
  return {name: a.name, type: a.type, ttl: a.ttl, class: 'IN', data: a.data as string}
}

export interface ResolverHandle {
  region: string
  address: string
  port: number
  close(): Promise<void>
}

/** Starts UDP and TCP listeners on the same port of the region's loopback address. */
export async function startResolver(region: string, address: string, names: () => NameIndex, port = 0): Promise<ResolverHandle> {
  if (!address.startsWith('127.')) throw new Error(`refusing to listen on ${address}: the sandbox's resolvers listen on 127.0.0.0/8 only`)
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind({address, port: attempt === 0 ? port : 0}, () => resolve())
    })
    const bound = udp.address().port
    const open = new Set<net.Socket>()
    const tcp = net.createServer((socket) => {
      open.add(socket)
      socket.on('close', () => open.delete(socket))
      serveTcp(socket, names, region)
    })
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject)
        tcp.listen({host: address, port: bound}, () => resolve())
      })
    } catch (error) {
      udp.close()
      if (attempt < 5 && port === 0) continue
      throw error
    }
    udp.on('message', (msg, rinfo) => {
      const reply = respond(msg, names, region)
      if (reply) udp.send(datagram(reply), rinfo.port, rinfo.address)
    })
    udp.on('error', () => {})
    return {
      region,
      address,
      port: bound,
      close: () =>
        new Promise<void>((resolve) => {
          udp.close()
          tcp.close(() => resolve())
          for (const s of open) s.destroy()
        }),
    }
  }
}

/**
 * DNS over TCP: each message is preceded by its 2-byte length (RFC 1035 4.2.2); one chunk may carry several, or a
 * part of one. dns-packet frames the answers (streamEncode). Queries are split here by that length: streamDecode
 * would decode past the frame's end into the next query, and a malformed query must still be answered FORMERR.
 */
function serveTcp(socket: net.Socket, names: () => NameIndex, region: string): void {
  let buffer = Buffer.alloc(0)
  socket.setTimeout(10_000, () => socket.destroy())
  socket.on('error', () => socket.destroy())
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk])
    while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
      const end = 2 + buffer.readUInt16BE(0)
      const reply = respond(buffer.subarray(2, end), names, region)
      buffer = buffer.subarray(end)
      if (reply) socket.write(dnsPacket.streamEncode(reply.answer))
    }
  })
}
