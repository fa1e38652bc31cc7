// azfail init: the estate discovered through the SDK clients becomes a runbook that lints clean, passes a game day and
// expects what the hand-written runbook expects; existing files are kept, an estate without steering is refused.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {HUB_SPOKE_SUBSCRIPTIONS as HUB, type World, demoWorld, generatedEstate, hubSpokeWorld, readRequestLog} from '#sandbox'
import {parse} from 'yaml'
import {createClients} from '../../src/azure/clients.ts'
import {discoverEstate} from '../../src/azure/discover.ts'
import {DEMO_RUNBOOK, loadRunbook, parseRunbook} from '../../src/runbook/load.ts'
import {runbookText} from '../../src/runbook/write.ts'
import {ROOT, type TestSandbox, runCli, startTestSandbox, tempDir} from '../helpers.ts'

const SLOW = {timeoutMs: 240_000}

/** A published sandbox serving `world` (the demo when none). */
async function sandboxWith(world?: World): Promise<TestSandbox> {
  const dir = tempDir()
  if (world) writeFileSync(join(dir, 'state.json'), JSON.stringify(world))
  return startTestSandbox(dir, {publish: true})
}

/** A state dir holding `world`, no sandbox running: each command starts one in its own process, as a user's would. */
function stateDirWith(world: World): {dir: string; requests: () => Array<{method: string}>} {
  const dir = tempDir()
  writeFileSync(join(dir, 'state.json'), JSON.stringify(world))
  return {dir, requests: () => readRequestLog(dir)}
}

type Sandbox = {dir: string; requests(): Array<{method: string}>; mark?(): void}
const azfail = (sb: Sandbox, cwd: string, args: string[], options = {}) => runCli([...args, '--sandbox', '--state-dir', sb.dir], {cwd, env: {CI: 'true'}, ...options})

/** What a runbook's regions expect, and the endpoints they list, as parsed data. */
const regionsOf = (runbook: any) =>
  Object.fromEntries(
    Object.entries(runbook.estate.regions as Record<string, any>).map(([k, r]) => [
      k,
      {location: r.location, expect: r.expect, privateEndpoints: [...r.privateEndpoints].map((p: any) => `${p.resourceGroup}/${p.name}`).sort()},
    ]),
  )

/** The runbook init writes for the sandbox, checked by lint (no finding, no warning) and a readiness game day. */
async function initLintGameday(sb: Sandbox, cwd: string, env: Record<string, string> = {}): Promise<{file: string; runbook: any; stderr: string}> {
  const file = join(cwd, 'discovered.yaml')
  const before = sb.requests().length
  const init = await azfail(sb, cwd, ['init', '--output', file], SLOW)
  assert.equal(init.code, 0, init.stderr)
  assert.equal(init.stdout, '', 'the runbook went to the file, nothing to stdout')
  const requests = sb.requests().slice(before)
  assert.ok(requests.length > 0 && requests.every((r) => r.method === 'GET'), 'discovery reads, and only reads')
  const lint = await azfail(sb, cwd, ['lint', file, '--json'], {...SLOW, env: {CI: 'true', ...env}})
  assert.equal(lint.code, 0, lint.stdout)
  const linted = JSON.parse(lint.stdout)
  assert.deepEqual([linted.result.live, linted.result.findings, linted.warnings], [true, [], []], 'lints clean against live state')
  const gameday = await azfail(sb, cwd, ['gameday', '--runbook', file, '--json'], {...SLOW, env: {CI: 'true', ...env}})
  const report = JSON.parse(gameday.stdout)
  const failed = (report.result?.checks ?? []).filter((c: any) => c.status !== 'passed').map((c: any) => `${c.id}: ${c.observed}`.slice(0, 300))
  assert.equal(gameday.code, 0, failed.slice(0, 5).join('\n') || gameday.stdout.slice(0, 2000))
  assert.ok(report.result.checks.length > 0 && report.result.checks.every((c: any) => c.status === 'passed'))
  return {file, runbook: parse(readFileSync(file, 'utf8')), stderr: init.stderr}
}

