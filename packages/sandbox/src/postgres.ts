// Real PostgreSQL servers behind the sandbox's flexible servers, on their own loopback addresses. A read replica is a
// physical hot standby of its primary (pg_basebackup, primary_conninfo, a replication slot), so rows committed on the
// primary stream to it; a promotion is pg_promote(), and a switchover makes the old primary a standby of the new one
// (pg_rewind, or a fresh base backup when it cannot rewind), as Azure's switchover does. Each server has TLS with a
// certificate the sandbox CA signs for `<server>.postgres.database.azure.com`. Opt-in: `azfail sandbox reset --postgres`.
//
// The tools run as child processes the sandbox awaits, so its resolvers and ARM keep answering while a server starts
// or a promotion replays WAL; the fleet runs one operation at a time, as the servers' roles must not change mid-read.
import {execFile, execFileSync} from 'node:child_process'
import {chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

export const PG_DOMAIN = 'postgres.database.azure.com'

export interface PgInstance {
  server: string
  address: string
  port: number
  base: string
  dataDir: string
  /** the server this one streams from while it is a standby */
  upstream?: string
  /** its WAL receiver is stopped on purpose (a control route), so nothing streams to it */
  paused?: boolean
}

/** What the world says a real server should be: a primary, or a standby of `source`. */
export interface PgServerSpec {
  server: string
  address: string
  source?: string
  paused?: boolean
}

/** How a standby stands, read from the servers themselves. */
export interface ReplicationObservation {
  /** Azure's replica.replicationState values: Active (streaming), Catchup, Broken (no WAL receiver connected) */
  state: 'Active' | 'Catchup' | 'Broken'
  /** 0 when replayed up to the primary; else the age of the newest transaction the standby has replayed */
  lagSeconds: number
}

let bindir: string | undefined
function pgBin(tool: string): string {
  bindir ??= (() => {
    try {
      return execFileSync('pg_config', ['--bindir'], {encoding: 'utf8'}).trim()
    } catch {
      throw new Error("PostgreSQL server binaries were not found ('pg_config --bindir' failed); install PostgreSQL to use 'sandbox reset --postgres'.")
    }
  })()
  return join(bindir, tool)
}

/** Whether this machine can run `--postgres` servers (their binaries are installed). */
export function postgresAvailable(): boolean {
  try {
    pgBin('postgres')
    return true
  } catch {
    return false
  }
}

const asRoot = () => process.getuid?.() === 0

let postgresUser: {uid: number; gid: number} | undefined
/** PostgreSQL refuses to run as root: as root, its files belong to the postgres user. */
function ownByPostgres(...paths: string[]): void {
  if (!asRoot()) return
  postgresUser ??= {
    uid: Number(execFileSync('id', ['-u', 'postgres'], {encoding: 'utf8'}).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], {encoding: 'utf8'}).trim()),
  }
  for (const p of paths) chownSync(p, postgresUser.uid, postgresUser.gid)
}

const run = promisify(execFile)

