// The list of subscriptions (`GET /subscriptions`) that `az login` reads after signing in: only those where the caller
// holds a role assignment, in the shape of Microsoft.Resources' GetSubscriptions example (2022-12-01), and the
// api-version azure-cli 2.45 sends (2019-11-01). Driven by access tokens from the sandbox's Entra ID, as az gets them.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'
import {ClientSecretCredential} from '@azure/identity'
import {HUB_SPOKE_SUBSCRIPTIONS as HUB} from '../src/index.ts'
import {type TestSandbox, startTestSandbox} from './helpers.ts'

describe('sandbox: the list of subscriptions', () => {
  let sb: TestSandbox
  before(async () => {
    sb = await startTestSandbox()
    await sb.control('POST', 'reset', {estate: 'hub-spoke'})
  })
  after(() => sb.stop())

  /** An access token for an identity defined with the role's scopes (every subscription when absent). */
  const tokenFor = async (name: string, scopes?: string[]): Promise<string> => {
    const r = await sb.control('PUT', `identities/${name}`, {actions: ['*/read'], ...(scopes ? {scopes} : {})})
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const credential = new ClientSecretCredential(sb.connection.tenantId, r.body.clientId, r.body.clientSecret, {
      authorityHost: sb.connection.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: {ca: readFileSync(sb.connection.caCertPath, 'utf8')},
    })
    return (await credential.getToken(`${sb.connection.armEndpoint}/.default`))!.token
  }
  const list = async (token: string, apiVersion = '2022-12-01') => sb.raw('GET', `/subscriptions?api-version=${apiVersion}`, {token})

  it('lists every subscription the sandbox serves to an identity assigned at each, in Azure\'s shape', async () => {
    const r = await list(await tokenFor('everywhere'))
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.value.map((s: any) => s.subscriptionId).sort(), Object.values(HUB).sort())
    assert.deepEqual(r.body.count, {type: 'Total', value: 4})
    const [first] = r.body.value
    assert.equal(first.id, `/subscriptions/${first.subscriptionId}`)
    assert.equal(first.tenantId, sb.connection.tenantId)
    assert.equal(first.state, 'Enabled')
    assert.equal(first.authorizationSource, 'RoleBased')
    assert.equal(typeof first.displayName, 'string')
    assert.ok(first.subscriptionPolicies.quotaId)
  })

  it('lists only the subscriptions in which the caller holds an assignment, a resource group\'s included', async () => {
    const token = await tokenFor('one-group', [`/subscriptions/${HUB.eus2}/resourceGroups/rg-spoke-eus2`])
    const r = await list(token, '2019-11-01')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.value.map((s: any) => s.subscriptionId), [HUB.eus2])
  })

  it('answers an unsupported api-version with 400 and a request without a token with 401', async () => {
    assert.equal((await list(await tokenFor('everywhere'), '2015-01-01')).status, 400)
    assert.equal((await sb.raw('GET', '/subscriptions?api-version=2022-12-01', {token: null})).status, 401)
  })
})
