// Directories named on the command line are checked before anything is read or written: a file, a path under a
// file, or a read-only place is bad input (exit 2) with a clear message, never an internal error halfway through.
import {accessSync, constants, statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {InputError} from '../errors.ts'

/** Throws an input error unless `dir` is (or can be created as) a directory azfail may write in. */
export function checkWritableDir(dir: string, flag: string): void {
  const full = resolve(dir)
  for (let at = full; ; at = dirname(at)) {
    let st
    try {
      st = statSync(at)
    } catch (error: any) {
      if ((error.code === 'ENOENT' || error.code === 'ENOTDIR') && dirname(at) !== at) continue
      throw new InputError('BadDirectory', `${flag} ${dir}: cannot use ${at} (${error.code ?? error.message}).`, `Pass a directory azfail can create and write, e.g. ${flag} ./.azfail`)
    }
    if (!st.isDirectory()) {
      const what = at === full ? 'is a file, not a directory' : `is under ${at}, which is a file`
      throw new InputError('BadDirectory', `${flag} ${dir} ${what}.`, `Pass a directory, e.g. ${flag} ./.azfail`)
    }
    try {
      accessSync(at, constants.W_OK)
    } catch (error: any) {
      throw new InputError('BadDirectory', `${flag} ${dir}: ${at} is not writable (${error.code}).`, `Pass a directory azfail may write in.`)
    }
    return
  }
}
