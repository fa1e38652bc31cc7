// Where a check connects to write through a name (the CNAME, or a server's own name): resolved by a region's
// resolver, mapped by the target to a place azfail may connect, with the runbook's credentials and TLS mode.
import {resolveName, resolverFor} from '../azure/resolve.ts'
import type {WriteTarget} from '../azure/writecheck.ts'
import {isUnreachable} from '../estate/predicates.ts'
import {addSecret} from '../secrets.ts'
import type {StepContext} from './context.ts'

/** Where to write through `fqdn` from a region, or why not; `unanswered` when its resolver gave no answer at all (unknown). */
export async function writeTargetFor(ctx: StepContext, region: string, fqdn: string): Promise<{target: WriteTarget; address: string} | {refused: string; unanswered?: true}> {
  const check = ctx.estate.data.postgres?.writeCheck
  if (!check) return {refused: 'the runbook configures no estate.data.postgres.writeCheck'}
  const database = ctx.target.database
  if (database.unavailable) return {refused: database.unavailable}
  const answer = await resolveName(resolverFor(ctx.resolvers[region]), fqdn)
  if (isUnreachable(answer)) return {refused: `${region}'s resolver ${ctx.resolvers[region]} gave no answer for ${fqdn} (${answer.detail ?? 'no reply'})`, unanswered: true}
  const address = answer.addresses[0]
  if (!address) return {refused: `${region} cannot resolve ${fqdn} (${answer.outcome})`}
  const endpoint = database.endpoint(address, check.port)
  if ('refused' in endpoint) return {refused: endpoint.refused}
  const password = check.passwordEnv ? process.env[check.passwordEnv] : undefined
  addSecret(password)
  return {
    address,
    target: {
      host: endpoint.host, port: endpoint.port, database: check.database, user: check.user, password, via: fqdn,
      ...(check.ssl && endpoint.tls ? {tls: {mode: check.sslmode, ...(database.ca ? {ca: database.ca} : {})}} : {}),
    },
  }
}

/** The CNAME the applications use, as a name to resolve. */
export const cnameFqdn = (ctx: StepContext): string | undefined => (ctx.estate.cname ? `${ctx.estate.cname.name}.${ctx.estate.cname.zone}` : undefined)
