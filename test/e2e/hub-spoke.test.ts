// The hub-spoke estate: DNS zones in a connectivity subscription, steering in a shared-services one, each region's
// workload in its own. `sandbox reset --estate hub-spoke`, then a game day, a drain that reaches three or more
// subscriptions, promotions and a restore on runbooks/hub-spoke.yaml; and SDK clients per subscription.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {HUB_SPOKE_SUBSCRIPTIONS as HUB, WorldStore, hubSpokeWorld, readConnection} from '#sandbox'
import {ROOT, type TestSandbox, runCli, startTestSandbox, tempDir} from '../helpers.ts'
import {e2e, runIdIn, spawnAzfail, startedStep, txtField} from './support.ts'

const HUB_SPOKE_RUNBOOK = join(ROOT, 'runbooks', 'hub-spoke.yaml')
const subscriptionOf = (path: string) => /^\/subscriptions\/([^/]+)/i.exec(path)?.[1]?.toLowerCase()

describe('hub-spoke estate', () => {
  let sb: TestSandbox
  let work: string
  let runbook: string
  const azfail = (...args: string[]) => runCli([...args, '--sandbox', '--state-dir', sb.dir, '--runbook', runbook], {cwd: work, env: {CI: 'true'}})

  before(async () => {
    // A running demo sandbox, reset to hub-spoke through the CLI as a user would.
    sb = await startTestSandbox(tempDir(), {publish: true, ttl: 1})
    work = tempDir('azfail-work-')
    runbook = join(work, 'hub-spoke.yaml')
    writeFileSync(runbook, readFileSync(HUB_SPOKE_RUNBOOK, 'utf8').replace('connectionDrainSeconds: 3', 'connectionDrainSeconds: 1'))
  })
  after(() => sb.stop())

  it('sandbox reset --estate hub-spoke: the running sandbox now serves four subscriptions, shared services first', async () => {
    const r = await runCli(['sandbox', 'reset', '--estate', 'hub-spoke', '--ttl', '1', '--yes', '--state-dir', sb.dir], {cwd: work})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const conn = readConnection(sb.dir)!
    assert.equal(conn.subscriptionId, HUB.sharedServices)
    assert.deepEqual(new Set(conn.subscriptions), new Set(Object.values(HUB)))
  })

  it('a game day on runbooks/hub-spoke.yaml passes', async () => {
    const r = await azfail('gameday')
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout + r.stderr, /READY/)
  })

  it('drain eus2 succeeds, each change made in the subscription that holds it: three subscriptions or more', async () => {
    sb.mark()
    const r = await azfail('drain', 'eus2', '--yes')
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const requests = sb.requests()
    assert.ok(requests.every((q) => q.status < 400), JSON.stringify(requests.filter((q) => q.status >= 400)))
    const touched = new Set(requests.map((q) => subscriptionOf(q.path)))
    assert.ok(touched.size >= 3, `subscriptions touched: ${[...touched].join(', ')}`)
    const writes = requests.filter((q) => q.method !== 'GET')
    const wrote = (pattern: RegExp) => writes.filter((q) => pattern.test(q.path)).map((q) => subscriptionOf(q.path))
    assert.deepEqual(wrote(/azureEndpoints\/ep-eus2$/i), [HUB.sharedServices], 'Traffic Manager, in shared services')
    assert.deepEqual([...new Set(wrote(/origins\/origin-eus2$/i))], [HUB.sharedServices], 'Front Door, in shared services')
    assert.deepEqual([...new Set(wrote(/TXT\/_azfail-(drain-eus2|lock)$/i))], [HUB.connectivity], 'the drain record and the lock, in connectivity')
    assert.ok(!requests.some((q) => /privateEndpoints/i.test(q.path)), "a drain reads none of eus2's private endpoints: its record TTLs come from the zones")
    assert.ok(requests.some((q) => subscriptionOf(q.path) === HUB.connectivity && /privateDnsZones\/privatelink\.vaultcore\.azure\.net\/A$/i.test(q.path)), 'the zones read in the connectivity subscription')
  })

  it('promote --replica, --failover-group and --cosmos act in the subscription of each resource; restore eus2 re-enables it', async () => {
    sb.mark()
    const replica = await azfail('promote', '--replica', '--to', 'wus2', '--yes')
    assert.equal(replica.code, 0, replica.stdout + replica.stderr)
    const fog = await azfail('promote', '--failover-group', '--to', 'wus2', '--yes')
    assert.equal(fog.code, 0, fog.stdout + fog.stderr)
    const cosmos = await azfail('promote', '--cosmos', '--to', 'wus2', '--yes')
    assert.equal(cosmos.code, 0, cosmos.stdout + cosmos.stderr)
    const writes = sb.requests().filter((q) => q.method !== 'GET')
    assert.deepEqual(writes.filter((q) => /flexibleServers\/pg-app-wus2$/i.test(q.path)).map((q) => [q.method, subscriptionOf(q.path)]), [['PATCH', HUB.wus2]])
    assert.deepEqual(writes.filter((q) => /failoverGroups\/app-fog\/failover$/i.test(q.path)).map((q) => subscriptionOf(q.path)), [HUB.wus2])
    assert.deepEqual([...new Set(writes.filter((q) => /CNAME\/prod$/i.test(q.path)).map((q) => subscriptionOf(q.path)))], [HUB.connectivity])
    assert.deepEqual(writes.filter((q) => /cosmos-app\/failoverPriorityChange$/i.test(q.path)).map((q) => subscriptionOf(q.path)), [HUB.eus2], "the account lives with East US 2's workload")

    const restore = await azfail('restore', 'eus2', '--yes')
    assert.equal(restore.code, 0, restore.stdout + restore.stderr)
    const status = JSON.parse((await azfail('status', '--json')).stdout)
    assert.equal(status.result.regions.eus2.serving, true, JSON.stringify(status.result.regions.eus2))
  })

  it("drain --teardown deletes eus2's endpoints in its workload subscription; restore re-creates them there", async () => {
    sb.mark()
    const drain = await azfail('drain', 'eus2', '--teardown', '--yes')
    assert.equal(drain.code, 0, drain.stdout + drain.stderr)
    const restore = await azfail('restore', 'eus2', '--yes')
    assert.equal(restore.code, 0, restore.stdout + restore.stderr)
    const endpointWrites = sb.requests().filter((q) => q.method !== 'GET' && /privateEndpoints\/pe-[\w-]+-eus2$/i.test(q.path))
    assert.deepEqual(endpointWrites.map((q) => [q.method, subscriptionOf(q.path)]).sort(), [...Array(3).fill(['DELETE', HUB.eus2]), ...Array(3).fill(['PUT', HUB.eus2])])
    const gameday = await azfail('gameday')
    assert.equal(gameday.code, 0, gameday.stdout + gameday.stderr)
  })
})

