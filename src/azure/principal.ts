// Who is acting: the signed-in principal, for the lock holder and for journaled overrides. Reads claims from the
// access token and keeps none of it.
import {hostname, userInfo} from 'node:os'
import type {TokenCredential} from '@azure/core-auth'

export const localPrincipal = () => `${userInfo().username}@${hostname()}`

export async function principalFromToken(credential: TokenCredential, armEndpoint: string): Promise<string> {
  const local = localPrincipal()
  try {
    const token = await credential.getToken(`${armEndpoint}/.default`)
    const claims = JSON.parse(Buffer.from(token?.token.split('.')[1] ?? '', 'base64url').toString('utf8'))
    const who = claims.upn ?? claims.unique_name ?? claims.preferred_username ?? (claims.appid ? `app ${claims.appid}` : claims.oid)
    return who ? `${who} on ${local}` : local
  } catch {
    return local
  }
}
