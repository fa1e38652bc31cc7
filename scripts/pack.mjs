// npm pack / npm publish: the package ships built files and runs nothing when installed. `prepack` builds, then puts
// in package.json's place the manifest the package publishes: no scripts (the checkout's `prepare` would otherwise
// travel with it), no workspaces and no devDependencies. `postpack` puts the checkout's package.json back.
// The checkout keeps `prepare` because `npm install` in a clone must build (README's set-up) and so must npm's own
// install of a git dependency (it runs prepare, then packs).
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = join(root, 'package.json')
const checkout = join(root, 'package.json.checkout')

/** The checkout's package.json minus what only a checkout uses. */
export function publishedManifest(pkg) {
  const {scripts, devDependencies, workspaces, allowScripts, ...published} = pkg
  // the types condition names declaration files the package does not ship
  published.imports = Object.fromEntries(Object.entries(pkg.imports ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : v.default]))
  return published
}

const restore = () => existsSync(checkout) && renameSync(checkout, manifest)

const step = process.argv[2]
if (step === 'prepack') {
  restore() // a pack stopped between its two steps left the checkout's manifest aside
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {stdio: 'inherit'})
  const text = readFileSync(manifest, 'utf8')
  writeFileSync(checkout, text)
  writeFileSync(manifest, JSON.stringify(publishedManifest(JSON.parse(text)), null, 2) + '\n')
} else if (step === 'postpack') {
  restore()
} else if (step !== undefined) {
  throw new Error(`scripts/pack.mjs: unknown step ${step} (prepack or postpack)`)
}