describe('SDK clients per subscription', () => {
  let sb: TestSandbox
  before(async () => {
    const dir = tempDir()
    new WorldStore(dir, () => hubSpokeWorld())
    sb = await startTestSandbox(dir)
  })
  after(() => sb.stop())

  it("clients.for(subscription) reach that subscription's resources; the default one's do not", async () => {
    assert.equal(sb.target.subscriptionId, HUB.sharedServices)
    const pe = await (await sb.clients.for(HUB.eus2).network()).privateEndpoints.get('rg-spoke-eus2', 'pe-kv-app-eus2')
    assert.equal(subscriptionOf(pe.id!), HUB.eus2)
    await assert.rejects((await sb.clients.network()).privateEndpoints.get('rg-spoke-eus2', 'pe-kv-app-eus2'), (e: any) => e.statusCode === 404 && e.code === 'ResourceGroupNotFound')
    const zone = await (await sb.clients.for(HUB.connectivity).privateDns()).privateZones.get('rg-connectivity-dns', 'privatelink.vaultcore.azure.net')
    assert.equal(subscriptionOf(zone.id!), HUB.connectivity)
    assert.equal(sb.clients.for(undefined), sb.clients.for(HUB.sharedServices.toUpperCase()), 'one set of clients per subscription')
  })

  it('a subscription the sandbox does not serve answers SubscriptionNotFound', async () => {
    await assert.rejects(
      (await sb.clients.for('00000000-0000-0000-0000-0000000000aa').trafficManager()).profiles.get('rg-global', 'tm-app'),
      (e: any) => e.statusCode === 404 && e.code === 'SubscriptionNotFound',
    )
  })

  it('lists a resource group only within its own subscription', async () => {
    const inEus2 = []
    for await (const pe of (await sb.clients.for(HUB.eus2).network()).privateEndpoints.list('rg-spoke-eus2')) inEus2.push(pe.name)
    assert.deepEqual(inEus2.sort(), ['pe-cosmos-eus2', 'pe-kv-app-eus2', 'pe-sqlfog-eus2'])
    await assert.rejects(async () => {
      for await (const _ of (await sb.clients.for(HUB.wus2).network()).privateEndpoints.list('rg-spoke-eus2'));
    }, (e: any) => e.code === 'ResourceGroupNotFound')
  })
})

