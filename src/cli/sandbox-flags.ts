// The sandbox's flags shared by `sandbox start`, `sandbox reset` and `gameday --practice`: --estate, --latency and
// --token-lifetime. Their values are written out here so that parsing a command never loads the sandbox package.
import {Flags} from '@oclif/core'
import parseDuration from 'parse-duration'
import {InputError} from '../errors.ts'

/** The bundled estates (the sandbox package's ESTATE_NAMES). */
export const ESTATES = ['demo', 'hub-spoke', 'fleet'] as const

const AZURE_TIMING = "'azure' delays reads 50-150 ms, writes 200-500 ms, and runs long-running operations for a scaled share of Azure's durations"

/** --latency none|azure, its summary ending in what the command does with it. */
export const latencyFlag = (summary: string, rest: string) => Flags.option({options: ['none', 'azure'] as const, summary: `${summary}: ${AZURE_TIMING} (${rest}).`})()

export const TOKEN_LIFETIME_FLAG = Flags.string({summary: "Lifetime of the access tokens the sandbox's Entra ID issues, e.g. 30s or 5m (default 1h): short ones prove a long run refreshes its token."})

/** Entra ID issues access tokens for at most a day. */
const DAY_MS = 86_400_000

/** `--token-lifetime 30s` in whole seconds, or a clear refusal. */
export function tokenLifetimeSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = parseDuration(value)
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 1000 || ms > DAY_MS) throw new InputError('InvalidTokenLifetime', `--token-lifetime '${value}' is not a duration from 1s to 24h (e.g. 30s, 5m, 1h).`)
  return Math.round(ms / 1000)
}
