// The machine as an obstacle: a full disk, a read-only mount, a directory where a file belongs, a FIFO nobody reads,
// a port in use or below 1024. Each ends with a sentence naming the path or port and what to do (exit 2 when checked
// before the work, exit 1 when met during it), never "This is a bug in azfail", and an output path is checked before
// the work that fills it (no ARM request is made).
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {BIN, HANG_MS, eventually, runCli, tempDir} from '../helpers.ts'
import {type E2E, e2e} from './support.ts'

/** A tmpfs of `size` mounted at `dir` (root only); undefined when this machine cannot mount one. */
function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, {recursive: true})
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0
}

/** Fills a tmpfs to its last `leavePages` pages. */
function fill(dir: string, leavePages: number, sizeKiB: number): void {
  writeFileSync(join(dir, 'fill'), Buffer.alloc((sizeKiB / 4 - leavePages) * 4096))
}

const NOT_A_BUG = (r: {stdout: string; stderr: string}) => assert.doesNotMatch(r.stdout + r.stderr, /This is a bug|unexpected error|^\s+at /m, r.stdout + r.stderr)

/** Runs azfail as the unprivileged user nobody (root passes every permission check and binds any port). */
const azfailAsNobody = (args: string[], cwd: string) =>
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', `HOME=${cwd}`, process.execPath, BIN, ...args], {cwd, encoding: 'utf8', timeout: HANG_MS})

