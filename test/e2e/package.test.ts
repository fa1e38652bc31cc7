// The package as a team installs it (issue 18): `npm pack`, then that tarball alone `npm install -g`'d into an empty
// prefix from the public registry, while the @azfail scope's registry is a trap on loopback that records whatever npm
// asks of it (the scope is unclaimed on the public registry: a package of that name fetched would be anyone's); then
// azfail run from an empty directory through its installed command, as a user runs it.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {type Installed, installTarball, packCheckout, run, withThisNode} from '../../scripts/package.ts'
import {HANG_MS, ROOT, tempDir} from '../helpers.ts'

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare']

describe('the package: npm pack, then the tarball alone installed into an empty prefix', () => {
  /** what npm asked the @azfail scope's registry */
  const asked: string[] = []
  let entries: string[]
  let manifest: {scripts?: Record<string, string>; dependencies?: Record<string, string>; [field: string]: unknown}
  let installed: Installed | Error

  // a hang guard only: a pack's build and an install take minutes each on a loaded machine
  before(async () => {
    const trap = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`)
      res.writeHead(404, {'content-type': 'application/json'}).end('{"error":"Not found"}')
    })
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve))
    try {
      const work = tempDir('azfail-package-')
      const packed = await packCheckout(work)
      entries = (await run('tar', ['tzf', packed.tarball], {cwd: work})).stdout.split('\n').filter(Boolean)
      manifest = JSON.parse((await run('tar', ['xzf', packed.tarball, '-O', 'package/package.json'], {cwd: work})).stdout)
      const prefix = join(work, 'prefix')
      mkdirSync(prefix)
      // an install that fails is this file's finding, not its set-up's: the tests below say what of it failed
      installed = await installTarball(packed.tarball, prefix, [`--@azfail:registry=http://127.0.0.1:${(trap.address() as AddressInfo).port}/`]).catch((error: Error) => error)
    } finally {
      trap.close()
    }
  }, {timeout: 30 * 60_000})

  it('publishes a manifest with no install script and no @azfail dependency', () => {
    for (const script of INSTALL_SCRIPTS) assert.equal(manifest.scripts?.[script], undefined, `no ${script} script`)
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
      const names = Object.keys((manifest[field] as Record<string, string> | undefined) ?? {})
      assert.deepEqual(names.filter((n) => n.startsWith('@azfail/')), [], `${field} names no @azfail package`)
    }
  })

  it("ships built files and the sandbox's, not the development launcher nor sources", () => {
    for (const f of ['bin/run.js', 'oclif.manifest.json', 'dist/commands/drain.js', 'packages/sandbox/dist/index.js', 'runbooks/demo.yaml', 'LICENSE']) assert.ok(entries.includes(`package/${f}`), `${f} is shipped`)
    assert.ok(!entries.includes('package/bin/dev.js'), 'bin/dev.js is not shipped')
    assert.deepEqual(entries.filter((e) => /\.(ts|map)$|^package\/(src|test|bench|scripts|examples|node_modules)\//.test(e)), [], 'no sources, declarations, tests or bundled modules')
  })

  it("depends on the sandbox's own runtime dependencies, at the sandbox's ranges", () => {
    const sandbox = JSON.parse(readFileSync(join(ROOT, 'packages', 'sandbox', 'package.json'), 'utf8')).dependencies as Record<string, string>
    for (const [name, range] of Object.entries(sandbox)) assert.equal(manifest.dependencies?.[name], range, name)
  })

  it('installs from the public registry with no @azfail package asked of any registry', () => {
    assert.deepEqual(asked, [])
    assert.ok(!(installed instanceof Error), String(installed))
    assert.ok(installed.added > 0, installed.log)
    assert.ok(!existsSync(join(installed.prefix, 'lib', 'node_modules', 'azfail', 'node_modules', '@azfail')))
  })

  it('runs from an empty directory: --help, a game day with its reports, the demo drain', async () => {
    assert.ok(!(installed instanceof Error), String(installed))
    const cwd = tempDir('azfail-package-user-')
    const {bin} = installed
    const azfail = (args: string[]) => run(bin, args, {cwd, env: {...(process.env as Record<string, string>), CI: 'true', PATH: withThisNode()}, hangMs: HANG_MS})

    const help = await azfail(['--help'])
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /^ {2}drain\b/m)

    // the game day first: after the drain, eus2 serves no more and draining wus2 would leave no region
    const gameday = await azfail(['gameday', '--sandbox', '--report-dir', 'r'])
    assert.equal(gameday.code, 0, gameday.stderr)
    for (const f of ['gameday.json', 'junit.xml', 'summary.md', 'report.html']) assert.ok(existsSync(join(cwd, 'r', f)), `r/${f}`)

    const drain = await azfail(['drain', 'eus2', '--sandbox', '--yes'])
    assert.equal(drain.code, 0, drain.stderr)
    assert.match(drain.stdout, /drain eus2: succeeded/)
  })
})
