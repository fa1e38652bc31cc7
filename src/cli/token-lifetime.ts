// The sandbox's --token-lifetime flag, shared by `sandbox start` and `sandbox reset`.
import {Flags} from '@oclif/core'
import parseDuration from 'parse-duration'
import {InputError} from '../errors.ts'

export const TOKEN_LIFETIME_FLAG = Flags.string({summary: "Lifetime of the access tokens the sandbox's Entra ID issues, e.g. 30s or 5m (default 1h): short ones prove a long run refreshes its token."})

/** `--token-lifetime 30s` in whole seconds, or a clear refusal. */
export function tokenLifetimeSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = parseDuration(value)
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 1000) throw new InputError('InvalidTokenLifetime', `--token-lifetime '${value}' is not a duration of at least 1s (e.g. 30s, 5m, 1h).`)
  return Math.round(ms / 1000)
}
