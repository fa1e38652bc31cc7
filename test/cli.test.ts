// The CLI as users and scripts run it: help, exit codes, the JSON envelope, and `sandbox start` serving other programs.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {resolveName, resolverFor} from '../src/azure/resolve.ts'
import {BIN, ROOT, eventually, runCli, tempDir} from './helpers.ts'

describe('cli', () => {
  it('--help lists every command and the exit-code table', async () => {
    const r = await runCli(['--help'])
    assert.equal(r.code, 0)
    const commands = ['drain', 'gameday', 'lint', 'promote', 'repoint', 'restore', 'resume', 'runs list', 'runs show', 'sandbox import', 'sandbox reset', 'sandbox start', 'sandbox status', 'status', 'teardown']
    for (const cmd of commands) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'), `--help lists ${cmd}`)
    assert.match(r.stdout, /EXIT CODES/)
    for (const code of ['0', '1', '2', '3', '4', '5', '6']) assert.match(r.stdout, new RegExp(`^  ${code}  \\S`, 'm'))
    assert.match(r.stdout, /^ {2}5 {2}declined: the person at the prompt answered no to the plan; nothing was\s+changed/m, 'declining the prompt is exit 5, not a guard\'s 3')
    const cmdHelp = await runCli(['status', '--help'])
    assert.match(cmdHelp.stdout, /EXAMPLES/)
    assert.match(cmdHelp.stdout, /EXIT CODES/)
  })

  it('-h and help <command> show a command\'s usage; descriptions are paragraphs oclif wraps once', async () => {
    for (const args of [['help', 'drain'], ['drain', '-h']]) {
      const r = await runCli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stdout, /^USAGE\n {2}\$ azfail drain REGION/m, args.join(' '))
      assert.match(r.stdout, /EXIT CODES/)
    }
    const gameday = (await runCli(['gameday', '--help'], {env: {OCLIF_COLUMNS: '80'}})).stdout
    const description = gameday.slice(gameday.indexOf('DESCRIPTION'), gameday.indexOf('EXAMPLES'))
    // Wrapped twice, a hard line break inside a sentence leaves a short line behind each of its lines.
    const lines = description.split('\n').slice(1)
    const short = lines.filter((l, i) => l.trim() !== '' && lines[i + 1]?.trim() && l.length < 60)
    assert.deepEqual(short, [], description)
  })

  it('suggests the command meant for a typo (drian -> drain), without a terminal, and exits 2 without running anything', async () => {
    const r = await runCli(['drian', 'eus2', '--yes'], {timeoutMs: 15_000})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /Did you mean: azfail drain eus2 --yes/)
  })

  it('autocomplete bash prints the shell set-up', async () => {
    const r = await runCli(['autocomplete', 'bash'], {env: {AZFAIL_CACHE_DIR: tempDir('azfail-cache-')}})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /azfail autocomplete script bash/)
  })

  it('status --sandbox --json prints one envelope with every region resolving its own IPs', async () => {
    const dir = tempDir()
    const r = await runCli(['status', '--sandbox', '--state-dir', dir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.status, 'succeeded')
    assert.deepEqual(out.warnings, [])
    assert.equal(out.result.steering.trafficManager.ttl, 10)
    assert.deepEqual(Object.keys(out.result.regions), ['eus2', 'wus2'])
    for (const region of Object.values<any>(out.result.regions)) {
      assert.equal(region.serving, true)
      assert.ok(region.names.length === 3 && region.names.every((n: any) => n.ok), JSON.stringify(region.names))
    }
    assert.equal(out.result.data.postgres.primaryRegion, 'eus2')
    assert.equal(out.result.cname.targetRegion, 'eus2')
    const token = readFileSync(join(dir, 'token'), 'utf8').trim()
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'the token never appears in output')
  })

  it('exits 2 with file, line and field for an invalid runbook, in text and in JSON', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, readFileSync(join(ROOT, 'runbooks', 'demo.yaml'), 'utf8').replace('connectionDrainSeconds: 3', 'connectionDrainSeconds: -3'))
    const text = await runCli(['status', '--sandbox', '--state-dir', dir, '--runbook', file])
    assert.equal(text.code, 2)
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('connectionDrainSeconds: -3')) + 1
    assert.match(text.stderr, new RegExp(`bad\\.yaml:${line}:\\d+ estate\\.connectionDrainSeconds: `))
    assert.equal(text.stdout, '')
    const json = await runCli(['status', '--sandbox', '--state-dir', dir, '--runbook', file, '--json'])
    assert.equal(json.code, 2)
    const out = JSON.parse(json.stdout)
    assert.equal(out.status, 'invalid')
    assert.equal(out.error.code, 'InvalidRunbook')
    assert.ok(!existsSync(join(dir, 'requests.jsonl')), 'nothing reached the sandbox')
  })

  it('exits 2 for an unknown flag, and for Azure without a subscription (before any network)', async () => {
    const unknown = await runCli(['status', '--frobnicate'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /Nonexistent flag: --frobnicate/)
    const dir = tempDir()
    const file = join(dir, 'nosub.yaml')
    writeFileSync(file, readFileSync(join(ROOT, 'runbooks', 'demo.yaml'), 'utf8').replace(/^ {2}subscription: .*\n/m, ''))
    const env = {AZURE_SUBSCRIPTION_ID: ''}
    const r = await runCli(['status', '--runbook', file, '--json'], {env})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout).error.code, 'NoSubscription')
  })

  it('sandbox reset refuses without a TTY and without --yes, and changes nothing', async () => {
    const dir = tempDir()
    await runCli(['status', '--sandbox', '--state-dir', dir])
    const stateBefore = readFileSync(join(dir, 'state.json'), 'utf8')
    const refused = await runCli(['sandbox', 'reset', '--state-dir', dir])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /--yes/)
    assert.equal(readFileSync(join(dir, 'state.json'), 'utf8'), stateBefore)
    const done = await runCli(['sandbox', 'reset', '--state-dir', dir, '--yes', '--json'])
    assert.equal(done.code, 0)
    assert.equal(JSON.parse(done.stdout).result.reset, true)
    assert.equal(readFileSync(join(dir, 'requests.jsonl'), 'utf8'), '')
  })
})

