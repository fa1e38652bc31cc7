// AZFAIL_DNS_TIMEOUT: how long one try of a DNS query waits, for resolvers that answer slowly or a machine too busy to
// read them in time; silence is still told from an answer.
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import dnsPacket from 'dns-packet'
import {after, before, describe, it} from 'node:test'
import {checkNames, RESOLUTION_DEADLINE_MS, resolutionDeadlineMs} from '../../src/azure/observe.ts'
import {DNS_TIMEOUT_MS, dnsTimeoutMs, resolveName, resolverFor} from '../../src/azure/resolve.ts'

describe('AZFAIL_DNS_TIMEOUT', () => {
  const silent = createSocket('udp4') // reads every query, answers none
  let server = ''
  before(async () => {
    await new Promise<void>((resolve) => silent.bind({address: '127.0.0.1', port: 0}, resolve))
    server = `127.0.0.1:${silent.address().port}`
  })
  after(() => silent.close())

  it('is 1.5 s per try unless set; a value that is not seconds above 0 and at most 60 is bad input (exit 2)', () => {
    assert.equal(dnsTimeoutMs({}), DNS_TIMEOUT_MS)
    assert.equal(dnsTimeoutMs({AZFAIL_DNS_TIMEOUT: '20'}), 20_000)
    assert.equal(dnsTimeoutMs({AZFAIL_DNS_TIMEOUT: '0.25'}), 250)
    for (const bad of ['0', '-1', 'soon', '61']) {
      assert.throws(() => dnsTimeoutMs({AZFAIL_DNS_TIMEOUT: bad}), (e: any) => e.code === 'BadDnsTimeout' && e.exitCode === 2 && e.message.includes(`'${bad}'`), bad)
    }
  })

  it('a resolver that never answers is UNREACHABLE once the tries have waited at least that long', async () => {
    const timeoutMs = 300
    const started = performance.now()
    const answer = await resolveName(resolverFor(server, dnsTimeoutMs({AZFAIL_DNS_TIMEOUT: String(timeoutMs / 1000)})), 'kv-app-eus2.vault.azure.net')
    assert.deepEqual([answer.outcome, answer.detail], ['UNREACHABLE', 'no reply before the timeout'])
    assert.ok(performance.now() - started >= timeoutMs, 'it waited at least one try')
  })
})

describe('AZFAIL_DNS_TIMEOUT and the deadline for a region\'s names', () => {
  const silent = createSocket('udp4')
  let server = ''
  before(async () => {
    await new Promise<void>((resolve) => silent.bind({address: '127.0.0.1', port: 0}, resolve))
    server = `127.0.0.1:${silent.address().port}`
  })
  after(() => silent.close())

  it('is never shorter than a query\'s tries: raised, each query gets its own tries before the region\'s names are given up', async () => {
    // Five seconds a try: c-ares's two tries then take longer than the default 8 s for all of a region's names.
    const slow = {AZFAIL_DNS_TIMEOUT: '5'}
    assert.equal(resolutionDeadlineMs({}), RESOLUTION_DEADLINE_MS, 'unchanged by default')
    assert.ok(resolutionDeadlineMs(slow) >= 3 * dnsTimeoutMs(slow), 'the deadline covers both tries')
    process.env.AZFAIL_DNS_TIMEOUT = slow.AZFAIL_DNS_TIMEOUT
    try {
      const [answer] = await checkNames(server, {'kv-app-wus2.vault.azure.net': '10.30.3.7'})
      // The query's own tries ended it ("no reply"), not the region's deadline cutting them short ("no answer within 8s").
      assert.deepEqual([answer.outcome, answer.detail], ['UNREACHABLE', 'no reply before the timeout'])
    } finally {
      delete process.env.AZFAIL_DNS_TIMEOUT
    }
  })
})

describe("a region's names on a machine too busy to read them in time", () => {
  // Answers at once, with the address asked for.
  const prompt = createSocket('udp4')
  let server = ''
  before(async () => {
    prompt.on('message', (msg, from) => {
      const query = dnsPacket.decode(msg)
      prompt.send(dnsPacket.encode({id: query.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED, questions: query.questions, answers: [{type: 'A', name: query.questions![0].name, ttl: 10, data: '10.30.3.7'}]}), from.port, from.address)
    })
    await new Promise<void>((resolve) => prompt.bind({address: '127.0.0.1', port: 0}, resolve))
    server = `127.0.0.1:${prompt.address().port}`
  })
  after(() => prompt.close())

  it('an answer that arrived in time is read, although the event loop first came back after the deadline', async () => {
    // The deadline is short; the process is then busy past it (as a starved process on a loaded machine is), while the
    // answer waits in the socket. Coming back, the deadline's timer runs before the socket is read: the answer that
    // arrived in time must still count, not be cancelled as "no answer".
    const deadlineMs = 200
    const checked = checkNames(server, {'kv-app-wus2.vault.azure.net': '10.30.3.7'}, {deadlineMs})
    await new Promise((resolve) => setImmediate(resolve)) // the query is sent
    const busyUntil = performance.now() + deadlineMs * 3
    while (performance.now() < busyUntil); // busy, not waiting: no I/O is read meanwhile
    const [answer] = await checked
    assert.deepEqual([answer.outcome, answer.addresses, answer.ok], ['NOERROR', ['10.30.3.7'], true], JSON.stringify(answer))
  })
  it('an answer is read after a stall longer than the deadline and every try: the deadline counts running time', async () => {
    // Stopped or starved for longer than the deadline plus four tries (a laptop lid, a machine loaded 16 deep): before,
    // the wall-clock give-up cancelled the query and the answer in the socket was judged "no answer within 0.2s".
    process.env.AZFAIL_DNS_TIMEOUT = '0.3'
    try {
      const deadlineMs = 200
      const checked = checkNames(server, {'kv-app-wus2.vault.azure.net': '10.30.3.7'}, {deadlineMs})
      await new Promise((resolve) => setImmediate(resolve))
      const busyUntil = performance.now() + (deadlineMs + 4 * 300) * 2
      while (performance.now() < busyUntil);
      const [answer] = await checked
      assert.deepEqual([answer.outcome, answer.addresses, answer.ok], ['NOERROR', ['10.30.3.7'], true], JSON.stringify(answer))
    } finally {
      delete process.env.AZFAIL_DNS_TIMEOUT
    }
  })
})
