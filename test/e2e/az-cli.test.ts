// Azure's own CLI against the sandbox (issue 18): Debian's azure-cli, set up by `azfail sandbox env --az` and nothing
// else, runs the seeds' manual procedure and each operation answers as Azure does. The sandbox runs in a network
// namespace with only loopback up (`unshare -n`), and every az joins it (`nsenter --net`): nothing az does can leave
// 127.0.0.0/8, whatever it tried (MSAL's instance discovery included).
//
// Debian's az 2.45 fails every `az network …` command but `az network private-dns` before sending a request (its
// network module wants azure-mgmt-network models Debian does not ship), so Traffic Manager is read and written with
// `az resource show|update` (the GET, then the whole-body PUT, that `az network traffic-manager … update` sends) and
// private endpoints are listed with `az rest` and deleted with `az resource delete`, at the network module's api-version.
import assert from 'node:assert/strict'
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {BIN, tempDir} from '../helpers.ts'

const missing = process.getuid?.() !== 0
  ? 'needs root for a network namespace of its own (unshare -n, nsenter)'
  : spawnSync('az', ['version'], {stdio: 'ignore'}).error
    ? 'needs the Azure CLI (Debian: apt-get install azure-cli)'
    : spawnSync('unshare', ['-n', 'true']).status !== 0
      ? 'cannot make a network namespace here (unshare -n)'
      : undefined

const TM = 'resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app'
const PE = 'resourceGroups/rg-spoke-eus2/providers/Microsoft.Network/privateEndpoints'

