// The sandbox's world as every ARM request and DNS query sees it: persisted, with due operations completed, and the
// real PostgreSQL servers (when the sandbox runs them) kept in step with the emulated replication roles.
import {FaultBook} from './faults.ts'
import {LatencyBook} from './latency.ts'
import {settle} from './lro.ts'
import type {PgFleet, PgServerSpec} from './postgres.ts'
import {type ArmResource, type World, type WorldStore, getResource, resourcesOfType} from './world.ts'

export interface LiveSandbox {
  stateDir: string
  store: WorldStore
  faults: FaultBook
  /** the delays `--latency azure` gives ARM requests */
  latency: LatencyBook
  /** the real PostgreSQL servers behind the flexible servers, once started */
  postgres?: PgFleet
  /** The world with due operations completed and the real servers following its roles: what a DNS query needs. */
  settled(): World
  /** The settled world, with the replicas' state and lag read from the real servers: every ARM request sees it. */
  current(): World
}

/** How often the replica properties are read again from the real servers (each read is a few psql calls). */
const OBSERVE_EVERY_MS = 250

export function liveSandbox(stateDir: string, store: WorldStore): LiveSandbox {
  let observedAt = 0
  // a change reached the world: the replicas' state is read again at the next current()
  let observeDue = false
  // The roles a reconciliation failed to reach: not tried again on every request until the world asks for others.
  let failedFor: string | undefined
  const live: LiveSandbox = {
    stateDir,
    store,
    faults: new FaultBook(() => store.world.faults),
    latency: new LatencyBook(),
    settled() {
      store.refresh()
      let changed = settle(store.world)
      if (live.postgres) {
        // A completed promotion, re-creation or deletion reaches the real servers before anyone asks.
        const wanted = JSON.stringify(postgresSpecs(store.world))
        if (wanted !== failedFor) {
          try {
            changed = reconcilePostgres(live.postgres, store.world) || changed
            failedFor = undefined
          } catch (error) {
            // The replicas it could not set up read as Broken; the ARM answer stays Azure's, the cause goes to the log.
            failedFor = wanted
            process.stderr.write(`azfail sandbox: the PostgreSQL servers could not follow the world's roles: ${(error as Error).message}\n`)
          }
        }
      }
      if (changed) {
        store.save()
        observeDue = true
      }
      return store.world
    },
    current() {
      live.settled()
      if (live.postgres && (observeDue || Date.now() - observedAt > OBSERVE_EVERY_MS)) {
        observedAt = Date.now()
        observeDue = false
        if (observeReplicas(live.postgres, store.world)) store.save()
      }
      return store.world
    },
  }
  return live
}

/** Flexible servers that have a real PostgreSQL behind them when the sandbox runs with --postgres. */
export const postgresServers = (w: World) => resourcesOfType(w, 'Microsoft.DBforPostgreSQL/flexibleServers').filter((r) => r.sandbox?.address)

export const isReplica = (server: ArmResource) => ['AsyncReplica', 'GeoAsyncReplica'].includes(server.properties.replica?.role)

/** What the world says each real server is: a primary, or a standby of its source (paused or streaming). */
export function postgresSpecs(w: World): PgServerSpec[] {
  return postgresServers(w).map((r) => {
    const source = isReplica(r) && r.properties.sourceServerResourceId ? getResource(w, r.properties.sourceServerResourceId)?.name : undefined
    return {server: r.name, address: r.sandbox!.address, ...(source ? {source, paused: Boolean(r.sandbox?.replicationPaused)} : {})}
  })
}

/** Makes the real servers follow the world; true when it had anything to do. */
function reconcilePostgres(fleet: PgFleet, w: World): boolean {
  const specs = postgresSpecs(w)
  const names = new Set(specs.map((s) => s.server.toLowerCase()))
  for (const instance of fleet.instances) {
    if (!names.has(instance.server.toLowerCase()) && fleet.running(instance)) fleet.retire(instance)
  }
  const differs = specs.some((s) => {
    const i = fleet.find(s.server)
    return i && ((s.source?.toLowerCase() ?? '') !== (i.upstream?.toLowerCase() ?? '') || !fleet.running(i) || (s.source && Boolean(s.paused) !== Boolean(i.paused)))
  })
  if (!differs) return false
  const servers = postgresServers(w)
  fleet.reconcile(specs, (name) => servers.find((r) => r.name === name)?.sandbox?.promotion === 'Planned')
  for (const r of servers) delete r.sandbox?.promotion
  return true
}

/** The replicas' replication state and lag, as the real servers report them (replicationLagSeconds is the sandbox's). */
function observeReplicas(fleet: PgFleet, w: World): boolean {
  let changed = false
  for (const r of postgresServers(w)) {
    if (!isReplica(r) || r.properties.state !== 'Ready') continue
    const instance = fleet.find(r.name)
    const seen = instance && fleet.observe(instance)
    const state = seen?.state ?? 'Broken'
    const lag = seen?.lagSeconds ?? 0
    if (r.properties.replica.replicationState !== state || r.properties.replica.replicationLagSeconds !== lag) {
      r.properties.replica = {...r.properties.replica, replicationState: state, replicationLagSeconds: lag}
      changed = true
    }
  }
  return changed
}
