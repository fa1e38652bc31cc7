// The journal: every event is synced to disk before the run goes on, run.json is replaced atomically, a line torn by
// a kill is skipped, and the completed set holds only steps that finished.
import assert from 'node:assert/strict'
import fs, {appendFileSync, existsSync, readdirSync} from 'node:fs'
import {syncBuiltinESMExports} from 'node:module'
import {tempDir} from '../helpers.ts'
import {join} from 'node:path'
import {describe, it, mock} from 'node:test'
import {Journal, listRuns} from '../../src/engine/journal.ts'
import type {RunMeta, StepRecord} from '../../src/engine/types.ts'

const meta = (runId: string): RunMeta => ({runId, action: 'drain', region: 'eus2', options: {region: 'eus2'}, runbook: 'rb.yaml', target: {kind: 'azure', subscription: 's', cloud: 'AzureUSGovernment'}, principal: 'p', startedAt: new Date().toISOString(), dryRun: false, overrides: [], status: 'running', attempts: 1})
const step = (id: string, status: StepRecord['status']): StepRecord => ({id, kind: id, status, message: status})

describe('journal', () => {
  it('syncs each event and each run.json write to disk before returning', () => {
    const dir = tempDir('azfail-journal-')
    const synced = mock.method(fs, 'fsyncSync')
    syncBuiltinESMExports()
    try {
      const j = Journal.create(dir, meta('r1'))
      const afterCreate = synced.mock.callCount()
      j.append({event: 'started', step: step('a', 'failed'), attempt: 1})
      j.updateMeta({status: 'succeeded'})
      assert.ok(afterCreate >= 1, 'run.json is synced when created')
      assert.equal(synced.mock.callCount(), afterCreate + 2, 'one sync per event and per run.json write')
    } finally {
      synced.mock.restore()
      syncBuiltinESMExports()
    }
  })

  it('replaces run.json atomically, keeps the cloud, and leaves no temporary file', () => {
    const dir = tempDir('azfail-journal-')
    const j = Journal.create(dir, meta('r2'))
    j.updateMeta({status: 'failed', endedAt: 'now'})
    assert.deepEqual(readdirSync(j.dir).sort(), ['run.json'])
    assert.equal(Journal.open(dir, 'r2').meta().target.cloud, 'AzureUSGovernment')
    assert.equal(listRuns(dir)[0].status, 'failed')
  })

  it('skips a line torn by a kill and counts as completed only steps that finished', () => {
    const dir = tempDir('azfail-journal-')
    const j = Journal.create(dir, meta('r3'))
    j.append({event: 'started', step: step('a', 'failed'), attempt: 1})
    j.append({event: 'finished', step: step('a', 'succeeded'), attempt: 1})
    j.append({event: 'started', step: step('b', 'failed'), attempt: 1})
    appendFileSync(join(j.dir, 'journal.jsonl'), '{"time":"2026-11-24T00:00:00Z","event":"fini')
    assert.equal(j.events().length, 3)
    assert.deepEqual([...j.completedSteps()], ['a'])
    assert.deepEqual(j.steps().map((s) => [s.id, s.status]), [['a', 'succeeded'], ['b', 'failed']])
  })

  it('refuses a run id that is not one, without touching the file system', () => {
    const dir = tempDir('azfail-journal-')
    assert.throws(() => Journal.open(dir, '../etc'), {code: 'UnknownRun'})
    assert.equal(existsSync(join(dir, '..', 'etc', 'run.json')), false)
  })
})
