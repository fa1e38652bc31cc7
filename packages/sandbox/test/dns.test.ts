// The per-region resolvers, queried over the DNS protocol (UDP via c-ares, and raw TCP), against live sandbox state.
import assert from 'node:assert/strict'
import net from 'node:net'
import {after, before, describe, it} from 'node:test'
import * as dnsPacket from 'dns-packet'
import {type TestSandbox, resolveA, startTestSandbox} from './helpers.ts'

function tcpQuery(server: string, name: string, type: 'A' | 'CNAME' | 'TXT' = 'A'): Promise<dnsPacket.Packet & {rcode?: string}> {
  const [host, port] = server.split(':')
  return new Promise((resolve, reject) => {
    const socket = net.connect({host, port: Number(port)})
    const query = dnsPacket.encode({type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{type, name}]})
    const frame = Buffer.alloc(2 + query.length)
    frame.writeUInt16BE(query.length)
    query.copy(frame, 2)
    let buf = Buffer.alloc(0)
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.end()
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))))
      }
    })
    socket.on('error', reject)
    socket.write(frame)
  })
}

describe('sandbox: regional resolvers', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('listen on their own loopback addresses, one per region', () => {
    const r = sb.connection.resolvers
    assert.match(r.eus2, /^127\.0\.10\.1:\d+$/)
    assert.match(r.wus2, /^127\.0\.10\.2:\d+$/)
  })

  it('answer the public CNAME chain and then the private A record, with the record TTL (TCP)', async () => {
    const reply = await tcpQuery(sb.connection.resolvers.eus2, 'kv-app-eus2.vault.azure.net')
    assert.equal(reply.id, 4242)
    assert.equal(reply.rcode, 'NOERROR')
    assert.deepEqual(
      reply.answers?.map((a: any) => [a.type, a.name, a.data, a.ttl]),
      [
        ['CNAME', 'kv-app-eus2.vault.azure.net', 'kv-app-eus2.privatelink.vaultcore.azure.net', 60],
        ['A', 'kv-app-eus2.privatelink.vaultcore.azure.net', '10.20.3.7', 10],
      ],
    )
  })

  it('answer each region from the zones linked to its own network (Cosmos DB: one zone per region)', async () => {
    const eus2 = await resolveA(sb.connection.resolvers.eus2, 'cosmos-app.documents.azure.com')
    const wus2 = await resolveA(sb.connection.resolvers.wus2, 'cosmos-app.documents.azure.com')
    assert.deepEqual(eus2.addresses, ['10.20.4.5'])
    assert.deepEqual(wus2.addresses, ['10.30.4.5'])
    assert.equal(wus2.ttl, 10)
  })

  it('answer NXDOMAIN for a name that is nowhere', async () => {
    const r = await resolveA(sb.connection.resolvers.eus2, 'nothing-here.vault.azure.net')
    assert.equal(r.outcome, 'NXDOMAIN')
    const tcp = await tcpQuery(sb.connection.resolvers.wus2, 'nothing.example')
    assert.equal(tcp.rcode, 'NXDOMAIN')
  })

  it('follow a private CNAME, and a change made through ARM at once, with its TTL', async () => {
    const eus2 = sb.connection.resolvers.eus2
    assert.deepEqual((await resolveA(eus2, 'prod.private.postgres.database.azure.com')).addresses, ['10.20.5.4'])
    const dns = await sb.clients.privateDns()
    const rs = await dns.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'CNAME', 'prod')
    await dns.recordSets.createOrUpdate('rg-connectivity-dns', 'private.postgres.database.azure.com', 'CNAME', 'prod', {ttl: 5, cnameRecord: {cname: 'pg-app-wus2.private.postgres.database.azure.com'}}, {ifMatch: rs.etag})
    const reply = await tcpQuery(sb.connection.resolvers.eus2, 'prod.private.postgres.database.azure.com')
    assert.deepEqual(reply.answers?.map((a: any) => [a.type, a.data, a.ttl]), [
      ['CNAME', 'pg-app-wus2.private.postgres.database.azure.com', 5],
      ['A', '10.30.5.4', 10],
    ])
  })

  it('steer the Traffic Manager name to the local endpoint, and away from a disabled one', async () => {
    const before = await tcpQuery(sb.connection.resolvers.eus2, 'tm-app.trafficmanager.net')
    assert.deepEqual(before.answers?.map((a: any) => [a.type, a.data, a.ttl]), [
      ['CNAME', 'app-eus2.azurewebsites.net', 10],
      ['A', '203.0.113.20', 60],
    ])
    const tm = await sb.clients.trafficManager()
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'})
    const after = await tcpQuery(sb.connection.resolvers.eus2, 'tm-app.trafficmanager.net')
    assert.equal((after.answers?.[0] as any).data, 'app-wus2.azurewebsites.net')
    await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
  })

  it('send the failover-group listener to the current primary', async () => {
    const eus2 = sb.connection.resolvers.eus2
    assert.deepEqual((await resolveA(eus2, 'app-fog.database.windows.net')).addresses, ['10.20.2.4'])
    const sql = await sb.clients.sql()
    await sql.failoverGroups.beginFailoverAndWait('rg-data-wus2', 'sql-app-wus2', 'app-fog')
    assert.deepEqual((await resolveA(eus2, 'app-fog.database.windows.net')).addresses, ['10.30.2.4'])
    assert.deepEqual((await resolveA(eus2, 'app-fog.secondary.database.windows.net')).addresses, ['10.20.2.4'])
  })

  it('answer TXT records (the lock record other operators see)', async () => {
    const dns = await sb.clients.privateDns()
    await dns.recordSets.createOrUpdate('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', 'azfail-lock', {ttl: 10, txtRecords: [{value: ['holder=bob']}]})
    const reply = await tcpQuery(sb.connection.resolvers.wus2, 'azfail-lock.private.postgres.database.azure.com', 'TXT')
    assert.deepEqual((reply.answers?.[0] as any).data.map(String), ['holder=bob'])
  })

  it('over TCP, answer queries sent together in one segment and one split across segments, each in its own frame', async () => {
    const [host, port] = sb.connection.resolvers.eus2.split(':')
    const query = (id: number, name: string) => dnsPacket.streamEncode({type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{type: 'A', name}]})
    // Two queries in one write, then a third in two halves, then a frame whose message is not DNS (FORMERR, same id).
    const third = query(3, 'cosmos-app.documents.azure.com')
    const garbage = Buffer.from([0x00, 0x05, 0x12, 0x34, 0xff, 0xff, 0x00])
    const replies = await new Promise<dnsPacket.Packet[]>((resolve, reject) => {
      const socket = net.connect({host, port: Number(port)})
      let buf = Buffer.alloc(0)
      const out: dnsPacket.Packet[] = []
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d])
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))))
          buf = buf.subarray(2 + buf.readUInt16BE(0))
        }
        if (out.length === 4) {
          socket.end()
          resolve(out)
        }
      })
      socket.on('error', reject)
      socket.write(Buffer.concat([query(1, 'kv-app-eus2.vault.azure.net'), query(2, 'nothing.example')]))
      socket.write(third.subarray(0, 7))
      setTimeout(() => socket.write(Buffer.concat([third.subarray(7), garbage])), 100)
    })
    assert.deepEqual(
      replies.map((r: any) => [r.id, r.rcode, r.answers?.filter((a: any) => a.type === 'A').map((a: any) => a.data)]),
      [
        [1, 'NOERROR', ['10.20.3.7']],
        [2, 'NXDOMAIN', []],
        [3, 'NOERROR', ['10.20.4.5']],
        [0x1234, 'FORMERR', []],
      ],
    )
  })

  it('answer a malformed query with FORMERR instead of going silent', async () => {
    const dgram = await import('node:dgram')
    const [host, port] = sb.connection.resolvers.eus2.split(':')
    const socket = dgram.createSocket('udp4')
    const reply = await new Promise<Buffer>((resolve) => {
      socket.on('message', (m) => resolve(m))
      socket.send(Buffer.from([0x12, 0x34, 0xff, 0xff, 0x00]), Number(port), host)
    })
    socket.close()
    assert.equal(reply.readUInt16BE(0), 0x1234)
    assert.equal(reply[3] & 0x0f, 1, 'rcode FORMERR')
  })
})
