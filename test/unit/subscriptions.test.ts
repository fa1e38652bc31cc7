// Many subscriptions in a runbook: a reference names its own subscription or is a full ARM resource ID; the loader
// hands every reference on with its subscription, and tells a bad one by file, line and field. And the DNS suffixes
// of the sovereign clouds.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {CLOUDS, dnsSuffixes} from '../../src/azure/target.ts'
import type {LiveState} from '../../src/estate/state.ts'
import {DEMO_RUNBOOK, RunbookError, parseRunbook} from '../../src/runbook/load.ts'
import {verifyListener} from '../../src/steps/verify-alias.ts'
import type {StepContext} from '../../src/steps/context.ts'
import {ROOT} from '../helpers.ts'

const DEMO = readFileSync(DEMO_RUNBOOK, 'utf8')
const SUB = '11111111-2222-3333-4444-555555555555'
const PE_LINE = '        - {resourceGroup: rg-spoke-eus2, name: pe-kv-app-eus2}'
const peId = (sub: string, tail = 'Microsoft.Network/privateEndpoints/pe-kv-app-eus2') => `/subscriptions/${sub}/resourceGroups/rg-spoke-eus2/providers/${tail}`

/** The demo runbook with one text replaced (which must be there). */
function edited(from: string, to: string): string {
  assert.ok(DEMO.includes(from), `the demo runbook holds ${from}`)
  return DEMO.replace(from, to)
}

