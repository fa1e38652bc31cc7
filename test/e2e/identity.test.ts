// azfail's production path (no --sandbox) against the sandbox's Entra ID and RBAC, each session inside a loopback-only
// network namespace: a credential that fell through to a cloud metadata address could reach nothing. Signed in as
// the sandbox's identities the way a user would (eval "$(azfail sandbox env --identity X)"), every command runs
// through DefaultAzureCredential's workload identity, the custom cloud's endpoint and CA, and the permissions guard.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {type RequestLogEntry, readRequestLog} from '#sandbox'
import {DEMO_RUNBOOK, loadRunbook} from '../../src/runbook/load.ts'
import {neededPermissions, stepKindsOf} from '../../src/steps/permissions.ts'
import {ROOT, tempDir} from '../helpers.ts'
import type {SessionResult, SessionSpec} from './netns-session.ts'

const SESSION = join(import.meta.dirname, 'netns-session.ts')

interface Session extends SessionResult {
  requests: RequestLogEntry[]
  runbook: string
  work: string
}

/** Runs a session in its own network namespace with only loopback up; the sandbox starts inside it. */
async function session(spec: Omit<SessionSpec, 'stateDir' | 'work' | 'runbook' | 'ttl'> & {drainSeconds?: number}): Promise<Session> {
  const stateDir = tempDir()
  const work = tempDir('azfail-work-')
  const runbook = join(work, 'azfail.yaml')
  // No write check: this sandbox runs no PostgreSQL, and the production path connects where the resolver says.
  const text = readFileSync(DEMO_RUNBOOK, 'utf8')
    .replace('connectionDrainSeconds: 3', `connectionDrainSeconds: ${spec.drainSeconds ?? 1}`)
    .replace(/^\s*writeCheck:.*$/m, '')
  writeFileSync(runbook, text)
  const full: SessionSpec = {...spec, stateDir, work, runbook, ttl: 1, commands: spec.commands.map((c) => ({...c, args: [...c.args, '--runbook', runbook]}))}
  const specFile = join(work, 'spec.json')
  writeFileSync(specFile, JSON.stringify(full))
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, SESSION, specFile], {cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit']})
    child.on('error', reject)
    child.on('close', resolve)
  })
  assert.equal(code, 0, 'the session ran')
  return {...(JSON.parse(readFileSync(join(work, 'session.json'), 'utf8')) as SessionResult), requests: readRequestLog(stateDir), runbook, work}
}

const isToken = (r: RequestLogEntry) => /\/oauth2\/v2\.0\/token$/.test(r.path)
const writesOf = (requests: RequestLogEntry[]) => requests.filter((r) => r.method !== 'GET' && !isToken(r) && !r.path.startsWith('/_sandbox'))
const json = (run: {stdout: string}) => JSON.parse(run.stdout)
const failedChecks = (run: {stdout: string}) => json(run).result.checks.filter((c: {status: string}) => c.status === 'failed')
const output = (run: {stdout: string; stderr: string}) => `${run.stdout}\n${run.stderr}`

