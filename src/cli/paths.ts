// Paths named on the command line are checked before anything is read or written: a file where a directory belongs, a
// directory where a file belongs, a read-only place, a full disk or a FIFO nobody reads is bad input (exit 2) with a
// clear message, never an internal error after the work that was to fill them.
import {accessSync, closeSync, constants, mkdirSync, openSync, statSync, statfsSync, writeSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {InputError, MachineError, machineCondition} from '../errors.ts'
import {writeFileWhole} from '../write-whole.ts'


/** Throws an input error unless `dir` is (or can be created as) a directory azfail may write in, on a disk with room. */
export function checkWritableDir(dir: string, flag: string, given = dir): void {
  const full = resolve(dir)
  for (let at = full; ; at = dirname(at)) {
    let st
    try {
      st = statSync(at)
    } catch (error: any) {
      if ((error.code === 'ENOENT' || error.code === 'ENOTDIR') && dirname(at) !== at) continue
      throw refusal('BadDirectory', flag, given, at, error)
    }
    if (!st.isDirectory()) {
      const what = at === full && given === dir ? 'is a file, not a directory' : `is under ${at}, which is a file`
      throw new InputError('BadDirectory', `${flag} ${given} ${what}.`, `Pass a directory, e.g. ${flag} ./.azfail`)
    }
    try {
      accessSync(at, constants.W_OK)
    } catch (error: any) {
      throw refusal('BadDirectory', flag, given, at, error)
    }
    // statfs's count of blocks free to this user: none means the first write fails with ENOSPC (a file system that
    // reports no blocks at all, as some FUSE ones do, tells nothing)
    const fs = statfsSync(at)
    if (fs.blocks > 0 && fs.bavail === 0) throw refusal('BadDirectory', flag, given, at, {code: 'ENOSPC'})
    return
  }
}

/**
 * Throws an input error unless `file` can be created or overwritten as a file: not a directory, in a directory that
 * passes checkWritableDir. A FIFO needs a reader now (else opening it would wait forever); a device must take a write.
 */
export function checkWritableFile(file: string, flag: string): void {
  const probe = inspectFile(file, flag)
  if (probe !== undefined) closeSync(probe)
}

/** checkWritableFile's check; for a FIFO, a socket or a device, the descriptor it opened, which the caller closes. */
function inspectFile(file: string, flag: string): number | undefined {
  const full = resolve(file)
  let st
  try {
    st = statSync(full)
  } catch {
    // absent: its directory decides
  }
  if (st?.isDirectory()) throw new InputError('BadPath', `${flag} ${file} is a directory, not a file.`, `Name a file, e.g. ${flag} ${join(file, 'out')}`)
  if (st && !st.isFile()) return checkDevice(full, file, flag)
  checkWritableDir(dirname(full), flag, file)
  if (st) {
    try {
      accessSync(full, constants.W_OK)
    } catch (error: any) {
      throw refusal('BadPath', flag, file, full, error)
    }
  }
  return undefined
}

/**
 * Checks `file` as checkWritableFile does and opens it for writing (created or truncated). A FIFO or a device is
 * written through the check's own descriptor, which never waits (`nonBlocking`): opened again, a FIFO whose reader left
 * in between would wait forever, and a write to a reader that stopped reading would stop azfail with it.
 */
export function openForWriting(file: string, flag: string): {fd: number; nonBlocking: boolean} {
  const probe = inspectFile(file, flag)
  if (probe !== undefined) return {fd: probe, nonBlocking: true}
  try {
    return {fd: openSync(file, 'w'), nonBlocking: false}
  } catch (error: any) {
    throw refusal('BadPath', flag, file, resolve(file), error)
  }
}

/** A file checked now and written later, once: see reserveOutput. */
export interface ReservedOutput {
  /** Creates the file's directories, writes the whole text and closes it; a failure on the way is exit 1, named. */
  write(text: string): void
  /** Lets go of a FIFO or device held since the check, when nothing is to be written after all. */
  release(): void
}

/**
 * Checks `file` as checkWritableFile does, before the work that fills it, and holds a FIFO or a device open from the
 * check to the write: a check that let go of a FIFO would end its reader's stream, and the write would then wait
 * forever for a reader. A regular file is not touched until the write.
 */
export function reserveOutput(file: string, flag: string): ReservedOutput {
  let probe = inspectFile(file, flag)
  const release = () => {
    if (probe !== undefined) closeSync(probe)
    probe = undefined
  }
  return {
    release,
    write(text) {
      // A FIFO or a device is written through the check's own descriptor: opened again, a FIFO whose reader left in
      // between would wait forever for another. A regular file is written whole or not at all (a temporary file
      // renamed over it): a reader never sees half, and a file it replaces (init --force) is kept if the write fails.
      const fd = probe
      probe = undefined
      try {
        if (fd === undefined) {
          mkdirSync(dirname(resolve(file)), {recursive: true})
          writeFileWhole(resolve(file), text)
        } else {
          writeWhole(fd, Buffer.from(text))
        }
      } catch (error: any) {
        // a disk that filled, or a reader that stopped reading, on the way: met at run time (no cause kept: a broken
        // pipe is no unreachable endpoint)
        const condition = error.code === 'EPIPE' ? READER_GONE : machineCondition(error.code)
        throw new MachineError(error.code ?? 'WriteFailed', `Cannot write to ${flag} ${file}: ${condition?.what ?? error.message}; what it holds is incomplete.`, {
          hint: `${condition?.todo ?? 'Name a regular file on a disk with room'}, then run the command again.`,
        })
      } finally {
        if (fd !== undefined) closeSync(fd)
      }
    },
  }
}

/** EPIPE on a FIFO (errors.ts's table leaves it to the network, where it means a connection was cut). */
export const READER_GONE = {what: 'the program reading it stopped reading (EPIPE)', todo: 'Keep the reader running until azfail ends, or name a regular file'}

/** How long a reader may take nothing before a write gives up on it. */
const STALLED_MS = 30_000

/** Writes all of `data`, waiting while a non-blocking FIFO or device is full, at most STALLED_MS without progress. */
function writeWhole(fd: number, data: Buffer): void {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let at = 0, since = Date.now(); at < data.length; ) {
    try {
      at += writeSync(fd, data, at)
      since = Date.now()
    } catch (error: any) {
      if (error.code !== 'EAGAIN') throw error
      if (Date.now() - since > STALLED_MS) throw Object.assign(new Error(`the program reading it took nothing for ${STALLED_MS / 1000} s`), {code: 'Stalled'})
      Atomics.wait(pause, 0, 0, 10)
    }
  }
}

/** A FIFO, a socket or a device: opened without waiting and given an empty write, which a full device (/dev/full) refuses. */
function checkDevice(full: string, file: string, flag: string): number {
  let fd: number | undefined
  try {
    fd = openSync(full, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
    writeSync(fd, Buffer.alloc(0))
    return fd
  } catch (error: any) {
    if (fd !== undefined) closeSync(fd)
    throw refusal('BadPath', flag, file, full, error)
  }
}

function refusal(code: 'BadDirectory' | 'BadPath', flag: string, given: string, at: string, error: {code?: string; message?: string}): InputError {
  const condition = machineCondition(error.code)
  const where = at === resolve(given) ? '' : ` (${at})`
  return condition
    ? new InputError(code, `${flag} ${given}${where} is not writable: ${condition.what}.`, `${condition.todo}.`)
    : new InputError(code, `${flag} ${given}${where} cannot be used (${error.code ?? error.message}).`, 'Pass a path azfail can create and write.')
}
