// Who is acting: the signed-in principal, for the lock holder and for journaled overrides. Reads claims from the
// access token and keeps none of it.
import {hostname, userInfo} from 'node:os'
import type {AzureTarget} from './target.ts'

export async function whoAmI(target: AzureTarget): Promise<string> {
  const local = `${userInfo().username}@${hostname()}`
  if (target.kind === 'sandbox') return `${local} (sandbox)`
  try {
    const token = await target.credential.getToken(`${target.endpoint}/.default`)
    const claims = JSON.parse(Buffer.from(token?.token.split('.')[1] ?? '', 'base64url').toString('utf8'))
    const who = claims.upn ?? claims.unique_name ?? claims.preferred_username ?? (claims.appid ? `app ${claims.appid}` : claims.oid)
    return who ? `${who} on ${local}` : local
  } catch {
    return local
  }
}
