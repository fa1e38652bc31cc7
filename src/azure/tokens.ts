// The bearer tokens azfail sends to ARM. The SDK's policy keeps a token until 1 s before it expires and signs a request
// once for all its retries, so a request that waited (a busy machine, a slot, a back-off) can reach ARM with a token
// that expired on the way: ARM answers 401 ExpiredAuthenticationToken. azfail stops using a token well before its
// expiry, and sends a request ARM refused for an expired token once more, with a fresh one.
import type {AccessToken, TokenCredential} from '@azure/core-auth'
import type {Pipeline, PipelineResponse} from '@azure/core-rest-pipeline'
import {addSecret} from '../secrets.ts'

/** The most of a token's life left unused: what Entra ID's own clients (MSAL) keep before a token's expiry. */
export const TOKEN_MARGIN_MAX_MS = 5 * 60_000

/**
 * When azfail stops sending a token that had `lifeMs` left when it arrived: 5 minutes before it expires, or at half
 * its life for one that lives less than 10 minutes (the sandbox's short-lived tokens).
 */
export const usableUntil = (token: AccessToken, lifeMs: number): number => token.expiresOnTimestamp - Math.min(TOKEN_MARGIN_MAX_MS, Math.max(0, lifeMs) / 2)

/** The credential as the SDK's policy should see it: each token expiring when azfail stops using it. */
export function refreshedEarly(credential: TokenCredential, now: () => number = Date.now): TokenCredential {
  return {
    async getToken(scopes, options) {
      const token = await credential.getToken(scopes, options)
      addSecret(token?.token)
      return token && {...token, expiresOnTimestamp: usableUntil(token, token.expiresOnTimestamp - now())}
    },
  }
}

/** ARM's answer to a token that expired before it arrived (401, code ExpiredAuthenticationToken). */
function refusedAsExpired(response: PipelineResponse): boolean {
  if (response.status !== 401) return false
  try {
    return JSON.parse(response.bodyAsText ?? '')?.error?.code === 'ExpiredAuthenticationToken'
  } catch {
    return false
  }
}

/**
 * Replaces an SDK client's bearer-token policy by the SDK's own, given the credential refreshed early and one more
 * answer to ARM's challenge: a request refused for an expired token is sent again, once, with a fresh token.
 */
export async function withFreshTokens<C extends {pipeline: Pipeline}>(client: C, credential: TokenCredential, scope: string): Promise<C> {
  // loaded with the SDK client that needs it, not at start-up
  const {bearerTokenAuthenticationPolicy, bearerTokenAuthenticationPolicyName} = await import('@azure/core-rest-pipeline')
  const early = refreshedEarly(credential)
  client.pipeline.removePolicy({name: bearerTokenAuthenticationPolicyName})
  client.pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({
      credential: early,
      scopes: [scope],
      challengeCallbacks: {
        async authorizeRequestOnChallenge({request, response, scopes}) {
          if (!refusedAsExpired(response)) return false
          // past its expiry, the refused token is out of the credential's cache: it hands out another
          const token = await early.getToken(scopes, {abortSignal: request.abortSignal, enableCae: true})
          if (!token) return false
          request.headers.set('Authorization', `Bearer ${token.token}`)
          return true
        },
      },
    }),
  )
  return client
}
