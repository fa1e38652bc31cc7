// The sandbox's state file is replaced whole or not at all: a disk that fills while it is saved leaves the old state,
// and the save says so (ENOSPC) instead of renaming a cut file over it.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {WorldStore, demoWorld} from '../src/index.ts'
import {tempDir} from './helpers.ts'

describe("the sandbox's state file on a disk that fills", () => {
  const mounted: string[] = []
  after(() => mounted.forEach((m) => spawnSync('umount', [m])))

  it('keeps the old state whole and fails the save with ENOSPC', (c) => {
    const dir = tempDir()
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir]).status !== 0) return c.skip('tmpfs cannot be mounted here (not root?)')
    mounted.push(dir)
    const store = new WorldStore(dir, demoWorld)
    const before = readFileSync(join(dir, 'state.json'), 'utf8')
    const free = Number(spawnSync('df', ['--output=avail', '-B1', dir], {encoding: 'utf8'}).stdout.split('\n')[1])
    writeFileSync(join(dir, 'fill'), Buffer.alloc(Math.max(0, free - 8192)))
    // the world grows past what is left
    ;(store.world as any).padding = 'x'.repeat(64 * 1024)
    assert.throws(() => store.save(), (e: any) => e.code === 'ENOSPC')
    assert.equal(readFileSync(join(dir, 'state.json'), 'utf8'), before, 'the old state, whole')
  })
})
