// The estates the sandbox bundles, by the name `azfail sandbox reset --estate` takes.
import {type DemoOptions, demoWorld} from './estate.ts'
import {fleetWorld} from './fleet.ts'
import {hubSpokeWorld} from './hub-spoke.ts'
import type {World} from './world.ts'

export const ESTATES = {demo: demoWorld, 'hub-spoke': hubSpokeWorld, fleet: fleetWorld} as const
export type EstateName = keyof typeof ESTATES
export const ESTATE_NAMES = Object.keys(ESTATES) as EstateName[]

export interface EstateOptions extends DemoOptions {
  /** which bundled estate (default: demo) */
  estate?: EstateName
}

export const isEstateName = (name: unknown): name is EstateName => typeof name === 'string' && Object.hasOwn(ESTATES, name)

export function bundledWorld(options: EstateOptions = {}): World {
  const {estate = 'demo', ...rest} = options
  return ESTATES[estate](rest)
}