describe('the production path in a loopback-only network namespace', {concurrency: false}, () => {
  it('reader: the drain is refused by the permissions guard (exit 3) naming the action and scope, nothing is written; doctor exits 4', async () => {
    const s = await session({
      commands: [
        {identity: 'reader', args: ['drain', 'eus2', '--yes', '--json']},
        {identity: 'reader', args: ['doctor']},
        {identity: 'reader', args: ['doctor', '--json']},
        {identity: 'reader', args: ['gameday', '--json']},
        {identity: 'reader', args: ['lock', 'release', '--reason', 'testing', '--json']},
      ],
    })
    const [drain, doctor, doctorJson, gameday, release] = s.runs
    assert.equal(drain.code, 3, output(drain))
    const refused = json(drain)
    assert.equal(refused.error.guard, 'permissions')
    assert.match(refused.error.message, /lacks \d+ actions? the plan needs: Microsoft\.Network\/trafficManagerProfiles\/azureEndpoints\/write at \/subscriptions\/[^/]+\/resourceGroups\/rg-global\/providers\/Microsoft\.Network\/trafficManagerProfiles\/tm-app/)
    assert.match(refused.error.message, /Microsoft\.Network\/privateDnsZones\/TXT\/write at .*privateDnsZones\/private\.postgres\.database\.azure\.com \(for drainSteering, the run lock\)/)
    assert.deepEqual(writesOf(s.requests), [], 'nothing written: no PUT, PATCH, POST or DELETE reached ARM')
    assert.ok(s.requests.some((r) => r.caller === s.identities.reader.clientId && r.method === 'GET'), 'it did read, as the reader')
    assert.equal(doctor.code, 4, output(doctor))
    assert.match(doctor.stdout, /failed +app [\w-]+ may run drain/)
    assert.equal(doctorJson.code, 4)
    const failed = failedChecks(doctorJson).map((c: {id: string}) => c.id)
    for (const id of ['permissions/drain', 'permissions/teardown', 'permissions/restore', 'permissions/promote-replica', 'permissions/repoint', 'permissions/promote-failover-group', 'permissions/promote-cosmos']) assert.ok(failed.includes(id), `${id} failed: ${failed}`)
    assert.ok(!failed.includes('permissions/status') && !failed.includes('permissions/gameday'), 'a reader may read')
    assert.equal(json(doctorJson).result.principal.clientId, s.identities.reader.clientId, 'doctor names whom the token is for')
    assert.equal(gameday.code, 4, 'a game day fails on a missing permission')
    const gamedayFailed = json(gameday).result.checks.filter((c: {status: string}) => c.status === 'failed')
    assert.ok(gamedayFailed.some((c: {id: string; observed: string}) => c.id === 'permissions/drain' && c.observed.includes('Microsoft.Network/trafficManagerProfiles/azureEndpoints/write')), JSON.stringify(gamedayFailed))
    assert.equal(release.code, 3, output(release))
    assert.equal(json(release).error.guard, 'permissions')
    assert.match(json(release).error.message, /Microsoft\.Network\/privateDnsZones\/TXT\/delete at \S+privateDnsZones\/private\.postgres\.database\.azure\.com \(for releasing the lock\)/)
  })

  it('doctor names a management lock that would block a teardown; a lock that blocks nothing azfail does passes', async () => {
    const demo = loadRunbook(DEMO_RUNBOOK).runbook.estate
    const pe = `/subscriptions/${demo.subscription}/resourceGroups/rg-spoke-eus2/providers/Microsoft.Network/privateEndpoints/pe-kv-app-eus2`
    const s = await session({
      locks: [
        {scope: pe, name: 'freeze', level: 'CanNotDelete'},
        {scope: `/subscriptions/${demo.subscription}/resourceGroups/rg-data-eus2/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-app`, name: 'keep', level: 'CanNotDelete'},
      ],
      commands: [{identity: 'operator', args: ['doctor', '--json']}],
    })
    const [doctor] = s.runs
    assert.equal(doctor.code, 4, output(doctor))
    const failed = failedChecks(doctor)
    assert.deepEqual(failed.map((c: {id: string}) => c.id), ['locks/freeze'], 'only the lock over something azfail deletes')
    assert.equal(failed[0].observed, `CanNotDelete lock freeze ('change freeze') at ${pe} would block teardown`)
  })

  it('without AZURE_TOKEN_CREDENTIALS the chain leaves managed identity out, and a failed sign-in stops before any request', async () => {
    const unset = ['AZURE_TOKEN_CREDENTIALS', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE']
    const s = await session({
      commands: [
        {identity: 'operator', unset, args: ['doctor', '--json']},
        {identity: 'operator', unset, args: ['drain', 'eus2', '--yes']},
      ],
    })
    const [doctor, drain] = s.runs
    assert.equal(doctor.code, 4, output(doctor))
    const out = json(doctor).result
    assert.deepEqual(out.credentialChain, ['EnvironmentCredential', 'AzureCliCredential', 'AzureDeveloperCliCredential', 'AzurePowerShellCredential'])
    const token = out.checks.find((c: {id: string}) => c.id === 'identity/token')
    assert.equal(token.status, 'failed')
    assert.doesNotMatch(output(doctor), /ManagedIdentity/)
    assert.equal(drain.code, 1, output(drain))
    assert.match(drain.stderr, /Could not get an Azure token/)
    assert.deepEqual(s.requests, [], 'no token request and no ARM request reached the sandbox')
    assert.ok(!existsSync(join(s.work, '.azfail', 'runs')), 'no run journal was started')
  })

  it('operator: doctor exits 0, and every command passes with exactly that role; every write carries its client id as caller', async () => {
    const as = (...args: string[]) => ({identity: 'operator', args})
    const s = await session({
      commands: [
        as('doctor'),
        as('status'),
        as('gameday'),
        as('drain', 'eus2', '--yes'),
        as('teardown', 'eus2', '--yes'),
        as('restore', 'eus2', '--yes'),
        as('promote', '--replica', '--yes'),
        as('repoint', '--yes'),
        as('promote', '--failover-group', '--yes'),
        as('promote', '--cosmos', '--yes'),
        as('status', '--json'),
      ],
    })
    for (const run of s.runs) assert.equal(run.code, 0, `${run.args.slice(0, 3).join(' ')}: ${output(run)}`)
    assert.match(s.runs[0].stdout, /ALL WELL as app [\w-]+ \(via WorkloadIdentityCredential\)/)
    const writes = writesOf(s.requests)
    const operator = s.identities.operator.clientId
    assert.ok(writes.length >= 15, `the commands wrote (${writes.length} writes)`)
    assert.deepEqual([...new Set(writes.map((w) => w.caller))], [operator])
    for (const kind of ['trafficManagerProfiles', 'originGroups', 'privateEndpoints', 'privateDnsZoneGroups', 'flexibleServers', 'CNAME', 'failoverGroups', 'failoverPriorityChange', 'TXT']) {
      assert.ok(writes.some((w) => w.path.toLowerCase().includes(kind.toLowerCase()) && w.status < 300), `a successful write to ${kind}`)
    }
    assert.ok(!s.requests.some((r) => r.status === 403), 'Azure refused nothing')
    const status = json(s.runs.at(-1)!).result
    assert.equal(status.data.postgres.primaryRegion, 'wus2')
    assert.equal(status.regions.eus2.serving, true)
  })

  it('a role assigned on the resources themselves (not their resource group) is found there; one resource left out is named', async () => {
    const demo = loadRunbook(DEMO_RUNBOOK).runbook.estate
    const operator: {actions: string[]} = JSON.parse(readFileSync(join(ROOT, 'packages', 'sandbox', 'src', 'roles', 'operator.json'), 'utf8'))
    const sub = `/subscriptions/${demo.subscription}`
    const groups = ['rg-connectivity-dns', 'rg-dns-eus2', 'rg-dns-wus2', 'rg-spoke-eus2', 'rg-spoke-wus2', 'rg-data-eus2', 'rg-data-wus2'].map((g) => `${sub}/resourceGroups/${g}`)
    const tm = `${sub}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app`
    const fd = `${sub}/resourceGroups/rg-global/providers/Microsoft.Cdn/profiles/fd-app`
    const s = await session({
      define: {narrow: {actions: operator.actions, scopes: [...groups, tm, fd]}, 'narrow-no-fd': {actions: operator.actions, scopes: [...groups, tm]}},
      commands: [
        {identity: 'narrow', args: ['doctor', '--json']},
        {identity: 'narrow-no-fd', args: ['doctor', '--json']},
      ],
    })
    const [narrow, noFd] = s.runs
    // status: reads only, every one of them at a resource or resource group the role is assigned on
    const statusCheck = (run: {stdout: string}) => json(run).result.checks.find((c: {id: string}) => c.id === 'permissions/status')
    assert.equal(statusCheck(narrow).status, 'passed', JSON.stringify(statusCheck(narrow)))
    assert.ok(s.requests.some((r) => r.path.toLowerCase() === `${tm}/providers/Microsoft.Authorization/permissions`.toLowerCase() && r.caller === s.identities.narrow.clientId), 'read again at the profile itself')
    assert.equal(statusCheck(noFd).status, 'failed')
    assert.match(statusCheck(noFd).observed, new RegExp(`^missing Microsoft\\.Cdn/profiles/originGroups/origins/read at ${fd.replace(/[./]/g, '\\$&')} `))
    assert.doesNotMatch(statusCheck(noFd).observed, /trafficManagerProfiles/)
    // A drain's Front Door update is polled at /subscriptions/s/providers/Microsoft.Cdn/locations/...: authorized at the
    // profile's resource group, where this role is not, so doctor must not pass the drain on the profile's assignment.
    const drainCheck = json(narrow).result.checks.find((c: {id: string}) => c.id === 'permissions/drain')
    assert.equal(drainCheck?.status, 'failed', JSON.stringify(drainCheck))
    assert.match(drainCheck.observed, /Microsoft\.Cdn\/locations\/operationStatuses\/read at \/subscriptions\/[^/ ]+\/resourceGroups\/rg-global(?![/\w-])/)
    // Its role reaches no subscription-wide list of private DNS zones: another runbook's lock over this estate could
    // sit in a zone it cannot see, so doctor refuses the runbook for it and says why.
    const estateLock = json(narrow).result.checks.find((c: {id: string}) => c.id === 'lock/estate')
    assert.equal(estateLock?.status, 'failed', JSON.stringify(estateLock))
    assert.match(estateLock.observed, /cannot guarantee that runs over this estate contend for one lock: zones not readable in [0-9a-f-]+ \(/)
  })

  it('a token that expires during the wait is refreshed, and the run completes', async () => {
    const lifetime = 3
    const s = await session({drainSeconds: 6, settings: {tokenLifetimeSeconds: lifetime}, commands: [{identity: 'operator', args: ['drain', 'eus2', '--yes', '--json']}]})
    const [drain] = s.runs
    assert.equal(drain.code, 0, output(drain))
    const steps = json(drain).result.steps
    const wait = steps.find((x: {id: string}) => x.id === 'waitOutTtl')
    assert.ok(Date.parse(wait.endedAt) - Date.parse(wait.startedAt) > lifetime * 1000, 'the wait outlasted a token')
    const tokens = s.requests.filter(isToken).map((r) => Date.parse(r.time))
    const first = Math.min(...tokens)
    assert.ok(tokens.some((t) => t > first + lifetime * 1000), `a token was issued after the first expired (${tokens.length} issued)`)
    const release = s.requests.find((r) => r.method === 'DELETE' && r.path.endsWith('/TXT/_azfail-lock'))
    assert.ok(release && release.status < 300 && Date.parse(release.time) > Date.parse(wait.endedAt), 'the lock was released after the wait, with a fresh token')
    // Tokens are dropped at half their life (1.5 s here); a request that still reaches ARM after its token expired (a
    // loaded machine can stall longer than that) is sent again once with a fresh one: no request fails for it.
    const refused = s.requests.flatMap((r, i) => (r.status === 401 ? [i] : []))
    for (const i of refused) {
      const again = s.requests.slice(i + 1).find((r) => r.method === s.requests[i].method && r.path === s.requests[i].path)
      assert.ok(again && again.status < 400, `${s.requests[i].method} ${s.requests[i].path} refused with 401, then ${again?.status ?? 'not sent again'}`)
    }
  })
})

describe('removing one action from the operator role', {concurrency: false}, () => {
  const demo = loadRunbook(DEMO_RUNBOOK).runbook.estate
  const operatorRole: {actions: string[]} = JSON.parse(readFileSync(join(ROOT, 'packages', 'sandbox', 'src', 'roles', 'operator.json'), 'utf8'))
  const needs = (action: Parameters<typeof stepKindsOf>[0], params: object) =>
    new Set(neededPermissions(stepKindsOf(action), {estate: demo, subscriptionId: demo.subscription!, params}).map((n) => n.action))
  const drain = needs('drain', {region: 'eus2'})
  // every action drain needs, then one of each other command's own (a dry run of it is refused naming it)
  const others: Array<[string, string[]]> = [
    ['Microsoft.Network/privateEndpoints/delete', ['teardown', 'eus2', '--dry-run']],
    ['Microsoft.DBforPostgreSQL/flexibleServers/write', ['promote', '--replica', '--dry-run']],
    ['Microsoft.Network/privateDnsZones/CNAME/write', ['promote', '--replica', '--dry-run']],
    ['Microsoft.Sql/servers/failoverGroups/failover/action', ['promote', '--failover-group', '--dry-run']],
    ['Microsoft.DocumentDB/databaseAccounts/failoverPriorityChange/action', ['promote', '--cosmos', '--dry-run']],
    ['Microsoft.Network/privateDnsZones/CNAME/read', ['repoint', '--dry-run']],
  ]
  const cases: Array<[string, string[]]> = [...[...drain].map((a): [string, string[]] => [a, ['drain', 'eus2', '--yes']]), ...others]
  const nameOf = (i: number) => `minus-${i}`

  it('the role holds every action tested here', () => {
    for (const [action] of cases) assert.ok(operatorRole.actions.includes(action), action)
    assert.ok(drain.size >= 10, `drain needs ${drain.size} actions`)
  })

  it('makes doctor fail naming it, and the run refuse (or a dry run report it) naming it, with nothing written', async () => {
    const s = await session({
      define: Object.fromEntries(cases.map(([action], i) => [nameOf(i), {actions: operatorRole.actions.filter((a) => a !== action)}])),
      commands: cases.flatMap(([, run], i) => [
        {identity: nameOf(i), args: ['doctor', '--json']},
        {identity: nameOf(i), args: [...run, '--json']},
      ]),
    })
    cases.forEach(([action, run], i) => {
      const [doctor, attempt] = [s.runs[2 * i], s.runs[2 * i + 1]]
      assert.equal(doctor.code, 4, `doctor without ${action}: ${output(doctor)}`)
      assert.ok(failedChecks(doctor).some((c: {observed: string}) => c.observed.includes(action)), `doctor names ${action}: ${JSON.stringify(failedChecks(doctor))}`)
      assert.equal(attempt.code, run.includes('--dry-run') ? 4 : 3, `${run.join(' ')} without ${action}: ${output(attempt)}`)
      const error = json(attempt).error
      assert.equal(error.guard, 'permissions', `${run.join(' ')} without ${action}: ${error.message}`)
      assert.ok(error.message.includes(action), `${run.join(' ')} names ${action}: ${error.message}`)
    })
    assert.deepEqual(writesOf(s.requests), [], 'nothing written by any of them')
  })
})
