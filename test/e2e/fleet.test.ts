// Fleets (issue 19, part 2): ten runbooks over the ten estates of the sandbox's fleet estate fail over in three waves,
// each under its own lock and journal; a failing runbook stops or continues the fleet as its file says; a fleet killed
// with -9 resumes to success without repeating what finished.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {WorldStore, fleetSubscription, fleetWorld} from '#sandbox'
import {BIN, type CliResult, type TestSandbox, eventually, runCli, startTestSandbox, tempDir} from '../helpers.ts'
import {appName, writeFleet} from './fleet-support.ts'
import {PATIENT_DNS} from './support.ts'

const THREE_WAVES = `version: 1
name: ten
concurrency: 4
onFailure: stop
waves:
  - name: data
    runbooks: [app01.yaml, app02.yaml]
  - name: platform
    runbooks: [app03.yaml, app04.yaml, app05.yaml, app06.yaml]
  - name: apps
    runbooks: [app07.yaml, app08.yaml, app09.yaml, app10.yaml]
`

/** Two waves by dependencies: app03 and app04 wait for both data tiers. */
const twoWaves = (onFailure: string) => `version: 1
name: four
concurrency: 2
onFailure: ${onFailure}
runbooks:
  - path: app01.yaml
  - path: app02.yaml
  - {path: app03.yaml, after: [app01, app02.yaml]}
  - {path: app04.yaml, after: [app01]}
`

async function fleetSandbox(): Promise<TestSandbox> {
  const dir = tempDir()
  new WorldStore(dir, () => fleetWorld({ttl: 1}))
  return startTestSandbox(dir, {publish: true})
}

function azfail(sb: TestSandbox, work: string, args: string[]): Promise<CliResult> {
  return runCli([...args, '--sandbox', '--state-dir', sb.dir], {cwd: work, env: {CI: 'true', ...PATIENT_DNS}})
}