/** Runs a PostgreSQL tool (as the postgres user when running as root); its stderr becomes the error's message. */
async function runPg(tool: string, args: string[]): Promise<string> {
  try {
    // The postgres user may not enter this process's working directory (a private test directory): it starts from /.
    const {stdout} = asRoot()
      ? await run('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args], {encoding: 'utf8', cwd: '/'})
      : await run(pgBin(tool), args, {encoding: 'utf8'})
    return stdout
  } catch (error: any) {
    throw new Error(`${tool} failed: ${String(error.stderr ?? error.message).trim()}`)
  }
}

/** One SQL statement as user azfail over TCP, its rows as tab-separated lines. */
export async function sql(instance: Pick<PgInstance, 'address' | 'port'>, query: string): Promise<string> {
  try {
    const {stdout} = await run('psql', ['-h', instance.address, '-p', String(instance.port), '-U', 'azfail', '-d', 'postgres', '-qAtX', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', query], {encoding: 'utf8', env: {...process.env, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '5'}})
    return stdout.trim()
  } catch (error: any) {
    throw new Error(`psql at ${instance.address}:${instance.port} failed: ${String(error.stderr ?? error.message).trim()}`)
  }
}

/**
 * How long pg_ctl waits for a server to accept connections: a standby replays its WAL first, and on a loaded machine
 * the minute it used to wait may not be enough; the wait holds up nothing else, so it is generous.
 */
const START_WAIT_SECONDS = 180

/**
 * Where a state dir's servers keep their data. As a normal user, in the state dir. As root the servers run as the
 * postgres user, who may not reach the state dir (or a private TMPDIR): a directory with an unpredictable name, 0700
 * and owned by postgres, in the first temporary directory that user can traverse; the state dir records it, so a
 * restart finds it again, and a recorded place that is not exactly that (another owner, a symlink) is never used.
 */
function pgRoot(stateDir: string): string {
  if (!asRoot()) return join(stateDir, 'postgres')
  const known = recordedPgRoot(stateDir)
  if (known) return known
  const dir = mkdtempSync(join(traversableTempDir(), 'azfail-pg-'))
  ownByPostgres(dir)
  writeFileSync(pgRootRecord(stateDir), `${dir}\n`, {mode: 0o600})
  return dir
}

const pgRootRecord = (stateDir: string) => join(stateDir, 'postgres-root')

/** The data directory the state dir records, when it is still a private directory of the postgres user. */
function recordedPgRoot(stateDir: string): string | undefined {
  const record = pgRootRecord(stateDir)
  if (!existsSync(record)) return undefined
  const dir = readFileSync(record, 'utf8').trim()
  try {
    const st = lstatSync(dir)
    ownByPostgres()
    return st.isDirectory() && st.uid === postgresUser!.uid && (st.mode & 0o077) === 0 ? dir : undefined
  } catch {
    return undefined
  }
}

/** The first of TMPDIR, /tmp and /var/tmp whose every ancestor others may traverse (the postgres user must reach its data). */
function traversableTempDir(): string {
  const reachable = (dir: string): boolean => {
    for (let at = resolve(dir); ; at = dirname(at)) {
      try {
        if ((statSync(at).mode & 0o001) === 0) return false
      } catch {
        return false
      }
      if (dirname(at) === at) return true
    }
  }
  const found = [tmpdir(), '/tmp', '/var/tmp'].find(reachable)
  if (!found) throw new Error(`no temporary directory the postgres user can reach (${tmpdir()}, /tmp and /var/tmp are closed to others); the PostgreSQL servers cannot keep their data`)
  return found
}

/** Removes the PostgreSQL data a state dir's servers kept outside it (as root); the servers must be stopped. */
export function removePostgresData(stateDir: string): void {
  const dir = recordedPgRoot(stateDir)
  if (dir) rmSync(dir, {recursive: true, force: true})
  rmSync(pgRootRecord(stateDir), {force: true})
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen({host: address, port: 0}, () => {
      const {port} = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

/** A replication slot's name for a standby: slot names allow lower-case letters, digits and underscores. */
const slotOf = (server: string) => server.toLowerCase().replace(/[^a-z0-9_]/g, '_')

/** The sandbox CA signs each server's certificate for its Azure name, as Azure's are (not for a CNAME to it). */
async function ensureServerCertificate(base: string, server: string, ca: {cert: string; key: string}): Promise<void> {
  const dir = join(base, 'tls')
  if (existsSync(join(dir, 'server.crt')) && existsSync(join(dir, 'server.key'))) return
  const {generate} = await import('selfsigned')
  const fqdn = `${server}.${PG_DOMAIN}`
  const pems = await generate([{name: 'commonName', value: fqdn}], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    ca,
    extensions: [
      {name: 'basicConstraints', cA: false},
      {name: 'keyUsage', digitalSignature: true, keyEncipherment: true},
      {name: 'extKeyUsage', serverAuth: true},
      {name: 'subjectAltName', altNames: [{type: 2, value: fqdn}]},
    ],
  } as any)
  mkdirSync(dir, {recursive: true, mode: 0o700})
  writeFileSync(join(dir, 'server.crt'), pems.cert)
  writeFileSync(join(dir, 'server.key'), pems.private, {mode: 0o600})
  ownByPostgres(dir, join(dir, 'server.crt'), join(dir, 'server.key'))
}

/**
 * The real servers of one sandbox. `start` brings up what the world describes; `reconcile` makes the running servers
 * follow the world's replication roles after an operation changed them; `observe` reads how a standby stands. They run
 * one at a time: a read of replication state halfway through a switchover, or two re-pointings at once, would see or
 * leave servers in no role the world describes.
 */
export class PgFleet {
  instances: PgInstance[] = []
  private readonly root: string
  private readonly ca: {cert: string; key: string}
  /** the operation running now, or the last one; the next starts when it ends */
  private tail: Promise<unknown> = Promise.resolve()
  private stopped = false

  constructor(stateDir: string, ca: {cert: string; key: string}) {
    this.root = pgRoot(stateDir)
    this.ca = ca
  }

  find(server: string): PgInstance | undefined {
    return this.instances.find((i) => i.server.toLowerCase() === server.toLowerCase())
  }

  /**
   * Starts every server: primaries first, then each standby from its primary (a base backup when it has no data yet).
   * `retired` are the addresses of deleted servers: each gets a port and a certificate, so a replica re-created under
   * its name can run there.
   */
  async start(specs: PgServerSpec[], retired: Record<string, string> = {}): Promise<void> {
    for (const address of [...specs.map((s) => s.address), ...Object.values(retired)]) {
      if (!address.startsWith('127.')) throw new Error(`refusing to run PostgreSQL on ${address}: the sandbox listens on 127.0.0.0/8 only`)
    }
    const ordered = [...specs.filter((s) => !s.source), ...specs.filter((s) => s.source)]
    return this.serially(async () => {
      try {
        for (const s of ordered) {
          const instance = await this.prepare(s.server, s.address)
          if (s.source) await this.follow(instance, this.mustFind(s.source), {paused: s.paused})
          else await this.bringUpPrimary(instance)
        }
        for (const [server, address] of Object.entries(retired)) await this.prepare(server, address)
      } catch (error) {
        await this.stopAll()
        throw error
      }
    })
  }

  /** A server's place: its directory, its certificate, a free port on its address. */
  private async prepare(server: string, address: string): Promise<PgInstance> {
    const base = join(this.root, server)
    mkdirSync(base, {recursive: true, mode: 0o755})
    ownByPostgres(base)
    await ensureServerCertificate(base, server, this.ca)
    const instance: PgInstance = {server, address, port: await freePort(address), base, dataDir: join(base, 'data')}
    this.instances.push(instance)
    return instance
  }

  /** Whether the running servers are what the world says: none runs that it has deleted, each has its role. */
  inStep(specs: PgServerSpec[]): boolean {
    const wanted = new Map(specs.map((s) => [s.server.toLowerCase(), s]))
    return this.instances.every((i) => {
      const s = wanted.get(i.server.toLowerCase())
      if (!s) return !this.running(i)
      return (s.source?.toLowerCase() ?? '') === (i.upstream?.toLowerCase() ?? '') && this.running(i) && (!s.source || Boolean(s.paused) === Boolean(i.paused))
    })
  }

  /**
   * Makes the running servers what the world says: stops the deleted, promotes standbys that are now primaries, then
   * re-points the rest. True when it had anything to do.
   */
  reconcile(specs: PgServerSpec[], planned: (server: string) => boolean): Promise<boolean> {
    return this.serially(async () => {
      if (this.stopped || this.inStep(specs)) return false
      const wanted = new Map(specs.map((s) => [s.server.toLowerCase(), s]))
      for (const instance of this.instances) {
        if (!wanted.has(instance.server.toLowerCase()) && this.running(instance)) await this.retire(instance)
      }
      for (const instance of this.instances) {
        const spec = wanted.get(instance.server.toLowerCase())
        if (!spec || spec.source) continue
        if (instance.upstream) {
          // A switchover when the world makes its old primary its standby; else a standalone promotion.
          const switchover = wanted.get(instance.upstream.toLowerCase())?.source?.toLowerCase() === instance.server.toLowerCase()
          await this.promote(instance, {planned: planned(instance.server), switchover})
        } else if (!this.running(instance)) {
          await this.bringUpPrimary(instance)
        }
      }
      for (const instance of this.instances) {
        const spec = wanted.get(instance.server.toLowerCase())
        if (!spec?.source) continue
        if (instance.upstream?.toLowerCase() !== spec.source.toLowerCase() || !this.running(instance)) {
          await this.follow(instance, this.mustFind(spec.source), {paused: spec.paused})
        } else if (Boolean(spec.paused) !== Boolean(instance.paused)) {
          await this.pause(instance, Boolean(spec.paused))
        }
      }
      return true
    })
  }

  /**
   * Promotes a standby with pg_promote(). Planned, it first replays all its primary wrote: in a switchover the primary
   * stops first (so nothing more is written there); standalone, it stays up and the standby catches up to where it is.
   */
  private async promote(instance: PgInstance, how: {planned: boolean; switchover: boolean}): Promise<void> {
    const primary = instance.upstream ? this.find(instance.upstream) : undefined
    if (how.planned && primary && this.running(primary) && !instance.paused) {
      let upTo: string | undefined
      if (how.switchover) {
        await this.stopOne(primary)
        upTo = /Latest checkpoint location:\s+(\S+)/.exec(await runPg('pg_controldata', ['-D', primary.dataDir]))?.[1]
      } else {
        upTo = await sql(primary, 'SELECT pg_current_wal_lsn()')
      }
      if (upTo) await this.waitFor(instance, `SELECT pg_last_wal_replay_lsn() >= '${upTo}'::pg_lsn`, `${instance.server} to replay ${primary.server}'s WAL up to ${upTo}`)
    }
    await sql(instance, 'SELECT pg_promote(true, 60)')
    instance.upstream = undefined
    instance.paused = false
    if (primary && this.running(primary)) await this.dropSlot(primary, instance.server)
  }

  /** Makes `instance` a streaming standby of `source`: rewound when it has data (pg_rewind), else a fresh base backup. */
  private async follow(instance: PgInstance, source: PgInstance, options: {paused?: boolean} = {}): Promise<void> {
    await sql(source, `SELECT pg_create_physical_replication_slot('${slotOf(instance.server)}') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slotOf(instance.server)}')`)
    const isStandby = existsSync(join(instance.dataDir, 'standby.signal'))
    const hasData = existsSync(join(instance.dataDir, 'PG_VERSION'))
    if (this.running(instance)) await this.stopOne(instance)
    let rebuilt = !hasData
    // pg_rewind reads the source's timeline from its control file, which a just-promoted server updates only at its
    // next checkpoint: without one it finds "the same timeline" and rewinds nothing.
    await sql(source, 'CHECKPOINT')
    // A standby of this very source (after a restart) needs no rewind, only its new port in primary_conninfo.
    if (!rebuilt && !(isStandby && this.upstreamOnDisk(instance) === source.server)) {
      try {
        await runPg('pg_rewind', ['-D', instance.dataDir, `--source-server=${conninfo(source)} dbname=postgres`])
      } catch {
        rebuilt = true
      }
    }
    if (rebuilt) {
      rmSync(instance.dataDir, {recursive: true, force: true})
      mkdirSync(instance.dataDir, {mode: 0o700})
      ownByPostgres(instance.dataDir)
      await runPg('pg_basebackup', ['-h', source.address, '-p', String(source.port), '-U', 'azfail', '-D', instance.dataDir, '-X', 'stream', '--no-sync', '-S', slotOf(instance.server)])
    }
    writeStandbyConfig(instance, source, Boolean(options.paused))
    await this.startOne(instance)
    instance.upstream = source.server
    instance.paused = Boolean(options.paused)
    if (!options.paused) await this.waitStreaming(instance, source)
  }

  /** Stops (or restarts) the standby's WAL receiver: rows committed on its primary stop reaching it. */
  private async pause(instance: PgInstance, paused: boolean): Promise<void> {
    const source = instance.upstream ? this.find(instance.upstream) : undefined
    if (!source) throw new Error(`${instance.server} is not a standby`)
    await sql(instance, `ALTER SYSTEM SET primary_conninfo = '${paused ? '' : conninfo(source, instance.server)}'`)
    await sql(instance, 'SELECT pg_reload_conf()')
    instance.paused = paused
    if (paused) await this.waitFor(instance, 'SELECT count(*) = 0 FROM pg_stat_wal_receiver', `${instance.server}'s WAL receiver to stop`)
    else await this.waitStreaming(instance, source)
  }

  /** Replication state and lag of a standby, from pg_stat_replication on its primary and the standby's replay position. */
  observe(instance: PgInstance): Promise<ReplicationObservation | undefined> {
    return this.serially(async () => {
      const source = instance.upstream ? this.find(instance.upstream) : undefined
      if (!source || this.stopped) return undefined
      try {
        const [current, walState, sentReplayed] = (await sql(source, `SELECT pg_current_wal_lsn(), coalesce(state, ''), coalesce(replay_lsn, '0/0') FROM (SELECT 1) one LEFT JOIN pg_stat_replication ON application_name = '${instance.server}' LIMIT 1`)).split('\t')
        // The common case costs one query: streaming and replayed up to the primary's current position.
        if (walState === 'streaming' && lsn(sentReplayed) >= lsn(current)) return {state: 'Active', lagSeconds: 0}
        const [replayed, received, age] = (await sql(instance, "SELECT coalesce(pg_last_wal_replay_lsn(), '0/0'), coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)")).split('\t')
        // Streaming and replaying all it received: only WAL in flight, no lag worth a number. Otherwise (replay paused
        // or slow, or nothing streaming) the lag is the age of its newest replayed transaction, as Azure's replica_lag.
        const keepingUp = walState === 'streaming' && lsn(replayed) >= lsn(received)
        return {
          state: walState === 'streaming' ? 'Active' : walState ? 'Catchup' : 'Broken',
          lagSeconds: lsn(replayed) >= lsn(current) || keepingUp ? 0 : Math.round(Number(age) * 10) / 10,
        }
      } catch {
        return {state: 'Broken', lagSeconds: 0}
      }
    })
  }

  /** A server deleted from the world stops; its address and certificate stay, so a replica re-created under its name reuses them. */
  private async retire(instance: PgInstance): Promise<void> {
    if (this.running(instance)) await this.stopOne(instance)
    for (const other of this.instances) if (other !== instance && this.running(other) && !other.upstream) await this.dropSlot(other, instance.server)
    rmSync(instance.dataDir, {recursive: true, force: true})
    instance.upstream = undefined
  }

  /** Stops every server once the operation running now has ended; nothing starts them again. */
  stop(): Promise<void> {
    return this.serially(async () => {
      this.stopped = true
      await this.stopAll()
    })
  }

  running(instance: PgInstance): boolean {
    return existsSync(join(instance.dataDir, 'postmaster.pid'))
  }

  /** Runs `work` when the operation before it has ended, whether it succeeded or not. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const done = this.tail.then(work)
    this.tail = done.catch(() => {})
    return done
  }

  private async stopAll(): Promise<void> {
    for (const i of this.instances) {
      try {
        await this.stopOne(i)
      } catch {
        // already stopped
      }
    }
  }

  private mustFind(server: string): PgInstance {
    const found = this.find(server)
    if (!found) throw new Error(`the sandbox runs no PostgreSQL for ${server}`)
    return found
  }

  private upstreamOnDisk(instance: PgInstance): string | undefined {
    const conf = readFileSync(join(instance.dataDir, 'postgresql.auto.conf'), 'utf8')
    return /^# azfail upstream: (\S+)$/m.exec(conf)?.[1]
  }

  private async bringUpPrimary(instance: PgInstance): Promise<void> {
    if (!existsSync(join(instance.dataDir, 'PG_VERSION'))) {
      mkdirSync(instance.dataDir, {recursive: true, mode: 0o700})
      ownByPostgres(instance.dataDir)
      await runPg('initdb', ['-D', instance.dataDir, '-U', 'azfail', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
      // Loopback clients and standbys connect from any 127.x address; initdb trusts 127.0.0.1 only.
      writeFileSync(join(instance.dataDir, 'pg_hba.conf'), 'local all all trust\nlocal replication all trust\nhost all all 127.0.0.0/8 trust\nhost replication all 127.0.0.0/8 trust\n')
    }
    await this.startOne(instance)
    instance.upstream = undefined
    // A standby on disk that the world says is a primary (a world reset after a switchover) is promoted, so it
    // leaves recovery on a new timeline that the old primary can be rewound to.
    if (existsSync(join(instance.dataDir, 'standby.signal'))) await sql(instance, 'SELECT pg_promote(true, 60)')
  }

  private async startOne(instance: PgInstance): Promise<void> {
    const tls = join(instance.base, 'tls')
    const options = [
      `-c listen_addresses=${instance.address}`, `-c port=${instance.port}`, `-c unix_socket_directories=${instance.base}`,
      '-c fsync=off', '-c wal_log_hints=on', '-c hot_standby=on', '-c ssl=on',
      `-c ssl_cert_file=${join(tls, 'server.crt')}`, `-c ssl_key_file=${join(tls, 'server.key')}`,
    ].join(' ')
    await runPg('pg_ctl', ['-D', instance.dataDir, '-l', join(instance.base, 'log'), '-w', '-t', String(START_WAIT_SECONDS), '-o', options, 'start'])
  }

  private async stopOne(instance: PgInstance): Promise<void> {
    try {
      await runPg('pg_ctl', ['-D', instance.dataDir, '-m', 'fast', '-w', 'stop'])
    } catch (error) {
      // A postmaster.pid left by a server that died is no server to stop.
      if (!/no server running|seems to be gone/.test((error as Error).message)) throw error
      rmSync(join(instance.dataDir, 'postmaster.pid'), {force: true})
    }
  }

  private async dropSlot(on: PgInstance, server: string): Promise<void> {
    const slot = slotOf(server)
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await sql(on, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`)
        return
      } catch {
        await sleep(100) // the walsender of the promoted standby is still exiting
      }
    }
  }

  private waitStreaming(standby: PgInstance, source: PgInstance): Promise<void> {
    return this.waitFor(source, `SELECT count(*) > 0 FROM pg_stat_replication WHERE application_name = '${standby.server}' AND state = 'streaming'`, `${standby.server} to stream from ${source.server}`)
  }

  private async waitFor(instance: PgInstance, predicate: string, what: string): Promise<void> {
    const deadline = Date.now() + 30_000
    let last = ''
    while (Date.now() < deadline) {
      try {
        if ((await sql(instance, predicate)) === 't') return
      } catch (error) {
        last = ` (${(error as Error).message})`
      }
      await sleep(50)
    }
    throw new Error(`timed out waiting for ${what}${last}`)
  }
}

/** How a standby reaches its primary; application_name is how pg_stat_replication names it. */
function conninfo(source: PgInstance, applicationName?: string): string {
  return `host=${source.address} port=${source.port} user=azfail sslmode=disable${applicationName ? ` application_name=${applicationName}` : ''}`
}

/** A standby's recovery settings, written while it is stopped (ports change from one start to the next). */
function writeStandbyConfig(instance: PgInstance, source: PgInstance, paused: boolean): void {
  const file = join(instance.dataDir, 'postgresql.auto.conf')
  const kept = (existsSync(file) ? readFileSync(file, 'utf8') : '')
    .split('\n')
    .filter((l) => l.trim() && !/^\s*(primary_conninfo|primary_slot_name|default_transaction_read_only)\s*=/.test(l) && !l.startsWith('# azfail upstream:'))
  const lines = [...kept, `# azfail upstream: ${source.server}`, `primary_conninfo = '${paused ? '' : conninfo(source, instance.server)}'`, `primary_slot_name = '${slotOf(instance.server)}'`]
  writeFileSync(file, lines.join('\n') + '\n')
  writeFileSync(join(instance.dataDir, 'standby.signal'), '')
  ownByPostgres(file, join(instance.dataDir, 'standby.signal'))
}

/** A pg_lsn ('16/B374D848') as a number of bytes. */
function lsn(text: string): bigint {
  const [hi, lo] = text.split('/')
  return (BigInt(`0x${hi || '0'}`) << 32n) + BigInt(`0x${lo || '0'}`)
}
