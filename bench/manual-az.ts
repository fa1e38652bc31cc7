// azfail side by side with the seeds' manual procedure, typed as `az` commands (Azure CLI 2.45, Debian's package), both
// against one sandbox at `--latency azure` (issue 15: each command's own time at most half the procedure's).
//
// Isolation: the sandbox runs in a network namespace of its own with only loopback up (`unshare -n`), and every azfail,
// az and dig process of the comparison joins it (`nsenter --net`), so nothing they do can leave 127.0.0.0/8; strace
// then lists every connect az attempts, once, outside the timed runs. az signs in as a service principal of the
// sandbox's Entra ID to a custom cloud registered from the sandbox's own metadata (`GET /metadata/endpoints`); its
// Python loads the sitecustomize.py the sandbox writes for `sandbox env --az` (D/az/python: MSAL instance discovery
// off, the setting az 2.45 lacks).
//
// Measured: azfail's own time is its wall time minus its TTL wait (`waitOutTtl` in --json); the procedure's is the sum
// of its az and dig invocations' wall times (its wait runs, and is left out). ARM requests are counted from the
// sandbox's requests.jsonl (token requests apart). Figures are printed, never asserted.
import {type ChildProcess, type SpawnSyncReturns, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

const RUNS = Number(process.env.BENCH_AZ_RUNS ?? 3)
const CONNECTION_DRAIN_SECONDS = 3
const AZ_IDENTITY = 'az-operator'

/** One thing the operator types: an az command, a DNS query at a region's resolver, or the wait. */
type Step =
  | {az: string[]; ttl?: boolean}
  | {dig: {region: string; name: string; expect: string}}
  | {wait: true}

interface Procedure {
  /** the azfail command line (after `azfail`) doing the same work */
  azfail: string[]
  /** the azfail command it needs (measured only where dist/ has it) */
  needs?: string
  /** runs on a freshly reset estate; the others act on the state the one before left */
  fresh?: boolean
  steps: Step[]
  /** what of the seeds' procedure is not measured, and why */
  left?: string
}

interface Measured {
  ms: number
  requests: number
  tokens: number
  /** the time spent waiting for writes and their long-running operations (see waitedOnWrites) */
  writesMs: number
  /** from the process's start to its first ARM request */
  firstRequestMs?: number
  failed?: string
}

interface LoggedRequest {
  time: string
  method: string
  path: string
  status: number
  durationMs: number
}

/** A long-running operation's status, as the SDKs poll it (Azure-AsyncOperation or Location). */
const POLL = /\/(operationStatuses|operationResults|azureAsyncOperation|operations)\/[^/]+$/i

/**
 * How long a side waited for its writes and their long-running operations, from the sandbox's request log: the union
 * of every write (its lock's renewals apart: they run beside the rest) and every poll of an operation a write started
 * (201 or 202), each poll counted from the end of the write or poll before it (the wait ARM's Retry-After asks for). What is left of a side's time is its start-up,
 * its reads and its own work: a lower bound of any azfail that makes the same writes is its start-up plus this.
 */
export function waitedOnWrites(log: LoggedRequest[]): number {
  const spans: Array<[number, number]> = []
  let chainEnd: number | undefined
  for (const r of [...log].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))) {
    const start = Date.parse(r.time)
    const end = start + r.durationMs
    const write = r.method !== 'GET' && r.method !== 'HEAD'
    if (write && /TXT\/_azfail-lock$/i.test(r.path) && r.method === 'PUT' && r.status === 200) continue
    if (write) {
      spans.push([start, end])
      chainEnd = Math.max(chainEnd ?? end, end)
    } else if (POLL.test(r.path) && chainEnd !== undefined) {
      spans.push([Math.min(chainEnd, start), end])
      chainEnd = end
    }
  }
  spans.sort((a, b) => a[0] - b[0])
  let total = 0
  let [from, to] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]
  for (const [a, b] of spans) {
    if (a > to) {
      if (to > from) total += to - from
      ;[from, to] = [a, b]
    } else to = Math.max(to, b)
  }
  if (to > from) total += to - from
  return total
}

export interface ComparisonRow {
  command: string
  azfailMs: number[]
  manualMs: number[]
  /** per round: azfail's start-up (to its first ARM request) + its wait for writes and their operations */
  azfailFloorMs: number[]
  /** per round: the procedure's wait for writes and their operations */
  manualWritesMs: number[]
  azfailRequests: number
  manualRequests: number
  manualTokens: number
  notes: string[]
}

