// Starts the sandbox: the ARM emulator over HTTPS on loopback, one DNS resolver per region, the control endpoint,
// a loopback TCP listener per SQL server, and, when the world asks for them, real PostgreSQL servers behind the
// flexible servers.
import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import type {Duplex} from 'node:stream'
import {CONTROL_PATH, type SandboxConnection, connectionFile} from './client.ts'
import {type ResolverHandle, startResolver} from './dns.ts'
import {EntraDirectory} from './entra.ts'
import {demoWorld} from './estate.ts'
import {requestHandler} from './handler.ts'
import {type LiveSandbox, isReplica, liveSandbox, postgresServers} from './live.ts'
import {startPostgres, stopPostgres} from './postgres.ts'
import {type SqlListener, startSqlListeners} from './sql-listeners.ts'
import {ensureTlsIdentity} from './tls.ts'
import {WorldStore, resourcesOfType} from './world.ts'

export interface SandboxOptions {
  stateDir: string
  /** ARM port; 0 picks a free one */
  port?: number
  /** write D/connection.json so other processes can use this sandbox */
  publish?: boolean
  /** lifetime of the access tokens its Entra ID issues, kept in the world's settings */
  tokenLifetimeSeconds?: number
}

export interface SandboxHandle {
  connection: SandboxConnection
  store: WorldStore
  stop(): Promise<void>
}

const LOOPBACK = '127.0.0.1'

export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  const {stateDir} = options
  mkdirSync(stateDir, {recursive: true})
  const live = liveSandbox(stateDir, new WorldStore(stateDir, demoWorld))
  const tls = await ensureTlsIdentity(stateDir)
  const token = ensureToken(stateDir)
  const directory = await EntraDirectory.open(stateDir)
  if (options.tokenLifetimeSeconds !== undefined) {
    live.store.world.settings.tokenLifetimeSeconds = options.tokenLifetimeSeconds
    live.store.save()
  }

  const server = https.createServer({cert: tls.cert, key: tls.key}, requestHandler(live, token, directory))
  const sockets = new Set<Duplex>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({host: LOOPBACK, port: options.port ?? 0}, () => resolve())
  })
  const armEndpoint = `https://${LOOPBACK}:${(server.address() as AddressInfo).port}`

  let resolvers: ResolverHandle[]
  let sql: SqlListener[]
  try {
    resolvers = await startRegionalServices(live)
  } catch (error) {
    server.close()
    throw error
  }
  try {
    sql = await startSqlListeners(resourcesOfType(live.store.world, 'Microsoft.Sql/servers').map((r) => r.name))
  } catch (error) {
    stopPostgres(live.postgres)
    await Promise.all(resolvers.map((r) => r.close()))
    server.close()
    throw error
  }

  const connection: SandboxConnection = {
    armEndpoint,
    caCertPath: tls.certPath,
    tenantId: live.store.world.tenantId,
    authorityHost: armEndpoint,
    identities: directory.published(),
    subscriptionId: live.store.world.subscriptionId,
    token,
    resolvers: Object.fromEntries(resolvers.map((r) => [r.region, `${r.address}:${r.port}`])),
    ...(live.postgres.length > 0 ? {postgres: Object.fromEntries(live.postgres.map((p) => [p.server, `${p.address}:${p.port}`]))} : {}),
    ...(sql.length > 0 ? {sql: Object.fromEntries(sql.map((l) => [l.server, `${l.address}:${l.port}`]))} : {}),
    controlEndpoint: `${armEndpoint}${CONTROL_PATH}`,
    pid: process.pid,
    stateDir,
  }
  const publish = () => writeFileSync(connectionFile(stateDir), JSON.stringify(connection, null, 2) + '\n', {mode: 0o600})
  if (options.publish) publish()
  directory.onChange = () => {
    connection.identities = directory.published()
    if (options.publish) publish()
  }

  return {
    connection,
    store: live.store,
    async stop() {
      stopPostgres(live.postgres)
      await Promise.all([...resolvers.map((r) => r.close()), ...sql.map((l) => l.close())])
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
    },
  }
}

/** The bearer token of this state dir, made once and kept, so clients survive a restart. */
function ensureToken(stateDir: string): string {
  const file = join(stateDir, 'token')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const token = `azfail-sandbox.${randomBytes(24).toString('base64url')}`
  writeFileSync(file, token + '\n', {mode: 0o600})
  return token
}

/** One resolver per region, then the real PostgreSQL servers if the world asks for them; on failure none stays up. */
async function startRegionalServices(live: LiveSandbox): Promise<ResolverHandle[]> {
  const {world} = live.store
  const resolvers: ResolverHandle[] = []
  try {
    for (const [region, info] of Object.entries(world.regions)) {
      resolvers.push(await startResolver(region, info.resolverAddress, live.current))
    }
    if (world.settings.postgres) {
      live.postgres = await startPostgres(live.stateDir, postgresServers(world).map((r) => ({server: r.name, address: r.sandbox!.address, readOnly: isReplica(r)})))
    }
  } catch (error) {
    await Promise.all(resolvers.map((r) => r.close()))
    throw error
  }
  return resolvers
}