describe('cli: sandbox start serves other programs', () => {
  const dir = tempDir()
  let child: ReturnType<typeof spawn> | undefined
  after(() => child?.kill('SIGKILL'))

  it('runs in the foreground, and a plain SDK script, azfail status and DNS all see one world', async () => {
    child = spawn(process.execPath, [BIN, 'sandbox', 'start', '--state-dir', dir], {stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    const connectionPath = join(dir, 'connection.json')
    await eventually(() => existsSync(connectionPath) && stderr.includes('Ctrl-C'))
    const connection = JSON.parse(readFileSync(connectionPath, 'utf8'))
    for (const field of ['armEndpoint', 'caCertPath', 'tenantId', 'subscriptionId', 'token', 'resolvers', 'controlEndpoint']) assert.ok(connection[field], field)
    assert.match(connection.armEndpoint, /^https:\/\/127\.0\.0\.1:\d+$/)

    const again = await runCli(['sandbox', 'start', '--state-dir', dir])
    assert.equal(again.code, 6, 'a second sandbox on the same state dir is refused')

    const script = await new Promise<{code: number | null; out: string; err: string}>((resolve) => {
      const s = spawn(process.execPath, [join(ROOT, 'examples', 'sdk-against-sandbox.mjs'), dir], {cwd: ROOT})
      let out = ''
      let err = ''
      s.stdout.on('data', (d) => (out += d))
      s.stderr.on('data', (d) => (err += d))
      s.on('close', (code) => resolve({code, out, err}))
    })
    assert.equal(script.code, 0, script.err)
    const result = JSON.parse(script.out)
    assert.deepEqual(result.profile, {name: 'tm-app', ttl: 10})
    assert.deepEqual(result.endpoint, {name: 'ep-eus2', status: 'Disabled'})
    assert.notEqual(result.cname.etagAfter, result.cname.etagBefore)

    const status = await runCli(['status', '--sandbox', '--state-dir', dir, '--json'])
    assert.equal(status.code, 0, status.stderr)
    const s = JSON.parse(status.stdout).result
    assert.equal(s.regions.eus2.trafficManager.status, 'Disabled')
    assert.equal(s.regions.eus2.serving, false)
    assert.equal(s.cname.ttl, 30)
    assert.equal(s.regions.eus2.resolver, connection.resolvers.eus2, 'status used the running sandbox, not a new one')

    const answer = await resolveName(resolverFor(connection.resolvers.eus2), 'kv-app-eus2.vault.azure.net')
    assert.deepEqual([answer.addresses, answer.ttl], [['10.20.3.7'], 10])

    const sandboxStatus = await runCli(['sandbox', 'status', '--state-dir', dir, '--json'])
    const ss = JSON.parse(sandboxStatus.stdout).result
    assert.equal(ss.running, true)
    assert.equal(ss.connection.token, '(redacted)')

    child.kill('SIGTERM')
    const code = await new Promise((r) => child!.once('close', r))
    assert.equal(code, 0)
    assert.ok(!existsSync(connectionPath), 'connection.json is removed on shutdown')
  })
})