describe('machine conditions', () => {
  let t: E2E
  let mnt: string
  const mounts: string[] = []
  let canMount = false

  before(async () => {
    t = await e2e()
    mnt = tempDir('azfail-mnt-')
    canMount = mountTmpfs(join(mnt, 'probe'), 'size=64k')
    if (canMount) mounts.push(join(mnt, 'probe'))
  })
  after(async () => {
    for (const m of mounts.reverse()) spawnSync('umount', [m])
    await t.stop()
  })

  const mount = (name: string, options: string): string => {
    const dir = join(mnt, name)
    assert.ok(mountTmpfs(dir, options), `mount ${options} at ${dir}`)
    mounts.push(dir)
    return dir
  }

  it('gameday --report-dir at a file, on a read-only mount or on a full disk: exit 2 before the game day reads anything', async (c) => {
    const file = join(t.work, 'a-file')
    writeFileSync(file, 'x')
    const cases: Array<[string, RegExp]> = [[file, /--report-dir .*a-file is a file, not a directory/]]
    if (canMount) {
      cases.push([join(mount('ro', 'ro,size=64k'), 'reports'), /is not writable: it is on a read-only file system \(EROFS\)/])
      const full = mount('full', 'size=64k')
      fill(full, 0, 64)
      cases.push([join(full, 'reports'), /is not writable: no space is left on its file system \(ENOSPC\)/])
    } else c.diagnostic('tmpfs cannot be mounted here (not root?): the read-only and full-disk cases are skipped')
    for (const [dir, message] of cases) {
      t.sb.mark()
      const r = await t.json(['gameday', '--report-dir', dir])
      assert.deepEqual([r.code, r.out.error.code], [2, 'BadDirectory'], JSON.stringify(r.out))
      assert.match(r.out.error.message, message)
      assert.ok(r.out.error.hint)
      assert.deepEqual(t.sb.requests(), [], 'the game day did not start')
    }
  })

  it('sandbox start, reset and outage with --state-dir on a read-only mount: exit 2 naming EROFS, not a bug', async (c) => {
    if (!canMount) return c.skip('tmpfs cannot be mounted here (not root?)')
    const state = join(mount('ro-state', 'ro,size=64k'), 'sandbox')
    for (const args of [['sandbox', 'start'], ['sandbox', 'reset', '--yes'], ['sandbox', 'outage', 'eus2']]) {
      const r = await runCli([...args, '--state-dir', state], {cwd: t.work, timeoutMs: 120_000})
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /--state-dir .*sandbox \(.*ro-state\) is not writable: it is on a read-only file system \(EROFS\)/)
      NOT_A_BUG(r)
    }
  })

  it('runs show --output at a directory or on a full disk: exit 2 with the path', async () => {
    const drained = await t.json(['drain', 'eus2', '--dry-run'])
    const runId = drained.out.result.runId
    const dir = await runCli(['runs', 'show', runId, '--md', '--output', t.work, '--json'], {cwd: t.work})
    assert.equal(dir.code, 2, dir.stdout)
    assert.match(JSON.parse(dir.stdout).error.message, /--output .* is a directory, not a file/)
    if (!canMount) return
    const full = mount('full-show', 'size=64k')
    fill(full, 0, 64)
    const r = await runCli(['runs', 'show', runId, '--html', '--output', join(full, 'run.html')], {cwd: t.work})
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /--output .*run\.html \(.*full-show\) is not writable: no space is left on its file system \(ENOSPC\)\.\n {2}next: Free space there/)
    NOT_A_BUG(r)
  })

  it('runs show --output at a FIFO: a reader gets the whole report, one that stops early or none at all is a sentence, /dev/full too; never a hang', async () => {
    const runId = (await t.json(['drain', 'eus2', '--dry-run'])).out.result.runId
    const fifo = join(t.work, 'show.fifo')
    spawnSync('mkfifo', [fifo])
    const show = (output: string, format = '--md') => runCli(['runs', 'show', runId, format, '--output', output], {cwd: t.work, timeoutMs: 60_000})
    // One that stops after 10 bytes, with its pipe at one page first (F_SETPIPE_SZ, 1031): the report cannot all wait
    // in the pipe's buffer, so the write meets the reader's end.
    const STOPS_EARLY = 'import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\nfcntl.fcntl(fd, 1031, 4096)\nos.read(fd, 10)'
    /** A reader waiting in open() for a writer, as a shell's `cat fifo` or `<(...)` does; `early`: it stops after 10 bytes. */
    const reader = async (early = false) => {
      const child = spawn(early ? 'python3' : 'cat', early ? ['-c', STOPS_EARLY, fifo] : [fifo], {stdio: ['ignore', 'pipe', 'inherit']})
      let got = ''
      child.stdout.on('data', (d) => (got += d))
      const closed = new Promise((r) => child.once('close', r))
      await eventually(() => readFileSync(`/proc/${child.pid}/wchan`, 'utf8') === 'wait_for_partner')
      return {got: () => got, closed, child}
    }

    const whole = await reader()
    const r = await show(fifo)
    await whole.closed
    assert.equal(r.code, 0, r.stderr)
    assert.match(whole.got(), new RegExp(`${runId}[\\s\\S]*drainSteering`), 'the reader got the report')

    const early = await reader(true)
    const stopped = await show(fifo, '--html')
    early.child.kill()
    assert.equal(stopped.code, 1, stopped.stderr)
    assert.match(stopped.stderr, /Cannot write to --output .*show\.fifo: the program reading it stopped reading .*\(EPIPE\)/)
    NOT_A_BUG(stopped)

    for (const [output, message] of [
      [fifo, /--output .*show\.fifo is not writable: no program reads it .*\(ENXIO\)/],
      ['/dev/full', /--output \/dev\/full is not writable: no space is left .*\(ENOSPC\)/],
    ] as const) {
      const refused = await show(output)
      assert.equal(refused.code, 2, refused.stderr)
      assert.match(refused.stderr, message)
      NOT_A_BUG(refused)
    }
  })

  it('--events /dev/full and a FIFO with no reader: exit 2 before the run, no hang, nothing written', async () => {
    const fifo = join(t.work, 'events.fifo')
    spawnSync('mkfifo', [fifo])
    for (const [events, message] of [
      ['/dev/full', /--events \/dev\/full is not writable: no space is left .*\(ENOSPC\)/],
      [fifo, /--events .*events\.fifo is not writable: no program reads it .*\(ENXIO\)/],
      [t.work, /--events .* is a directory, not a file/],
    ] as const) {
      t.sb.mark()
      const r = await t.azfail(['drain', 'eus2', '--yes', '--events', events], {timeoutMs: 120_000})
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, message)
      NOT_A_BUG(r)
      assert.deepEqual(t.writes(), [])
    }
  })

  /**
   * A FIFO at `name` and a plain reader of it, waiting in open() for a writer (so a check must not look like a writer
   * that came and went); runs `write` once the reader waits, then returns all it read.
   */
  async function throughFifo(name: string, write: (fifo: string) => Promise<void>): Promise<string> {
    const fifo = join(t.work, name)
    spawnSync('mkfifo', [fifo])
    const reader = spawn('cat', [fifo], {stdio: ['ignore', 'pipe', 'inherit']})
    let got = ''
    reader.stdout.on('data', (d) => (got += d))
    const closed = new Promise((r) => reader.once('close', r))
    try {
      await eventually(() => readFileSync(`/proc/${reader.pid}/wchan`, 'utf8') === 'wait_for_partner')
      await write(fifo)
      await closed
      return got
    } finally {
      reader.kill()
    }
  }

  it('--events at a FIFO with a reader: the reader gets every event up to run-ended', async () => {
    const got = await throughFifo('read.fifo', async (fifo) => {
      const r = await t.azfail(['drain', 'eus2', '--dry-run', '--events', fifo])
      assert.equal(r.code, 0, r.stderr)
    })
    const types = got.trim().split('\n').map((l) => JSON.parse(l).type)
    assert.deepEqual([types[0], types.at(-1)], ['run-started', 'run-ended'], got)
  })

  it('init --output at a FIFO with a reader: the reader gets the runbook, and the FIFO stays a FIFO', async () => {
    let fifo = ''
    const got = await throughFifo('runbook.fifo', async (path) => {
      fifo = path
      const r = await t.azfail(['init', '--output', path], {runbook: null})
      assert.equal(r.code, 0, r.stderr)
    })
    assert.match(got, /\n# Discovered by 'azfail init'[^]*\nestate:/, `the reader got the runbook: ${got.slice(0, 300)}`)
    assert.ok(statSync(fifo).isFIFO(), 'the runbook was written through the FIFO, not over it')
  })

  it('a disk that fills under --runs-dir during a run: exit 1 with the journal file named, never a bug', async (c) => {
    if (!canMount) return c.skip('tmpfs cannot be mounted here (not root?)')
    const runs = mount('runs', 'size=64k')
    // one page left: the check before the run passes, the journal's second file does not fit
    fill(runs, 1, 64)
    const r = await t.azfail(['drain', 'eus2', '--dry-run', '--runs-dir', join(runs, 'runs')])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /azfail: Cannot (write to|write|open) .*runs.*: no space is left on its file system \(ENOSPC\)\.\n {2}next: Free space there/)
    NOT_A_BUG(r)
  })

  it('an --output in a directory this user may not write (0500, as nobody): exit 2 naming EACCES', async (c) => {
    if (process.getuid?.() !== 0) return c.skip('needs root to run as another user')
    const base = tempDir('azfail-perm-')
    chmodSync(base, 0o755)
    const locked = join(base, 'locked')
    mkdirSync(locked, {mode: 0o500})
    chmodSync(locked, 0o500)
    const r = azfailAsNobody(['runs', 'show', '20261121-221549-52c430', '--md', '--output', join(locked, 'r.md')], base)
    assert.equal(r.status, 2, r.stderr)
    assert.match(r.stderr, /--output .*locked.* is not writable: permission denied \(EACCES\)/)
    NOT_A_BUG(r)
  })

  it('sandbox start on a port in use, or on a port below 1024 as a normal user: exit 1 naming the port', async (c) => {
    const taken = createServer()
    await new Promise<void>((r) => taken.listen({host: '127.0.0.1', port: 0}, r))
    const port = (taken.address() as {port: number}).port
    try {
      const r = await runCli(['sandbox', 'start', '--state-dir', tempDir(), '--port', String(port)], {timeoutMs: 120_000})
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: another program already listens there \\(EADDRINUSE\\)\\.\\n {2}next: Stop that program`))
      NOT_A_BUG(r)
    } finally {
      taken.close()
    }
    if (process.getuid?.() !== 0) return c.skip('needs root to run as another user')
    const dir = tempDir('azfail-nobody-')
    chmodSync(dir, 0o777)
    const r = azfailAsNobody(['sandbox', 'start', '--state-dir', join(dir, 'sb'), '--port', '80'], dir)
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stderr, /Cannot listen on 127\.0\.0\.1:80: ports below 1024 need privileges this user lacks \(EACCES\)\.\n {2}next: Choose a port of 1024 or above/)
    NOT_A_BUG(r)
  })
})
