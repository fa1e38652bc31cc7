// Drift: a drained region serving again while azfail still relies on its drain. Its drain record proves nothing any
// more, so it is deleted (a later teardown then needs a new drain), and the run fails saying what changed and who.
import {clearDrainRecord} from '../azure/state-records.ts'
import {describeWrite, isDrained, lastSteeringWrite, servingLayers} from '../estate/predicates.ts'
import type {RegionState} from '../estate/state.ts'
import {StepError} from '../errors.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Clients} from '../azure/clients.ts'

export class SteeringDrift extends StepError {
  constructor(region: string, message: string) {
    super('SteeringDrift', message, {
      hint: `Find out who re-enabled ${region} and why. 'azfail drain ${region}' drains it again and waits the TTL window out from then; a teardown needs that new drain.`,
    })
  }
}

/** Fails the run when the region, drained by this run, serves again; deletes its drain record first. */
export async function failOnDrift(estate: Estate, clients: Clients, r: Pick<RegionState, 'region' | 'trafficManager' | 'frontDoor' | 'steeringWrites'>): Promise<void> {
  if (isDrained(r)) return
  const last = lastSteeringWrite(r)
  const who = last ? `the Activity Log names the last write: ${describeWrite(last)}` : "the Activity Log names no writer yet (Azure's log lags by minutes)"
  let record = `its drain record was deleted, so no teardown can rely on it`
  await clearDrainRecord(estate, clients, r.region).catch((error: Error) => {
    record = `its drain record could not be deleted (${error.message.split('\n')[0]}); delete _azfail-drain-${r.region} in the state zone before anyone tears down`
  })
  throw new SteeringDrift(r.region, `${r.region} serves again: ${servingLayers(r).join(', ')}, changed by someone else after the drain; ${who}; ${record}.`)
}
