// The sandbox's world as every ARM request and DNS query sees it: persisted, with due operations completed, and the
// real PostgreSQL servers (when the sandbox runs them) kept in step with the emulated replication roles.
import {FaultBook} from './faults.ts'
import {LatencyBook} from './latency.ts'
import {settle} from './lro.ts'
import type {PgFleet, PgServerSpec} from './postgres.ts'
import type {Vantages} from './vantage.ts'
import {type ArmResource, type World, type WorldStore, getResource, resourcesOfType} from './world.ts'

export interface LiveSandbox {
  stateDir: string
  store: WorldStore
  faults: FaultBook
  /** the delays `--latency azure` gives ARM requests */
  latency: LatencyBook
  /** the real PostgreSQL servers behind the flexible servers, once started */
  postgres?: PgFleet
  /** the commands the regions' VMs and AKS clusters run, once the resolvers they ask are up */
  vantages?: Vantages
  /**
   * The world with due operations completed: what a DNS query and an ARM request about anything but flexible servers
   * need. When the world's replication roles changed, the real servers start following them; this does not wait.
   */
  settled(): World
  /**
   * The settled world once the real servers follow its roles, with the replicas' state and lag read from them: what a
   * request about flexible servers needs, so the one that sees an operation done finds the servers done too.
   */
  current(): Promise<World>
}

/** How often the replica properties are read again from the real servers (each read is a few psql calls). */
const OBSERVE_EVERY_MS = 250

export function liveSandbox(stateDir: string, store: WorldStore): LiveSandbox {
  let observedAt = 0
  // a change reached the world: the replicas' state is read again at the next current()
  let observeDue = false
  let observing: Promise<void> | undefined
  // The roles a reconciliation failed to reach: not tried again on every request until the world asks for others.
  let failedFor: string | undefined
  // The real servers following the world, one reconciliation after another while the world moves on meanwhile.
  let following: Promise<void> | undefined
  let movedOn = false

  /** One reconciliation with the world as it is now; its failure goes to the log, and the replicas it left read as Broken. */
  async function followWorld(fleet: PgFleet): Promise<void> {
    let wanted: string | undefined
    try {
      const specs = postgresSpecs(store.world)
      wanted = JSON.stringify(specs)
      if (wanted === failedFor) return
      const promotions = postgresServers(store.world).map((r) => [r, r.sandbox?.promotion] as const)
      const changed = await fleet.reconcile(specs, (name) => promotions.some(([r, promotion]) => r.name === name && promotion === 'Planned'))
      failedFor = undefined
      if (!changed) return
      // the promotions done; one the world asked for meanwhile stays for the next reconciliation
      for (const [r, promotion] of promotions) if (r.sandbox?.promotion === promotion) delete r.sandbox?.promotion
      store.save()
      observeDue = true
    } catch (error) {
      // The ARM answer stays Azure's, the cause goes to the log.
      failedFor = wanted
      process.stderr.write(`azfail sandbox: the PostgreSQL servers could not follow the world's roles: ${(error as Error).message}\n`)
    }
  }

  /** Sets the real servers following the world; the promise ends when they have caught up with every change seen. */
  function follow(fleet: PgFleet): Promise<void> {
    movedOn = true
    following ??= (async () => {
      try {
        while (movedOn) {
          movedOn = false
          await followWorld(fleet)
        }
      } finally {
        following = undefined
      }
    })()
    return following
  }

  const live: LiveSandbox = {
    stateDir,
    store,
    faults: new FaultBook(() => store.world.faults),
    latency: new LatencyBook(),
    settled() {
      store.refresh()
      if (settle(store.world)) {
        store.save()
        observeDue = true
      }
      // A completed promotion, re-creation or deletion reaches the real servers before anyone asks. Halfway through a
      // reconciliation the servers are in no settled role, so any change seen then is followed once it ends.
      const fleet = live.postgres
      if (fleet) {
        const specs = postgresSpecs(store.world)
        if (following || (!fleet.inStep(specs) && JSON.stringify(specs) !== failedFor)) void follow(fleet)
      }
      return store.world
    },
    async current() {
      live.settled()
      await following
      const fleet = live.postgres
      if (fleet && (observeDue || Date.now() - observedAt > OBSERVE_EVERY_MS)) {
        observeDue = false
        observing ??= observeReplicas(fleet, store).then((changed) => {
          if (changed) store.save()
        }).finally(() => {
          observedAt = Date.now()
          observing = undefined
        })
      }
      await observing
      return store.world
    },
  }
  return live
}

/** Whether an ARM request concerns flexible servers: one of them, a list of them, or the status of an operation on one. */
export const aboutFlexibleServers = (path: string) => /\/providers\/Microsoft\.DBforPostgreSQL\//i.test(path)

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

/**
 * The replicas' replication state and lag, as the real servers report them (replicationLagSeconds is the sandbox's);
 * true when any changed. A reading of a replica whose role changed while it was read is left for the next one.
 */
async function observeReplicas(fleet: PgFleet, store: WorldStore): Promise<boolean> {
  let changed = false
  for (const read of postgresServers(store.world)) {
    if (!isReplica(read) || read.properties.state !== 'Ready') continue
    const source = read.properties.sourceServerResourceId
    const instance = fleet.find(read.name)
    const seen = instance && (await fleet.observe(instance))
    const r = getResource(store.world, read.id)
    if (!r || !isReplica(r) || r.properties.state !== 'Ready' || r.properties.sourceServerResourceId !== source) continue
    const state = seen?.state ?? 'Broken'
    const lag = seen?.lagSeconds ?? 0
    if (r.properties.replica.replicationState !== state || r.properties.replica.replicationLagSeconds !== lag) {
      r.properties.replica = {...r.properties.replica, replicationState: state, replicationLagSeconds: lag}
      changed = true
    }
  }
  return changed
}
