// `azfail sandbox env --identity NAME`: the exports that point a program's production credential path at the running
// sandbox. A shell evals them and a child process (so NODE_EXTRA_CA_CERTS applies) signs in with DefaultAzureCredential
// pinned to workload identity, then calls ARM through the real SDK client at the custom cloud's endpoint.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {BIN, ROOT, type TestSandbox, runCli, startTestSandbox, tempDir} from '../helpers.ts'

const VARIABLES = [
  'AZURE_TOKEN_CREDENTIALS',
  'AZURE_AUTHORITY_HOST',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_SUBSCRIPTION_ID',
  'NODE_EXTRA_CA_CERTS',
  'AZFAIL_ARM_ENDPOINT',
  'AZFAIL_RESOLVERS',
  'AZFAIL_CONNECT',
]

/**
 * Reads the Traffic Manager profile and enables an endpoint as the exported identity, with nothing but the exports in
 * the environment. Any connection off loopback (a metadata address, the public cloud) throws instead of leaving.
 */
const PROGRAM = `
import net from 'node:net'
import {DefaultAzureCredential} from '@azure/identity'
import {TrafficManagerManagementClient} from '@azure/arm-trafficmanager'
const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0]
  const o = first !== null && typeof first === 'object' ? first : {port: first, host: args[1]}
  if (!o.path && !/^127\\./.test(o.host ?? '127.0.0.1')) throw new Error('refused to connect off loopback, to ' + o.host)
  return connect.apply(this, args)
}
const endpoint = process.env.AZFAIL_ARM_ENDPOINT
const credential = new DefaultAzureCredential({disableInstanceDiscovery: true})
const client = new TrafficManagerManagementClient(credential, process.env.AZURE_SUBSCRIPTION_ID, {endpoint, credentialScopes: [endpoint + '/.default']})
try {
  const profile = await client.profiles.get('rg-global', 'tm-app')
  await client.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Enabled'})
  const claims = JSON.parse(Buffer.from((await credential.getToken(endpoint + '/.default')).token.split('.')[1], 'base64url'))
  console.log(JSON.stringify({profile: profile.name, written: true, tokenLifetime: claims.exp - claims.iat}))
} catch (e) {
  console.log(JSON.stringify({status: e.statusCode, code: e.code, message: e.message}))
}
`

/** `sh -c 'eval "$EXPORTS"; node …'` with an environment holding only PATH and HOME besides what eval sets. */
const evalAndRun = (exports: string) => shell('eval "$EXPORTS" && exec "$NODE" --input-type=module -e "$PROGRAM"', {EXPORTS: exports})

/**
 * In a new network namespace holding only loopback: start the sandbox with 30 s tokens, eval its exports for
 * operator, run the program. Nothing outside the namespace is reachable, whatever a credential chain tried.
 */
const IN_NAMESPACE = `
ip link set lo up || exit 90
"$NODE" "$BIN" sandbox start --state-dir "$DIR" --token-lifetime 30s 2>/dev/null &
sandbox=$!
tries=0
until [ -f "$DIR/connection.json" ]; do tries=$((tries + 1)); [ $tries -gt 600 ] && exit 91; sleep 0.1; done
eval "$("$NODE" "$BIN" sandbox env --identity operator --state-dir "$DIR")" || exit 92
"$NODE" --input-type=module -e "$PROGRAM"
status=$?
kill $sandbox && wait $sandbox
exit $status
`
const namespaces = spawnSync('unshare', ['-rn', 'true']).status === 0