/** The one problem a runbook has: its line, field and message. */
function problem(text: string): {line: number; field: string; message: string} {
  try {
    parseRunbook(text, 'rb.yaml')
  } catch (error) {
    assert.ok(error instanceof RunbookError, String(error))
    assert.equal(error.problems.length, 1, error.message)
    return error.problems[0]
  }
  assert.fail('the runbook loaded')
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1

describe('runbook references in many subscriptions', () => {
  it('hands on a reference that names its own subscription with it, and one that names none without', () => {
    const {runbook} = parseRunbook(edited(PE_LINE, `        - {subscription: ${SUB}, resourceGroup: rg-spoke-eus2, name: pe-kv-app-eus2}`), 'rb.yaml')
    assert.deepEqual(runbook.estate.regions.eus2.privateEndpoints[0], {subscription: SUB, resourceGroup: 'rg-spoke-eus2', name: 'pe-kv-app-eus2'})
    assert.deepEqual(runbook.estate.regions.eus2.privateEndpoints[1], {resourceGroup: 'rg-spoke-eus2', name: 'pe-sqlfog-eus2'})
  })

  it('reads a full ARM resource ID, as a list item or as id:, into subscription, resource group and name', () => {
    const text = edited(PE_LINE, `        - ${peId(SUB)}`)
      .replace('    cosmos:\n      resourceGroup: rg-data-eus2\n      account: cosmos-app', `    cosmos:\n      id: /subscriptions/${SUB}/resourceGroups/rg-data-eus2/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-app`)
      .replace('    frontDoor:\n      resourceGroup: rg-global\n      profile: fd-app', `    frontDoor:\n      id: /SUBSCRIPTIONS/${SUB}/resourcegroups/rg-global/providers/microsoft.cdn/profiles/fd-app`)
      .replace('        wus2: {resourceGroup: rg-data-wus2, name: pg-app-wus2}', `        wus2: /subscriptions/${SUB}/resourceGroups/rg-data-wus2/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-app-wus2`)
    const {estate} = parseRunbook(text, 'rb.yaml').runbook
    assert.deepEqual(estate.regions.eus2.privateEndpoints[0], {subscription: SUB, resourceGroup: 'rg-spoke-eus2', name: 'pe-kv-app-eus2'})
    assert.deepEqual(estate.data.cosmos, {subscription: SUB, resourceGroup: 'rg-data-eus2', account: 'cosmos-app'})
    assert.equal(estate.steering.frontDoor?.subscription, SUB)
    assert.equal(estate.steering.frontDoor?.profile, 'fd-app')
    assert.equal(estate.steering.frontDoor?.originGroup, 'og-app')
    assert.deepEqual(estate.data.postgres?.servers.wus2, {subscription: SUB, resourceGroup: 'rg-data-wus2', name: 'pg-app-wus2'})
  })

  it('keeps the state zone and the CNAME in the subscription they name (a connectivity subscription)', () => {
    const text = edited('  cname:\n    resourceGroup: rg-connectivity-dns', `  cname:\n    subscription: ${SUB}\n    resourceGroup: rg-connectivity-dns`)
    assert.equal(parseRunbook(text, 'rb.yaml').runbook.estate.cname?.subscription, SUB)
    const zoneId = `/subscriptions/${SUB}/resourceGroups/rg-state/providers/Microsoft.Network/privateDnsZones/azfail.internal`
    const withZone = parseRunbook(`${DEMO}  stateZone:\n    id: ${zoneId}\n`, 'rb.yaml').runbook.estate.stateZone
    assert.deepEqual(withZone, {subscription: SUB, resourceGroup: 'rg-state', zone: 'azfail.internal'})
  })

  const bad: Array<[string, string, RegExp, string]> = [
    ['a subscription that is no GUID', `        - {subscription: prod-sub, resourceGroup: rg-spoke-eus2, name: pe-kv-app-eus2}`, /not a subscription id: a GUID/, 'estate.regions.eus2.privateEndpoints.0.subscription'],
    ['an ARM ID whose subscription is no GUID', `        - ${peId('prod-sub')}`, /the subscription 'prod-sub' in this ARM resource ID is not a subscription id/, 'estate.regions.eus2.privateEndpoints.0'],
    ['an ARM ID of another resource type', `        - ${peId(SUB, 'Microsoft.Sql/servers/pe-kv-app-eus2')}`, /names a Microsoft.Sql\/servers, not a Microsoft.Network\/privateEndpoints/, 'estate.regions.eus2.privateEndpoints.0'],
    ['a string that is no ARM ID', `        - pe-kv-app-eus2`, /not an ARM resource ID: expected \/subscriptions\/<subscription id>\/resourceGroups\/<group>\/providers\/Microsoft.Network\/privateEndpoints\/<name>/, 'estate.regions.eus2.privateEndpoints.0'],
    ['an ARM ID with a name Azure refuses', `        - ${peId(SUB, 'Microsoft.Network/privateEndpoints/-pe')}`, /not a valid private endpoint name/, 'estate.regions.eus2.privateEndpoints.0'],
    ['an id beside the fields it names', `        - {id: '${peId(SUB)}', resourceGroup: rg-spoke-eus2}`, /give either id or resourceGroup, not both/, 'estate.regions.eus2.privateEndpoints.0.id'],
    ['neither an id nor a name', `        - {resourceGroup: rg-spoke-eus2}`, /is required but missing/, 'estate.regions.eus2.privateEndpoints.0.name'],
  ]
  for (const [what, line, message, field] of bad) {
    it(`refuses ${what}, naming its line and field`, () => {
      const text = edited(PE_LINE, line)
      const p = problem(text)
      assert.equal(p.field, field)
      assert.match(p.message, message)
      assert.equal(p.line, lineOf(text, line.trim()))
    })
  }

  it('loads the bundled hub-spoke runbook: every reference outside the default subscription carries its own', () => {
    const {estate} = parseRunbook(readFileSync(join(ROOT, 'runbooks', 'hub-spoke.yaml'), 'utf8'), 'hub-spoke.yaml').runbook
    const subs = new Set([
      estate.steering.frontDoor?.subscription,
      estate.cname?.subscription,
      estate.data.cosmos?.subscription,
      ...Object.values(estate.regions).flatMap((r) => r.privateEndpoints.map((p) => p.subscription)),
      ...Object.values(estate.data.postgres?.servers ?? {}).map((s) => s.subscription),
      ...Object.values(estate.data.sqlFailoverGroup?.servers ?? {}).map((s) => s.subscription),
    ])
    assert.equal(subs.size, 4, [...subs].join(' '))
    assert.ok(Object.values(estate.regions).every((r) => r.privateEndpoints.length === 3 && r.privateEndpoints.every((p) => p.subscription)))
  })
})

describe('DNS suffixes come from the cloud', () => {
  const demo = parseRunbook(DEMO, 'demo.yaml').runbook.estate
  const state = {data: {sqlFailoverGroup: {name: 'app-fog', servers: [{region: 'eus2', name: 'sql-app-eus2', role: 'Secondary'}, {region: 'wus2', name: 'sql-app-wus2', role: 'Primary'}]}}} as unknown as LiveState
  const listenerSummary = (cloud: string | undefined) => {
    const ctx = {estate: demo, resolvers: {}, now: Date.now, target: {record: {kind: cloud ? 'azure' : 'sandbox', ...(cloud ? {cloud} : {})}}} as unknown as StepContext
    return verifyListener.create(ctx, {action: 'promote-failover-group', to: 'wus2', ordinal: 0}).plan(state).summary
  }

  it('US Government: SQL, PostgreSQL, Cosmos DB and Key Vault names end in its suffixes, and the listener check asks for them', () => {
    assert.deepEqual(CLOUDS.AzureUSGovernment.dns, {sqlServer: 'database.usgovcloudapi.net', postgres: 'postgres.database.usgovcloudapi.net', cosmos: 'documents.azure.us', keyVault: 'vault.usgovcloudapi.net'})
    assert.equal(listenerSummary('AzureUSGovernment'), 'every region resolves app-fog.database.usgovcloudapi.net to the address of sql-app-wus2.database.usgovcloudapi.net')
  })

  it('China (21Vianet): its own suffixes', () => {
    assert.deepEqual(CLOUDS.AzureChinaCloud.dns, {sqlServer: 'database.chinacloudapi.cn', postgres: 'postgres.database.chinacloudapi.cn', cosmos: 'documents.azure.cn', keyVault: 'vault.azure.cn'})
    assert.equal(listenerSummary('AzureChinaCloud'), 'every region resolves app-fog.database.chinacloudapi.cn to the address of sql-app-wus2.database.chinacloudapi.cn')
  })

  it('the public cloud, and the sandbox that emulates it', () => {
    assert.equal(dnsSuffixes({record: {kind: 'azure', cloud: 'AzurePublicCloud'}}).sqlServer, 'database.windows.net')
    assert.equal(listenerSummary(undefined), 'every region resolves app-fog.database.windows.net to the address of sql-app-wus2.database.windows.net')
  })
})
