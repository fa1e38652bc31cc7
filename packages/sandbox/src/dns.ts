// One resolver per region, on its own loopback address, answering as Azure's platform resolver (168.63.129.16) in
// that region's virtual network would: private zones linked to the network first (authoritative for their names),
// then the public CNAME chain of the PaaS name, each record with its record set's TTL.
import dgram from 'node:dgram'
import net from 'node:net'
import * as dnsPacket from 'dns-packet'
import {type ArmResource, type World, getResource, key, resourcesOfType} from './world.ts'

export type RecordType = 'A' | 'CNAME' | 'TXT'

export interface Resolution {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL'
  answers: Array<{name: string; type: RecordType; ttl: number; data: string | string[]}>
}

const RCODE = {NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4} as const
const MAX_CHAIN = 16

const trimDot = (s: string) => s.toLowerCase().replace(/\.$/, '')

/** Private DNS zones linked to any virtual network of the region. */
export function linkedZones(world: World, region: string): ArmResource[] {
  const vnets = new Set((world.regions[region]?.virtualNetworks ?? []).map(key))
  const links = resourcesOfType(world, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks').filter((l) => vnets.has(key(l.properties.virtualNetwork?.id ?? '')))
  const zones = new Map<string, ArmResource>()
  for (const link of links) {
    const zone = getResource(world, link.id.replace(/\/virtualNetworkLinks\/[^/]+$/i, ''))
    if (zone) zones.set(key(zone.id), zone)
  }
  return [...zones.values()]
}

/** Public answers Azure computes: Traffic Manager profiles and SQL failover-group listeners. */
function dynamicPublic(world: World, region: string, name: string): {cname: string; ttl: number} | 'nxdomain' | undefined {
  for (const profile of resourcesOfType(world, 'Microsoft.Network/trafficManagerProfiles')) {
    if (trimDot(profile.properties.dnsConfig?.fqdn ?? '') !== name) continue
    if (profile.properties.profileStatus === 'Disabled') return 'nxdomain'
    const endpoints = Object.values(world.resources)
      .filter((e) => e.type.startsWith('Microsoft.Network/trafficManagerProfiles/') && key(e.id).startsWith(key(profile.id) + '/'))
      .filter((e) => e.properties.endpointStatus === 'Enabled' && e.properties.target)
    if (endpoints.length === 0) return 'nxdomain'
    const healthy = endpoints.filter((e) => !['Degraded', 'Stopped'].includes(e.properties.endpointMonitorStatus))
    const pool = healthy.length > 0 ? healthy : endpoints
    const local = world.regions[region]?.displayName.toLowerCase()
    const chosen =
      (profile.properties.trafficRoutingMethod === 'Performance' && pool.find((e) => String(e.properties.endpointLocation ?? '').toLowerCase() === local)) ||
      [...pool].sort((a, b) => (a.properties.priority ?? 0) - (b.properties.priority ?? 0))[0]
    return {cname: chosen.properties.target, ttl: profile.properties.dnsConfig?.ttl ?? 60}
  }
  for (const fog of resourcesOfType(world, 'Microsoft.Sql/servers/failoverGroups')) {
    const n = fog.name.toLowerCase()
    const which = name === `${n}.database.windows.net` ? 'primaryId' : name === `${n}.secondary.database.windows.net` ? 'secondaryId' : undefined
    if (!which) continue
    const server = getResource(world, fog.sandbox?.[which] ?? '')
    if (server) return {cname: server.properties.fullyQualifiedDomainName, ttl: 30}
  }
  return undefined
}

export function resolveInRegion(world: World, region: string, qname: string, qtype: RecordType): Resolution {
  const zones = linkedZones(world, region).sort((a, b) => b.name.length - a.name.length)
  const answers: Resolution['answers'] = []
  let name = trimDot(qname)
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const zone = zones.find((z) => name === z.name.toLowerCase() || name.endsWith('.' + z.name.toLowerCase()))
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
    const dynamic = dynamicPublic(world, region, name)
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

/** The answer to a query, and the UDP payload size its sender accepts; nothing for bytes too short to carry an id. */
function respond(query: Buffer, world: () => World, region: string): {answer: dnsPacket.Packet; udpPayloadSize: number} | undefined {
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
  if (!question) return {answer: {...base, flags: flags | RCODE.FORMERR}, udpPayloadSize}
  if (!['A', 'CNAME', 'TXT'].includes(question.type)) {
    // Other types: answer the CNAME chain with no data, as a resolver would for a name with no such record.
    const r = resolveInRegion(world(), region, question.name, 'A')
    const chain = r.answers.filter((a) => a.type === 'CNAME')
    return {answer: {...base, flags: flags | RCODE[r.rcode], answers: chain.map(toAnswer)}, udpPayloadSize}
  }
  const r = resolveInRegion(world(), region, question.name, question.type as RecordType)
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
export async function startResolver(region: string, address: string, world: () => World, port = 0): Promise<ResolverHandle> {
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
      serveTcp(socket, world, region)
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
      const reply = respond(msg, world, region)
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
function serveTcp(socket: net.Socket, world: () => World, region: string): void {
  let buffer = Buffer.alloc(0)
  socket.setTimeout(10_000, () => socket.destroy())
  socket.on('error', () => socket.destroy())
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk])
    while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
      const end = 2 + buffer.readUInt16BE(0)
      const reply = respond(buffer.subarray(2, end), world, region)
      buffer = buffer.subarray(end)
      if (reply) socket.write(dnsPacket.streamEncode(reply.answer))
    }
  })
}
