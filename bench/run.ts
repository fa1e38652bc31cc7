// npm run bench: speed targets, measured as medians over several runs on this machine, with peak memory.
// Targets come from the issues; the figures are printed, never asserted in tests.
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {Resolver} from 'node:dns/promises'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {controlOk, generatedEstate, sandboxAccess} from '#sandbox'
import {installTarball, packCheckout} from '../scripts/package.ts'
import {manualAzComparison, printComparison} from './manual-az.ts'

const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'run.js')
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const DRAIN_RUNS = Number(process.env.BENCH_DRAIN_RUNS ?? 3)
const env = {...process.env, CI: 'true'}

interface Row {
  name: string
  target: string
  medianMs: number
  minMs: number
  maxMs: number
  peakRssMb: number
  note?: string
  /** a figure per query, shown with two decimals */
  perQuery?: boolean
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Runs the bin as users do (through its shebang); the memory probe rides in NODE_OPTIONS. */
function azfail(args: string[], cwd: string, probeRss?: string) {
  const probe = probeRss ? {AZFAIL_BENCH_RSS: probeRss, NODE_OPTIONS: `--import=${join(ROOT, 'bench', 'rss.mjs')}`} : {}
  const started = process.hrtime.bigint()
  const r = spawnSync(BIN, args, {cwd, encoding: 'utf8', env: {...env, ...probe}, maxBuffer: 64 << 20})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (r.status !== 0 && r.status !== 4) throw new Error(`azfail ${args.join(' ')}: exit ${r.status}\n${r.stderr}`)
  return {ms, stdout: r.stdout, rssKb: probeRss ? Number(readFileSync(probeRss, 'utf8')) : 0}
}

/** Median wall time over `runs` (after one warm-up run), and peak RSS from one run under the memory probe. */
function measure(name: string, target: string, args: string[], cwd: string, runs = RUNS, before?: () => void): Row {
  const times: number[] = []
  for (let i = 0; i < runs + 1; i++) {
    before?.()
    const {ms} = azfail(args, cwd)
    if (i > 0) times.push(ms)
  }
  before?.()
  const {rssKb} = azfail(args, cwd, join(cwd, 'rss.txt'))
  return {name, target, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), peakRssMb: rssKb / 1024}
}

function reset(cwd: string, stateDir: string) {
  azfail(['sandbox', 'reset', '--yes', '--state-dir', stateDir], cwd)
}

async function startPublished(stateDir: string, latency: 'none' | 'azure' = 'none'): Promise<ChildProcess> {
  const child = spawn(BIN, ['sandbox', 'start', '--state-dir', stateDir, '--latency', latency], {env, stdio: 'ignore'})
  for (let i = 0; i < 1200 && !existsSync(join(stateDir, 'connection.json')); i++) await new Promise((r) => setTimeout(r, 50))
  if (!existsSync(join(stateDir, 'connection.json'))) throw new Error('the sandbox did not start')
  return child
}

async function stopPublished(child: ChildProcess) {
  const closed = new Promise((r) => child.once('close', r))
  child.kill('SIGTERM')
  await closed
}

