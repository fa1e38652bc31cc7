// `azfail sandbox outage`: takes a region of the running sandbox down (seen by the SDK clients), shows and clears it,
// refuses bad input with exit 2, and sets the outage a sandbox started later serves when none runs.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type TestSandbox, runCli, startTestSandbox, tempDir} from '../helpers.ts'

describe('azfail sandbox outage', () => {
  let sb: TestSandbox
  const outage = (args: string[], stateDir = sb.dir) => runCli(['sandbox', 'outage', ...args, '--state-dir', stateDir])
  const json = async (args: string[], stateDir?: string) => {
    const r = await outage([...args, '--json'], stateDir)
    return {code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr}
  }
  before(async () => (sb = await startTestSandbox(tempDir(), {publish: true})))
  after(() => sb.stop())

  it("takes the running sandbox's region down: its resource providers answer 503, the global services answer", async () => {
    const r = await outage(['eus2', '--arm', '503'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^eus2: ARM answers 503, resolver answers$/m)
    sb.mark()
    await assert.rejects((await sb.clients.postgres()).servers.get('rg-data-eus2', 'pg-app-eus2'), (e: any) => e.statusCode === 503)
    assert.equal((await (await sb.clients.trafficManager()).profiles.get('rg-global', 'tm-app')).name, 'tm-app')
    assert.ok(sb.requests().some((e) => e.status === 503 && e.fault === 'outage:eus2'))
  })

  it('shows the outage in force, sets the resolver and Front Door, and clears it', async () => {
    assert.equal((await outage(['eus2', '--resolver', 'silent', '--front-door', 'refuse'])).code, 0)
    const shown = await json([])
    assert.equal(shown.code, 0, shown.stderr)
    assert.deepEqual([shown.out.result.regions, shown.out.result.frontDoor, shown.out.result.running], [{eus2: {arm: 'error', status: 503, resolver: 'silent'}}, 'refuse', true])
    assert.deepEqual((await sb.control('GET', 'outage')).body.regions.eus2, {arm: 'error', status: 503, resolver: 'silent'}, 'the running sandbox holds what the CLI set')
    const cleared = await outage(['--clear'])
    assert.equal(cleared.code, 0)
    assert.match(cleared.stdout, /^none: every region and Front Door answer$/m)
    assert.equal((await (await sb.clients.postgres()).servers.get('rg-data-eus2', 'pg-app-eus2')).name, 'pg-app-eus2')
  })

  it('refuses bad input with exit 2 and changes nothing', async () => {
    for (const [args, message] of [
      [['mars'], /'region' must name one of the sandbox's regions: eus2, wus2/],
      [['eus2', '--arm', '404'], /--arm '404' is not a 5xx status, hang, drop or none/],
      [['--arm', 'hang'], /--arm and --resolver need the region/],
      [['eus2', '--clear'], /--clear ends every outage; it takes no region/],
    ] as const) {
      const r = await outage([...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message)
    }
    assert.deepEqual((await json([])).out.result.regions, {})
  })

  it('with no sandbox running, refuses an unknown region and shows the outage without making the state dir or a file in it', async () => {
    const base = tempDir()
    const fresh = join(base, 'new-state')
    const refused = await outage(['zz'], fresh)
    assert.equal(refused.code, 2, refused.stderr)
    assert.match(refused.stderr, /'region' must name one of the sandbox's regions: eus2, wus2/)
    assert.equal(existsSync(fresh), false, 'bad input made the state dir')
    const shown = await json([], fresh)
    assert.deepEqual([shown.code, shown.out.result.regions, shown.out.result.running], [0, {}, false], shown.stderr)
    assert.equal(existsSync(fresh), false, 'a look made the state dir')
    // an existing state dir keeps what it had: no state.json appears for a refusal
    const empty = join(base, 'empty-state')
    mkdirSync(empty)
    assert.equal((await outage(['zz'], empty)).code, 2)
    assert.deepEqual(readdirSync(empty), [])
  })

  it('sets the outage in the state dir when no sandbox runs; a sandbox started there serves it', async () => {
    const dir = tempDir()
    const set = await json(['wus2', '--arm', 'hang'], dir)
    assert.equal(set.code, 0, set.stderr)
    assert.deepEqual([set.out.result.regions, set.out.result.running], [{wus2: {arm: 'hang'}}, false])
    const later = await startTestSandbox(dir)
    try {
      assert.deepEqual((await later.control('GET', 'outage')).body.regions, {wus2: {arm: 'hang'}})
    } finally {
      await later.stop()
    }
  })
})
