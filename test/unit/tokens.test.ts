// The tokens azfail sends to ARM: used only until well before they expire, and a request ARM refused for an expired
// token sent once more with a fresh one (the real SDK client against the sandbox's Entra ID and ARM).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {setTimeout as delay} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import type {AccessToken, TokenCredential} from '@azure/core-auth'
import {ClientSecretCredential} from '@azure/identity'
import {createClients} from '../../src/azure/clients.ts'
import {TOKEN_MARGIN_MAX_MS, refreshedEarly, usableUntil} from '../../src/azure/tokens.ts'
import {type TestSandbox, startTestSandbox} from '../helpers.ts'

describe('tokens: refreshed well before they expire', () => {
  const token = (expiresOnTimestamp: number): AccessToken => ({token: 't', expiresOnTimestamp})

  it('an hour-long token is used until 5 minutes before its expiry; a 3 s one until half its life is gone', () => {
    assert.equal(usableUntil(token(3_600_000), 3_600_000), 3_600_000 - TOKEN_MARGIN_MAX_MS)
    assert.equal(usableUntil(token(10_000), 3000), 8500)
    assert.equal(usableUntil(token(10_000), -5), 10_000, 'one already expired has no life to halve')
  })

  it('the SDK sees each token expire when azfail stops using it, measured from when it arrived', async () => {
    let now = 1_000_000
    const inner: TokenCredential = {getToken: async () => ({token: 'abc', expiresOnTimestamp: now + 3000, refreshAfterTimestamp: now + 1000})}
    const got = await refreshedEarly(inner, () => now).getToken('s')
    assert.deepEqual(got, {token: 'abc', expiresOnTimestamp: now + 1500, refreshAfterTimestamp: now + 1000})
    now += 7_200_000
    assert.equal((await refreshedEarly({getToken: async () => null}, () => now).getToken('s')), null)
  })
})

describe('tokens: a request ARM refused for an expired token', () => {
  let sb: TestSandbox
  let real: TokenCredential
  /** A token of the operator that expired before it is sent: issued for 1 s, then 2 s waited. */
  let expired: AccessToken
  before(async () => {
    sb = await startTestSandbox()
    const c = sb.handle.connection
    const id = c.identities.operator
    real = new ClientSecretCredential(c.tenantId, id.clientId, id.clientSecret, {authorityHost: c.authorityHost, disableInstanceDiscovery: true, tlsOptions: {ca: readFileSync(c.caCertPath, 'utf8')}})
    assert.equal((await sb.control('PATCH', 'settings', {tokenLifetimeSeconds: 1})).status, 200)
    expired = (await real.getToken(`${c.armEndpoint}/.default`))!
    await delay(2000) // past its expiry in whole seconds, as ARM counts them
    assert.equal((await sb.control('PATCH', 'settings', {tokenLifetimeSeconds: 3600})).status, 200)
  })
  after(() => sb.stop())

  /** The operator's credential, handing out the expired token (as if it had an hour left) `stale` times first. */
  const handingOutExpired = (stale: number) => {
    const handed: string[] = []
    const credential: TokenCredential = {
      getToken: async (scopes, options) => {
        const token = handed.length < stale ? {...expired, expiresOnTimestamp: Date.now() + 3_600_000} : await real.getToken(scopes, options)
        handed.push(token!.token)
        return token
      },
    }
    return {credential, handed}
  }
  const profileGets = () => sb.requests().filter((r) => r.method === 'GET' && /trafficManagerProfiles\/tm-app$/i.test(r.path)).map((r) => r.status)

  it('is sent again, once, with a fresh token, and succeeds', async () => {
    const {credential, handed} = handingOutExpired(1)
    sb.mark()
    const tm = await createClients({...sb.target, credential}).trafficManager()
    assert.equal((await tm.profiles.get('rg-global', 'tm-app')).name, 'tm-app')
    assert.deepEqual(profileGets(), [401, 200])
    assert.equal(handed.length, 2)
    assert.notEqual(handed[1], expired.token)
  })

  it('is sent again only once: a second refusal is the error', async () => {
    const {credential} = handingOutExpired(2)
    sb.mark()
    const tm = await createClients({...sb.target, credential}).trafficManager()
    await assert.rejects(tm.profiles.get('rg-global', 'tm-app'), {code: 'ExpiredAuthenticationToken'})
    assert.deepEqual(profileGets(), [401, 401])
  })
})