/** Time between each 202 and the first request after its polling: what ARM's Retry-After made the client wait. */
function lroPollingMs(stateDir: string): number {
  const log = readFileSync(join(stateDir, 'requests.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  let total = 0
  log.forEach((entry, i) => {
    if (entry.status !== 202) return
    const next = log.slice(i + 1).find((e) => !/operationStatuses|operationResults/.test(e.path))
    if (next) total += Date.parse(next.time) - Date.parse(entry.time)
  })
  return total
}

/**
 * The sandbox's resolvers answering every name of the estate as azfail asks (32 queries in flight per resolver, every
 * resolver at once): wall time over the number of queries, median of `rounds`.
 */
async function dnsMsPerQuery(stateDir: string, names: Record<string, string[]>, rounds = 5): Promise<{medianMs: number; minMs: number; maxMs: number; queries: number}> {
  const {resolvers} = JSON.parse(readFileSync(join(stateDir, 'connection.json'), 'utf8')) as {resolvers: Record<string, string>}
  const perQuery: number[] = []
  let queries = 0
  for (let round = 0; round < rounds; round++) {
    queries = 0
    const started = process.hrtime.bigint()
    await Promise.all(
      Object.entries(resolvers).map(async ([region, server]) => {
        const resolver = new Resolver({timeout: 2000, tries: 1})
        resolver.setServers([server])
        const queue = [...(names[region] ?? [])]
        await Promise.all(
          Array.from({length: 32}, async () => {
            for (let name = queue.shift(); name; name = queue.shift()) {
              const answer = await resolver.resolve4(name)
              if (answer.length === 0) throw new Error(`${name}: no answer from ${server}`)
              queries++
            }
          }),
        )
      }),
    )
    perQuery.push(Number(process.hrtime.bigint() - started) / 1e6 / queries)
  }
  return {medianMs: median(perQuery), minMs: Math.min(...perQuery), maxMs: Math.max(...perQuery), queries}
}

const requestCount = (stateDir: string) => (existsSync(join(stateDir, 'requests.jsonl')) ? readFileSync(join(stateDir, 'requests.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0)

const work = mkdtempSync(join(tmpdir(), 'azfail-bench-'))
/** A region down (issue 15): the failover's bound, and status in every outage case. One run each; reported, never asserted. */
async function outageRows(demo: string): Promise<Row[]> {
  const out: Row[] = []
  // The failover: eus2's ARM hanging, `failover eus2 --ungraceful`, against the bound "TTL window + the promotions'
  // long-running operations + 3 s".
  {
    reset(work, demo)
    const sandbox = await startPublished(demo)
    try {
      await controlOk(sandboxAccess(JSON.parse(readFileSync(join(demo, 'connection.json'), 'utf8'))), 'POST', 'outage', {region: 'eus2', arm: 'hang'})
      const started = process.hrtime.bigint()
      const r = spawnSync(BIN, ['failover', 'eus2', '--ungraceful', '--yes', '--json', '--sandbox', '--state-dir', demo, '--runs-dir', join(work, 'runs')], {cwd: work, encoding: 'utf8', env, maxBuffer: 64 << 20})
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const parsed = JSON.parse(r.stdout || '{}')
      const steps: Array<{id: string; durationMs?: number; plan?: {data?: {total?: number}}}> = parsed.result?.steps ?? []
      const window = (steps.find((x) => x.id === 'waitOutTtl')?.plan?.data?.total ?? 0) * 1000
      const lro = steps.filter((x) => ['promoteReplica', 'flipFailoverGroup', 'failoverCosmos'].includes(x.id)).reduce((sum, x) => sum + (x.durationMs ?? 0), 0)
      const bound = window + lro + 3000
      out.push({name: 'failover eus2 --ungraceful (ARM hang)', target: `<= ${bound.toFixed(0)} ms`, medianMs: ms, minMs: ms, maxMs: ms, peakRssMb: 0, note: `1 run, exit ${r.status}; bound = TTL window ${window} ms + promotions ${lro.toFixed(0)} ms + 3000 ms; ${ms <= bound ? 'within' : 'OVER'} the bound`})
    } finally {
      await stopPublished(sandbox)
    }
  }

  // status with eus2 down: at most 30 s in every case.
  for (const [name, spec] of [
    ["eus2's ARM 503", {region: 'eus2', arm: 'error', status: 503}],
    ["eus2's ARM hanging", {region: 'eus2', arm: 'hang'}],
    ["eus2's resolver silent", {region: 'eus2', resolver: 'silent'}],
    ['all three, Front Door refusing', {region: 'eus2', arm: 'hang', resolver: 'silent', frontDoor: 'refuse'}],
  ] as const) {
    reset(work, demo)
    const sandbox = await startPublished(demo)
    try {
      await controlOk(sandboxAccess(JSON.parse(readFileSync(join(demo, 'connection.json'), 'utf8'))), 'POST', 'outage', spec)
      const started = process.hrtime.bigint()
      const r = spawnSync(BIN, ['status', '--json', '--sandbox', '--state-dir', demo], {cwd: work, encoding: 'utf8', env, maxBuffer: 64 << 20})
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      out.push({name: `status, ${name}`, target: '<= 30000 ms', medianMs: ms, minMs: ms, maxMs: ms, peakRssMb: 0, note: `1 run, exit ${r.status}; ${ms <= 30_000 ? 'within' : 'OVER'} the bound`})
    } finally {
      await stopPublished(sandbox)
    }
  }
  return out
}

/**
 * A fleet against one runbook: the ten runbooks of runbooks/fleet/ over the fleet estate, in one wave at concurrency
 * 10 (their TTL waits overlap: goal <= 1.3x one runbook), in the shipped three waves (drainAhead: every runbook drains
 * and waits at once, the waves order what follows the wait; goal <= 1.3x), and in those waves one after another
 * (drainAhead off: about three runbooks' time), on a fresh fleet estate each run.
 */
function fleetRows(dir: string): Row[] {
  const runs = Number(process.env.BENCH_FLEET_RUNS ?? 1)
  const fleetDir = join(ROOT, 'runbooks', 'fleet')
  writeFileSync(join(dir, 'one-wave.yaml'), `version: 1\nname: one-wave\nconcurrency: 10\nwaves:\n  - runbooks: [${Array.from({length: 10}, (_, i) => join(fleetDir, `app${String(i + 1).padStart(2, '0')}.yaml`)).join(', ')}]\n`)
  const state = join(dir, 'sandbox')
  const timed = (args: string[]) => {
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      azfail(['sandbox', 'reset', '--estate', 'fleet', '--yes', '--state-dir', state], dir)
      times.push(azfail([...args, '--yes', '--json', '--sandbox', '--state-dir', state, '--runs-dir', join(dir, 'runs')], dir).ms)
    }
    return times
  }
  const row = (name: string, target: string, times: number[], note: string): Row => ({name, target, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), peakRssMb: 0, note})
  const one = timed(['failover', 'eus2', '--runbook', join(fleetDir, 'app01.yaml')])
  const wave = timed(['failover', 'eus2', '--fleet', join(dir, 'one-wave.yaml')])
  const waves = timed(['failover', 'eus2', '--fleet', join(fleetDir, 'fleet.yaml')])
  const inTurn = join(dir, 'in-turn.yaml')
  writeFileSync(inTurn, readFileSync(join(fleetDir, 'fleet.yaml'), 'utf8').replace(/^drainAhead: true$/m, 'drainAhead: false').replace(/\[(app\d\d\.yaml(, )?)+\]/g, (list) => list.replace(/app\d\d\.yaml/g, (f) => join(fleetDir, f))))
  const sequential = timed(['failover', 'eus2', '--fleet', inTurn])
  const ratio = (times: number[]) => `${(median(times) / median(one)).toFixed(2)}x one runbook`
  return [
    row('failover eus2, one runbook (fleet estate)', '', one, `${runs} run(s)`),
    row('failover eus2 --fleet: 10 in one wave', '<= 1.3x one runbook', wave, ratio(wave)),
    row('failover eus2 --fleet: 10 in 3 waves (drainAhead)', '<= 1.3x one runbook', waves, `${ratio(waves)}; the waits of all waves overlap`),
    row('failover eus2 --fleet: 10 in 3 waves, in turn', '', sequential, `${ratio(sequential)}; drainAhead off: each wave after the one before`),
  ]
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`

/**
 * Install size (issue 18): the tarball `npm pack` makes, installed alone into an empty prefix as a team would (npm's
 * cache warm, so the time is npm's work, not the network's). Printed, never a target.
 */
async function printInstallSize() {
  const dir = join(work, 'install')
  mkdirSync(join(dir, 'prefix'), {recursive: true})
  const packed = await packCheckout(dir)
  const started = process.hrtime.bigint()
  const installed = await installTarball(packed.tarball, join(dir, 'prefix'))
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const largest = Object.entries(installed.bytesByScope).sort(([, a], [, b]) => b - a).slice(0, 3)
  console.log(`\ninstall size: tarball ${(packed.size / 1e3).toFixed(0)} kB; npm install -g of it alone: ${installed.added} packages, ${mb(installed.bytes)} (apparent size) in ${(ms / 1000).toFixed(0)} s, npm's cache warm`)
  console.log(`  largest: ${largest.map(([name, bytes]) => `${name} ${mb(bytes)}`).join(', ')}`)
}

// BENCH_ONLY=install measures the install size alone.
if (process.env.BENCH_ONLY === 'install') {
  try {
    await printInstallSize()
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
  process.exit(0)
}
// BENCH_ONLY=outage measures the region-down rows alone.
if (process.env.BENCH_ONLY === 'outage') {
  try {
    for (const r of await outageRows(join(work, 'demo'))) console.log(`${r.name.padEnd(40)} ${r.medianMs.toFixed(0)} ms  ${r.target} (${r.note})`)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
  process.exit(0)
}
// BENCH_ONLY=fleet measures the fleet rows alone.
if (process.env.BENCH_ONLY === 'fleet') {
  try {
    mkdirSync(join(work, 'fleet'))
    for (const r of fleetRows(join(work, 'fleet'))) console.log(`${r.name.padEnd(44)} ${r.medianMs.toFixed(0)} ms  ${r.target} (${r.note})`)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
  process.exit(0)
}
// BENCH_ONLY=manual-az runs the side-by-side comparison with the az procedure alone.
if (process.env.BENCH_ONLY === 'manual-az') {
  try {
    printComparison(await manualAzComparison(ROOT, BIN, work, env))
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
  process.exit(0)
}
const rows: Row[] = []
const scale: Array<{estate: string; endpoints: number; names: number; armRequests: number; perEndpoint: number}> = []
try {
  const demo = join(work, 'demo')
  rows.push(measure('azfail --help (cold start)', '<= 250 ms', ['--help'], work))
  rows.push(measure('azfail status --sandbox', '<= 1000 ms', ['status', '--sandbox', '--state-dir', demo], work))
  rows.push(measure('drain eus2 --dry-run (demo)', '<= 1000 ms', ['drain', 'eus2', '--dry-run', '--sandbox', '--state-dir', demo, '--runs-dir', join(work, 'runs')], work))

  // Demo drain: wall time minus the mandatory TTL + drain wait, on a fresh demo estate each run. Also shown without
  // the long-running-operation polling the emulated ARM imposes (Retry-After: 1 on the Front Door origin update).
  const overhead: number[] = []
  const own: number[] = []
  for (let i = 0; i < DRAIN_RUNS; i++) {
    reset(work, demo)
    const {ms, stdout} = azfail(['drain', 'eus2', '--yes', '--json', '--sandbox', '--state-dir', demo, '--runs-dir', join(work, 'runs')], work)
    const wait = JSON.parse(stdout).result.steps.find((s: {id: string}) => s.id === 'waitOutTtl').durationMs
    overhead.push(ms - wait)
    own.push(ms - wait - lroPollingMs(demo))
  }
  reset(work, demo)
  const {rssKb: drainRss} = azfail(['drain', 'eus2', '--yes', '--json', '--sandbox', '--state-dir', demo, '--runs-dir', join(work, 'runs')], work, join(work, 'rss.txt'))
  rows.push({name: 'demo drain overhead (wall - wait)', target: '<= 1000 ms', medianMs: median(overhead), minMs: Math.min(...overhead), maxMs: Math.max(...overhead), peakRssMb: drainRss / 1024, note: `${DRAIN_RUNS} runs`})
  rows.push({name: '  of which azfail itself (- LRO polls)', target: '', medianMs: median(own), minMs: Math.min(...own), maxMs: Math.max(...own), peakRssMb: drainRss / 1024, note: 'Retry-After time excluded'})

  rows.push(...(await outageRows(demo)))
  mkdirSync(join(work, 'fleet'))
  rows.push(...fleetRows(join(work, 'fleet')))

  // Generated estates against a separately running sandbox: azfail's own time, memory and ARM requests.
  for (const [regions, endpoints] of [[5, 10], [10, 25], [20, 50]] as const) {
    const dir = join(work, `gen-${regions}x${endpoints}`)
    mkdirSync(dir, {recursive: true})
    const {world, runbook} = generatedEstate(regions, endpoints)
    writeFileSync(join(dir, 'state.json'), JSON.stringify(world))
    writeFileSync(join(dir, 'runbook.yaml'), runbook)
    const args = ['drain', 'r01', '--dry-run', '--sandbox', '--state-dir', dir, '--runbook', join(dir, 'runbook.yaml'), '--runs-dir', join(work, 'runs')]
    const sandbox = await startPublished(dir)
    try {
      const before = requestCount(dir)
      azfail(args, work)
      const armRequests = requestCount(dir) - before
      scale.push({estate: `${regions}x${endpoints}`, endpoints, names: regions * endpoints, armRequests, perEndpoint: armRequests / endpoints})
      if (regions === 20) {
        rows.push(measure(`drain --dry-run, ${regions}x${endpoints} estate`, '<= 1500 ms, <= 200 MB', args, work, Math.min(RUNS, 5)))
        const gameday = ['gameday', '--sandbox', '--state-dir', dir, '--runbook', join(dir, 'runbook.yaml'), '--report-dir', join(work, 'gameday-reports')]
        rows.push(measure(`gameday, ${regions}x${endpoints} estate`, '<= 3000 ms', gameday, work, Math.min(RUNS, 3)))
        const expect = Object.fromEntries(Object.entries(world.regions).map(([region]) => [region, Object.keys(world.publicDns).filter((n) => n.startsWith(`kv-${region}-`))]))
        const dns = await dnsMsPerQuery(dir, expect)
        rows.push({name: `sandbox DNS, ${dns.queries} names`, target: '<= 0.5 ms per query', medianMs: dns.medianMs, minMs: dns.minMs, maxMs: dns.maxMs, peakRssMb: 0, note: 'ms per query: every region\'s names, 32 in flight per resolver', perQuery: true})
      }
    } finally {
      await stopPublished(sandbox)
    }
    if (regions === 20) {
      // The same dry run with the sandbox answering as Azure does (--latency azure: reads 50-150 ms, seeded).
      const slow = await startPublished(dir, 'azure')
      try {
        rows.push(measure(`drain --dry-run, ${regions}x${endpoints}, --latency azure`, '<= 2500 ms', args, work, Math.min(RUNS, 5)))
      } finally {
        await stopPublished(slow)
      }
    }
  }

  // Malformed runbooks are answered in bounded time and memory (exit 2): the worst inputs of the test corpus.
  const bad = join(work, 'malformed')
  mkdirSync(bad, {recursive: true})
  const inputs: Record<string, string> = {
    'alias bomb': ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n') + '\n',
    'deep nesting': `${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
    '10 MB, 400k keys': Array.from({length: 400_000}, (_, i) => `key${i}: ${i}`).join('\n') + '\n',
  }
  const worst: number[] = []
  let worstRss = 0
  for (const [name, text] of [...Object.entries(inputs), ['/dev/zero', '']] as const) {
    const file = name === '/dev/zero' ? '/dev/zero' : join(bad, `${name.replace(/\W+/g, '-')}.yaml`)
    if (file !== '/dev/zero') writeFileSync(file, text)
    const times: number[] = []
    for (let i = 0; i < 3; i++) {
      const started = process.hrtime.bigint()
      const r = spawnSync(BIN, ['lint', file, '--json'], {cwd: work, encoding: 'utf8', env: {...env, AZFAIL_BENCH_RSS: join(work, 'rss-bad.txt'), NODE_OPTIONS: `--import=${join(ROOT, 'bench', 'rss.mjs')}`}})
      times.push(Number(process.hrtime.bigint() - started) / 1e6)
      if (r.status !== 2) throw new Error(`lint ${name}: exit ${r.status}, expected 2\n${r.stdout}${r.stderr}`)
      worstRss = Math.max(worstRss, Number(readFileSync(join(work, 'rss-bad.txt'), 'utf8')))
    }
    worst.push(median(times))
  }
  rows.push({name: 'lint a malformed runbook (worst input)', target: '< 2000 ms, < 300 MB', medianMs: Math.max(...worst), minMs: Math.min(...worst), maxMs: Math.max(...worst), peakRssMb: worstRss / 1024, note: 'alias bomb, deep nesting, 10 MB, /dev/zero'})

  const pad = (s: string, n: number) => s.padEnd(n)
  console.log(`azfail bench: node ${process.version}, ${process.arch}; medians of ${RUNS} runs unless noted`)
  console.log(`${pad('measure', 40)} ${pad('median', 10)} ${pad('min..max', 16)} ${pad('peak RSS', 10)} target`)
  for (const r of rows) {
    const digits = r.perQuery ? 2 : 0
    console.log(`${pad(r.name, 40)} ${pad(`${r.medianMs.toFixed(digits)} ms`, 10)} ${pad(`${r.minMs.toFixed(digits)}..${r.maxMs.toFixed(digits)} ms`, 16)} ${pad(r.peakRssMb ? `${r.peakRssMb.toFixed(0)} MB` : '', 10)} ${r.target}${r.note ? ` (${r.note})` : ''}`)
  }
  console.log('\nARM requests of one drain dry run (one region\'s endpoints are read; every region\'s names are resolved over DNS):')
  console.log(`${pad('estate', 10)} ${pad('names', 8)} ${pad('ARM requests', 14)} per endpoint of the drained region`)
  for (const s of scale) console.log(`${pad(s.estate, 10)} ${pad(String(s.names), 8)} ${pad(String(s.armRequests), 14)} ${s.perEndpoint.toFixed(2)}`)
  await printInstallSize()
  const manualAz = await manualAzComparison(ROOT, BIN, work, env)
  printComparison(manualAz)
  if (process.env.BENCH_JSON) console.log(JSON.stringify({rows, scale, manualAz}))
} finally {
  rmSync(work, {recursive: true, force: true})
}
