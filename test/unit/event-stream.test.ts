// --events at a FIFO whose reader stops reading: the run is never held up by its log. What the reader has not taken is
// kept up to a bound, then the stream gives up with one warning; a reader that comes back gets what was kept.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {closeSync, constants, openSync, readSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {UNREAD_MAX_BYTES, eventStream} from '../../src/cli/event-stream.ts'
import type {RunEvent} from '../../src/engine/events.ts'
import {tempDir} from '../helpers.ts'

const step = {id: 'waitOutTtl', kind: 'waitOutTtl', title: 'Wait'}
const progress = (i: number): RunEvent => ({type: 'step-progress', step: step, text: `${i}: ${'x'.repeat(1000)}`}) as RunEvent

/** Captures what the stream warns on stderr. */
function warnings<T>(fn: () => T): {value: T; said: string} {
  const write = process.stderr.write
  let said = ''
  process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write
  try {
    return {value: fn(), said}
  } finally {
    process.stderr.write = write
  }
}

/** A new FIFO in a temporary directory. */
function newFifo(): string {
  const fifo = join(tempDir('azfail-events-'), 'events.fifo')
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0)
  return fifo
}

describe('--events at a FIFO whose reader stops reading', () => {
  it('never blocks the run: past the bound it gives up once, with a warning', {timeout: 120_000}, async () => {
    const fifo = newFifo()
    // a reader that opened the FIFO and reads nothing (a stalled dashboard): a pipe holds 64 KiB, the events far more
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const stream = eventStream(fifo)
      const events = Math.ceil((2 * UNREAD_MAX_BYTES) / 1000)
      // Before: the write to the full pipe blocked this process for good (the test's timeout ended it).
      const {said} = warnings(() => {
        for (let i = 0; i < events; i++) stream.on(progress(i))
      })
      assert.equal(said.match(/warning:/g)?.length, 1, said)
      assert.match(said, /--events .*events\.fifo: writing failed at step-progress: the program reading it took nothing of the last \d+ bytes; the events after it are not in the stream/)
      const first = Buffer.alloc(100)
      readSync(reader, first)
      assert.match(first.toString(), /^\{"type":"step-progress"/, 'what the pipe held is the stream from its start')
      await stream.close!()
    } finally {
      closeSync(reader)
    }
  })

  it('a reader that comes back late gets every event the stream kept, in order', {timeout: 120_000}, async () => {
    const fifo = newFifo()
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const stream = eventStream(fifo)
      const events = 200 // about 200 KB: more than the pipe holds, less than the bound
      const {said} = warnings(() => {
        for (let i = 0; i < events; i++) stream.on(progress(i))
      })
      assert.equal(said, '')
      let got = ''
      const closing = stream.close!()
      const chunk = Buffer.alloc(65536)
      for (;;) {
        try {
          const n = readSync(reader, chunk)
          if (n === 0) break
          got += chunk.subarray(0, n).toString()
        } catch (error: any) {
          if (error.code !== 'EAGAIN') throw error
          await new Promise((r) => setTimeout(r, 5))
        }
      }
      await closing
      assert.deepEqual(got.trim().split('\n').map((l) => Number(JSON.parse(l).text.split(':')[0])), [...Array(events).keys()])
    } finally {
      closeSync(reader)
    }
  })
})