/** Runs `sh -c script`, after `prefix` (e.g. `unshare -rn`) when given, in a clean environment. */
function shell(script: string, env: Record<string, string>, prefix: string[] = []): Promise<{code: number | null; stdout: string; stderr: string}> {
  const [command, ...args] = [...prefix, 'sh', '-c', script]
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE: process.execPath, BIN, PROGRAM, ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

describe('azfail sandbox env', () => {
  let sb: TestSandbox
  // A state dir with a space and a quote: the exports must survive the shell as they are.
  before(async () => (sb = await startTestSandbox(tempDir("azfail env it's "), {publish: true})))
  after(() => sb.stop())

  it('prints one quoted export per variable; eval-ed, DefaultAzureCredential signs in as operator and ARM logs it as the caller', async () => {
    const r = await runCli(['sandbox', 'env', '--identity', 'operator', '--state-dir', sb.dir])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.deepEqual(lines.map((l) => /^export (\w+)='/.exec(l)?.[1]), VARIABLES)
    const operator = sb.handle.connection.identities.operator
    assert.ok(lines.includes(`export AZURE_CLIENT_ID='${operator.clientId}'`))
    assert.ok(lines.includes(`export AZFAIL_RESOLVERS='${Object.entries(sb.resolvers).map(([k, v]) => `${k}=${v}`).join(',')}'`))

    sb.mark()
    const run = await evalAndRun(r.stdout)
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), {profile: 'tm-app', written: true, tokenLifetime: 3600})
    const log = sb.requests()
    assert.ok(log.some((e) => e.path.endsWith('/oauth2/v2.0/token') && e.status === 200 && e.caller === operator.clientId), 'a token issued to operator by federated assertion')
    const arm = log.filter((e) => e.path.startsWith('/subscriptions/'))
    assert.deepEqual(arm.map((e) => [e.method, e.status, e.caller]), [['GET', 200, operator.clientId], ['PATCH', 200, operator.clientId]])
  })

  it('in a loopback-only network namespace: sandbox start --token-lifetime 30s, env, and the program as operator', {skip: namespaces ? false : 'unshare -rn is not available here'}, async () => {
    const run = await shell(IN_NAMESPACE, {DIR: tempDir('azfail-netns-')}, ['unshare', '-rn'])
    assert.equal(run.code, 0, run.stdout + run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), {profile: 'tm-app', written: true, tokenLifetime: 30})
  })

  it('as reader, the same program reads and is refused the write with AuthorizationFailed', async () => {
    const r = await runCli(['sandbox', 'env', '--identity', 'reader', '--state-dir', sb.dir])
    assert.equal(r.code, 0, r.stderr)
    const run = await evalAndRun(r.stdout)
    const out = JSON.parse(run.stdout)
    assert.deepEqual([out.status, out.code], [403, 'AuthorizationFailed'])
    assert.match(out.message, /does not have authorization to perform action 'Microsoft\.Network\/trafficManagerProfiles\/azureEndpoints\/write'/)
  })

  it('exports an identity defined at run time through the control endpoint', async () => {
    assert.equal((await sb.control('PUT', 'identities/on-call', {actions: ['*/read']})).status, 200)
    const r = await runCli(['sandbox', 'env', '--identity', 'on-call', '--state-dir', sb.dir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^export AZURE_CLIENT_ID='${sb.handle.connection.identities['on-call'].clientId}'$`, 'm'))
    assert.match(r.stdout, /^export AZURE_FEDERATED_TOKEN_FILE='.+\/identities\/on-call\.jwt'$/m)
  })

  it('refuses an unknown identity with exit 2, naming the ones there are', async () => {
    const r = await runCli(['sandbox', 'env', '--identity', 'root', '--state-dir', sb.dir])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /no identity 'root'\. Its identities: operator, reader, lacks-one(, on-call)?\./)
  })

  it('refuses with exit 2 when no sandbox runs for the state dir', async () => {
    const r = await runCli(['sandbox', 'env', '--identity', 'operator', '--state-dir', tempDir()])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /No sandbox is running for .+azfail sandbox start/s)
  })

  it('sandbox status --json prints the identities without their secrets', async () => {
    const r = await runCli(['sandbox', 'status', '--state-dir', sb.dir, '--json'])
    const ids = JSON.parse(r.stdout).result.connection.identities
    assert.deepEqual(Object.keys(ids).slice(0, 3), ['operator', 'reader', 'lacks-one'])
    for (const id of Object.values<any>(ids)) assert.equal(id.clientSecret, '(redacted)')
    assert.ok(!r.stdout.includes(sb.handle.connection.identities.operator.clientSecret))
  })

  it('sandbox reset --token-lifetime sets the lifetime in the running sandbox; a lifetime under 1s is refused with exit 2', async () => {
    const bad = await runCli(['sandbox', 'reset', '--token-lifetime', '0s', '--yes', '--state-dir', sb.dir])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--token-lifetime '0s' is not a duration from 1s to 24h/)
    const r = await runCli(['sandbox', 'reset', '--token-lifetime', '45s', '--yes', '--state-dir', sb.dir])
    assert.equal(r.code, 0, r.stderr)
    assert.equal((await sb.control('GET', 'state')).body.settings.tokenLifetimeSeconds, 45)
  })

  it('--az prints exports and az commands that a shell evals: its own config dir, the CA, telemetry and instance discovery off, the shim first on PYTHONPATH, the cloud, the sign-in', async () => {
    const r = await runCli(['sandbox', 'env', '--az', '--identity', 'operator', '--state-dir', sb.dir])
    assert.equal(r.code, 0, r.stderr)
    // az stands in for the CLI here: a shell function that records how it was called (test/e2e/az-cli.test.ts runs the real one)
    const script = 'az() { printf "%s|" "$@" >> "$LOG"; echo >> "$LOG"; }; eval "$EXPORTS" && env | grep -E "^(AZURE_|REQUESTS_CA_BUNDLE|PYTHONPATH)" | sort'
    const log = `${tempDir('azfail-az-log-')}/calls`
    const run = await shell(script, {EXPORTS: r.stdout, LOG: log, PYTHONPATH: '/opt/mine'})
    assert.equal(run.code, 0, run.stderr)
    const operator = sb.handle.connection.identities.operator
    assert.deepEqual(run.stdout.trim().split('\n'), [
      `AZURE_CONFIG_DIR=${sb.dir}/az/config`,
      'AZURE_CORE_COLLECT_TELEMETRY=false',
      'AZURE_CORE_INSTANCE_DISCOVERY=false',
      `PYTHONPATH=${sb.dir}/az/python:/opt/mine`,
      `REQUESTS_CA_BUNDLE=${sb.handle.connection.caCertPath}`,
    ])
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      `cloud|register|-n|azfail-sandbox|--endpoint-resource-manager|${sb.handle.connection.armEndpoint}/|-o|none|`,
      'cloud|set|-n|azfail-sandbox|--only-show-errors|',
      `login|--service-principal|-u|${operator.clientId}|-p|${operator.clientSecret}|--tenant|${sb.handle.connection.tenantId}|-o|none|`,
    ])
    assert.match(readFileSync(join(sb.dir, 'az', 'python', 'sitecustomize.py'), 'utf8'), /instance_discovery=False/, 'the shim an az before 2.53 loads')
    const unknown = await runCli(['sandbox', 'env', '--az', '--identity', 'root', '--state-dir', sb.dir])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /no identity 'root'/)
  })

  it('--help shows the eval example', async () => {
    const r = await runCli(['sandbox', 'env', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /eval "\$\(azfail sandbox env --identity operator\)"/)
    assert.match(r.stdout, /eval "\$\(azfail sandbox env --az --identity operator\)"/)
  })
})
