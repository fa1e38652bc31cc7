// Drift: a drained region serving again while azfail still relies on its drain. Its drain record proves nothing any
// more, so it is deleted (a later teardown then needs a new drain), and the run fails saying what changed and who.
import {steeringWritesSince} from '../azure/activity.ts'
import {clearDrainRecord} from '../azure/state-records.ts'
import {describeWrite, lastSteeringWrite} from '../estate/predicates.ts'
import type {RegionState, SteeringLayer} from '../estate/state.ts'
import {StepError} from '../errors.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Clients} from '../azure/clients.ts'

/** How far a drain time written as Azure's latest possible time may run ahead of a write's own timestamp. */
const CLOCK_UNCERTAINTY_MS = 5000

export class SteeringDrift extends StepError {
  constructor(region: string, message: string) {
    super('SteeringDrift', message, {
      hint: `Find out who re-enabled ${region} and why. 'azfail drain ${region}' drains it again and waits the TTL window out from then; a teardown needs that new drain.`,
    })
  }
}

/**
 * The layers the drain record says are drained that are enabled again. A layer whose state could not be read
 * (Unknown) is not "serving again", and a layer the drain never drained (refused, or skipped with --skip-layer) is
 * not drift: the run already says it still sends traffic.
 */
export function reEnabledLayers(r: Pick<RegionState, 'trafficManager' | 'frontDoor' | 'drain'>): string[] {
  const drained = (layer: SteeringLayer) => !r.drain?.layers || r.drain.layers.includes(layer)
  return [
    ...(r.trafficManager && drained('trafficManager') && r.trafficManager.status === 'Enabled' ? [`Traffic Manager endpoint ${r.trafficManager.name} is Enabled`] : []),
    ...(r.frontDoor && drained('frontDoor') && r.frontDoor.enabledState === 'Enabled' ? [`Front Door origin ${r.frontDoor.name} is Enabled`] : []),
  ]
}

/** Fails the run when the region, drained by this run, serves again at a layer it drained; deletes its drain record first. */
export async function failOnDrift(estate: Estate, clients: Clients, r: Pick<RegionState, 'region' | 'trafficManager' | 'frontDoor' | 'steeringWrites' | 'drain'>): Promise<void> {
  const serving = reEnabledLayers(r)
  if (serving.length === 0) return
  // The log was read beside the steering, perhaps before the write that re-enabled it: ask it once more, now, from a
  // little before the drain time (written as Azure's latest possible time, so a write just after the drain may carry an
  // earlier timestamp). Only the wording uses this; the TTL window keeps counting from the later of the two.
  const lookBack = r.drain ? new Date(Date.parse(r.drain.drainedAt) - CLOCK_UNCERTAINTY_MS).toISOString() : undefined
  const writes = lastSteeringWrite(r) || !lookBack ? r.steeringWrites : await steeringWritesSince(estate, clients, r.region, lookBack).catch(() => r.steeringWrites)
  const last = lastSteeringWrite({steeringWrites: writes})
  const who = last ? `the Activity Log names the last write: ${describeWrite(last)}` : "the Activity Log names no writer yet (Azure's log lags by minutes)"
  let record = `its drain record was deleted, so no teardown can rely on it`
  await clearDrainRecord(estate, clients, r.region).catch((error: Error) => {
    record = `its drain record could not be deleted (${error.message.split('\n')[0]}); delete _azfail-drain-${r.region} in the state zone before anyone tears down`
  })
  throw new SteeringDrift(r.region, `${r.region} serves again: ${serving.join(', ')}, changed by someone else after the drain; ${who}; ${record}.`)
}
