// verifyWritable: from every region, resolve the CNAME the applications use and write a row through it, proving the
// new primary takes writes (a replica refuses with SQLSTATE 25006). Runs only where the runbook configures it.
import {resolveName, resolverFor} from '../azure/resolve.ts'
import {tryWrite, writeEndpoint} from '../azure/writecheck.ts'
import type {AzureTarget} from '../azure/target.ts'
import type {StepPlan} from '../engine/types.ts'
import {StepError} from '../errors.ts'
import type {LiveStep, StepContext} from './context.ts'

export function verifyWritable(ctx: StepContext, target: AzureTarget): LiveStep {
  return {
    id: 'verifyWritable',
    kind: 'verifyWritable',
    title: 'Verify a write through the CNAME lands, from every region',
    changes: false,
    plan(state): StepPlan {
      const check = ctx.estate.data.postgres?.writeCheck
      const cname = ctx.estate.cname
      if (!check || !cname) return {summary: 'no write check configured', changes: [], verdicts: [], done: 'the runbook configures no estate.data.postgres.writeCheck'}
      if (target.kind === 'sandbox' && !target.postgres) {
        return {summary: 'not checked', changes: [], verdicts: [], done: "not checked: this sandbox runs no PostgreSQL servers ('azfail sandbox reset --postgres' runs them)"}
      }
      return {summary: `every region writes a row through ${cname.name}.${cname.zone} (now ${state.cname?.target ?? 'unknown'})`, changes: [], verdicts: []}
    },
    async apply(_plan, rt) {
      const check = ctx.estate.data.postgres!.writeCheck!
      const fqdn = `${ctx.estate.cname!.name}.${ctx.estate.cname!.zone}`
      const password = check.passwordEnv ? process.env[check.passwordEnv] : undefined
      const done: string[] = []
      for (const [region, server] of Object.entries(ctx.resolvers)) {
        rt.progress(`${region}: resolving ${fqdn}`)
        const answer = await resolveName(resolverFor(server), fqdn)
        const address = answer.addresses[0]
        if (!address) throw new StepError('WriteCheckFailed', `${region} cannot resolve ${fqdn} (${answer.outcome}).`)
        const endpoint = writeEndpoint(target, address, check.port)
        if ('refused' in endpoint) throw new StepError('WriteCheckFailed', `${region}: ${endpoint.refused}.`)
        rt.progress(`${region}: writing through ${fqdn} -> ${address}`)
        const outcome = await tryWrite({...endpoint, database: check.database, user: check.user, password, ssl: check.ssl && target.kind !== 'sandbox', via: fqdn}, rt.runId)
        if (!outcome.ok) throw new StepError('WriteCheckFailed', `${region}: a write through ${fqdn} failed: ${outcome.detail}.`, {hint: 'The CNAME names a server that does not take writes: promote it, or repoint the CNAME at the primary.'})
        done.push(`${region} ${outcome.detail}`)
      }
      return done.join('; ')
    },
  }
}
