// What people and pipelines read during a run: a 0-column pseudo-terminal that stays readable, the --events stream
// followed live, output that fits 120 columns, and a remedy that pastes into a shell as it is.
import assert from 'node:assert/strict'
import {execFile, spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {STREAMED_EVENTS} from '../../src/cli/event-stream.ts'
import {BIN, ROOT, eventually, runCli, tempDir} from '../helpers.ts'
import {type E2E, HANG_MS, e2e, spawnAzfail} from './support.ts'

const hasScript = spawnSync('script', ['--version']).status === 0
const WIDTH = 120

const tooWide = (text: string) => text.split('\n').filter((l) => l.length > WIDTH)

function readEvents(file: string): any[] {
  if (!existsSync(file)) return []
  // A line being written may be incomplete: only whole lines count.
  const text = readFileSync(file, 'utf8')
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

describe('under a pseudo-terminal of 0 columns', {skip: hasScript ? false : 'script (util-linux) is not installed'}, () => {
  it('a drain prints whole lines, not one character per line', async () => {
    const dir = tempDir()
    const cwd = tempDir('azfail-pty-')
    assert.equal((await runCli(['sandbox', 'reset', '--ttl', '1', '--yes', '--state-dir', dir], {cwd})).code, 0)
    const env = {...process.env}
    delete env.CI // the terminal path, as a person (or `script` in a job) would meet it
    const command = `stty cols 0 rows 24; exec ${process.execPath} ${BIN} drain eus2 --sandbox --yes --state-dir ${dir}`
    const {stdout} = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {cwd, env, timeout: HANG_MS})
    const lines = stdout.split(/\r?\n/)
    assert.ok(lines.filter((l) => l.trim().length === 1).length < 3, `one character per line:\n${stdout.slice(0, 600)}`)
    assert.match(stdout, /drainSteering started: Drain eus2 at the steering layer/)
    assert.match(stdout, /verifySurvivorResolution succeeded in/)
    assert.match(stdout, /drain eus2: succeeded/)
  })
})

describe('output', () => {
  let t: E2E
  // A 6 s wait (1 s TTLs + 5 s drain): long enough to read the stream while the run is in it.
  before(async () => (t = await e2e((text) => text.replace('connectionDrainSeconds: 1', 'connectionDrainSeconds: 5'))))
  after(() => t.stop())

  it('--events FILE streams the run live: waitOutTtl is in the file before the process exits, run-ended closes it', async () => {
    const file = join(t.work, 'events.ndjson')
    const run = spawnAzfail(t, ['drain', 'eus2', '--yes', '--events', file])
    let exited = false
    void run.closed.then(() => (exited = true))
    // Read until the wait shows in the file or the process is gone, however long a loaded machine takes to get there.
    // Live means the wait is in the file while the run has not ended: noted before the read, and no run-ended in it.
    const waiting = await eventually(() => {
      const running = !exited
      const events = readEvents(file)
      const progress = events.find((e) => e.type === 'step-progress' && e.step.id === 'waitOutTtl')
      if (progress) return {progress, live: running && !events.some((e) => e.type === 'run-ended')}
      return running ? undefined : {progress: undefined, live: false}
    }, HANG_MS)
    assert.ok(waiting?.progress && waiting.live, `the wait was read from the stream while the run was in it\n${run.stderr()}`)
    assert.match(waiting.progress.text, /^\d+s left of 6s$/)
    assert.equal(await run.closed, 0, run.stderr())
    const events = readEvents(file)
    const runId = events[0].runId
    assert.match(runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/)
    for (const e of events) {
      assert.ok((STREAMED_EVENTS as readonly string[]).includes(e.type), e.type)
      assert.equal(e.runId, runId)
      assert.ok(!Number.isNaN(Date.parse(e.time)), e.time)
    }
    assert.deepEqual(
      events.filter((e) => e.type === 'step-started').map((e) => [e.step.id, e.step.kind]),
      [['drainSteering', 'drainSteering'], ['waitOutTtl', 'waitOutTtl'], ['verifySurvivorResolution', 'verifySurvivorResolution']],
    )
    const waited = events.find((e) => e.type === 'step-ended' && e.step.id === 'waitOutTtl')
    assert.equal(waited.status, 'succeeded')
    assert.ok(waited.durationMs >= 5000, `${waited.durationMs} ms`)
    const last = events.at(-1)
    assert.equal(last.type, 'run-ended')
    assert.equal(last.status, 'succeeded')
    assert.deepEqual(last.steps.map((s: any) => [s.id, s.status]), [['drainSteering', 'succeeded'], ['waitOutTtl', 'succeeded'], ['verifySurvivorResolution', 'succeeded']])
    const token = readFileSync(join(t.sb.dir, 'token'), 'utf8').trim()
    assert.ok(!readFileSync(file, 'utf8').includes(token), 'no token in the stream')
    await runCli(['restore', 'eus2', '--yes', '--sandbox', '--state-dir', t.sb.dir, '--runbook', t.runbook], {cwd: t.work, env: {CI: 'true'}})
  })

  it('--events - puts NDJSON alone on stderr', async () => {
    const r = await t.azfail(['drain', 'eus2', '--dry-run', '--events', '-'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stderr.split('\n').filter(Boolean)
    const types = lines.map((l) => JSON.parse(l).type)
    assert.deepEqual(types, ['run-started', 'step-planned', 'step-planned', 'step-planned', 'step-ended', 'step-ended', 'step-ended', 'run-ended'])
    assert.match(r.stdout, /drain eus2 \(dry run\): planned/)
  })

  it('the README documents every event type', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('### Event stream'), readme.indexOf('\n## ', readme.indexOf('### Event stream')))
    for (const type of STREAMED_EVENTS) assert.match(section, new RegExp(`\`${type}\``), type)
  })

  it('game day, lint, status, runs list and a run report fit 120 columns; a remedy is a command that pastes as it is', async () => {
    const tm = await t.sb.clients.trafficManager()
    const dns = await t.sb.clients.privateDns()
    await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 300}})
    await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.20.3.7'}]})
    try {
      const gameday = await t.azfail(['gameday'])
      assert.equal(gameday.code, 4, gameday.stderr)
      assert.match(gameday.stdout, /NOT READY/)
      assert.deepEqual(tooWide(gameday.stdout), [])
      assert.match(gameday.stdout, /^ {4}az network traffic-manager profile update -g rg-global -n tm-app --ttl 30$/m, 'the remedy names the resource group and profile, on a line of its own')
      const lint = await t.azfail(['lint'])
      assert.equal(lint.code, 4, lint.stderr)
      assert.deepEqual(tooWide(lint.stdout), [])
      assert.match(lint.stdout, /az network traffic-manager profile update -g rg-global -n tm-app --ttl 30$/m)
      const status = await t.azfail(['status'])
      assert.deepEqual(tooWide(status.stdout), [])
      assert.match(status.stdout, /^region +serving +traffic manager/m)
    } finally {
      await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 1}})
      await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.30.3.7'}]})
    }
    const drain = await t.azfail(['drain', 'eus2', '--yes'])
    assert.equal(drain.code, 0, drain.stderr)
    assert.match(drain.stdout, /^step +status +duration +message$/m)
    assert.deepEqual(tooWide(drain.stdout), [])
    const runs = await t.azfail(['runs', 'list'])
    assert.match(runs.stdout, /^run +action +status +started +by +target$/m)
    assert.deepEqual(tooWide(runs.stdout), [])
    await t.azfail(['restore', 'eus2', '--yes'])
  })
})
