// Real PostgreSQL servers for the sandbox's flexible servers, on their own loopback addresses, so a check that
// must connect (a write through the CNAME) has something real to connect to. A server that is a read replica in
// the sandbox's world runs with default_transaction_read_only, which answers writes exactly as a hot standby does
// ("cannot execute ... in a read-only transaction"). Opt-in: `azfail sandbox reset --postgres`.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chownSync, existsSync, mkdirSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export interface PgInstance {
  server: string
  address: string
  port: number
  dataDir: string
  readOnly?: boolean
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

/** PostgreSQL refuses to run as root: as root, run its tools as the postgres user and give it the data dir. */
function runPg(tool: string, args: string[], dir: string): void {
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], {encoding: 'utf8'}).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], {encoding: 'utf8'}).trim())
    chownSync(dir, uid, gid)
    execFileSync('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args], {stdio: 'pipe'})
  } else {
    execFileSync(pgBin(tool), args, {stdio: 'pipe'})
  }
}

const asRoot = () => process.getuid?.() === 0

/**
 * Where a state dir's servers keep their data. The postgres user must reach it: running as root, that rules out a
 * state dir under /root or a 0700 temporary directory, so root's servers live under the system temp dir instead.
 */
function pgRoot(stateDir: string): string {
  if (!asRoot()) return join(stateDir, 'postgres')
  const dir = join(tmpdir(), `azfail-pg-${createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 12)}`)
  mkdirSync(dir, {recursive: true, mode: 0o755})
  return dir
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

export async function startPostgres(stateDir: string, servers: Array<{server: string; address: string; readOnly: boolean}>): Promise<PgInstance[]> {
  const started: PgInstance[] = []
  try {
    for (const s of servers) {
      if (!s.address.startsWith('127.')) throw new Error(`refusing to run PostgreSQL on ${s.address}: the sandbox listens on 127.0.0.0/8 only`)
      const base = join(pgRoot(stateDir), s.server)
      const dataDir = join(base, 'data')
      mkdirSync(base, {recursive: true})
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        mkdirSync(dataDir, {recursive: true})
        runPg('initdb', ['-D', dataDir, '-U', 'azfail', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], dataDir)
      }
      const port = await freePort(s.address)
      const options = `-c listen_addresses=${s.address} -c port=${port} -c unix_socket_directories=${base} -c fsync=off -c full_page_writes=off`
      runPg('pg_ctl', ['-D', dataDir, '-l', join(base, 'log'), '-w', '-o', options, 'start'], base)
      const instance: PgInstance = {server: s.server, address: s.address, port, dataDir}
      started.push(instance)
      setReadOnly(instance, s.readOnly)
    }
    return started
  } catch (error) {
    stopPostgres(started)
    throw error
  }
}

/** A replica refuses writes; a primary takes them. Applied and reloaded at once. */
export function setReadOnly(instance: PgInstance, readOnly: boolean): void {
  if (instance.readOnly === readOnly) return
  execFileSync('psql', ['-h', instance.address, '-p', String(instance.port), '-U', 'azfail', '-d', 'postgres', '-qAt', '-c', `ALTER SYSTEM SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`, '-c', 'SELECT pg_reload_conf()'], {stdio: 'pipe'})
  instance.readOnly = readOnly
}

export function stopPostgres(instances: PgInstance[]): void {
  for (const i of instances) {
    try {
      runPg('pg_ctl', ['-D', i.dataDir, '-m', 'fast', '-w', 'stop'], join(i.dataDir, '..'))
    } catch {
      // already stopped
    }
  }
}
