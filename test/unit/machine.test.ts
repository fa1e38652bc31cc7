// Errors of the machine met at run time, as the real fs and net calls raise them: each becomes one sentence naming the
// path or the address and what to do (exit 1), never an InternalError; anything else is left to the other mappings.
import assert from 'node:assert/strict'
import {mkdirSync, openSync, writeFileSync, writeSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {toAzfailError} from '../../src/cli/base.ts'
import {InternalError, MachineError} from '../../src/errors.ts'
import {tempDir} from '../helpers.ts'

const raised = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  assert.fail('did not throw')
}

describe('machine conditions met at run time', () => {
  it('a file where a directory is made, a directory written as a file, /dev/full: the path and the condition', () => {
    const dir = tempDir()
    const file = join(dir, 'a-file')
    writeFileSync(file, 'x')
    const cases: Array<[unknown, RegExp]> = [
      [raised(() => mkdirSync(file)), /^Cannot create the directory .*a-file: something else already exists there \(EEXIST\)\.$/],
      [raised(() => writeFileSync(dir, 'x')), /^Cannot open .*: it is a directory \(EISDIR\)\.$/],
      [raised(() => mkdirSync(join(file, 'under'))), /^Cannot create the directory .*a-file\/under: a part of the path is a file, not a directory \(ENOTDIR\)\.$/],
      [raised(() => writeSync(openSync('/dev/full', 'w'), 'x')), /^Cannot write: no space is left on its file system \(ENOSPC\)\.$/],
    ]
    for (const [error, message] of cases) {
      const e = toAzfailError(error)
      assert.ok(e instanceof MachineError, String(error))
      assert.equal(e.exitCode, 1)
      assert.match(e.message, message)
      assert.ok(e.hint && !/bug/i.test(e.hint), e.hint)
    }
  })

  it('a port in use: the address, and what to do', async () => {
    const a = createServer()
    await new Promise<void>((r) => a.listen({host: '127.0.0.1', port: 0}, r))
    const port = (a.address() as {port: number}).port
    const b = createServer()
    const error = await new Promise((r) => b.once('error', r).listen({host: '127.0.0.1', port}))
    a.close()
    const e = toAzfailError(error)
    assert.ok(e instanceof MachineError)
    assert.equal(e.message, `Cannot listen on 127.0.0.1:${port}: another program already listens there (EADDRINUSE).`)
  })

  it('a missing file or an error that is no system call stays what it was', () => {
    assert.ok(toAzfailError(raised(() => mkdirSync(join(tempDir(), 'a', 'b')))) instanceof InternalError)
    assert.ok(toAzfailError(new Error('plain')) instanceof InternalError)
    // a connect() the network refused is no place to write
    assert.ok(!(toAzfailError(Object.assign(new Error('connect EACCES 127.0.0.1:1'), {code: 'EACCES', syscall: 'connect'})) instanceof MachineError))
  })
})
