// The game day's reports are written whole or not at all: a disk that fills while they are written leaves each
// report as it was (a CI that publishes them shows the last whole one), and the error names the report, not a
// temporary file.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {writeReports} from '../../src/gameday/report.ts'
import type {GamedayResult} from '../../src/services/gameday.ts'
import {tempDir} from '../helpers.ts'

const result = (observed: string): GamedayResult => ({
  status: 'ready',
  startedAt: '2026-12-07T00:00:00.000Z',
  endedAt: '2026-12-07T00:00:01.000Z',
  durationMs: 1000,
  target: 'sandbox',
  runbooks: [{file: 'azfail.yaml', name: 'demo'}],
  summary: {passed: 1, failed: 0, warnings: 0, skipped: 0},
  checks: [{id: 'steering/wus2', category: 'steering', title: 'ep-wus2 is Online', status: 'passed', observed, expected: 'Online'}],
  regions: [],
})

describe('game day reports on a disk that fills', () => {
  const mounted: string[] = []
  after(() => mounted.forEach((m) => spawnSync('umount', [m])))

  it('leave each report whole (the old one) and name the report that could not be written', (c) => {
    const dir = tempDir('azfail-reports-')
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]).status !== 0) return c.skip('tmpfs cannot be mounted here (not root?)')
    mounted.push(dir)
    const old = writeReports(dir, result('old'))
    const before = Object.fromEntries(Object.values(old).map((f) => [f, readFileSync(f, 'utf8')]))
    // the disk nearly full: the new reports (each larger than what is left) cannot be written
    const free = Number(spawnSync('df', ['--output=avail', '-B1', dir], {encoding: 'utf8'}).stdout.split('\n')[1])
    writeFileSync(join(dir, 'fill'), Buffer.alloc(Math.max(0, free - 8192)))
    assert.throws(() => writeReports(dir, result('new '.repeat(20_000))), (e: any) => e.code === 'ENOSPC' && Object.values(old).includes(e.path))
    for (const [f, text] of Object.entries(before)) assert.equal(readFileSync(f, 'utf8'), text, `${f} is the old report, whole`)
  })
})