describe('init on the demo estate', () => {
  let sb: TestSandbox
  let work: string
  let discovered: {file: string; runbook: any; stderr: string}
  before(async () => {
    sb = await sandboxWith()
    work = tempDir('azfail-init-')
    discovered = await initLintGameday(sb, work)
  })
  after(() => sb.stop())

  it("expects the same names and private IPs as runbooks/demo.yaml, and names the same resources", () => {
    const demo = parse(readFileSync(DEMO_RUNBOOK, 'utf8'))
    const rb = discovered.runbook
    assert.deepEqual(regionsOf(rb), regionsOf(demo))
    assert.deepEqual(rb.estate.steering, demo.estate.steering)
    assert.deepEqual(rb.estate.data.postgres.servers, demo.estate.data.postgres.servers)
    assert.deepEqual(rb.estate.data.sqlFailoverGroup, demo.estate.data.sqlFailoverGroup)
    assert.deepEqual(rb.estate.data.cosmos, demo.estate.data.cosmos)
    assert.deepEqual(rb.estate.cname, demo.estate.cname)
    assert.equal(rb.estate.subscription, demo.estate.subscription)
  })

  it('is commented: the settings it cannot discover, and the names it did not put in expect', () => {
    const text = readFileSync(discovered.file, 'utf8')
    assert.match(text, /^# yaml-language-server: \$schema=\S+runbook\.schema\.json$/m)
    assert.match(text, /^ {6}# resolver: the ip\[:port\] of a DNS resolver inside eus2's network/m)
    assert.match(text, /^ {2}# In-flight connections get this long[^\n]*\n {2}connectionDrainSeconds: 30$/m)
    assert.match(text, /# cosmos-app-eastus2\.documents\.azure\.com: 10\.20\.4\.6, cosmos-app-westus2\.documents\.azure\.com: 10\.20\.4\.7/)
    assert.match(text, /^ {8}- \{resourceGroup: rg-spoke-eus2, name: pe-kv-app-eus2\}$/m, 'references inline, as in the demo runbook')
    assert.match(text, /# Every private endpoint in eastus2 of the subscriptions read\. 'drain --teardown' and 'teardown' delete each one listed:\n {6}# remove those that are not this estate's\.\n {6}privateEndpoints:/)
    assert.match(discovered.stderr, /^init: privateEndpoints lists every private endpoint in each region's location \(6 in all\): check them before a teardown\.$/m)
  })

  it("proposes each region's vantage, an AKS cluster in its location, as a comment that reads as the runbook's own YAML", () => {
    const text = readFileSync(discovered.file, 'utf8')
    for (const region of ['eus2', 'wus2']) {
      const proposed = new RegExp(`add 'vantage: (\\{aks: \\{resourceGroup: rg-spoke-${region}, name: aks-app-${region}\\}\\})' here`).exec(text.replace(/\n {6}# /g, ' '))
      assert.ok(proposed, `a vantage proposed for ${region}`)
      assert.deepEqual(parse(`v: ${proposed[1]}`).v, {aks: {resourceGroup: `rg-spoke-${region}`, name: `aks-app-${region}`}})
    }
    assert.equal(discovered.runbook.estate.regions.eus2.vantage, undefined, 'proposed, not set: the resolver stays the default')
  })

  it('prints to stdout without --output (or with -), and the whole result with --json', async () => {
    for (const args of [['init'], ['init', '--output', '-']]) {
      const r = await azfail(sb, work, args, SLOW)
      assert.equal(r.code, 0, r.stderr)
      assert.deepEqual(parse(r.stdout), discovered.runbook)
    }
    const j = await azfail(sb, work, ['init', '--json'], SLOW)
    const out = JSON.parse(j.stdout)
    assert.equal(out.status, 'succeeded')
    assert.deepEqual([out.result.output, out.result.written, out.result.regions], ['-', false, {eus2: 'eastus2', wus2: 'westus2'}])
    assert.deepEqual(parse(out.result.runbook), discovered.runbook)
  })

  it('refuses to overwrite an existing file without --force (exit 2, nothing read or written); --force replaces it', async () => {
    const file = join(work, 'mine.yaml')
    writeFileSync(file, 'hand-written\n')
    sb.mark()
    const r = await azfail(sb, work, ['init', '--output', file], SLOW)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /mine\.yaml already exists; azfail init does not overwrite it/)
    assert.match(r.stderr, /--force/)
    assert.equal(readFileSync(file, 'utf8'), 'hand-written\n')
    assert.deepEqual(sb.requests(), [], 'refused before reading Azure')
    const forced = await azfail(sb, work, ['init', '--output', file, '--force'], SLOW)
    assert.equal(forced.code, 0, forced.stderr)
    assert.deepEqual(parse(readFileSync(file, 'utf8')), discovered.runbook)
  })

  it('creates the directory --output names', async () => {
    const file = join(work, 'runbooks', 'prod', 'azfail.yaml')
    const r = await azfail(sb, work, ['init', '--output', file], SLOW)
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(parse(readFileSync(file, 'utf8')), discovered.runbook)
  })
})

describe('init chooses among candidates and says so', () => {
  it('takes the Traffic Manager profile with the most regions, and names the one it left out on stderr and in the file', async () => {
    const world = demoWorld()
    // A second profile that sorts first by name but steers only one region.
    for (const r of Object.values(world.resources).filter((x) => x.type.startsWith('Microsoft.Network/trafficManagerProfiles'))) {
      const copy = structuredClone(r)
      copy.id = r.id.replace('/tm-app', '/tm-aaa')
      if (copy.type === 'Microsoft.Network/trafficManagerProfiles') copy.name = 'tm-aaa'
      if (!copy.id.endsWith('/ep-wus2')) world.resources[copy.id.toLowerCase()] = copy
    }
    const sb = await sandboxWith(world)
    try {
      const work = tempDir('azfail-init-')
      const file = join(work, 'chosen.yaml')
      const r = await azfail(sb, work, ['init', '--output', file], SLOW)
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /init: Left out: Traffic Manager profile tm-aaa \(1 endpoint\(s\); tm-app names more regions or sorts first\)/)
      const text = readFileSync(file, 'utf8')
      assert.match(text, /# Left out: Traffic Manager profile tm-aaa/)
      assert.equal(parse(text).estate.steering.trafficManager.profile, 'tm-app')
    } finally {
      await sb.stop()
    }
  })
})

describe('init picks the CNAME to the primary', () => {
  it('when another CNAME leads to the replica, and names the one it left out', async () => {
    const world = demoWorld()
    const prod = Object.values(world.resources).find((r) => r.type === 'Microsoft.Network/privateDnsZones/CNAME' && r.name === 'prod')!
    // 'ahead' sorts before 'prod' and leads to the read replica.
    const other = structuredClone(prod)
    other.id = prod.id.replace(/\/prod$/, '/ahead')
    other.name = 'ahead'
    other.properties.fqdn = prod.properties.fqdn.replace(/^prod\./, 'ahead.')
    other.properties.cnameRecord = {cname: 'pg-app-wus2.private.postgres.database.azure.com'}
    world.resources[other.id.toLowerCase()] = other
    const sb = await sandboxWith(world)
    try {
      const work = tempDir('azfail-init-')
      const r = await azfail(sb, work, ['init', '--output', join(work, 'x.yaml')], SLOW)
      assert.equal(r.code, 0, r.stderr)
      assert.equal(parse(readFileSync(join(work, 'x.yaml'), 'utf8')).estate.cname.name, 'prod')
      assert.match(r.stderr, /^init: Left out: CNAME ahead\.private\.postgres\.database\.azure\.com \(also leads to a server of the pair\)\.$/m)
    } finally {
      await sb.stop()
    }
  })
})

describe('init with Front Door alone', () => {
  it('takes the regions from the origins, placed by the private endpoints named after them, and lints clean', async () => {
    const world = demoWorld()
    for (const [id, r] of Object.entries(world.resources)) if (r.type.startsWith('Microsoft.Network/trafficManagerProfiles')) delete world.resources[id]
    const sb = await sandboxWith(world)
    try {
      const {runbook} = await initLintGameday(sb, tempDir('azfail-init-'))
      const demo = parse(readFileSync(DEMO_RUNBOOK, 'utf8'))
      assert.deepEqual(runbook.estate.steering, {frontDoor: demo.estate.steering.frontDoor})
      assert.deepEqual(regionsOf(runbook), regionsOf(demo))
    } finally {
      await sb.stop()
    }
  })
})

describe('init on an estate without a steering layer', () => {
  it('exits 4 naming what it did not find, and writes nothing', async () => {
    const world = demoWorld()
    for (const [id, r] of Object.entries(world.resources)) if (/^Microsoft\.(Network\/trafficManagerProfiles|Cdn\/)/i.test(r.type)) delete world.resources[id]
    const sb = await sandboxWith(world)
    try {
      const work = tempDir('azfail-init-')
      const file = join(work, 'none.yaml')
      const r = await azfail(sb, work, ['init', '--output', file, '--json'], SLOW)
      assert.equal(r.code, 4, r.stdout)
      const out = JSON.parse(r.stdout)
      assert.equal(out.error.code, 'NothingToDiscover')
      assert.match(out.error.message, /^Found no Traffic Manager or Front Door profile in subscription 5a4dbf5e-/)
      assert.ok(!existsSync(file), 'nothing written')
    } finally {
      await sb.stop()
    }
  })
})

describe('init on generated estates', () => {
  // The game day asks 20 resolvers for 1,000 names, 32 at a time each, and the resolvers answer from the same process
  // (the sandbox runs inside the command): on a 2-core machine loaded 20 deep some answers took longer than the 1.5 s
  // a try gets. What is checked is each name's answer, not how fast it came: the timeout only tells silence from
  // slowness, so it is set far above what a busy machine takes.
  it('20 x 50: lints clean, passes a game day, and expects the generated runbook\'s 1,000 names and IPs, endpoints, steering and state zone', async () => {
    const {world, runbook} = generatedEstate(20, 50)
    const {runbook: rb} = await initLintGameday(stateDirWith(world), tempDir('azfail-init-'), {AZFAIL_DNS_TIMEOUT: '20'})
    const generated = parse(runbook)
    assert.deepEqual(regionsOf(rb), regionsOf(generated))
    assert.equal(Object.values(rb.estate.regions).reduce((n: number, r: any) => n + Object.keys(r.expect).length, 0), 1000)
    assert.deepEqual(rb.estate.steering, generated.estate.steering)
    assert.deepEqual(rb.estate.stateZone, generated.estate.stateZone)
  })
})

/** Every resource a loaded runbook names, as subscription/resourceGroup/name (a reference without one is in the estate's). */
function located(file: string) {
  const {estate} = loadRunbook(file).runbook
  const at = (r: {subscription?: string; resourceGroup: string}, ...names: string[]) => [r.subscription ?? estate.subscription, r.resourceGroup, ...names].join('/').toLowerCase()
  const servers = (map: Record<string, any> | undefined) => Object.fromEntries(Object.entries(map ?? {}).map(([k, r]) => [k, at(r, r.name)]))
  return {
    regions: Object.fromEntries(Object.entries(estate.regions).map(([k, r]) => [k, {location: r.location, expect: r.expect, privateEndpoints: r.privateEndpoints.map((p) => at(p, p.name)).sort()}])),
    trafficManager: estate.steering.trafficManager && {at: at(estate.steering.trafficManager, estate.steering.trafficManager.profile), endpoints: estate.steering.trafficManager.endpoints},
    frontDoor: estate.steering.frontDoor && {at: at(estate.steering.frontDoor, estate.steering.frontDoor.profile, estate.steering.frontDoor.originGroup), origins: estate.steering.frontDoor.origins},
    postgres: servers(estate.data.postgres?.servers),
    sql: {name: estate.data.sqlFailoverGroup?.name, servers: servers(estate.data.sqlFailoverGroup?.servers)},
    cosmos: estate.data.cosmos && at(estate.data.cosmos, estate.data.cosmos.account),
    cname: estate.cname && at(estate.cname, estate.cname.zone, estate.cname.name),
  }
}

describe('init on the hub-spoke estate (four subscriptions)', () => {
  let sb: TestSandbox
  before(async () => (sb = await sandboxWith(hubSpokeWorld())))
  after(() => sb.stop())

  it('lints clean, passes a game day, and names the same resources, names and IPs as runbooks/hub-spoke.yaml, each in its subscription', async () => {
    const work = tempDir('azfail-init-')
    const {file, runbook} = await initLintGameday(sb, work)
    assert.deepEqual(located(file), located(join(ROOT, 'runbooks', 'hub-spoke.yaml')))
    assert.equal(runbook.estate.subscription, HUB.sharedServices, 'the default is the subscription the sandbox (or --subscription) names first')
    assert.equal(runbook.estate.cname.subscription, HUB.connectivity)
    assert.equal(runbook.estate.regions.wus2.privateEndpoints[0].subscription, HUB.wus2)
  })

  it('follows references into the other subscriptions when only the default one is named', async () => {
    const target = {...sb.target, subscriptions: undefined}
    sb.mark()
    const discovery = await discoverEstate(target, createClients(target))
    const read = new Set(sb.requests().map((r) => /^\/subscriptions\/([^/]+)/i.exec(r.path)?.[1]?.toLowerCase()))
    assert.deepEqual(read, new Set(Object.values(HUB)), 'TM endpoint targets -> workload subscriptions; zone groups -> connectivity')
    const file = join(tempDir('azfail-init-'), 'followed.yaml')
    writeFileSync(file, runbookText({name: discovery.name, estate: discovery.estate, comments: []}, file))
    parseRunbook(readFileSync(file, 'utf8'), file)
    assert.deepEqual(located(file), located(join(ROOT, 'runbooks', 'hub-spoke.yaml')))
  })

  it('a --subscription the sandbox does not serve is bad input (exit 2), named, and nothing is written', async () => {
    const work = tempDir('azfail-init-')
    const file = join(work, 'x.yaml')
    const r = await azfail(sb, work, ['init', '--output', file, '--subscription', HUB.sharedServices, '--subscription', '22222222-2222-2222-2222-222222222222'], SLOW)
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /Subscription 22222222-2222-2222-2222-222222222222 was not found/)
    assert.ok(!existsSync(file))
  })
})
