// The package as a team gets it: `npm pack` of this checkout, then `npm install -g` of that tarball alone into an empty
// prefix. Shared by test/e2e/package.test.ts (it installs and works) and bench/run.ts (how big it is).
import {spawn} from 'node:child_process'
import {cpSync, lstatSync, readdirSync, rmSync, symlinkSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'

const ROOT = join(import.meta.dirname, '..')

/** A pack (it builds) or an install that takes this long is hung: minutes each on a loaded 2-core machine. */
const NPM_HANG_MS = 15 * 60_000

/** What a checkout has that packing never reads: installed and built trees, local state. */
const NOT_SOURCE = new Set(['.git', 'node_modules', 'dist', 'oclif.manifest.json', '.azfail', 'reports', 'package.json.checkout'])

export interface Packed {
  tarball: string
  /** bytes of the .tgz */
  size: number
}

export interface Installed {
  prefix: string
  /** the installed `azfail` command */
  bin: string
  /** packages npm added */
  added: number
  /** bytes of every file under the prefix */
  bytes: number
  /** bytes under the prefix per top-level package scope or name, e.g. `@azure` */
  bytesByScope: Record<string, number>
  log: string
}

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** npm as the user's shell runs it, with nothing of an enclosing `npm test` (its prefix, its package) leaking in. */
export function npm(args: string[], options: {cwd: string; env?: Record<string, string>}): Promise<Ran> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_(config_(?!cache$|registry$|userconfig$)|package_|lifecycle_)/i.test(k)) env[k] = v
  env.PATH = withThisNode(env.PATH)
  return run('npm', args, {cwd: options.cwd, env: {...env, ...options.env}, hangMs: NPM_HANG_MS})
}

/** PATH with the Node running this first: npm's and azfail's shebangs ask PATH for `node`. */
export const withThisNode = (path = process.env.PATH ?? '') => `${dirname(process.execPath)}:${path}`

/** Runs `command` to its end; `hangMs` (none by default) kills it as hung, never as slow. */
export function run(command: string, args: string[], options: {cwd: string; env?: Record<string, string>; hangMs?: number}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? (process.env as Record<string, string>), stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = options.hangMs ? setTimeout(() => child.kill('SIGKILL'), options.hangMs) : undefined
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/**
 * `npm pack` run in a copy of this checkout's sources (its node_modules linked in), so that the pack's build and its
 * package.json swap (scripts/pack.mjs) never touch the checkout that other tests are running from. The copy goes
 * once packed.
 */
export async function packCheckout(work: string): Promise<Packed> {
  const copy = join(work, 'checkout')
  cpSync(ROOT, copy, {recursive: true, filter: (src) => !NOT_SOURCE.has(relative(ROOT, src).replace(/^packages\/sandbox\//, ''))})
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  const r = await npm(['pack', '--json', '--pack-destination', work], {cwd: copy}).finally(() => rmSync(copy, {recursive: true, force: true}))
  if (r.code !== 0) throw new Error(`npm pack: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  const [{filename, size}] = JSON.parse(r.stdout) as Array<{filename: string; size: number}>
  return {tarball: join(work, filename), size}
}

/** `npm install -g` of the tarball alone into `prefix` (an empty directory); `args` are more of npm's options. */
export async function installTarball(tarball: string, prefix: string, args: string[] = []): Promise<Installed> {
  const r = await npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--json', ...args, tarball], {cwd: prefix})
  const log = `${r.stdout}\n${r.stderr}`
  if (r.code !== 0) throw new Error(`npm install: exit ${r.code}\n${log}`)
  const {added} = JSON.parse(r.stdout) as {added: number}
  const modules = join(prefix, 'lib', 'node_modules', 'azfail', 'node_modules')
  const bytesByScope: Record<string, number> = {}
  for (const name of readdirSync(modules)) bytesByScope[name] = treeBytes(join(modules, name))
  return {prefix, bin: join(prefix, 'bin', 'azfail'), added, bytes: treeBytes(prefix), bytesByScope, log}
}

/** Apparent size of every file under `dir`, links not followed. */
function treeBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, {recursive: true, withFileTypes: true})) if (entry.isFile()) total += lstatSync(join(entry.parentPath, entry.name)).size
  return total
}
