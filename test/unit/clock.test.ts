// Azure's clock: bounds learned from Date headers (1 s resolution) carried by the monotonic clock; the fence's idea
// of a write; the lease's bounds as bad input; a pid trusted only in this boot and pid namespace.
import assert from 'node:assert/strict'
import {hostname} from 'node:os'
import {describe, it} from 'node:test'
import {AzureClock} from '../../src/azure/clock.ts'
import {isFencedWrite} from '../../src/azure/policies.ts'
import {holderAlive, leaseSeconds, thisHost} from '../../src/services/lock.ts'

describe("Azure's clock", () => {
  it('is bounded by the header and its resolution, moves with the monotonic clock, and ignores this machine\'s clock', () => {
    let mono = 1_000
    const clock = new AzureClock(() => mono)
    assert.equal(clock.known, false)
    const azure = Date.parse('2030-01-01T00:00:00Z')
    clock.observe(new Date(azure).toUTCString(), 900, 1_000) // sent at mono 900, answered at 1000
    assert.equal(clock.now(), azure, 'at the answer, Azure was at least at the header')
    assert.equal(clock.latest(), azure + 1000 + 100, 'and at most a second past it, since the request was sent')
    mono += 60_000
    assert.equal(clock.now(), azure + 60_000, 'a minute later on the monotonic clock')
    assert.ok(Math.abs(clock.skew()! - (Date.now() - (azure + 60_550))) < 5, 'the skew compares the local clock with Azure\'s')
  })

  it('keeps the tightest bounds over many answers; a stale header never puts latest before now', () => {
    let mono = 0
    const clock = new AzureClock(() => mono)
    const t = Date.parse('2030-01-01T00:00:00Z')
    clock.observe(new Date(t).toUTCString(), 0, 10)
    mono = 5_000
    clock.observe(new Date(t + 5_000).toUTCString(), 4_990, 5_000)
    assert.equal(clock.now(), t + 5_000)
    clock.observe(new Date(t).toUTCString(), 4_995, 5_000) // a header five seconds stale
    assert.ok(clock.latest() >= clock.now())
    assert.equal(clock.now(), t + 5_000, 'a stale header does not pull the earliest bound back')
  })

  it('remembers the times it stamped, as a record holds them (whole ms), and no others', () => {
    const clock = new AzureClock(() => 1_000)
    clock.observe(new Date(Date.parse('2030-01-01T00:00:00Z')).toUTCString(), 900, 1_000)
    const drained = Date.parse(new Date(clock.stamp()).toISOString())
    assert.equal(clock.stampedHere(drained), true)
    assert.equal(clock.stampedHere(drained - 1), false)
  })
})

describe('the write fence', () => {
  const url = (tail: string) => `https://127.0.0.1:1/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/${tail}?api-version=2024-06-01`
  it('fences every change but the lock record\'s own renewal and release; reads pass', () => {
    assert.equal(isFencedWrite({method: 'DELETE', url: url('privateEndpoints/pe-kv-app-eus2')}), true)
    assert.equal(isFencedWrite({method: 'PUT', url: url('privateDnsZones/z/TXT/_azfail-drain-eus2')}), true)
    assert.equal(isFencedWrite({method: 'PUT', url: url('privateDnsZones/z/TXT/_azfail-lock-released')}), true)
    assert.equal(isFencedWrite({method: 'POST', url: url('x/failover')}), true)
    assert.equal(isFencedWrite({method: 'PUT', url: url('privateDnsZones/z/TXT/_azfail-lock')}), false)
    assert.equal(isFencedWrite({method: 'DELETE', url: url('privateDnsZones/z/TXT/_azfail-lock')}), false)
    assert.equal(isFencedWrite({method: 'GET', url: url('privateEndpoints/pe')}), false)
  })
})

describe('the lease and its holder', () => {
  it('AZFAIL_LOCK_LEASE_SECONDS outside 2..3600 or not a number is bad input naming the variable', () => {
    assert.equal(leaseSeconds({}), 120)
    assert.equal(leaseSeconds({AZFAIL_LOCK_LEASE_SECONDS: '2'}), 2)
    for (const bad of ['abc', '-5', '0', '1', '1e9', 'Infinity']) {
      assert.throws(() => leaseSeconds({AZFAIL_LOCK_LEASE_SECONDS: bad}), (e: any) => e.exitCode === 2 && /AZFAIL_LOCK_LEASE_SECONDS/.test(e.message), bad)
    }
  })

  it('judges a lease on the time given (Azure\'s), and trusts no pid check from a host that only shares a name', () => {
    const lock = {holder: 'h', runId: 'r', action: 'drain eus2', since: '2030-01-01T00:00:00.000Z', expires: '2030-01-01T00:02:00.000Z'}
    assert.equal(holderAlive(lock, Date.parse('2030-01-01T00:01:59Z')), true)
    assert.equal(holderAlive(lock, Date.parse('2030-01-01T00:02:00Z')), false)
    const deadPid = 2 ** 22 + 12345
    const now = Date.parse('2030-01-01T00:01:00Z')
    assert.equal(holderAlive({...lock, host: hostname(), pid: deadPid}, now), true, 'a bare host name (another laptop, a container) is not this machine')
    if (thisHost().includes('/')) assert.equal(holderAlive({...lock, host: thisHost(), pid: deadPid}, now), false, 'a dead process of this boot and pid namespace')
  })
})
