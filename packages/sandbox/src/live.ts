// The sandbox's world as every ARM request and DNS query sees it: persisted, with due operations completed, and the
// real PostgreSQL servers (when the sandbox runs them) kept in step with the emulated replication roles.
import {FaultBook} from './faults.ts'
import {LatencyBook} from './latency.ts'
import {settle} from './lro.ts'
import {type PgInstance, setReadOnly} from './postgres.ts'
import {type ArmResource, type World, type WorldStore, resourcesOfType} from './world.ts'

export interface LiveSandbox {
  stateDir: string
  store: WorldStore
  faults: FaultBook
  /** the delays `--latency azure` gives ARM requests */
  latency: LatencyBook
  /** the real PostgreSQL servers behind the flexible servers, once started */
  postgres: PgInstance[]
  /** The current world, with due operations completed: every ARM request and DNS query sees the same present. */
  current(): World
}

export function liveSandbox(stateDir: string, store: WorldStore): LiveSandbox {
  const live: LiveSandbox = {
    stateDir,
    store,
    faults: new FaultBook(() => store.world.faults),
    latency: new LatencyBook(),
    postgres: [],
    current() {
      store.refresh()
      if (settle(store.world)) store.save()
      // A promotion that completed makes its real server writable, and the old primary read-only, before anyone asks.
      for (const instance of live.postgres) {
        const server = postgresServers(store.world).find((r) => r.name === instance.server)
        if (server) setReadOnly(instance, isReplica(server))
      }
      return store.world
    },
  }
  return live
}

/** Flexible servers that have a real PostgreSQL behind them when the sandbox runs with --postgres. */
export const postgresServers = (w: World) => resourcesOfType(w, 'Microsoft.DBforPostgreSQL/flexibleServers').filter((r) => r.sandbox?.address)

export const isReplica = (server: ArmResource) => ['AsyncReplica', 'GeoAsyncReplica'].includes(server.properties.replica?.role)