export interface Comparison {
  rows: ComparisonRow[]
  procedures: Record<string, Procedure>
  /** what strace saw az connect to, outside the timed runs */
  connects: {loopback: number; other: string[]} | {unverified: string}
  azVersion: string
}

// The demo estate, as runbooks/demo.yaml names it.
const RG_DNS = 'rg-connectivity-dns'
const PG_ZONE = 'private.postgres.database.azure.com'
const EXPECT: Record<string, Record<string, string>> = {
  eus2: {'kv-app-eus2.vault.azure.net': '10.20.3.7', 'sql-app-eus2.database.windows.net': '10.20.2.4', 'cosmos-app.documents.azure.com': '10.20.4.5'},
  wus2: {'kv-app-wus2.vault.azure.net': '10.30.3.7', 'sql-app-wus2.database.windows.net': '10.30.2.4', 'cosmos-app.documents.azure.com': '10.30.4.5'},
}
const resolvesOwn = (region: string): Step[] => Object.entries(EXPECT[region]).map(([name, ip]) => ({dig: {region, name, expect: ip}}))
const cnameIn = (target: string): Step[] => ['eus2', 'wus2'].map((region) => ({dig: {region, name: `prod.${PG_ZONE}`, expect: `${target}.${PG_ZONE}.`}}))

/**
 * The seeds' procedures for the demo estate, in the order the bench runs them (each on a fresh estate or on the state
 * the one before left). Debian's az 2.45 fails every `az network traffic-manager` command before sending anything (its network module
 * asks azure-mgmt-network for api-version 2022-01-01 models Debian's package lacks), so Traffic Manager is read and
 * updated with `az resource show|update`, which makes the requests `traffic-manager endpoint update` makes (GET, then
 * PUT at 2022-04-01, the version azfail's SDK sends).
 */
