// Nothing listening: the real SDK client and the sandbox control client against a closed loopback port, and a region
// resolver on a closed UDP port. What azfail says is that the endpoint is unreachable, never an answer or a bug.
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {createServer} from 'node:net'
import {describe, it} from 'node:test'
import {controlOk} from '#sandbox'
import {checkNames} from '../../src/azure/observe.ts'
import {createClients} from '../../src/azure/clients.ts'
import type {AzureTarget} from '../../src/azure/target.ts'
import {toAzfailError} from '../../src/cli/base.ts'

async function closedTcpPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function closedUdpPort(address: string): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve) => s.bind(0, address, resolve))
  const {port} = s.address()
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

describe('unreachable endpoints', () => {
  it('an ARM read refused a connection (after the SDK retries) is "the ARM endpoint … is unreachable"', async () => {
    const port = await closedTcpPort()
    const target = {kind: 'azure', subscriptionId: '00000000-0000-0000-0000-000000000000', endpoint: `https://127.0.0.1:${port}`, credential: {getToken: async () => ({token: 't', expiresOnTimestamp: Date.now() + 3600_000})}} as unknown as AzureTarget
    const tm = await createClients(target).trafficManager()
    const error = await tm.profiles.get('rg-global', 'tm-app').then(() => assert.fail('no server listens'), (e) => e)
    const e = toAzfailError(error)
    assert.deepEqual([e.status, e.code], ['failed', 'ArmUnreachable'])
    assert.match(e.message, new RegExp(`^The ARM endpoint 127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED, on GET /subscriptions/.*/trafficmanagerprofiles/tm-app\\)\\.$`))
    assert.match(e.hint!, new RegExp(`network path from here to 127\\.0\\.0\\.1:${port}`))
  })

  it('an ARM read that got no answer within the request timeout is said as such (exit 1), never "a bug"', async () => {
    // A server that takes the connection and never answers: the TLS handshake hangs, as a hung region's ARM does.
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = silent.address() as {port: number}
      const target = {kind: 'azure', subscriptionId: '00000000-0000-0000-0000-000000000000', endpoint: `https://127.0.0.1:${port}`, credential: {getToken: async () => ({token: 't', expiresOnTimestamp: Date.now() + 3600_000})}} as unknown as AzureTarget
      const tm = await createClients(target, {env: {AZFAIL_REQUEST_TIMEOUT: '0.2'}}).trafficManager()
      const error = await tm.profiles.get('rg-global', 'tm-app').then(() => assert.fail('the server never answers'), (e) => e)
      const e = toAzfailError(error)
      assert.equal(e.status, 'failed')
      assert.doesNotMatch(`${e.message} ${e.hint}`, /bug/i)
      assert.match(e.message, /GET \/subscriptions\/.*\/trafficmanagerprofiles\/tm-app.*no answer within 0\.2s/i)
      assert.match(e.hint!, /AZFAIL_REQUEST_TIMEOUT/)
    } finally {
      silent.close()
    }
  })

  it('a sandbox control endpoint that is gone is unreachable, not a bug', async () => {
    const port = await closedTcpPort()
    const error = await controlOk({armEndpoint: `https://127.0.0.1:${port}`, token: 't', ca: ''}, 'GET', 'faults').then(() => assert.fail('no server listens'), (e) => e)
    const e = toAzfailError(error)
    assert.equal(e.code, 'Unreachable')
    assert.match(e.message, new RegExp(`^127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED`))
  })

  it('a resolver on a closed port gives no answer: UNREACHABLE, with why, never REFUSED', async () => {
    const port = await closedUdpPort('127.0.10.2')
    const [answer] = await checkNames(`127.0.10.2:${port}`, {'kv-app-wus2.vault.azure.net': '10.30.3.7'})
    assert.deepEqual([answer.outcome, answer.detail, answer.ok, answer.addresses], ['UNREACHABLE', 'connection refused', false, []])
  })
})
