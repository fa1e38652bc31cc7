// Who is acting: the signed-in principal, for the lock holder, journaled overrides and doctor. Reads claims from the
// access token and keeps none of it.
import {hostname, userInfo} from 'node:os'
import type {TokenCredential} from '@azure/core-auth'
import {AuthenticationError} from '../errors.ts'

export const localPrincipal = () => `${userInfo().username}@${hostname()}`

/** The principal a token was issued to, from its claims. */
export interface TokenIdentity {
  /** a user's name, or `app <client id>` for a service principal or workload identity */
  name: string
  /** the client (application) id the token was issued to: the `caller` Azure's activity log records */
  clientId?: string
  objectId?: string
  tenantId?: string
  /** when the token expires */
  expiresOn?: string
}

/** Gets a token for the ARM endpoint and reads whom it is for; a token that cannot be had is an AuthenticationError. */
export async function tokenIdentity(credential: TokenCredential, armEndpoint: string): Promise<TokenIdentity> {
  let token
  try {
    token = await credential.getToken(`${armEndpoint}/.default`)
  } catch (error) {
    throw new AuthenticationError(`Could not get an Azure token for ${armEndpoint}: ${String((error as Error)?.message ?? error).split('\n')[0]}`, {cause: error})
  }
  if (!token) throw new AuthenticationError(`Could not get an Azure token for ${armEndpoint}: the credential returned none.`)
  let claims: Record<string, any> = {}
  try {
    claims = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    // an opaque token: whom it is for stays unknown
  }
  const clientId = claims.appid ?? claims.azp
  const name = claims.upn ?? claims.unique_name ?? claims.preferred_username ?? (clientId ? `app ${clientId}` : (claims.oid ?? 'an unknown principal'))
  return {
    name,
    ...(clientId ? {clientId} : {}),
    ...(claims.oid ? {objectId: claims.oid} : {}),
    ...(claims.tid ? {tenantId: claims.tid} : {}),
    expiresOn: new Date(token.expiresOnTimestamp).toISOString(),
  }
}

export async function principalFromToken(credential: TokenCredential, armEndpoint: string): Promise<string> {
  return `${(await tokenIdentity(credential, armEndpoint)).name} on ${localPrincipal()}`
}
