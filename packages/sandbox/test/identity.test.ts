// The sandbox's Entra ID and RBAC, driven by the real @azure/identity credentials and SDK clients: tokens by client
// secret and by federated assertion, Entra's refusals, ARM's 401s, AuthorizationFailed / LinkedAuthorizationFailed per
// scope level, Microsoft.Authorization permissions and locks, and the caller in the request log.
// Shapes: Entra's token errors as @azure/msal-node parses them (error, error_description, error_codes); ARM's
// errors as in specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/examples/
// GetPermissions.json (permissions) and specification/resources/resource-manager/Microsoft.Authorization/stable/
// 2020-05-01/examples/ManagementLocks_CreateOrUpdateAtResourceGroupLevel.json (locks).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {ClientSecretCredential, WorkloadIdentityCredential} from '@azure/identity'
import type {TokenCredential} from '@azure/core-auth'
import {SignJWT, generateKeyPair, importJWK} from 'jose'
import {ADMIN_CLIENT_ID, LACKS_ONE_MISSING, OPERATOR_ROLE} from '../src/index.ts'
import {SUB_PATH, type TestSandbox, startTestSandbox} from './helpers.ts'

const json = (body: unknown) => ({body: JSON.stringify(body)})

describe('sandbox Entra ID and RBAC', () => {
  let sb: TestSandbox
  let ca: string
  let sub: string
  const secretCredential = (name: string, secret?: string) => {
    const id = sb.connection.identities[name]
    return new ClientSecretCredential(sb.connection.tenantId, id.clientId, secret ?? id.clientSecret, {authorityHost: sb.connection.authorityHost, disableInstanceDiscovery: true, tlsOptions: {ca}})
  }
  const federatedCredential = (name: string, file?: string) => {
    const id = sb.connection.identities[name]
    return new WorkloadIdentityCredential({tenantId: sb.connection.tenantId, clientId: id.clientId, tokenFilePath: file ?? id.federatedTokenFile, authorityHost: sb.connection.authorityHost, disableInstanceDiscovery: true, tlsOptions: {ca}})
  }
  const scope = () => `${sb.connection.armEndpoint}/.default`
  /** A raw form POST to the token endpoint, to read Entra's answer as it is sent. */
  const tokenRequest = (form: Record<string, string>) =>
    sb.raw('POST', `/${sb.connection.tenantId}/oauth2/v2.0/token`, {token: null, headers: {'content-type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(form).toString()})
  /** Defines an identity through the control endpoint and signs it in with its secret. */
  const define = async (name: string, spec: {actions: string[]; notActions?: string[]; scopes?: string[]}): Promise<{credential: TokenCredential; clientId: string; objectId: string}> => {
    const r = await sb.control('PUT', `identities/${name}`, spec)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const credential = new ClientSecretCredential(sb.connection.tenantId, r.body.clientId, r.body.clientSecret, {authorityHost: sb.connection.authorityHost, disableInstanceDiscovery: true, tlsOptions: {ca}})
    return {credential, clientId: r.body.clientId, objectId: r.body.objectId}
  }
  const signingKey = async () => importJWK(JSON.parse(readFileSync(join(sb.dir, 'entra.json'), 'utf8')).key, 'RS256')

  before(async () => {
    sb = await startTestSandbox()
    ca = readFileSync(sb.connection.caCertPath, 'utf8')
    sub = SUB_PATH(sb)
  })
  after(() => sb.stop())

  describe('tokens', () => {
    it('publishes operator, reader and lacks-one, each with a secret and a federated token file', () => {
      const ids = sb.connection.identities
      assert.deepEqual(Object.keys(ids).sort(), ['lacks-one', 'operator', 'reader'])
      assert.equal(ids.operator.role, 'azfail operator')
      assert.equal(ids.reader.role, 'Reader')
      assert.deepEqual(ids['lacks-one'].missing, [LACKS_ONE_MISSING])
      assert.equal(sb.connection.authorityHost, sb.connection.armEndpoint)
      const [, payload] = readFileSync(ids.operator.federatedTokenFile, 'utf8').split('.')
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
      assert.equal(claims.aud, 'api://AzureADTokenExchange')
      assert.equal(claims.sub, 'repo:azfail/sandbox:environment:operator')
      assert.ok(claims.exp - claims.iat > 30 * 24 * 3600, 'long-lived')
    })

    it('ClientSecretCredential gets an access token whose claims name the app, and ARM accepts it', async () => {
      const credential = secretCredential('operator')
      const token = await credential.getToken(scope())
      const claims = JSON.parse(Buffer.from(token.token.split('.')[1], 'base64url').toString())
      const op = sb.connection.identities.operator
      assert.equal(claims.appid, op.clientId)
      assert.equal(claims.oid, op.objectId)
      assert.equal(claims.tid, sb.connection.tenantId)
      assert.equal(claims.iss, `https://sts.windows.net/${sb.connection.tenantId}/`)
      assert.equal(claims.aud, sb.connection.armEndpoint)
      assert.ok(claims.uti && claims.nbf && claims.iat && claims.exp > claims.iat)
      const tm = await sb.clientsWith(credential).trafficManager()
      assert.equal((await tm.profiles.get('rg-global', 'tm-app')).name, 'tm-app')
    })

    it('WorkloadIdentityCredential exchanges the federated token file for an access token', async () => {
      sb.mark()
      const credential = federatedCredential('reader')
      const tm = await sb.clientsWith(credential).trafficManager()
      assert.equal((await tm.profiles.get('rg-global', 'tm-app')).name, 'tm-app')
      const reader = sb.connection.identities.reader.clientId
      assert.deepEqual(
        sb.requests().map((r) => [r.method, r.path.split('/').slice(2).join('/'), r.caller]),
        [
          ['POST', 'oauth2/v2.0/token', reader],
          ['GET', `${sub.slice(1).split('/').slice(1).join('/')}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app`, reader],
        ],
      )
    })

    it('answers a wrong secret with invalid_client AADSTS7000215, as Entra does, and the credential fails', async () => {
      const r = await tokenRequest({grant_type: 'client_credentials', client_id: sb.connection.identities.operator.clientId, client_secret: 'not-it', scope: scope()})
      assert.equal(r.status, 401)
      assert.equal(r.body.error, 'invalid_client')
      assert.deepEqual(r.body.error_codes, [7000215])
      assert.match(r.body.error_description, /^AADSTS7000215: Invalid client secret provided\./)
      for (const field of ['timestamp', 'trace_id', 'correlation_id']) assert.ok(r.body[field], field)
      await assert.rejects(secretCredential('operator', 'not-it').getToken(scope()), /AADSTS7000215/)
    })

    it("refuses an assertion for another identity's subject, one signed by another key, an expired one, and an unknown client", async () => {
      const op = sb.connection.identities.operator
      const exchange = (assertion: string, clientId = op.clientId) =>
        tokenRequest({grant_type: 'client_credentials', client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope: scope()})
      const readerFile = sb.connection.identities.reader.federatedTokenFile
      const wrongSubject = await exchange(readFileSync(readerFile, 'utf8'))
      assert.deepEqual([wrongSubject.status, wrongSubject.body.error, wrongSubject.body.error_codes], [401, 'invalid_client', [700213]])
      assert.match(wrongSubject.body.error_description, /presented assertion subject 'repo:azfail\/sandbox:environment:reader'/)
      await assert.rejects(federatedCredential('operator', readerFile).getToken(scope()), /AADSTS700213/)

      const now = Math.floor(Date.now() / 1000)
      const claims = {iss: 'https://token.sandbox.azfail.invalid', sub: 'repo:azfail/sandbox:environment:operator', aud: 'api://AzureADTokenExchange'}
      const {privateKey: stranger} = await generateKeyPair('RS256')
      const forged = await new SignJWT(claims).setProtectedHeader({alg: 'RS256'}).setIssuedAt(now).setExpirationTime(now + 600).sign(stranger)
      assert.deepEqual((await exchange(forged)).body.error_codes, [700027])
      const expired = await new SignJWT(claims).setProtectedHeader({alg: 'RS256'}).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(await signingKey())
      const late = await exchange(expired)
      assert.deepEqual([late.status, late.body.error_codes], [401, [700024]])
      const key = await signingKey()
      const otherIssuer = await new SignJWT({...claims, iss: 'https://token.actions.githubusercontent.com'}).setProtectedHeader({alg: 'RS256'}).setIssuedAt(now).setExpirationTime(now + 600).sign(key)
      assert.deepEqual((await exchange(otherIssuer)).body.error_codes, [700211])
      const otherAudience = await new SignJWT({...claims, aud: 'api://something-else'}).setProtectedHeader({alg: 'RS256'}).setIssuedAt(now).setExpirationTime(now + 600).sign(key)
      assert.deepEqual((await exchange(otherAudience)).body.error_codes, [700212])
      const genuine = await exchange(readFileSync(op.federatedTokenFile, 'utf8'))
      assert.equal(genuine.status, 200, 'the same request with the genuine assertion succeeds')

      const unknown = await exchange(readFileSync(op.federatedTokenFile, 'utf8'), '00000000-0000-0000-0000-000000000001')
      assert.deepEqual([unknown.status, unknown.body.error, unknown.body.error_codes], [400, 'unauthorized_client', [700016]])
    })

    it('serves OpenID discovery whose issuer and endpoints are on the sandbox origin, and refuses another tenant', async () => {
      const r = await sb.raw('GET', `/${sb.connection.tenantId}/v2.0/.well-known/openid-configuration`, {token: null})
      assert.equal(r.status, 200)
      assert.equal(r.body.issuer, `${sb.connection.armEndpoint}/${sb.connection.tenantId}/v2.0`)
      assert.equal(r.body.token_endpoint, `${sb.connection.armEndpoint}/${sb.connection.tenantId}/oauth2/v2.0/token`)
      const keys = await sb.raw('GET', new URL(r.body.jwks_uri).pathname, {token: null})
      assert.equal(keys.body.keys[0].kty, 'RSA')
      assert.equal(keys.body.keys[0].d, undefined, 'never the private key')
      const other = await sb.raw('GET', '/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration', {token: null})
      assert.deepEqual([other.status, other.body.error_codes], [400, [90002]])
    })

    it('answers an expired token with 401 ExpiredAuthenticationToken and a Bearer challenge; a forged one with InvalidAuthenticationToken', async () => {
      const op = sb.connection.identities.operator
      const now = Math.floor(Date.now() / 1000)
      const claims = {tid: sb.connection.tenantId, appid: op.clientId, oid: op.objectId, aud: sb.connection.armEndpoint, iss: `https://sts.windows.net/${sb.connection.tenantId}/`}
      const expired = await new SignJWT(claims).setProtectedHeader({alg: 'RS256'}).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(await signingKey())
      const r = await sb.raw('GET', `${sub}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app?api-version=2022-04-01`, {token: expired})
      assert.equal(r.status, 401)
      assert.equal(r.body.error.code, 'ExpiredAuthenticationToken')
      assert.match(r.body.error.message, /^The access token expiry UTC time '.+' is earlier than current UTC time '.+'\.$/)
      assert.match(String(r.headers['www-authenticate']), new RegExp(`^Bearer authorization_uri="https://login.windows.net/${sb.connection.tenantId}", error="invalid_token"`))
      const {privateKey: stranger} = await generateKeyPair('RS256')
      const forged = await new SignJWT(claims).setProtectedHeader({alg: 'RS256'}).setIssuedAt(now).setExpirationTime(now + 600).sign(stranger)
      const f = await sb.raw('GET', `${sub}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app?api-version=2022-04-01`, {token: forged})
      assert.deepEqual([f.status, f.body.error.code], [401, 'InvalidAuthenticationToken'])
      const control = await sb.raw('GET', '/_sandbox/health', {token: (await secretCredential('operator').getToken(scope()))!.token})
      assert.equal(control.status, 403, 'the control routes take the static token only')
    })

    it('issues tokens of the configured lifetime, and a credential refreshes one that expired during a wait', async () => {
      assert.equal((await sb.control('PUT', 'settings', {tokenLifetimeSeconds: 2})).status, 200)
      try {
        const {credential, clientId} = await define('short-lived', {actions: ['*/read']})
        const tm = await sb.clientsWith(credential).trafficManager()
        sb.mark()
        await tm.profiles.get('rg-global', 'tm-app')
        await delay(2500)
        await tm.profiles.get('rg-global', 'tm-app')
        const log = sb.requests()
        const issued = log.filter((r) => r.path.endsWith('/oauth2/v2.0/token') && r.caller === clientId && r.status === 200)
        assert.ok(issued.length >= 2, `a second token was issued after the first expired (${issued.length})`)
        assert.deepEqual(log.filter((r) => r.method === 'GET').map((r) => [r.status, r.caller]), [[200, clientId], [200, clientId]])
        const claims = JSON.parse(Buffer.from((await credential.getToken(scope()))!.token.split('.')[1], 'base64url').toString())
        assert.equal(claims.exp - claims.iat, 2)
      } finally {
        await sb.control('PUT', 'settings', {tokenLifetimeSeconds: 3600})
      }
    })
  })

  describe('role-based access control', () => {
    const TM = 'rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app'

    it('lets Reader read and refuses its write with AuthorizationFailed, word for word', async () => {
      const tm = await sb.clientsWith(secretCredential('reader')).trafficManager()
      await tm.profiles.get('rg-global', 'tm-app')
      const reader = sb.connection.identities.reader
      await assert.rejects(tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'}), (e: any) => {
        assert.equal(e.statusCode, 403)
        assert.equal(e.code, 'AuthorizationFailed')
        assert.equal(
          e.message,
          `The client '${reader.clientId}' with object id '${reader.objectId}' does not have authorization to perform action 'Microsoft.Network/trafficManagerProfiles/azureEndpoints/write' over scope '${sub}/resourceGroups/rg-global/providers/Microsoft.Network/trafficmanagerprofiles/tm-app/AzureEndpoints/ep-eus2' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        )
        return true
      })
    })

    it('lets operator change what drain changes; lacks-one is refused exactly its missing action', async () => {
      const fd = async (name: string) => (await sb.clientsWith(secretCredential(name)).frontDoor()).afdOrigins
      const origin = ['rg-global', 'fd-app', 'og-app', 'origin-eus2'] as const
      await (await fd('operator')).beginUpdateAndWait(...origin, {enabledState: 'Enabled'})
      await assert.rejects((await fd('lacks-one')).beginUpdateAndWait(...origin, {enabledState: 'Enabled'}), (e: any) => e.statusCode === 403 && e.message.includes(`perform action '${LACKS_ONE_MISSING}'`))
      const tm = await sb.clientsWith(secretCredential('lacks-one')).trafficManager()
      await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
    })

    it("names a POST's action by its last segment over the resource it acts on", async () => {
      const sql = await sb.clientsWith(secretCredential('reader')).sql()
      await assert.rejects(sql.failoverGroups.beginFailoverAndWait('rg-data-wus2', 'sql-app-wus2', 'app-fog'), (e: any) =>
        e.statusCode === 403 && e.message.includes(`perform action 'Microsoft.Sql/servers/failoverGroups/failover/action' over scope '${sub}/resourceGroups/rg-data-wus2/providers/Microsoft.Sql/servers/sql-app-wus2/failoverGroups/app-fog'`),
      )
    })

    it('holds an assignment at a resource group for everything in it, and nowhere else', async () => {
      const {credential} = await define('rg-reader', {actions: ['*/read'], scopes: [`${sub}/resourceGroups/rg-global`]})
      const clients = sb.clientsWith(credential)
      await (await clients.trafficManager()).profiles.get('rg-global', 'tm-app')
      await assert.rejects((await clients.network()).privateEndpoints.get('rg-spoke-eus2', 'pe-kv-app-eus2'), (e: any) => e.statusCode === 403 && e.code === 'AuthorizationFailed')
    })

    it('holds an assignment at a resource for it and its children, not its siblings', async () => {
      const {credential} = await define('tm-only', {actions: ['*'], scopes: [`${sub}/resourceGroups/${TM}`]})
      const tm = await sb.clientsWith(credential).trafficManager()
      await tm.profiles.get('rg-global', 'tm-app')
      await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
      await assert.rejects((await sb.clientsWith(credential).frontDoor()).afdOrigins.get('rg-global', 'fd-app', 'og-app', 'origin-eus2'), (e: any) => e.statusCode === 403)
    })

    it("authorizes polling a long-running operation at its resource's group: a role on the resource alone starts the update, then cannot poll it", async () => {
      const fdId = `${sub}/resourceGroups/rg-global/providers/Microsoft.Cdn/profiles/fd-app`
      const onProfile = await define('fd-only', {actions: ['*'], scopes: [fdId]})
      const origins = (await sb.clientsWith(onProfile.credential).frontDoor()).afdOrigins
      await assert.rejects(origins.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Enabled'}), (e: any) =>
        e.statusCode === 403 && e.code === 'AuthorizationFailed' && e.message.includes("'Microsoft.Cdn/locations/operationStatuses/read'") && e.message.includes(`over scope '${sub}/resourceGroups/rg-global'`),
      )
      const onGroup = await define('fd-group', {actions: ['Microsoft.Cdn/*'], scopes: [`${sub}/resourceGroups/rg-global`]})
      const byGroup = (await sb.clientsWith(onGroup.credential).frontDoor()).afdOrigins
      // the refused caller's update still runs in Azure; wait for it before the next one
      for (let i = 0; i < 100 && (await byGroup.get('rg-global', 'fd-app', 'og-app', 'origin-eus2')).provisioningState !== 'Succeeded'; i++) await new Promise((r) => setTimeout(r, 100))
      const updated = await byGroup.beginUpdateAndWait('rg-global', 'fd-app', 'og-app', 'origin-eus2', {enabledState: 'Enabled'})
      assert.equal(updated.provisioningState, 'Succeeded')
    })

    it('matches wildcards case-insensitively and subtracts notActions', async () => {
      const {credential} = await define('network-but-steering', {actions: ['microsoft.network/*'], notActions: ['Microsoft.Network/trafficManagerProfiles/*/write']})
      const tm = await sb.clientsWith(credential).trafficManager()
      await tm.profiles.get('rg-global', 'tm-app')
      await assert.rejects(tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'}), (e: any) => e.statusCode === 403)
      const dns = await (await sb.clientsWith(credential).privateDns()).privateZones.list()
      for await (const zone of dns) assert.ok(zone.name)
      await assert.rejects((await sb.clientsWith(credential).sql()).failoverGroups.get('rg-data-eus2', 'sql-app-eus2', 'app-fog'), (e: any) => e.statusCode === 403)
    })

    it('refuses a zone group write into a zone it may not join with LinkedAuthorizationFailed', async () => {
      const {credential, clientId, objectId} = await define('no-join', {actions: ['Microsoft.Network/privateEndpoints/*', '*/read']})
      const network = await sb.clientsWith(credential).network()
      const group = await network.privateDnsZoneGroups.get('rg-spoke-eus2', 'pe-kv-app-eus2', 'default')
      const zones = group.privateDnsZoneConfigs!.map((c) => c.privateDnsZoneId!)
      await assert.rejects(network.privateDnsZoneGroups.beginCreateOrUpdateAndWait('rg-spoke-eus2', 'pe-kv-app-eus2', 'default', {privateDnsZoneConfigs: group.privateDnsZoneConfigs}), (e: any) => {
        assert.equal(e.statusCode, 403)
        assert.equal(e.code, 'LinkedAuthorizationFailed')
        assert.equal(
          e.message,
          `The client '${clientId}' with object id '${objectId}' has permission to perform action 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write' on scope '${sub}/resourceGroups/rg-spoke-eus2/providers/Microsoft.Network/privateEndpoints/pe-kv-app-eus2/privateDnsZoneGroups/default'; however, it does not have permission to perform action(s) 'Microsoft.Network/privateDnsZones/join/action' on the linked scope(s) '${zones.join(',')}' or the linked scope(s) are invalid.`,
        )
        return true
      })
      const operator = await sb.clientsWith(secretCredential('operator')).network()
      await operator.privateDnsZoneGroups.beginCreateOrUpdateAndWait('rg-spoke-eus2', 'pe-kv-app-eus2', 'default', {privateDnsZoneConfigs: group.privateDnsZoneConfigs})
    })

    it('logs each request with its caller: the static token as sandbox-admin', async () => {
      sb.mark()
      await (await sb.clients.trafficManager()).profiles.get('rg-global', 'tm-app')
      await (await sb.clientsWith(secretCredential('operator')).trafficManager()).profiles.get('rg-global', 'tm-app')
      const arm = sb.requests().filter((r) => r.path.startsWith('/subscriptions/'))
      assert.deepEqual(arm.map((r) => r.caller), [ADMIN_CLIENT_ID, sb.connection.identities.operator.clientId])
    })
  })

  describe('Microsoft.Authorization', () => {
    const authorization = async (credential: TokenCredential) => {
      const {AuthorizationManagementClient} = await import('@azure/arm-authorization')
      return new AuthorizationManagementClient(credential, sb.connection.subscriptionId, sdkOptions())
    }
    const locks = async (credential: TokenCredential = staticCredential()) => {
      const {ManagementLockClient} = await import('@azure/arm-locks')
      return new ManagementLockClient(credential, sb.connection.subscriptionId, sdkOptions())
    }
    const sdkOptions = () => ({endpoint: sb.connection.armEndpoint, credentialScopes: [scope()], tlsOptions: {ca}, retryOptions: {maxRetries: 0}})
    const staticCredential = (): TokenCredential => ({getToken: async () => ({token: sb.connection.token, expiresOnTimestamp: Date.now() + 3600_000})})
    const all = async <T>(it: AsyncIterable<T>) => {
      const out: T[] = []
      for await (const x of it) out.push(x)
      return out
    }

    it("lists the caller's own permissions at a resource group and a resource, per assignment that reaches it", async () => {
      const client = await authorization(secretCredential('operator'))
      const atGroup = await all(client.permissions.listForResourceGroup('rg-global'))
      assert.equal(atGroup.length, 1)
      assert.deepEqual(atGroup[0].actions, OPERATOR_ROLE.actions)
      assert.deepEqual(atGroup[0].notActions, [])
      const atResource = await all(client.permissions.listForResource('rg-global', 'Microsoft.Network', '', 'trafficManagerProfiles', 'tm-app'))
      assert.deepEqual(atResource[0].actions, OPERATOR_ROLE.actions)
      const token = (await secretCredential('operator').getToken(scope()))!.token
      const atSubscription = await sb.raw('GET', `${sub}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, {token})
      assert.deepEqual(atSubscription.body.value, [{actions: OPERATOR_ROLE.actions, notActions: [], dataActions: [], notDataActions: []}])
      const {credential} = await define('elsewhere', {actions: ['*/read'], scopes: [`${sub}/resourceGroups/rg-spoke-eus2`]})
      assert.deepEqual(await all((await authorization(credential)).permissions.listForResourceGroup('rg-global')), [], 'no assignment reaches rg-global')
      assert.deepEqual((await all((await authorization(credential)).permissions.listForResourceGroup('rg-spoke-eus2')))[0].actions, ['*/read'])
    })

    it('creates, reads and lists locks at resource group and resource scope; a CanNotDelete lock makes a DELETE fail with ScopeLocked', async () => {
      const client = await locks()
      const rg = 'rg-spoke-eus2'
      const created = await client.managementLocks.createOrUpdateAtResourceGroupLevel(rg, 'keep-endpoints', {level: 'CanNotDelete', notes: 'change board'})
      assert.equal(created.id, `${sub}/resourceGroups/${rg}/providers/Microsoft.Authorization/locks/keep-endpoints`)
      assert.equal((await client.managementLocks.getAtResourceGroupLevel(rg, 'keep-endpoints')).level, 'CanNotDelete')
      assert.deepEqual((await all(client.managementLocks.listAtSubscriptionLevel())).map((l) => l.name), ['keep-endpoints'])
      const network = await sb.clientsWith(secretCredential('operator')).network()
      await assert.rejects(network.privateEndpoints.beginDeleteAndWait(rg, 'pe-kv-app-eus2'), (e: any) => {
        assert.equal(e.statusCode, 409)
        assert.equal(e.code, 'ScopeLocked')
        assert.equal(e.message, `The scope '${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/pe-kv-app-eus2' cannot perform delete operation because following scope(s) are locked: '${sub}/resourceGroups/${rg}'. Please remove the lock and try again.`)
        return true
      })
      assert.ok(await network.privateEndpoints.get(rg, 'pe-kv-app-eus2'), 'still there')
      await client.managementLocks.deleteAtResourceGroupLevel(rg, 'keep-endpoints')
      assert.deepEqual(await all(client.managementLocks.listAtResourceGroupLevel(rg)), [])
    })

    it('a ReadOnly lock on a resource refuses its changes (not its reads) until removed', async () => {
      const client = await locks()
      await client.managementLocks.createOrUpdateAtResourceLevel('rg-global', 'Microsoft.Network', '', 'trafficManagerProfiles', 'tm-app', 'frozen', {level: 'ReadOnly'})
      const listed = await all(client.managementLocks.listAtResourceLevel('rg-global', 'Microsoft.Network', '', 'trafficManagerProfiles', 'tm-app'))
      assert.deepEqual(listed.map((l) => l.level), ['ReadOnly'])
      const tm = await sb.clientsWith(secretCredential('operator')).trafficManager()
      await tm.profiles.get('rg-global', 'tm-app')
      await assert.rejects(tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'}), (e: any) => e.statusCode === 409 && e.code === 'ScopeLocked' && e.message.includes('cannot perform write operation'))
      await client.managementLocks.deleteAtResourceLevel('rg-global', 'Microsoft.Network', '', 'trafficManagerProfiles', 'tm-app', 'frozen')
      await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
    })

    it('needs Microsoft.Authorization/locks/write to place a lock, and refuses an invalid level', async () => {
      await assert.rejects((await locks(secretCredential('operator'))).managementLocks.createOrUpdateAtResourceGroupLevel('rg-global', 'nope', {level: 'CanNotDelete'}), (e: any) => e.statusCode === 403 && e.message.includes("'Microsoft.Authorization/locks/write'"))
      assert.deepEqual(await all((await locks(secretCredential('operator'))).managementLocks.listAtResourceGroupLevel('rg-global')), [], 'operator may read locks')
      const bad = await sb.raw('PUT', `${sub}/resourceGroups/rg-global/providers/Microsoft.Authorization/locks/x?api-version=2020-05-01`, json({properties: {level: 'Sometimes'}}))
      assert.deepEqual([bad.status, bad.body.error.code], [400, 'InvalidLockLevel'])
    })
  })
})