function procedures(sub: string): Record<string, Procedure> {
  const tm = `/subscriptions/${sub}/resourceGroups/rg-global/providers/Microsoft.Network/trafficManagerProfiles/tm-app`
  const endpoint = (region: string, status: string) => ['resource', 'update', '--ids', `${tm}/azureEndpoints/ep-${region}`, '--api-version', '2022-04-01', '--set', `properties.endpointStatus=${status}`]
  const origin = (region: string, state: string) => ['afd', 'origin', 'update', '-g', 'rg-global', '--profile-name', 'fd-app', '--origin-group-name', 'og-app', '--origin-name', `origin-${region}`, '--enabled-state', state]
  const recordTtl = (group: string, zone: string, name: string): Step => ({az: ['network', 'private-dns', 'record-set', 'a', 'show', '-g', group, '-z', zone, '-n', name, '--query', 'ttl', '-o', 'tsv'], ttl: true})
  const cname = (server: string) => ['network', 'private-dns', 'record-set', 'cname', 'set-record', '-g', RG_DNS, '-z', PG_ZONE, '-n', 'prod', '-c', `${server}.${PG_ZONE}`]
  const pgShow = (region: string) => ['postgres', 'flexible-server', 'show', '-g', `rg-data-${region}`, '-n', `pg-app-${region}`, '--query', '{role:replicationRole,state:state}']
  const drain: Step[] = [
    // seed 000 step 5: the steering TTL and the records' TTLs set the wait
    {az: ['resource', 'show', '--ids', tm, '--api-version', '2022-04-01', '--query', 'properties.dnsConfig.ttl', '-o', 'tsv'], ttl: true},
    recordTtl(RG_DNS, 'privatelink.vaultcore.azure.net', 'kv-app-eus2'),
    recordTtl(RG_DNS, 'privatelink.database.windows.net', 'sql-app-eus2'),
    recordTtl('rg-dns-eus2', 'privatelink.documents.azure.com', 'cosmos-app'),
    {az: endpoint('eus2', 'Disabled')},
    {az: origin('eus2', 'Disabled')},
    {wait: true},
    // seed 000 Verify 1 / step 4b: the survivor resolves its OWN private IPs
    ...resolvesOwn('wus2'),
  ]
  const promote: Step[] = [{az: pgShow('wus2')}, {az: ['postgres', 'flexible-server', 'replica', 'stop-replication', '-g', 'rg-data-wus2', '-n', 'pg-app-wus2', '--yes']}, {az: cname('pg-app-wus2')}, ...cnameIn('pg-app-wus2')]
  const failoverGroup: Step[] = [
    {az: ['sql', 'failover-group', 'show', '-g', 'rg-data-wus2', '-s', 'sql-app-wus2', '-n', 'app-fog', '--query', 'replicationRole']},
    {az: ['sql', 'failover-group', 'set-primary', '-g', 'rg-data-wus2', '-s', 'sql-app-wus2', '-n', 'app-fog']},
    // seed 000 Verify 2: the listener resolves privately in both regions, to the new primary
    ...['eus2', 'wus2'].map((region): Step => ({dig: {region, name: 'app-fog.database.windows.net', expect: '10.30.2.4'}})),
  ]
  // seed 001 scenario 1: the write region moves, DNS stays as it is
  const cosmos: Step[] = [
    {az: ['cosmosdb', 'failover-priority-change', '-g', 'rg-data-eus2', '-n', 'cosmos-app', '--failover-policies', 'westus2=0', 'eastus2=1']},
    {az: ['cosmosdb', 'show', '-g', 'rg-data-eus2', '-n', 'cosmos-app', '--query', 'writeLocations[0].locationName']},
  ]
  const noDrainRecord = 'no lock and no drain record (azfail writes both); the wait is the TTLs read + 3 s, excluded from both sides'
  const noWrite = "seed 004's write through the CNAME (psql) is not run on either side: the sandbox runs no PostgreSQL without --postgres"
  const noDial = "seed 000's `nc -vz app-fog.database.windows.net 1433` is not run by the procedure (its 10.x address is data, never dialled)"
  return {
    // issue 15's whole-region command, where this azfail has it; on an estate of its own
    'failover eus2': {azfail: ['failover', 'eus2'], needs: 'failover', fresh: true, steps: [...drain, ...promote, ...failoverGroup, ...cosmos], left: `${noDrainRecord}; ${noWrite}; ${noDial}; az 2.45 stops replication where azfail switches over`},
    'drain eus2': {azfail: ['drain', 'eus2'], fresh: true, steps: drain, left: noDrainRecord},
    // az 2.45 promotes a replica only as `replica stop-replication` (a standalone server); azfail does the same work
    'promote --replica': {azfail: ['promote', '--replica', '--standalone'], steps: promote, left: noWrite},
    'promote --failover-group': {azfail: ['promote', '--failover-group'], steps: failoverGroup, left: noDial},
    'repoint --to eus2': {azfail: ['repoint', '--to', 'eus2'], steps: [{az: pgShow('eus2')}, {az: cname('pg-app-eus2')}, ...cnameIn('pg-app-eus2')]},
    'restore eus2': {azfail: ['restore', 'eus2'], steps: [...resolvesOwn('eus2'), {az: endpoint('eus2', 'Enabled')}, {az: origin('eus2', 'Enabled')}]},
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Why the comparison cannot run here, or nothing. */
function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for its network namespace (unshare -n, nsenter)'
  for (const [tool, args] of [['az', ['version']], ['dig', ['-v']], ['unshare', ['--version']], ['nsenter', ['--version']]] as const) {
    if (spawnSync(tool, [...args], {stdio: 'ignore'}).error) return `needs \`${tool}\` (Debian: ${tool === 'az' ? 'azure-cli' : tool === 'dig' ? 'dnsutils' : 'util-linux'})`
  }
  return undefined
}

interface Sandbox {
  child: ChildProcess
  dir: string
  pid: number
  conn: {armEndpoint: string; caCertPath: string; tenantId: string; subscriptionId: string; token: string; resolvers: Record<string, string>}
}

/** Runs a command inside the sandbox's network namespace. */
function inside(sb: Sandbox, cmd: string, args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> & {ms: number} {
  const started = process.hrtime.bigint()
  const r = spawnSync('nsenter', [`--net=/proc/${sb.pid}/ns/net`, '--', cmd, ...args], {encoding: 'utf8', env, maxBuffer: 64 << 20})
  return Object.assign(r, {ms: Number(process.hrtime.bigint() - started) / 1e6})
}

async function startIsolated(bin: string, dir: string, env: NodeJS.ProcessEnv): Promise<Sandbox> {
  const script = 'ip link set lo up && exec "$0" sandbox start --state-dir "$1" --latency azure'
  const child = spawn('unshare', ['-n', 'sh', '-c', script, bin, dir], {env, stdio: 'ignore'})
  const file = join(dir, 'connection.json')
  for (let i = 0; i < 300 && !existsSync(file); i++) await delay(50)
  if (!existsSync(file)) throw new Error('the isolated sandbox did not start')
  const conn = JSON.parse(readFileSync(file, 'utf8'))
  return {child, dir, pid: conn.pid, conn}
}

const logLines = (sb: Sandbox) => readFileSync(join(sb.dir, 'requests.jsonl'), 'utf8').split('\n').filter(Boolean)

/** Runs `act` and counts the ARM requests (and, apart, the token requests) the sandbox logged meanwhile. */
async function counted(sb: Sandbox, act: () => Promise<{ms: number; failed?: string; startedAt?: number}>): Promise<Measured> {
  const before = logLines(sb).length
  const {ms, failed, startedAt} = await act()
  const added = logLines(sb).slice(before).map((l) => JSON.parse(l) as LoggedRequest)
  const isToken = (e: LoggedRequest) => /\/oauth2\/v2\.0\/token$/.test(e.path)
  const arm = added.filter((e) => !isToken(e))
  const first = Math.min(...arm.map((e) => Date.parse(e.time)))
  return {
    ms,
    requests: arm.length,
    tokens: added.length - arm.length,
    writesMs: waitedOnWrites(arm),
    ...(startedAt !== undefined && Number.isFinite(first) ? {firstRequestMs: first - startedAt} : {}),
    ...(failed ? {failed} : {}),
  }
}

/** The operator's az, in a config dir of its own: telemetry off, the sandbox's CA, the sandbox's sitecustomize. */
function azEnvironment(work: string, sb: Sandbox): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AZURE_CONFIG_DIR: join(work, 'az-config'),
    REQUESTS_CA_BUNDLE: sb.conn.caCertPath,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
    AZURE_CORE_DISABLE_CONFIRM_PROMPT: 'true',
    PYTHONPATH: join(sb.dir, 'az', 'python'),
  }
}

