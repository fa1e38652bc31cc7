// waitOutTtl: wait until the longest TTL a client may cache on the path (steering, each record as its zone serves it,
// the CNAME), plus the connection drain, has passed since the drain, computed from LIVE TTLs, with a visible
// countdown. Resumable: the drain time lives in Azure, so a resumed run waits only what is left. It watches the
// steering layer while it counts: the region serving again fails the run (and deletes the drain record); a write on its
// steering that leaves it drained (re-enabled and disabled again) restarts the window from that write.
import {setTimeout as sleep} from 'node:timers/promises'
import {observeSteeringOf} from '../azure/observe.ts'
import {Interrupted} from '../engine/run.ts'
import type {StepPlan} from '../engine/types.ts'
import {describeTtlWindow, describeUnobserved, describeWrite, effectiveDrainAt, lastSteeringWrite, ttlWindowSeconds, unobservedOf} from '../estate/predicates.ts'
import {copyState, type DrainRecord, type UnobservedPart} from '../estate/state.ts'
import {type StepKind, need, waitTooLong} from './context.ts'
import {failOnDrift} from './drift.ts'

/** The global parts the TTL window's figures come from. */
const WINDOW_PARTS: UnobservedPart[] = ['trafficManager', 'zoneRecords', 'cname']

interface WaitData {
  until: number
  total: number
  drain: DrainRecord
  /** the time the window runs from: the drain, or the last write on the region's steering after it */
  since: string
}

/** How often the wait looks at the region's steering (and the Activity Log) again. */
const WATCH_MS = 2000

/** A read the wait gives up on the moment the run is interrupted (Ctrl-C), whatever the read is waiting for. */
function untilAborted<T>(read: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted())
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, {once: true})
  })
  read.catch(() => {}) // settled or not, a read given up on must not go unhandled
  return Promise.race([read, aborted]).finally(() => signal.removeEventListener('abort', onAbort))
}

