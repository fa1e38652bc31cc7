// The sandbox's lifecycle as the CLI sees it: run in the foreground, reset to the demo estate, report status.
import {existsSync, rmSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {ArmError} from './http.ts'
import {CONTROL_PATH, type SandboxConnection, SandboxControlError, connectionFile, controlOk, redactedConnection, readRequestLog, requestLogFile, sandboxAccess} from './client.ts'
import {demoWorld} from './estate.ts'
import {type EstateOptions, bundledWorld} from './estates.ts'
import {type OutageSpec, type OutageState, applyOutage, outageOf, validateOutage} from './outage.ts'
import {removePostgresData} from './postgres.ts'
import {type SandboxOptions, startSandbox} from './server.ts'
import {type World, WorldStore} from './world.ts'

export interface SandboxStatus {
  stateDir: string
  running: boolean
  connection?: SandboxConnection
  resources: number
  operationsInFlight: number
  faults: number
  /** the outage in force (`azfail sandbox outage`) */
  outage: OutageState
  requestsLogged: number
  regions: Record<string, {location: string}>
}

/** What a reset builds: a bundled estate, its options and settings. */
export type ResetOptions = EstateOptions

/** Runs until SIGINT/SIGTERM; connection.json exists exactly while it runs. */
export async function runSandboxForeground(stateDir: string, port: number | undefined, onStarted: (c: SandboxConnection) => void, options: Pick<SandboxOptions, 'latency' | 'tokenLifetimeSeconds'> = {}): Promise<void> {
  const dir = resolve(stateDir)
  const handle = await startSandbox({stateDir: dir, port, publish: true, ...options})
  onStarted(handle.connection)
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      done()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  rmSync(connectionFile(dir), {force: true})
  await handle.stop()
}

/** Restores a bundled estate (the demo unless named) and clears the request log, in the running sandbox or in the state dir. */
export async function resetSandbox(stateDir: string, running: SandboxConnection | undefined, options: ResetOptions = {}): Promise<void> {
  const dir = resolve(stateDir)
  if (running) {
    await controlOk(sandboxAccess(running), 'POST', 'reset', options)
    return
  }
  const world = bundledWorld(options)
  new WorldStore(dir, () => world).replace(world)
  writeFileSync(requestLogFile(dir), '')
}

/**
 * Sets (a spec), clears (`'clear'`) or only reads (nothing) the outage, in the running sandbox or in the state dir a
 * sandbox will start from; returns the outage in force. A spec the sandbox refuses throws a SandboxControlError (400).
 */
export async function sandboxOutage(stateDir: string, running: SandboxConnection | undefined, change?: OutageSpec | 'clear'): Promise<OutageState> {
  if (running) {
    const access = sandboxAccess(running)
    if (change === 'clear') await controlOk(access, 'DELETE', 'outage')
    else if (change) return controlOk(access, 'POST', 'outage', change)
    return controlOk(access, 'GET', 'outage')
  }
  // Judged against the world as kept (the demo estate where none is kept yet) before anything is made: a look and a
  // refused outage leave no state dir or file behind.
  const dir = resolve(stateDir)
  const kept = existsSync(resolve(dir, 'state.json')) ? new WorldStore(dir, demoWorld).world : demoWorld()
  let spec: OutageSpec | undefined
  try {
    spec = change && change !== 'clear' ? validateOutage(change, kept) : undefined
  } catch (error) {
    throw asControlError(error, 'POST', 'outage')
  }
  if (!change) return outageOf(kept)
  const store = new WorldStore(dir, demoWorld)
  if (spec) applyOutage(store.world, spec)
  else delete store.world.outage
  store.save()
  return outageOf(store.world)
}

/** An ArmError raised in this process, as the control endpoint would have answered it. */
function asControlError(error: unknown, method: string, path: string): unknown {
  if (!(error instanceof ArmError)) return error
  const r = error.toResponse()
  return new SandboxControlError(method, `${CONTROL_PATH}/${path}`, r.status, r.body)
}

export function sandboxStatus(stateDir: string, running: SandboxConnection | undefined): SandboxStatus {
  const dir = resolve(stateDir)
  const exists = existsSync(resolve(dir, 'state.json'))
  const world = exists ? new WorldStore(dir, demoWorld).world : undefined
  return {
    stateDir: dir,
    running: Boolean(running),
    ...(running ? {connection: redactedConnection(running)} : {}),
    resources: world ? Object.keys(world.resources).length : 0,
    operationsInFlight: world ? Object.values(world.operations).filter((o) => o.status === 'InProgress').length : 0,
    faults: world?.faults.length ?? 0,
    outage: world ? outageOf(world) : {regions: {}, frontDoor: 'none'},
    requestsLogged: readRequestLog(dir).length,
    regions: Object.fromEntries(Object.entries(world?.regions ?? demoWorld().regions).map(([k, v]) => [k, {location: v.location}])),
  }
}

/** Replaces the sandbox state with an imported estate (atomically) and starts a fresh request log. */
export function writeImportedState(stateDir: string, world: World): void {
  const dir = resolve(stateDir)
  new WorldStore(dir, () => world).replace(world)
  writeFileSync(requestLogFile(dir), '')
}

/** Removes a state dir and the PostgreSQL data its servers kept outside it (as root); its sandbox must be stopped. */
export function removeSandboxState(stateDir: string): void {
  removePostgresData(stateDir)
  rmSync(stateDir, {recursive: true, force: true})
}
