// verifyWritable: from every region, resolve the CNAME the applications use and write a row through it, proving the
// new primary takes writes (a replica refuses with SQLSTATE 25006). Runs only where the runbook configures it.
import {tryWrite} from '../azure/writecheck.ts'
import type {StepPlan} from '../engine/types.ts'
import {StepError} from '../errors.ts'
import {REACH_RESOLVER} from '../guards/guards.ts'
import type {StepKind} from './context.ts'
import {cnameFqdn, writeTargetFor} from './write-target.ts'

export const verifyWritable: StepKind<void> = {
  kind: 'verifyWritable',
  summary: 'from every region, resolve the CNAME and write a row through it (only where estate.data.postgres.writeCheck is configured)',
  lane: 'postgres',
  defaults: {'promote-replica': 4, repoint: 3, failover: 7, failback: 6},
  applies: (estate) => Boolean(estate.data.postgres?.writeCheck),
  reads: {data: true},
  permissions: [],
  create(ctx) {
    const database = ctx.target.database
    // skipped whatever live state holds: nothing to read for it
    const notChecked = (): StepPlan<void> | undefined => {
      if (!ctx.estate.data.postgres?.writeCheck || !ctx.estate.cname) return {summary: 'no write check configured', changes: [], verdicts: [], skip: 'not configured: the runbook has no estate.data.postgres.writeCheck'}
      if (database.unavailable) return {summary: 'not checked', changes: [], verdicts: [], skip: `not checked: ${database.unavailable}`}
      return undefined
    }
    return {
      id: 'verifyWritable',
      kind: 'verifyWritable',
      title: 'Verify a write through the CNAME lands, from every region',
      changes: false,
      planUnread: notChecked,
      plan(state): StepPlan<void> {
        const cname = ctx.estate.cname!
        return notChecked() ?? {summary: `every region writes a row through ${cname.name}.${cname.zone} (now ${state.cname?.target ?? 'unknown'})`, changes: [], verdicts: []}
      },
      async apply(_plan, rt) {
        const fqdn = cnameFqdn(ctx)!
        const done: string[] = []
        const notVerified: string[] = []
        for (const region of Object.keys(ctx.resolvers)) {
          rt.progress(`${region}: resolving ${fqdn}`)
          const where = await writeTargetFor(ctx, region, fqdn)
          // a dead region's silent resolver: no write was tried from there, which is said, not passed
          if ('unanswered' in where) {
            notVerified.push(`${where.refused}, so no write was tried from ${region}`)
            continue
          }
          if ('refused' in where) throw new StepError('WriteCheckFailed', `${region}: ${where.refused}.`)
          rt.progress(`${region}: writing through ${fqdn} -> ${where.address}`)
          const outcome = await tryWrite(where.target, rt.runId)
          if (!outcome.ok) throw new StepError('WriteCheckFailed', `${region}: a write through ${fqdn} failed: ${outcome.detail}.`, {hint: 'The CNAME names a server that does not take writes: promote it, or repoint the CNAME at the primary.'})
          done.push(`${region} ${outcome.detail}`)
        }
        if (done.length === 0) throw new StepError('NotVerified', `No region could write through ${fqdn}: ${notVerified.join('; ')}.`, {hint: REACH_RESOLVER})
        return {message: [...done, ...(notVerified.length > 0 ? [`NOT VERIFIED from ${notVerified.length} region(s)`] : [])].join('; '), notVerified}
      },
    }
  },
}