export const waitOutTtl: StepKind<WaitData> = {
  kind: 'waitOutTtl',
  summary: 'wait until max(steering TTL, record TTLs as served, CNAME TTL) + connection drain has passed since the drain, from live TTLs, with a countdown',
  defaults: {drain: 2, failover: 2},
  // the record TTLs come from the zones (global): a drain reads nothing of the drained region's own providers
  reads: {zones: true, resolution: true},
  permissions: [],
  create(ctx, params) {
    const region = need(params.region, {kind: 'waitOutTtl', action: params.action}, 'a region')
    return {
      id: 'waitOutTtl',
      kind: 'waitOutTtl',
      title: 'Wait out the DNS TTL and the connection drain',
      changes: false,
      plan(state): StepPlan<WaitData> {
        const w = ttlWindowSeconds(state, region, ctx.estate.connectionDrainSeconds)
        const r = state.regions[region]
        const why = `${describeTtlWindow(w)} = ${w.total}s`
        // A TTL that could not be read would make the window too short: the wait is not computed from a guess.
        const unread = WINDOW_PARTS.flatMap((p) => unobservedOf(state, p))
        if (unread.length > 0) return {summary: why, changes: [], verdicts: [], problems: [`The TTL window cannot be computed: ${unread.map(describeUnobserved).join('; ')} could not be read.`]}
        if (!r?.drain) {
          return {summary: why, changes: [], verdicts: [], problems: [`${region} has no drain record, so there is no time to wait from; drain it first.`]}
        }
        const since = effectiveDrainAt(r)!
        const written = since !== r.drain.drainedAt ? ` (from ${describeWrite(lastSteeringWrite(r)!)}, after the drain)` : ''
        const until = Date.parse(since) + w.total * 1000
        // Counted on the earliest Azure's time can be now, even after this process's own drain: its monotonic clock
        // would know the time since its stamp exactly (up to a second less to wait), but a teardown judged by another
        // process (a resume after a kill) can only use the earliest bound, and refused a window this wait had let pass.
        const left = Math.max(0, Math.ceil((until - ctx.now()) / 1000))
        // The wait is skipped as done only for a drain made elsewhere (another machine, an earlier process), once the
        // window has passed. After this process's own drain the wait always runs, however slow the steps between were
        // on a loaded machine: it looks at the steering once more at its end.
        // And only if it had passed when the Activity Log was asked: a write made while the rest of the read was slow
        // (a held read of the profile) is not in the log's answer, and would have restarted the window.
        const asked = r.steeringWritesAskedAt ? Math.min(ctx.now(), Date.parse(r.steeringWritesAskedAt)) : ctx.now()
        const passed = until - asked <= 0 && !ctx.stampedHere(Date.parse(since))
        // A TTL far beyond any normal one (Azure accepts up to 2147483647 s) is no wait to start unasked.
        const tooLong = waitTooLong(left, why, params)
        if (tooLong) return {summary: `wait ${left}s: ${why}`, changes: [], verdicts: [], waitSeconds: left, problems: [`${region}: ${tooLong}`]}
        return {
          summary: `wait ${left}s: ${why}${written}`,
          changes: [],
          verdicts: [],
          waitSeconds: left,
          // Without the Activity Log a past drain proves nothing; the wait then runs and watches instead of skipping.
          ...(passed && r.steeringWrites ? {done: `${w.total}s have passed since ${written ? `the last write on ${region}'s steering at ${since}` : `the drain at ${since}`}`} : {}),
          data: {until, total: w.total, drain: r.drain, since},
        }
      },
      project(state, plan) {
        // Later steps plan as if the wait has passed.
        const s = copyState(state)
        const r = s.regions[region]
        const since = effectiveDrainAt(r)
        if (r.drain && since) {
          Object.assign(r, {drain: {...r.drain, drainedAt: new Date(Date.parse(since) - (plan.waitSeconds ?? 0) * 1000).toISOString(), ...((plan.waitSeconds ?? 0) > 0 ? {projected: true as const} : {})}, steeringWrites: []})
          delete r.steeringWritesAskedAt
        }
        return s
      },
      async apply(plan, rt) {
        const {total, drain} = plan.data
        let {since} = plan.data
        const leftMs = () => Date.parse(since) + total * 1000 - ctx.now()
        const unwatched: string[] = []
        // Looks at the steering: serving again fails the run; a later write restarts the window from it.
        const watch = async (final: boolean) => {
          const seen = await untilAborted(observeSteeringOf(ctx.estate, ctx.clients, region, drain, rt.signal), rt.signal).catch((error: Error) => {
            if (rt.signal.aborted) throw new Interrupted()
            if (final) throw new Error(`could not read ${region}'s steering to confirm it stayed drained: ${error.message.split('\n')[0]}`)
            unwatched.push(error.message.split('\n')[0])
            return undefined
          })
          if (!seen) return
          await failOnDrift(ctx.estate, ctx.clients, {region, ...seen, drain})
          if (!seen.steeringWrites) unwatched.push(seen.unobserved?.[0]?.why ?? 'the Activity Log was not read')
          const effective = effectiveDrainAt({drain, steeringWrites: seen.steeringWrites})!
          if (Date.parse(effective) > Date.parse(since)) {
            since = effective
            rt.progress(`${region}'s steering was written after the drain (${describeWrite(lastSteeringWrite(seen)!)}): the ${total}s window starts again from then`)
          }
        }
        let watchedAt = -Infinity
        for (;;) {
          // A lock lost while waiting (released by force, taken over after a freeze) ends the wait now, not at its end.
          rt.holdsLock()
          const due = leftMs() <= 0
          if (due || ctx.now() - watchedAt >= WATCH_MS) {
            await watch(due)
            watchedAt = ctx.now()
            // The window has passed and a look begun after it passed found the region still drained. A look begun
            // earlier does not end the wait: its Activity Log read may predate a write made while its steering read was
            // slow (a write it missed restarted the window, and the teardown guard refused what this wait let pass).
            if (due && leftMs() <= 0) break
          }
          const left = leftMs()
          // Azure's clock is known to the second: the wait may run a second past the window, never shown as more than it.
          rt.progress(`${Math.min(total, Math.ceil(left / 1000))}s left of ${total}s`)
          try {
            await sleep(Math.max(100, Math.min(1000, left, WATCH_MS - (ctx.now() - watchedAt))), undefined, {signal: rt.signal})
          } catch {
            throw new Interrupted()
          }
        }
        const restarted = since !== drain.drainedAt ? ` the last write on ${region}'s steering at ${since}` : ' the drain'
        const gaps = unwatched.length > 0 ? `; ${unwatched.length} looks at the steering could not be made (${[...new Set(unwatched)].join('; ')})` : ''
        return `waited out ${total}s since${restarted}, ${region} drained at every look${gaps}`
      },
    }
  },
}