async function json(sb: TestSandbox, work: string, args: string[]): Promise<{code: number | null; out: any; stderr: string}> {
  const r = await azfail(sb, work, [...args, '--json'])
  try {
    return {code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr}
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

const inSub = (n: number) => (w: {path: string}) => w.path.toLowerCase().startsWith(`/subscriptions/${fleetSubscription(n)}/`)
const writesOf = (sb: TestSandbox, n: number) => sb.requests().filter((r) => r.method !== 'GET' && inSub(n)(r) && !/_azfail-/.test(r.path))
const tmDisabled = async (sb: TestSandbox, n: number) => (await (await sb.clients.for(fleetSubscription(n)).trafficManager()).endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2')).endpointStatus
const runbooksOf = (out: any) => out.result.waves.flatMap((w: any) => w.runbooks)

describe('a fleet of ten runbooks over ten sandbox estates, in three waves', () => {
  let sb: TestSandbox
  let work: string
  before(async () => {
    sb = await fleetSandbox()
    work = tempDir('azfail-work-')
    writeFleet(work, THREE_WAVES)
  })
  after(() => sb.stop())

  it('--dry-run plans every runbook (each change named, runbook by runbook) and writes nothing; without --yes or a terminal it is refused', async () => {
    sb.mark()
    const {code, out} = await json(sb, work, ['failover', 'eus2', '--fleet', 'fleet.yaml', '--dry-run'])
    assert.equal(code, 0, JSON.stringify(out))
    assert.equal(out.result.status, 'planned')
    for (const r of runbooksOf(out)) assert.ok(r.status === 'planned' && r.changes.some((c: any) => /Traffic Manager endpoint ep-eus2/.test(c.what)), JSON.stringify(r))
    const refused = await json(sb, work, ['failover', 'eus2', '--fleet', 'fleet.yaml'])
    assert.equal(refused.code, 2)
    assert.equal(refused.out.error.code, 'ConsentRequired')
    assert.deepEqual(sb.requests().filter((r) => r.method !== 'GET'), [])
  })

  it('fails every estate over, wave after wave, each runbook its own run; the result gives status, run id, RTO and what remains in eus2', async () => {
    sb.mark()
    const {code, out, stderr} = await json(sb, work, ['failover', 'eus2', '--fleet', 'fleet.yaml', '--yes'])
    assert.equal(code, 0, stderr + JSON.stringify(out.error ?? out.result))
    assert.equal(out.status, 'succeeded')
    assert.deepEqual(out.result.waves.map((w: any) => [w.name, w.runbooks.map((r: any) => r.name)]), [
      ['data', ['app01', 'app02']],
      ['platform', ['app03', 'app04', 'app05', 'app06']],
      ['apps', ['app07', 'app08', 'app09', 'app10']],
    ])
    const runs = runbooksOf(out)
    assert.ok(runs.every((r: any) => r.status === 'succeeded' && r.rtoMs > 0 && Array.isArray(r.residue) && r.residue.length === 0), JSON.stringify(runs))
    assert.equal(new Set(runs.map((r: any) => r.runId)).size, 10, 'ten runs')
    for (const r of runs) assert.equal(JSON.parse(readFileSync(join(work, '.azfail', 'runs', r.runId, 'run.json'), 'utf8')).status, 'succeeded', `${r.name}'s own journal`)
    for (let n = 1; n <= 10; n++) assert.equal(await tmDisabled(sb, n), 'Disabled', `${appName(n)} drained`)
    // each estate took its own lock, and only its own (a lock record per subscription, released once)
    for (let n = 1; n <= 10; n++) assert.equal(sb.requests().filter((w) => w.method === 'DELETE' && inSub(n)(w) && /TXT\/_azfail-lock$/.test(w.path)).length, 1)
    // waves in order: no estate of a wave was written before every estate of the wave before had finished its writes
    const last = (ns: number[]) => Math.max(...ns.flatMap((n) => writesOf(sb, n).map((w) => Date.parse(w.time))))
    const first = (ns: number[]) => Math.min(...ns.flatMap((n) => writesOf(sb, n).map((w) => Date.parse(w.time))))
    assert.ok(last([1, 2]) <= first([3, 4, 5, 6]), 'platform after data')
    assert.ok(last([3, 4, 5, 6]) <= first([7, 8, 9, 10]), 'apps after platform')
    // the fleet journal beside the runs' own
    const fleet = JSON.parse(readFileSync(join(work, '.azfail', 'runs', out.result.fleetRunId, 'fleet.json'), 'utf8'))
    assert.equal(fleet.status, 'succeeded')
    assert.deepEqual(fleet.runbooks.map((r: any) => r.runId), runs.map((r: any) => r.runId))
  })
})

describe('a runbook that fails', () => {
  for (const onFailure of ['stop', 'continue']) {
    it(`onFailure ${onFailure}: ${onFailure === 'stop' ? 'nothing new starts; the rest are reported not started' : 'the fleet goes on'}; the fleet exits 1`, async () => {
      const sb = await fleetSandbox()
      try {
        const work = tempDir('azfail-work-')
        writeFleet(work, twoWaves(onFailure), 4)
        // app02's CNAME cannot be repointed: its run fails after its drain
        await sb.fault({kind: 'error', status: 400, method: 'PUT', path: `^/subscriptions/${fleetSubscription(2)}/.*/CNAME/prod$`})
        const {code, out} = await json(sb, work, ['failover', 'eus2', '--fleet', 'fleet.yaml', '--yes'])
        assert.equal(code, 1, JSON.stringify(out))
        assert.equal(out.status, 'failed')
        const status = Object.fromEntries(runbooksOf(out).map((r: any) => [r.name, r.status]))
        assert.equal(status.app01, 'succeeded')
        assert.equal(status.app02, 'failed')
        if (onFailure === 'stop') {
          assert.deepEqual([status.app03, status.app04], ['not-started', 'not-started'])
          assert.deepEqual([...writesOf(sb, 3), ...writesOf(sb, 4)], [], 'nothing written in the estates not started')
          assert.match(out.error.message, /not started: app03, app04/)
        } else {
          assert.deepEqual([status.app03, status.app04], ['succeeded', 'succeeded'])
          assert.equal(await tmDisabled(sb, 4), 'Disabled')
        }
      } finally {
        await sb.stop()
      }
    })
  }
})

describe('drainAhead: every runbook drains and waits at once, the waves order what follows the wait', () => {
  const STEERING = /trafficManagerProfiles\/tm-app\/azureEndpoints\/|\/originGroups\/og-app\/origins\//i
  const later = (sb: TestSandbox, n: number) => writesOf(sb, n).filter((w) => !STEERING.test(w.path))
  const startOf = (w: {time: string}) => Date.parse(w.time)
  const endOf = (w: {time: string; durationMs: number}) => Date.parse(w.time) + w.durationMs

  it("three waves: later waves drain while the first is held up (a 12 s delay on its CNAME), and promote only after it ends", async () => {
    const sb = await fleetSandbox()
    try {
      const work = tempDir('azfail-work-')
      writeFleet(work, THREE_WAVES.replace('concurrency: 4', 'concurrency: 10\ndrainAhead: true'))
      await sb.fault({kind: 'latency', latencyMs: 12_000, method: 'PUT', path: `^/subscriptions/${fleetSubscription(1)}/.*/CNAME/prod$`})
      const {code, out, stderr} = await json(sb, work, ['failover', 'eus2', '--fleet', 'fleet.yaml', '--yes'])
      assert.equal(code, 0, stderr + JSON.stringify(out.error ?? out.result))
      assert.ok(runbooksOf(out).every((r: any) => r.status === 'succeeded'), JSON.stringify(runbooksOf(out)))
      const delayed = later(sb, 1).find((w) => w.method === 'PUT' && /\/CNAME\/prod$/.test(w.path))!
      assert.ok(delayed.durationMs >= 12_000, 'the delay held app01 up')
      for (let n = 3; n <= 10; n++) {
        assert.equal(await tmDisabled(sb, n), 'Disabled')
        const drained = writesOf(sb, n).find((w) => STEERING.test(w.path))!
        assert.ok(startOf(drained) < endOf(delayed), `${appName(n)} drained before the first wave ended, not after it`)
      }
      const lastOf = (ns: number[]) => Math.max(...ns.flatMap((n) => writesOf(sb, n).map(endOf)))
      const firstLater = (ns: number[]) => Math.min(...ns.flatMap((n) => later(sb, n).map(startOf)))
      assert.ok(lastOf([1, 2]) <= firstLater([3, 4, 5, 6]), 'the platform promoted after the data tier ended')
      assert.ok(lastOf([3, 4, 5, 6]) <= firstLater([7, 8, 9, 10]), 'the apps promoted after the platform ended')
    } finally {
      await sb.stop()
    }
  })

  it('a failed first wave (onFailure stop) holds the drained runs of the next: interrupted, held, nothing after the wait written; the fleet exits 1', async () => {
    const sb = await fleetSandbox()
    try {
      const work = tempDir('azfail-work-')
      writeFleet(work, twoWaves('stop').replace('concurrency: 2', 'concurrency: 4\ndrainAhead: true'), 4)
      await sb.fault({kind: 'error', status: 400, method: 'PUT', path: `^/subscriptions/${fleetSubscription(2)}/.*/CNAME/prod$`})
      const {code, out} = await json(sb, work, ['failover', 'eus2', '--fleet', 'fleet.yaml', '--yes'])
      assert.equal(code, 1, JSON.stringify(out))
      assert.equal(out.status, 'failed')
      const byName = Object.fromEntries(runbooksOf(out).map((r: any) => [r.name, r]))
      assert.deepEqual([byName.app01.status, byName.app02.status], ['succeeded', 'failed'])
      for (const n of [3, 4]) {
        const r = byName[appName(n)]
        assert.deepEqual([r.status, r.held, r.error.code], ['interrupted', true, 'HeldAtWave'], JSON.stringify(r))
        assert.equal(await tmDisabled(sb, n), 'Disabled', `${appName(n)} drained ahead`)
        assert.deepEqual(later(sb, n), [], `${appName(n)}: nothing after its wait was written`)
        assert.match(r.error.message, new RegExp(`azfail resume ${r.runId}`))
      }
    } finally {
      await sb.stop()
    }
  })
})

describe('a fleet killed with -9', () => {
  let sb: TestSandbox
  before(async () => (sb = await fleetSandbox()))
  after(() => sb.stop())

  it('resumes as a whole: what succeeded is not repeated, the runs it killed resume, the rest start; all ten succeed', async () => {
    const work = tempDir('azfail-work-')
    writeFleet(work, THREE_WAVES)
    const child = spawn(process.execPath, [BIN, 'failover', 'eus2', '--fleet', 'fleet.yaml', '--yes', '--json', '--sandbox', '--state-dir', sb.dir], {cwd: work, env: {...process.env, CI: 'true', ...PATIENT_DNS}, stdio: 'ignore'})
    const closed = new Promise((r) => child.once('close', r))
    const runs = join(work, '.azfail', 'runs')
    const fleetFile = () => (existsSync(runs) ? readdirSync(runs).find((d) => d.startsWith('fleet-')) : undefined)
    // killed while the second wave runs: one of its runs has started a step
    const id = await eventually(() => {
      const f = fleetFile()
      if (!f) return undefined
      const fleet = JSON.parse(readFileSync(join(runs, f, 'fleet.json'), 'utf8'))
      const running = fleet.runbooks.filter((r: any) => r.wave === 1 && r.status === 'running' && existsSync(join(runs, r.runId, 'journal.jsonl')))
      return running.length > 0 ? f : undefined
    }) as string
    child.kill('SIGKILL')
    await closed
    const killed = JSON.parse(readFileSync(join(runs, id, 'fleet.json'), 'utf8'))
    assert.equal(killed.status, 'running')
    const finished = killed.runbooks.filter((r: any) => r.status === 'succeeded')
    assert.deepEqual(finished.map((r: any) => r.name), ['app01', 'app02'], 'the first wave had finished')
    const before = [1, 2].map((n) => writesOf(sb, n).length)

    // the fleet file edited since its consent (drainAhead turned on: another order of work) does not resume
    const file = join(work, 'fleet.yaml')
    writeFileSync(file, THREE_WAVES.replace('onFailure: stop', 'onFailure: stop\ndrainAhead: true'))
    const edited = await json(sb, work, ['resume', id, '--yes'])
    assert.equal(edited.code, 2, edited.stderr)
    assert.equal(edited.out.error.code, 'FleetChanged')
    assert.equal(JSON.parse(readFileSync(join(runs, id, 'fleet.json'), 'utf8')).status, 'running', 'the refused resume wrote nothing')
    writeFileSync(file, THREE_WAVES)

    const {code, out, stderr} = await json(sb, work, ['resume', id, '--yes'])
    assert.equal(code, 0, stderr + JSON.stringify(out.error ?? out.result))
    assert.equal(out.result.fleetRunId, id)
    const all = runbooksOf(out)
    assert.ok(all.every((r: any) => r.status === 'succeeded'), JSON.stringify(all))
    assert.deepEqual(all.slice(0, 2).map((r: any) => r.runId), finished.map((r: any) => r.runId), 'the first wave kept its runs')
    assert.deepEqual([1, 2].map((n) => writesOf(sb, n).length), before, 'nothing of the first wave written again')
    // a run the kill interrupted went on in its own journal: same run id, a second attempt
    const resumed = killed.runbooks.filter((r: any) => r.status === 'running')
    for (const r of resumed) {
      assert.equal(all.find((x: any) => x.name === r.name).runId, r.runId)
      assert.equal(JSON.parse(readFileSync(join(runs, r.runId, 'run.json'), 'utf8')).attempts, 2)
    }
    for (let n = 1; n <= 10; n++) assert.equal(await tmDisabled(sb, n), 'Disabled')
    assert.equal(JSON.parse(readFileSync(join(runs, id, 'fleet.json'), 'utf8')).status, 'succeeded')
    const again = await json(sb, work, ['resume', id, '--yes'])
    assert.equal(again.code, 2, 'a finished fleet does not resume')
    assert.equal(again.out.error.code, 'NotResumable')
    // --dry-run is not a fleet resume's: it would have resumed for real
    const dry = await json(sb, work, ['resume', id, '--dry-run'])
    assert.equal(dry.code, 2)
    assert.equal(dry.out.error.code, 'NotWithFleet')
  })
})

describe('a fleet interrupted with Ctrl-C', () => {
  it('ends interrupted (exit 5): the wave not yet open is held, drained, with nothing after its wait written; resume finishes all ten', async () => {
    const sb = await fleetSandbox()
    try {
      const work = tempDir('azfail-work-')
      writeFleet(work, THREE_WAVES.replace('concurrency: 4', 'concurrency: 10\ndrainAhead: true'))
      // app03 (the platform wave) is held at its CNAME write: the signal finds the platform wave running, the apps waiting for it
      await sb.fault({kind: 'latency', latencyMs: 8_000, method: 'PUT', path: `^/subscriptions/${fleetSubscription(3)}/.*/CNAME/prod$`})
      const child = spawn(process.execPath, [BIN, 'failover', 'eus2', '--fleet', 'fleet.yaml', '--yes', '--json', '--sandbox', '--state-dir', sb.dir], {cwd: work, env: {...process.env, CI: 'true', ...PATIENT_DNS}, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const closed = new Promise<number | null>((r) => child.once('close', r))
      const runs = join(work, '.azfail', 'runs')
      const journalOf = (runId: string) => join(runs, runId, 'journal.jsonl')
      const id = await eventually(() => {
        const f = existsSync(runs) ? readdirSync(runs).find((d) => d.startsWith('fleet-')) : undefined
        if (!f) return undefined
        const app03 = JSON.parse(readFileSync(join(runs, f, 'fleet.json'), 'utf8')).runbooks.find((r: any) => r.name === 'app03')
        const started = app03?.runId && existsSync(journalOf(app03.runId)) && readFileSync(journalOf(app03.runId), 'utf8').includes('"event":"started","step":{"id":"repointCname"')
        return started ? f : undefined
      }) as string
      child.kill('SIGINT')
      const code = await closed
      assert.equal(code, 5, stderr)
      const out = JSON.parse(stdout)
      assert.equal(out.result.status, 'interrupted')
      const byName = Object.fromEntries(runbooksOf(out).map((r: any) => [r.name, r]))
      assert.deepEqual([byName.app01.status, byName.app02.status], ['succeeded', 'succeeded'])
      assert.equal(byName.app03.status, 'interrupted', JSON.stringify(byName.app03))
      const STEERING = /trafficManagerProfiles\/tm-app\/azureEndpoints\/|\/originGroups\/og-app\/origins\//i
      for (let n = 7; n <= 10; n++) {
        const r = byName[appName(n)]
        assert.deepEqual([r.status, r.held], ['interrupted', true], JSON.stringify(r))
        assert.equal(await tmDisabled(sb, n), 'Disabled', `${appName(n)} drained ahead`)
        assert.deepEqual(writesOf(sb, n).filter((w) => !STEERING.test(w.path)), [], `${appName(n)}: nothing after its wait was written`)
      }
      assert.equal(JSON.parse(readFileSync(join(runs, id, 'fleet.json'), 'utf8')).status, 'interrupted')

      const resumed = await json(sb, work, ['resume', id, '--yes'])
      assert.equal(resumed.code, 0, resumed.stderr + JSON.stringify(resumed.out.error ?? resumed.out.result))
      assert.ok(runbooksOf(resumed.out).every((r: any) => r.status === 'succeeded'), JSON.stringify(runbooksOf(resumed.out)))
      for (let n = 1; n <= 10; n++) assert.equal(await tmDisabled(sb, n), 'Disabled')
    } finally {
      await sb.stop()
    }
  })
})
