// Compiles the workspace packages (azfail imports their dist/), then src/ to dist/, and writes oclif.manifest.json,
// so `azfail --help` never loads command modules.
import {execFileSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

const tsc = (project) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], {stdio: 'inherit'})

rmSync(join(root, 'packages', 'sandbox', 'dist'), {recursive: true, force: true})
tsc(join(root, 'packages', 'sandbox', 'tsconfig.json'))

rmSync(join(root, 'dist'), {recursive: true, force: true})
rmSync(join(root, 'oclif.manifest.json'), {force: true})
tsc(join(root, 'tsconfig.build.json'))

const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.error(`built packages/sandbox/dist, dist/ and oclif.manifest.json (${Object.keys(plugin.manifest.commands).length} commands)`)
