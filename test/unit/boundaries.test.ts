// The import-boundary check that `npm test` runs (.dependency-cruiser.cjs) fails on a cycle and on a layer crossing.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {tempDir} from '../helpers.ts'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, it} from 'node:test'

const ROOT = join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

async function cruise(files: Record<string, string>): Promise<{code: number; out: string}> {
  const dir = tempDir('azfail-bounds-')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), {recursive: true})
    writeFileSync(join(dir, path), text)
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({compilerOptions: {module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true}}))
  try {
    const r = await run(process.execPath, [join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs'), '--config', join(ROOT, '.dependency-cruiser.cjs'), 'src'], {cwd: dir})
    return {code: 0, out: r.stdout}
  } catch (error: any) {
    return {code: error.code, out: String(error.stdout)}
  }
}

describe('import boundaries', () => {
  it('pass a clean layering', async () => {
    const r = await cruise({'src/estate/state.ts': 'export const a = 1\n', 'src/guards/guards.ts': "import {a} from '../estate/state.ts'\nexport const b = a\n"})
    assert.equal(r.code, 0, r.out)
  })

  it('fail on an import cycle', async () => {
    const r = await cruise({'src/azure/observe.ts': "import {g} from '../steps/x.ts'\nexport const o = () => g\n", 'src/steps/x.ts': "import {o} from '../azure/observe.ts'\nexport const g = () => o\n"})
    assert.notEqual(r.code, 0)
    assert.match(r.out, /no-circular/)
  })

  it('fail when a guard imports the Azure layer', async () => {
    const r = await cruise({'src/azure/observe.ts': 'export const o = 1\n', 'src/guards/guards.ts': "import {o} from '../azure/observe.ts'\nexport const g = o\n"})
    assert.match(r.out, /guards-are-pure/)
  })
})
