// Paths named on the command line are checked before anything is read or written: a file where a directory belongs, a
// directory where a file belongs, a read-only place, a full disk or a FIFO nobody reads is bad input (exit 2) with a
// clear message, never an internal error after the work that was to fill them.
import {accessSync, closeSync, constants, openSync, statSync, statfsSync, writeSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {InputError, machineCondition} from '../errors.ts'


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
 * Checks `file` as checkWritableFile does and opens it for writing (created or truncated). A FIFO is opened while the
 * check's descriptor still holds it, so its reader never sees the check's close as the end of the stream.
 */
export function openForWriting(file: string, flag: string): number {
  const probe = inspectFile(file, flag)
  try {
    return openSync(file, 'w')
  } catch (error: any) {
    throw refusal('BadPath', flag, file, resolve(file), error)
  } finally {
    if (probe !== undefined) closeSync(probe)
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