/** Registers the sandbox as a custom cloud from its metadata and signs az in as a Contributor-like service principal. */
function signIn(sb: Sandbox, azEnv: NodeJS.ProcessEnv, nodeEnv: NodeJS.ProcessEnv, az: (args: string[]) => SpawnSyncReturns<string>): string[] {
  mkdirSync(azEnv.AZURE_CONFIG_DIR!, {recursive: true})
  const define = `const r = await fetch(process.argv[1], {method: 'PUT', headers: {authorization: 'Bearer ' + process.argv[2], 'content-type': 'application/json'}, body: process.argv[3]}); process.stdout.write(await r.text())`
  const role = JSON.stringify({roleName: 'Contributor', actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write']})
  const r = inside(sb, process.execPath, ['--input-type=module', '-e', define, `${sb.conn.armEndpoint}/_sandbox/identities/${AZ_IDENTITY}`, sb.conn.token, role], {...nodeEnv, NODE_EXTRA_CA_CERTS: sb.conn.caCertPath})
  const identity = JSON.parse(r.stdout) as {clientId: string; clientSecret: string}
  const login = ['login', '--service-principal', '-u', identity.clientId, '-p', identity.clientSecret, '--tenant', sb.conn.tenantId, '-o', 'none']
  for (const args of [
    ['config', 'set', 'core.collect_telemetry=false', 'core.only_show_errors=true', 'core.no_color=true'],
    ['cloud', 'register', '-n', 'azfail-sandbox', '--endpoint-resource-manager', `${sb.conn.armEndpoint}/`],
    ['cloud', 'set', '-n', 'azfail-sandbox'],
    login,
  ]) {
    const done = az(args)
    if (done.status !== 0) throw new Error(`az ${args.slice(0, 2).join(' ')}: exit ${done.status}\n${done.stderr}`)
  }
  return login
}

/** Runs a procedure's steps; its time is the sum of the steps' wall times, the wait left out. */
async function runProcedure(sb: Sandbox, steps: Step[], az: (args: string[]) => SpawnSyncReturns<string> & {ms: number}, env: NodeJS.ProcessEnv): Promise<{ms: number; failed?: string}> {
  let ms = 0
  let ttl = 0
  const failures: string[] = []
  for (const step of steps) {
    if ('wait' in step) {
      await delay((ttl + CONNECTION_DRAIN_SECONDS) * 1000)
      continue
    }
    if ('az' in step) {
      const r = az(step.az)
      ms += r.ms
      if (r.status !== 0) failures.push(`az ${step.az.slice(0, 4).join(' ')}: exit ${r.status} ${r.stderr.trim().split('\n').at(-1)}`)
      if (step.ttl) ttl = Math.max(ttl, Number(r.stdout.trim()) || 0)
      continue
    }
    const [ip, port] = sb.conn.resolvers[step.dig.region].split(':')
    const r = inside(sb, 'dig', [`@${ip}`, '-p', port, '+short', '+time=2', '+tries=1', step.dig.name], env)
    ms += r.ms
    if (!r.stdout.split('\n').includes(step.dig.expect)) failures.push(`dig ${step.dig.name} at ${step.dig.region}: ${r.stdout.trim().replace(/\n/g, ' ') || 'no answer'}, expected ${step.dig.expect}`)
  }
  return {ms, ...(failures.length ? {failed: failures.join('; ')} : {})}
}

/** What az connects to while it signs in and runs the drain's az commands, from strace (untimed; the next reset undoes them). */
function traceConnects(sb: Sandbox, azEnv: NodeJS.ProcessEnv, work: string, login: string[], steps: Step[]): Comparison['connects'] {
  if (spawnSync('strace', ['-V'], {stdio: 'ignore'}).error) return {unverified: 'strace is not installed (Debian: strace); the network namespace still holds az to loopback'}
  const trace = join(work, 'az-connects.txt')
  const commands = steps.filter((s): s is {az: string[]} => 'az' in s).map((s) => s.az)
  let loopback = 0
  const other = new Set<string>()
  for (const args of [login, ...commands]) {
    inside(sb, 'strace', ['-f', '-qq', '-e', 'trace=connect', '-o', trace, 'az', ...args], azEnv)
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      const inet = /sa_family=AF_INET6?, sin6?_port=htons\((\d+)\).*?(?:inet_addr\("|inet_pton\(AF_INET6, ")([^"]+)"/.exec(line)
      if (!inet) continue
      if (/^127\./.test(inet[2]) || inet[2] === '::1') loopback++
      else other.add(`${inet[2]}:${inet[1]}`)
    }
  }
  return {loopback, other: [...other]}
}

/**
 * Each command measured RUNS times on both sides, each side resetting the demo estate where a procedure starts fresh
 * (the side going first alternates per round), against one sandbox at `--latency azure` in its own network namespace.
 */
export async function manualAzComparison(root: string, bin: string, work: string, env: NodeJS.ProcessEnv): Promise<Comparison | {skipped: string}> {
  const why = missing()
  if (why) return {skipped: why}
  const dir = join(work, 'manual-az')
  mkdirSync(dir, {recursive: true})
  const sb = await startIsolated(bin, dir, env)
  try {
    const azEnv = azEnvironment(work, sb)
    const az = (args: string[]) => inside(sb, 'az', args, azEnv)
    const azfail = (args: string[]) => inside(sb, bin, [...args, '--sandbox', '--state-dir', dir, '--runs-dir', join(work, 'manual-az-runs')], env)
    const reset = () => {
      const r = inside(sb, bin, ['sandbox', 'reset', '--yes', '--latency', 'azure', '--state-dir', dir], env)
      if (r.status !== 0) throw new Error(`sandbox reset: exit ${r.status}\n${r.stderr}`)
    }
    const login = signIn(sb, azEnv, env, az)
    const azVersion = JSON.parse(az(['version', '-o', 'json']).stdout)['azure-cli'] as string
    const plan = Object.fromEntries(Object.entries(procedures(sb.conn.subscriptionId)).filter(([, p]) => !p.needs || existsSync(join(root, 'dist', 'commands', `${p.needs}.js`))))
    const connects = traceConnects(sb, azEnv, work, login, plan['drain eus2'].steps)
    const rows: ComparisonRow[] = Object.keys(plan).map((command) => ({command, azfailMs: [], manualMs: [], azfailFloorMs: [], manualWritesMs: [], azfailRequests: 0, manualRequests: 0, manualTokens: 0, notes: []}))
    const sides = {
      azfail: async () => {
        for (const row of rows) {
          if (plan[row.command].fresh) reset()
          const m = await counted(sb, async () => {
            const startedAt = Date.now()
            const r = azfail([...plan[row.command].azfail, '--yes', '--json'])
            const wait = r.status === 0 ? (JSON.parse(r.stdout).result.steps.find((s: {id: string}) => s.id === 'waitOutTtl')?.durationMs ?? 0) : 0
            return {ms: r.ms - wait, startedAt, ...(r.status === 0 ? {} : {failed: `exit ${r.status}: ${r.stdout.slice(0, 300)}`})}
          })
          row.azfailMs.push(m.ms)
          row.azfailFloorMs.push((m.firstRequestMs ?? 0) + m.writesMs)
          row.azfailRequests = m.requests
          if (m.failed) row.notes.push(`azfail ${m.failed}`)
        }
      },
      manual: async () => {
        for (const row of rows) {
          if (plan[row.command].fresh) reset()
          const m = await counted(sb, () => runProcedure(sb, plan[row.command].steps, az, env))
          row.manualMs.push(m.ms)
          row.manualWritesMs.push(m.writesMs)
          row.manualRequests = m.requests
          row.manualTokens = Math.max(row.manualTokens, m.tokens)
          if (m.failed) row.notes.push(`procedure: ${m.failed}`)
        }
      },
    }
    for (let round = 0; round < RUNS; round++) {
      const order = round % 2 === 0 ? [sides.azfail, sides.manual] : [sides.manual, sides.azfail]
      for (const side of order) await side()
    }
    for (const row of rows) row.notes = [...new Set(row.notes)]
    return {rows, procedures: plan, connects, azVersion}
  } finally {
    const closed = new Promise((r) => sb.child.once('close', r))
    sb.child.kill('SIGTERM')
    await closed
    rmSync(join(work, 'az-config'), {recursive: true, force: true})
  }
}

/** The side-by-side table, each procedure's steps, and what strace saw. */
export function printComparison(c: Comparison | {skipped: string}): void {
  if ('skipped' in c) {
    console.log(`\nazfail vs the manual az procedure: not measured here: ${c.skipped}`)
    return
  }
  const pad = (s: string, n: number) => s.padEnd(n)
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}..${Math.max(...xs).toFixed(0)}`
  console.log(`\nazfail vs the seeds' manual procedure (az ${c.azVersion}), sandbox at --latency azure, medians of ${RUNS} rounds, target ratio <= 0.50:`)
  console.log(`${pad('command', 26)} ${pad('azfail own', 22)} ${pad('procedure', 22)} ${pad('ratio', 7)} ARM requests azfail / procedure`)
  for (const r of c.rows) {
    const [a, m] = [median(r.azfailMs), median(r.manualMs)]
    console.log(`${pad(r.command, 26)} ${pad(`${a.toFixed(0)} ms (${range(r.azfailMs)})`, 22)} ${pad(`${m.toFixed(0)} ms (${range(r.manualMs)})`, 22)} ${pad(`${(a / m).toFixed(2)}x`, 7)} ${r.azfailRequests} / ${r.manualRequests}${r.manualTokens ? ` (+${r.manualTokens} token)` : ''}`)
    for (const n of r.notes) console.log(`    ${n}`)
  }
  console.log('azfail own = wall - waitOutTtl (from --json); procedure = sum of its az and dig wall times, its wait left out.')
  console.log(`\nWhat no amount of reading less can remove (medians): azfail's start-up to its first ARM request plus its wait for its writes and their long-running operations (the lock's take and release, the changes, the drain record; Retry-After between polls), against half the procedure:`)
  console.log(`${pad('command', 26)} ${pad('azfail floor', 14)} ${pad('0.5x procedure', 16)} ${pad('floor ratio', 12)} procedure's own wait for its writes`)
  for (const r of c.rows) {
    const [floor, m, w] = [median(r.azfailFloorMs), median(r.manualMs), median(r.manualWritesMs)]
    console.log(`${pad(r.command, 26)} ${pad(`${floor.toFixed(0)} ms`, 14)} ${pad(`${(m / 2).toFixed(0)} ms`, 16)} ${pad(`${(floor / m).toFixed(2)}x`, 12)} ${w.toFixed(0)} ms`)
  }
  for (const [command, p] of Object.entries(c.procedures)) {
    const words = (args: string[]) => args.slice(0, args.findIndex((a) => a.startsWith('-'))).join(' ')
    const steps = p.steps.map((s) => ('az' in s ? `az ${words(s.az)}` : 'dig' in s ? `dig ${s.dig.name} @${s.dig.region}` : 'wait'))
    console.log(`  ${command} (azfail ${p.azfail.join(' ')}): ${steps.join('; ')}${p.left ? `. Not included: ${p.left}` : ''}`)
  }
  if ('unverified' in c.connects) console.log(`az connects: ${c.connects.unverified}`)
  else console.log(`az connects (strace over az login and the drain's az commands): ${c.connects.loopback} to 127.0.0.0/8, ${c.connects.other.length ? `ELSEWHERE: ${c.connects.other.join(', ')}` : 'none elsewhere'}`)
}
