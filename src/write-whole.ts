// A file written whole or not at all: the text goes to a temporary file beside it (every byte, or an error), which is
// then renamed over it, so a reader, a kill or a full disk finds the old file or the new one, never a cut one.
// Written here rather than with write-file-atomic: its synchronous path makes one write(2) and ignores a short count,
// so on a disk that fills it renamed a truncated file over the old one without an error (a 80 kB game-day journal
// became 8 kB; test/unit/gameday-reports.test.ts). fs.writeFileSync writes until every byte is written or throws.
import {randomBytes} from 'node:crypto'
import {closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

/** Replaces `file` with `text` atomically, keeping an existing file's permissions; `fsync` makes it survive a crash. */
export function writeFileWhole(file: string, text: string, options: {fsync?: boolean} = {}): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const mode = statSync(file, {throwIfNoEntry: false})?.mode
  try {
    writeFileSync(tmp, text, {flag: 'wx', ...(mode === undefined ? {} : {mode: mode & 0o7777})})
    if (options.fsync) {
      const fd = openSync(tmp, 'r+')
      try {
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
    }
    renameSync(tmp, file)
  } catch (error: any) {
    rmSync(tmp, {force: true})
    // named as the file being replaced, not its temporary file: that is the one a message should name
    if (error && typeof error === 'object' && (error.path === undefined || error.path === tmp)) error.path = file
    throw error
  }
}
