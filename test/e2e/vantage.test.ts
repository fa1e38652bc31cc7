// Vantages (issue 19): a region's names resolved from inside its network through ARM alone (VM run command, scale-set
// instance run command, AKS command invoke), against the sandbox, which runs the script in each region and answers
// from that region's resolver. Where a hosted runner stands (a network namespace that reaches the sandbox's ARM port
// and none of its resolvers) a game day and a drain pass through the vantages alone, and fail without them, naming
// the resolvers. A vantage that answers garbage, hangs, replays or is cut short never makes a check pass.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {connect, createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {readResolutionOutput, resolutionScript} from '../../src/azure/vantage.ts'
import {BIN, type CliResult, HANG_MS} from '../helpers.ts'
import {type E2E, e2e, TM_EP} from './support.ts'

const missing =
  process.getuid?.() !== 0 ? 'needs root for a network namespace of its own (unshare -n)' : spawnSync('unshare', ['-n', 'true']).status !== 0 ? 'cannot make a network namespace here (unshare -n)' : undefined

const VANTAGES = {
  vm: (region: string) => `{vm: {resourceGroup: rg-spoke-${region}, name: vm-probe-${region}}}`,
  vmss: (region: string) => `{vmss: {resourceGroup: rg-spoke-${region}, scaleSet: vmss-probe-${region}, instanceId: '1'}}`,
  aks: (region: string) => `{aks: {resourceGroup: rg-spoke-${region}, name: aks-app-${region}}}`,
}

/** The test runbook with each named region given a vantage, right below its location. */
function withVantages(text: string, vantages: Record<string, keyof typeof VANTAGES>): string {
  let out = text
  for (const [region, kind] of Object.entries(vantages)) {
    const location = new RegExp(`(\\n    ${region}:\\n      location: [^\\n]+\\n)`)
    assert.match(out, location, `the runbook has region ${region}`)
    out = out.replace(location, `$1      vantage: ${VANTAGES[kind](region)}\n`)
  }
  return out
}

const resolution = (json: any, region: string) => json.checks.filter((c: any) => c.category === 'resolution' && c.id.startsWith(`resolution/${region}/`))

