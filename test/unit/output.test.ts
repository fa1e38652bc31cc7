// What people read: the renderer chosen for the stream it draws on, the CI line renderer over a long wait, tables
// that fit 120 columns without losing a word, and remedies whose commands paste into a shell as they are.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {describe, it} from 'node:test'
import {chooseRenderer, runDisplay} from '../../src/cli/renderer.ts'
import {TABLE_WIDTH, remedies, table} from '../../src/cli/table.ts'
import type {RunEvent, StepInfo} from '../../src/engine/events.ts'
import type {RunMeta, RunReport} from '../../src/engine/types.ts'

const wait: StepInfo = {id: 'waitOutTtl', kind: 'waitOutTtl', title: 'Wait out the DNS TTL and the connection drain'}
const meta = {runId: 'r1', action: 'drain', region: 'eus2', dryRun: false, principal: 'ops@example.com'} as RunMeta
const report = {runId: 'r1', action: 'drain', status: 'succeeded', steps: [], warnings: []} as unknown as RunReport

describe('chooseRenderer', () => {
  it('gives a terminal the live view, and plain lines to a pipe, to CI, and to a terminal of 0 or unknown columns', () => {
    assert.equal(chooseRenderer(false, {isTTY: true, columns: 120}, {}), 'live')
    assert.equal(chooseRenderer(false, {isTTY: false}, {}), 'lines')
    assert.equal(chooseRenderer(false, {isTTY: true, columns: 120}, {CI: 'true'}), 'lines')
    assert.equal(chooseRenderer(false, {isTTY: true, columns: 120}, {CI: 'false'}), 'live')
    assert.equal(chooseRenderer(false, {isTTY: true, columns: 0}, {}), 'lines')
    assert.equal(chooseRenderer(false, {isTTY: true}, {}), 'lines')
    assert.equal(chooseRenderer(true, {isTTY: true, columns: 120}, {}), 'silent')
  })
})

describe('the line renderer', () => {
  it('writes one timestamped line per step event, and a 63 s countdown at most every 30 s', () => {
    let now = Date.parse('2026-11-21T03:00:00Z')
    const out: string[] = []
    const display = runDisplay('lines', {write: (t: string) => out.push(t)}, () => new Date(now))
    const events: RunEvent[] = [
      {type: 'run-started', meta, steps: [wait]},
      {type: 'step-planned', step: wait, record: {id: wait.id, kind: wait.kind, status: 'planned', message: 'wait 63s'}},
      {type: 'execution-started', steps: [wait]},
      {type: 'step-started', step: wait, record: {id: wait.id, kind: wait.kind, status: 'failed', message: ''}},
    ]
    for (const e of events) display.on(e)
    for (let left = 63; left > 0; left--, now += 1000) display.on({type: 'step-progress', step: wait, text: `${left}s left of 63s`})
    display.on({type: 'step-ended', step: wait, record: {id: wait.id, kind: wait.kind, status: 'succeeded', durationMs: 63_000, message: 'waited out 63s\nsince the drain'}})
    display.on({type: 'run-ended', report})
    const lines = out.join('').split('\n').filter(Boolean)
    assert.ok(lines.every((l) => /^\d\d:\d\d:\d\dZ \S/.test(l)), lines.join('\n'))
    assert.deepEqual(
      lines.map((l) => l.slice(10)),
      [
        'run r1: drain eus2 by ops@example.com: waitOutTtl',
        'waitOutTtl started: Wait out the DNS TTL and the connection drain',
        'waitOutTtl: 63s left of 63s',
        'waitOutTtl: 33s left of 63s',
        'waitOutTtl: 3s left of 63s',
        'waitOutTtl succeeded in 63.0s: waited out 63s since the drain',
        'run r1 succeeded after 63.0s',
      ],
    )
    assert.deepEqual(
      lines.filter((l) => l.includes('left of')).map((l) => l.slice(0, 9)),
      ['03:00:00Z', '03:00:30Z', '03:01:00Z'],
    )
  })

  it('names a failed step with its message and time', () => {
    const out: string[] = []
    const display = runDisplay('lines', {write: (t: string) => out.push(t)}, () => new Date('2026-11-21T03:00:00Z'))
    display.on({type: 'execution-started', steps: [wait]})
    display.on({type: 'step-ended', step: wait, record: {id: wait.id, kind: wait.kind, status: 'failed', durationMs: 1500, message: 'interrupted'}})
    assert.equal(out.join(''), '03:00:00Z waitOutTtl FAILED after 1.5s: interrupted\n')
  })
})

describe('tables', () => {
  const long = 'wus2 answered 10.20.3.7 for kv-app-wus2.privatelink.vaultcore.azure.net, the address of the eus2 endpoint pe-kv-eus2, through its own resolver'
  it('fit 120 columns, wrap long cells inside their column, and keep every word', () => {
    const rows = [
      ['failed', 'resolution/wus2/kv-app-wus2', long, '10.30.3.7 (its own endpoint pe-kv-wus2 in privatelink.vaultcore.azure.net)', 'q'.repeat(150)],
      ['passed', 'steering-ttl', 'Traffic Manager tm-app TTL is 30s', 'at most 60s', ''],
    ]
    const text = table(['status', 'check', 'observed', 'expected', 'remedy'], rows)
    const lines = text.split('\n')
    assert.ok(lines.every((l) => l.length <= TABLE_WIDTH), lines.map((l) => `${l.length} ${l}`).join('\n'))
    assert.match(lines[0], /^status {2}check {2,}observed {2,}expected {2,}remedy$/)
    for (const word of rows.flat().flatMap((c) => c.split(' ')).filter((w) => w.length < 20)) assert.ok(text.includes(word), `${word} is shown whole`)
    assert.equal((text.match(/q/g) ?? []).length, 150, 'a word longer than its column is broken, not cut off')
    assert.match(text, /^passed {2}steering-ttl/m, 'short columns stay whole')
  })

  it('a remedy ending in a command gets lines of its own, continued with \\ so it pastes into a shell', () => {
    const command = 'az network private-dns record-set cname update -g rg-connectivity-dns -z private.postgres.database.azure.com -n prod --set ttl=30'
    const lines = remedies([{name: 'cname-ttl', remedy: `Lower the record set's TTL: ${command}`}])
    const text = lines.join('\n')
    assert.ok(text.split('\n').every((l) => l.length <= TABLE_WIDTH), text)
    assert.match(text, /^cname-ttl:\n {2}Lower the record set's TTL:\n {4}az network /)
    const pasted = text.slice(text.indexOf('az network'))
    const argv = execFileSync('bash', ['-c', `printf '%s\\n' ${pasted.replace(/^az /, '')}`], {encoding: 'utf8'}).trim().split('\n')
    assert.deepEqual(argv, command.split(' ').slice(1), 'bash reads the wrapped command as the one command')
  })
})
