// Resource Manager's cloud metadata (`GET /metadata/endpoints`), which a client reads anonymously to learn a cloud's
// authority and audience from its ARM endpoint: `az cloud register --endpoint-resource-manager` sends
// `{endpoint}/metadata/endpoints?api-version=2015-01-01` (msrestazure), with the endpoint's trailing slash kept.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {type TestSandbox, startTestSandbox} from './helpers.ts'

describe('sandbox: cloud metadata', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it('answers 2015-01-01 without a token, naming its own origin as the authority and the audience', async () => {
    const r = await sb.raw('GET', '/metadata/endpoints?api-version=2015-01-01', {token: null})
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const origin = sb.connection.armEndpoint
    assert.equal(r.body.authentication.loginEndpoint, `${origin}/`)
    assert.deepEqual(r.body.authentication.audiences, [`${origin}/`])
    assert.equal(r.body.graphEndpoint, `${origin}/`)
    assert.equal(sb.connection.authorityHost, origin, 'the authority is the one connection.json publishes')
  })

  it('answers the path as az sends it, after an endpoint with a trailing slash (//metadata/endpoints)', async () => {
    const r = await sb.raw('GET', '//metadata/endpoints?api-version=2015-01-01', {token: null})
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.authentication.loginEndpoint, `${sb.connection.armEndpoint}/`)
  })

  it('answers 2022-09-01 with the list of clouds, each named, with its resource manager and suffixes', async () => {
    const r = await sb.raw('GET', '/metadata/endpoints?api-version=2022-09-01', {token: null})
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.ok(Array.isArray(r.body))
    const [cloud] = r.body
    assert.equal(cloud.resourceManager, `${sb.connection.armEndpoint}/`)
    assert.equal(cloud.authentication.loginEndpoint, `${sb.connection.armEndpoint}/`)
    assert.equal(cloud.authentication.identityProvider, 'AAD')
    assert.equal(cloud.suffixes.keyVaultDns, 'vault.azure.net')
  })

  it('refuses a missing or unknown api-version with 400, and every endpoint it names is on loopback', async () => {
    assert.equal((await sb.raw('GET', '/metadata/endpoints', {token: null})).status, 400)
    const unknown = await sb.raw('GET', '/metadata/endpoints?api-version=2014-01-01', {token: null})
    assert.equal(unknown.status, 400)
    assert.match(unknown.body.error.message, /2015-01-01/)
    const urls = JSON.stringify((await sb.raw('GET', '/metadata/endpoints?api-version=2022-09-01', {token: null})).body).match(/https?:\/\/[^/"]+/g) ?? []
    assert.ok(urls.length > 0 && urls.every((u) => u.startsWith('https://127.')), urls.join(' '))
  })
})