describe("Azure's CLI against the sandbox, set up by sandbox env --az", {skip: missing ?? false}, () => {
  const dir = tempDir('azfail-az-')
  let sandbox: ChildProcess
  let pid: number
  let sub: string
  let env: NodeJS.ProcessEnv

  /** Runs a command inside the sandbox's network namespace. */
  const inside = (cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args], {encoding: 'utf8', env: {...process.env, ...extra}, timeout: 180_000})
  /** One az command as the procedure types it; its output, parsed when it is JSON. */
  const az = (...args: string[]) => {
    const r = inside('az', args, env)
    assert.equal(r.status, 0, `az ${args.join(' ')}: ${r.stderr}`)
    const out = r.stdout.trim()
    return out.startsWith('{') || out.startsWith('[') ? JSON.parse(out) : out
  }
  const log = () => readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {method: string; path: string; apiVersion: string; status: number})
  let seen = 0
  /** The ARM requests since the last call, as `METHOD STATUS last-two-path-segments` (lower case), polls and tokens left out. */
  const requests = () => {
    const all = log()
    const added = all.slice(seen)
    seen = all.length
    return added.filter((e) => !/operation(Statuses|Results)\/|oauth2/.test(e.path)).map((e) => `${e.method} ${e.status} ${e.path.split('/').slice(-2).join('/').toLowerCase()}`)
  }

  before(async () => {
    sandbox = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$1" sandbox start --state-dir "$2"', process.execPath, BIN, dir], {stdio: 'ignore'})
    const file = join(dir, 'connection.json')
    for (let i = 0; i < 600 && !existsSync(file); i++) await delay(100)
    const conn = JSON.parse(readFileSync(file, 'utf8'))
    pid = conn.pid
    sub = conn.subscriptionId
    // The procedure's operator may do what the seeds' runbook does by hand: a Contributor-like identity, defined through
    // the control endpoint (the built-in operator has exactly azfail's actions, which read endpoints through their profile).
    const define = `const r = await fetch(process.argv[1], {method: 'PUT', headers: {authorization: 'Bearer ' + process.argv[2], 'content-type': 'application/json'}, body: process.argv[3]}); if (!r.ok) process.exit(1)`
    const role = JSON.stringify({actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write']})
    assert.equal(inside(process.execPath, ['--input-type=module', '-e', define, `${conn.controlEndpoint}/identities/procedure`, conn.token, role], {NODE_EXTRA_CA_CERTS: conn.caCertPath}).status, 0)
    // what a user does: eval the lines (here: run them as a script), then use az with the exports
    const printed = inside(process.execPath, [BIN, 'sandbox', 'env', '--az', '--identity', 'procedure', '--state-dir', dir, '--json'])
    assert.equal(printed.status, 0, printed.stderr)
    const {result} = JSON.parse(printed.stdout)
    env = result.environment
    const setUp = inside('sh', ['-c', result.commands.join('\n') + '\n'], env)
    assert.equal(setUp.status, 0, setUp.stderr)
    seen = log().length
  })
  after(async () => {
    if (!sandbox) return
    const closed = new Promise((r) => sandbox.once('close', r))
    sandbox.kill('SIGTERM')
    await closed
  })

  it('signs in as the identity, in the sandbox cloud, to the sandbox subscription', () => {
    assert.deepEqual(az('account', 'show', '--query', '{cloud: environmentName, sub: id, user: user.type}'), {cloud: 'azfail-sandbox', sub, user: 'servicePrincipal'})
  })

  it('Traffic Manager: disables an endpoint, then sets the profile TTL with the whole-body PUT, which keeps the endpoint disabled', () => {
    const tm = `/subscriptions/${sub}/${TM}`
    assert.equal(az('resource', 'update', '--ids', `${tm}/azureEndpoints/ep-eus2`, '--api-version', '2022-04-01', '--set', 'properties.endpointStatus=Disabled', '--query', 'properties.endpointStatus', '-o', 'tsv'), 'Disabled')
    const profile = az('resource', 'update', '--ids', tm, '--api-version', '2022-04-01-preview', '--set', 'properties.dnsConfig.ttl=30', '--query', '{ttl: properties.dnsConfig.ttl, endpoints: properties.endpoints[].[name, properties.endpointStatus]}')
    assert.deepEqual(profile, {ttl: 30, endpoints: [['ep-eus2', 'Disabled'], ['ep-wus2', 'Enabled']]})
    assert.deepEqual(requests(), ['GET 200 azureendpoints/ep-eus2', 'PUT 200 azureendpoints/ep-eus2', 'GET 200 trafficmanagerprofiles/tm-app', 'PUT 200 trafficmanagerprofiles/tm-app'])
  })

  it('Private DNS: reads a record set TTL and repoints the CNAME with set-record', () => {
    assert.equal(az('network', 'private-dns', 'record-set', 'a', 'show', '-g', 'rg-connectivity-dns', '-z', 'privatelink.vaultcore.azure.net', '-n', 'kv-app-eus2', '--query', 'ttl', '-o', 'tsv'), '10')
    const cname = az('network', 'private-dns', 'record-set', 'cname', 'set-record', '-g', 'rg-connectivity-dns', '-z', 'private.postgres.database.azure.com', '-n', 'prod', '-c', 'pg-app-wus2.private.postgres.database.azure.com', '--query', 'cnameRecord.cname', '-o', 'tsv')
    assert.equal(cname, 'pg-app-wus2.private.postgres.database.azure.com')
    assert.deepEqual(requests(), ['GET 200 a/kv-app-eus2', 'GET 200 cname/prod', 'PUT 200 cname/prod'])
  })

  it('private endpoints: listed, one deleted as a long-running operation, and the A record its zone group wrote is reaped', () => {
    assert.equal(az('rest', '--method', 'get', '--url', `/subscriptions/{subscriptionId}/${PE}?api-version=2022-01-01`, '--query', 'value[].name', '-o', 'tsv'), 'pe-kv-app-eus2\npe-sqlfog-eus2\npe-cosmos-eus2')
    az('resource', 'delete', '--ids', `/subscriptions/${sub}/${PE}/pe-kv-app-eus2`, '--api-version', '2022-01-01')
    assert.equal(az('network', 'private-dns', 'record-set', 'a', 'list', '-g', 'rg-connectivity-dns', '-z', 'privatelink.vaultcore.azure.net', '--query', '[].name', '-o', 'tsv'), 'kv-app-wus2')
    assert.deepEqual(requests(), ['GET 200 microsoft.network/privateendpoints', 'DELETE 202 privateendpoints/pe-kv-app-eus2', 'GET 200 privatelink.vaultcore.azure.net/a'])
  })

  it('Front Door: afd origin update disables an origin (GET, then the whole-body PUT, a long-running operation)', () => {
    const origin = az('afd', 'origin', 'update', '-g', 'rg-global', '--profile-name', 'fd-app', '--origin-group-name', 'og-app', '--origin-name', 'origin-eus2', '--enabled-state', 'Disabled', '--query', '[enabledState, provisioningState]', '-o', 'tsv')
    assert.equal(origin, 'Disabled\nSucceeded')
    assert.deepEqual(requests(), ['GET 200 origins/origin-eus2', 'PUT 200 origins/origin-eus2', 'GET 200 origins/origin-eus2'])
  })

  it('PostgreSQL: show, replica list, and stop-replication promotes the replica to a standalone server', () => {
    assert.equal(az('postgres', 'flexible-server', 'show', '-g', 'rg-data-wus2', '-n', 'pg-app-wus2', '--query', 'replicationRole', '-o', 'tsv'), 'GeoAsyncReplica')
    assert.equal(az('postgres', 'flexible-server', 'replica', 'list', '-g', 'rg-data-eus2', '-n', 'pg-app-eus2', '--query', '[].name', '-o', 'tsv'), 'pg-app-wus2')
    assert.equal(az('postgres', 'flexible-server', 'replica', 'stop-replication', '-g', 'rg-data-wus2', '-n', 'pg-app-wus2', '--yes', '--query', 'replicationRole', '-o', 'tsv'), 'None')
    assert.deepEqual(requests(), ['GET 200 flexibleservers/pg-app-wus2', 'GET 200 pg-app-eus2/replicas', 'GET 200 flexibleservers/pg-app-wus2', 'PATCH 202 flexibleservers/pg-app-wus2', 'GET 200 flexibleservers/pg-app-wus2'])
  })

  it('SQL: failover-group set-primary makes the partner it is run against the primary', () => {
    az('sql', 'failover-group', 'set-primary', '-g', 'rg-data-wus2', '-s', 'sql-app-wus2', '-n', 'app-fog')
    assert.equal(az('sql', 'failover-group', 'show', '-g', 'rg-data-wus2', '-s', 'sql-app-wus2', '-n', 'app-fog', '--query', 'replicationRole', '-o', 'tsv'), 'Primary')
    assert.deepEqual(requests(), ['GET 200 failovergroups/app-fog', 'POST 202 app-fog/failover', 'GET 200 failovergroups/app-fog'])
  })

  it('Cosmos DB: failover-priority-change moves the write region', () => {
    az('cosmosdb', 'failover-priority-change', '-g', 'rg-data-eus2', '-n', 'cosmos-app', '--failover-policies', 'westus2=0', 'eastus2=1')
    assert.equal(az('cosmosdb', 'show', '-g', 'rg-data-eus2', '-n', 'cosmos-app', '--query', 'writeLocations[0].locationName', '-o', 'tsv'), 'West US 2')
    assert.deepEqual(requests(), ['POST 202 cosmos-app/failoverprioritychange', 'GET 200 databaseaccounts/cosmos-app'])
  })
})