describe('resume on hub-spoke', () => {
  it('an interrupted drain resumes to the end, its lock and drain record kept in the connectivity subscription', async () => {
    const t = await e2e(() => readFileSync(HUB_SPOKE_RUNBOOK, 'utf8').replace('connectionDrainSeconds: 3', 'connectionDrainSeconds: 5'))
    try {
      await t.sb.control('POST', 'reset', {estate: 'hub-spoke', ttl: 1})
      const run = spawnAzfail(t, ['drain', 'eus2', '--yes'])
      const runId = await runIdIn(t.work)
      await startedStep(t.work, runId, 'waitOutTtl')
      run.child.kill('SIGINT')
      assert.equal(await run.closed, 5, run.stderr())
      const dns = await t.sb.clients.for(HUB.connectivity).privateDns()
      const drained = await dns.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-drain-eus2')
      assert.equal(txtField(drained, 'run'), runId)

      t.sb.mark()
      const {code, out} = await t.json(['resume', runId, '--yes'])
      assert.equal(code, 0, JSON.stringify(out))
      assert.deepEqual(out.result.steps.map((s: any) => [s.id, s.status]), [['drainSteering', 'skipped'], ['waitOutTtl', out.result.steps[1].status], ['verifySurvivorResolution', 'succeeded']], 'steering was drained before the interruption')
      // The resume waits out what is left of the 6 s window, or finds it passed when a loaded machine took longer
      // than that to start it: either is right; the wait is timed from the drain record, not from the resume.
      const wait = out.result.steps[1]
      assert.ok(wait.status === 'succeeded' || (wait.status === 'skipped' && /^already done: \d+s have passed since the drain at /.test(wait.message)), JSON.stringify(wait))
      const lockWrites = t.writes().filter((q) => /TXT\/_azfail-lock$/i.test(q.path))
      assert.ok(lockWrites.length >= 2, 'the resumed run took and released the lock')
      assert.deepEqual([...new Set(lockWrites.map((q) => subscriptionOf(q.path)))], [HUB.connectivity])
      await assert.rejects(dns.recordSets.get('rg-connectivity-dns', 'private.postgres.database.azure.com', 'TXT', '_azfail-lock'), (e: any) => e.statusCode === 404)
    } finally {
      await t.stop()
    }
  })
})

describe('sandbox import of a multi-subscription estate', () => {
  it('copies every resource from its own subscription; the copy serves the same four and passes a game day', async () => {
    const from = tempDir()
    new WorldStore(from, () => hubSpokeWorld())
    const to = tempDir()
    const imported = await runCli(['sandbox', 'import', '--from-sandbox', from, '--runbook', HUB_SPOKE_RUNBOOK, '--state-dir', to, '--yes'])
    assert.equal(imported.code, 0, imported.stdout + imported.stderr)
    const world = JSON.parse(readFileSync(join(to, 'state.json'), 'utf8'))
    assert.equal(world.subscriptionId, HUB.sharedServices)
    assert.deepEqual(new Set(world.subscriptions), new Set(Object.values(HUB)))
    const gameday = await runCli(['gameday', '--sandbox', '--state-dir', to, '--runbook', HUB_SPOKE_RUNBOOK], {env: {CI: 'true'}})
    assert.equal(gameday.code, 0, gameday.stdout + gameday.stderr)
  })
})
