// Starts the sandbox: the ARM emulator over HTTPS on loopback, one DNS resolver per region, the control endpoint,
// a loopback TCP listener per SQL server, and, when the world asks for them, real PostgreSQL servers behind the
// flexible servers.
import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import type {Duplex} from 'node:stream'
import {writeAzSite} from './az-cli.ts'
import {CONTROL_PATH, type SandboxConnection, connectionFile} from './client.ts'
import {type ResolverHandle, currentNames, startResolver} from './dns.ts'
import {EntraDirectory} from './entra.ts'
import {demoWorld} from './estate.ts'
import {requestHandler} from './handler.ts'
import {type LiveSandbox, liveSandbox, postgresSpecs} from './live.ts'
import {PgFleet} from './postgres.ts'
import {type SqlListener, startSqlListeners} from './sql-listeners.ts'
import {type TlsIdentity, ensureTlsIdentity} from './tls.ts'
import {Vantages} from './vantage.ts'
import {WorldStore, resourcesOfType, subscriptionsOf} from './world.ts'

export interface SandboxOptions {
  stateDir: string
  /** ARM port; 0 picks a free one */
  port?: number
  /** write D/connection.json so other processes can use this sandbox */
  publish?: boolean
  /** lifetime of the access tokens its Entra ID issues, kept in the world's settings */
  tokenLifetimeSeconds?: number
  /** set the world's timing profile (kept in the state, like every setting); absent: keep the state's */
  latency?: 'none' | 'azure'
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
  // the settings a start names are kept in the state, like every setting
  const {settings} = live.store.world
  const latency = options.latency && options.latency !== (settings.latency ?? 'none') ? options.latency : undefined
  if (latency) settings.latency = latency
  if (options.tokenLifetimeSeconds !== undefined) settings.tokenLifetimeSeconds = options.tokenLifetimeSeconds
  if (latency || options.tokenLifetimeSeconds !== undefined) live.store.save()
  const tls = await ensureTlsIdentity(stateDir)
  const token = ensureToken(stateDir)
  const directory = await EntraDirectory.open(stateDir)

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
    resolvers = await startRegionalServices(live, tls)
  } catch (error) {
    server.close()
    throw error
  }
  try {
    sql = await startSqlListeners(resourcesOfType(live.store.world, 'Microsoft.Sql/servers').map((r) => r.name))
  } catch (error) {
    await live.postgres?.stop()
    await Promise.all(resolvers.map((r) => r.close()))
    server.close()
    throw error
  }

  live.vantages = new Vantages(stateDir, live.settled, (region) => {
    const r = resolvers.find((h) => h.region === region)
    return r && `${r.address}:${r.port}`
  })

  const connection: SandboxConnection = {
    armEndpoint,
    caCertPath: tls.certPath,
    tenantId: live.store.world.tenantId,
    authorityHost: armEndpoint,
    identities: directory.published(),
    subscriptionId: live.store.world.subscriptionId,
    subscriptions: subscriptionsOf(live.store.world),
    token,
    resolvers: Object.fromEntries(resolvers.map((r) => [r.region, `${r.address}:${r.port}`])),
    ...(live.postgres ? {postgres: Object.fromEntries(live.postgres.instances.map((p) => [p.server, `${p.address}:${p.port}`]))} : {}),
    ...(sql.length > 0 ? {sql: Object.fromEntries(sql.map((l) => [l.server, `${l.address}:${l.port}`]))} : {}),
    controlEndpoint: `${armEndpoint}${CONTROL_PATH}`,
    pid: process.pid,
    stateDir,
  }
  const publish = () => writeFileSync(connectionFile(stateDir), JSON.stringify(connection, null, 2) + '\n', {mode: 0o600})
  if (options.publish) {
    publish()
    writeAzSite(stateDir)
  }
  directory.onChange = () => {
    connection.identities = directory.published()
    if (options.publish) publish()
  }

  return {
    connection,
    store: live.store,
    async stop() {
      live.vantages?.stop()
      await live.postgres?.stop()
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
async function startRegionalServices(live: LiveSandbox, tls: TlsIdentity): Promise<ResolverHandle[]> {
  const {world} = live.store
  const resolvers: ResolverHandle[] = []
  const names = currentNames(live.settled, () => live.store.revision)
  try {
    for (const [region, info] of Object.entries(world.regions)) {
      resolvers.push(await startResolver(region, info.resolverAddress, names))
    }
    if (world.settings.postgres) {
      const fleet = new PgFleet(live.stateDir, tls)
      await fleet.start(postgresSpecs(world), world.settings.postgresAddresses)
      live.postgres = fleet
    }
  } catch (error) {
    await Promise.all(resolvers.map((r) => r.close()))
    throw error
  }
  return resolvers
}