describe('vantages', () => {
  let t: E2E
  let base: string
  const runbooks: Record<string, string> = {}
  before(async () => {
    t = await e2e()
    base = readFileSync(t.runbook, 'utf8')
    const write = (name: string, text: string) => {
      runbooks[name] = join(t.work, `${name}.yaml`)
      writeFileSync(runbooks[name], text)
    }
    write('vm-aks', withVantages(base, {eus2: 'vm', wus2: 'aks'}))
    write('vmss', withVantages(base, {eus2: 'aks', wus2: 'vmss'}))
    write('vm-both', withVantages(base, {eus2: 'vm', wus2: 'vm'}))
  })
  after(() => t.stop())

  describe('where a hosted runner stands: ARM reachable, no resolver', {skip: missing ?? false}, () => {
    let relay: Server
    let socket: string
    let port: number
    before(async () => {
      port = Number(new URL(t.sb.handle.connection.armEndpoint).port)
      socket = join(t.work, 'arm.sock')
      relay = createServer((inbound) => {
        const outbound = connect(port, '127.0.0.1')
        inbound.pipe(outbound).pipe(inbound)
        const close = () => (inbound.destroy(), outbound.destroy())
        inbound.on('error', close)
        outbound.on('error', close)
      })
      await new Promise<void>((resolve) => relay.listen(socket, resolve))
    })
    after(() => relay.close())

    /** azfail in a namespace of its own whose only way out is the sandbox's ARM port. */
    const armOnly = (args: string[], runbook: string): Promise<CliResult> =>
      new Promise((resolve, reject) => {
        const command = [process.execPath, join(import.meta.dirname, 'arm-only.ts'), String(port), socket, process.execPath, BIN, ...args, '--sandbox', '--state-dir', t.sb.dir, '--runbook', runbook]
        const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', ...command], {cwd: t.work, env: {...process.env, CI: 'true'}, stdio: ['ignore', 'pipe', 'pipe']})
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d) => (stdout += d))
        child.stderr.on('data', (d) => (stderr += d))
        const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS)
        child.on('error', reject)
        child.on('close', (code) => (clearTimeout(timer), resolve({code, stdout, stderr})))
      })

    it('without vantages, a game day fails, naming each region\'s unreachable resolver', async () => {
      const dir = join(t.work, 'no-vantage')
      const r = await armOnly(['gameday', '--report-dir', dir], t.runbook)
      assert.notEqual(r.code, 0, r.stdout + r.stderr)
      const json = JSON.parse(readFileSync(join(dir, 'gameday.json'), 'utf8'))
      for (const region of ['eus2', 'wus2']) {
        const checks = resolution(json, region)
        assert.ok(checks.length > 0, `${region} has resolution checks`)
        for (const c of checks) {
          assert.equal(c.status, 'failed', JSON.stringify(c))
          assert.match(c.observed, new RegExp(`${region}'s resolver ${t.sb.resolvers[region].replace(/\./g, '\\.')}.* is unreachable`))
        }
      }
    })

    it("with vantages (eus2's VM, wus2's AKS cluster), the game day passes through them alone and says so", async () => {
      const dir = join(t.work, 'vm-aks')
      const r = await armOnly(['gameday', '--report-dir', dir], runbooks['vm-aks'])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const json = JSON.parse(readFileSync(join(dir, 'gameday.json'), 'utf8'))
      assert.ok(json.checks.every((c: any) => c.status === 'passed'), JSON.stringify(json.checks.filter((c: any) => c.status !== 'passed')))
      const via = {eus2: 'VM vm-probe-eus2', wus2: 'AKS cluster aks-app-wus2'}
      for (const [region, vantage] of Object.entries(via)) {
        const checks = resolution(json, region)
        assert.equal(checks.length, 3, `${region}'s three names`)
        for (const c of checks) {
          assert.equal(c.via, vantage)
          assert.match(c.observed, new RegExp(`^10\\.${region === 'eus2' ? 20 : 30}\\.\\d+\\.\\d+ \\(through ${vantage}\\)$`))
        }
        assert.equal(json.regions.find((g: any) => g.region === region).vantage, vantage)
      }
      assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /through its vantage VM vm-probe-eus2/)
    })

    it('with vantages (a scale-set instance in wus2), a drain of eus2 passes, verifying wus2 through it', async () => {
      const r = await armOnly(['drain', 'eus2', '--yes', '--json'], runbooks.vmss)
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const out = JSON.parse(r.stdout)
      const verify = out.result.steps.find((s: any) => s.id === 'verifySurvivorResolution')
      assert.equal(verify.status, 'succeeded', JSON.stringify(verify))
      assert.match(verify.message, /asked: wus2 through its vantage scale-set instance vmss-probe-wus2\/1\)$/)
      const tm = await t.sb.clients.trafficManager()
      const profile = await tm.profiles.get('rg-global', 'tm-app')
      assert.equal(profile.endpoints!.find((e) => TM_EP('eus2').test(e.id!))!.endpointStatus, 'Disabled')
      // back to serving for the tests that follow
      const back = await armOnly(['restore', 'eus2', '--yes'], runbooks.vmss)
      assert.equal(back.code, 0, back.stdout + back.stderr)
    })
  })

  describe('a vantage that does not answer in full never passes a check', () => {
    const hostile: Array<[string, Record<string, unknown>]> = [
      ['garbage', {behaviour: 'garbage', seed: 7}],
      ['an answer cut to its last 60 bytes', {behaviour: 'truncate', keepBytes: 60}],
      ['an earlier answer replayed', {behaviour: 'replace', stdout: ''}],
      ['a failed run command', {behaviour: 'fail'}],
      ['a run command that never ends', {behaviour: 'hang'}],
    ]
    let replay = ''
    before(async () => {
      const r = await t.json(['status'], {runbook: runbooks['vm-both']})
      assert.equal(r.code, 0, r.stderr)
      assert.ok(r.out.result.regions.wus2.names.every((n: any) => n.ok && n.via === 'VM vm-probe-wus2'), JSON.stringify(r.out.result.regions.wus2.names))
      // another run's answer: a whole, true one, read as such under its own nonce
      const names = r.out.result.regions.wus2.names.map((n: any) => n.name)
      const compute = await t.sb.clients.compute()
      const earlier = await compute.virtualMachines.runCommand('rg-spoke-wus2', 'vm-probe-wus2', {commandId: 'RunShellScript', script: resolutionScript(names, 'feedfacefeedface').split('\n')})
      replay = earlier.value!.find((v) => /StdOut/.test(v.code!))!.message!
      assert.ok('answers' in readResolutionOutput(replay, names, 'feedfacefeedface'), replay)
    })
    after(async () => void (await t.sb.control('DELETE', 'vantage')))

    for (const [what, behaviour] of hostile) {
      it(`${what}: wus2's names are unanswered, the game day fails, a drain of eus2 is refused with no write`, async () => {
        await t.sb.control('DELETE', 'vantage')
        const spec = behaviour.behaviour === 'replace' ? {...behaviour, stdout: replay} : behaviour
        const set = await t.sb.control('POST', 'vantage', {region: 'wus2', ...spec})
        assert.ok(set.status < 300, JSON.stringify(set))
        const env = {AZFAIL_VANTAGE_TIMEOUT: '8'}
        const dir = join(t.work, `hostile-${behaviour.behaviour}`)
        const g = await t.azfail(['gameday', '--report-dir', dir], {runbook: runbooks['vm-both'], env})
        assert.notEqual(g.code, 0, g.stdout + g.stderr)
        const json = JSON.parse(readFileSync(join(dir, 'gameday.json'), 'utf8'))
        const checks = resolution(json, 'wus2')
        assert.equal(checks.length, 3)
        for (const c of checks) {
          assert.equal(c.status, 'failed', JSON.stringify(c))
          assert.match(c.observed, /^no answer: wus2's vantage VM vm-probe-wus2 did not answer/)
        }
        t.sb.mark()
        const d = await t.azfail(['drain', 'eus2', '--yes'], {runbook: runbooks['vm-both'], env})
        assert.notEqual(d.code, 0, d.stdout + d.stderr)
        assert.match(d.stdout + d.stderr, /wus2's vantage VM vm-probe-wus2 did not answer/)
        assert.deepEqual(t.writes().filter((w) => !/\/TXT\//.test(w.path) && !/runCommand/i.test(w.path)), [], 'no change to steering or endpoints')
      })
    }
  })
})
