// waitOutTtl: wait until the longest TTL a client may cache on the path (steering, each record as its zone serves it,
// the CNAME), plus the connection drain, has passed since the drain, computed from LIVE TTLs, with a visible
// countdown. Resumable: the drain time lives in Azure, so a resumed run waits only what is left.
import {setTimeout as sleep} from 'node:timers/promises'
import {Interrupted} from '../engine/run.ts'
import type {StepPlan} from '../engine/types.ts'
import {describeTtlWindow, describeUnobserved, ttlWindowSeconds, unobservedOf} from '../estate/predicates.ts'
import {copyState, type UnobservedPart} from '../estate/state.ts'

/** The global parts the TTL window's figures come from. */
const WINDOW_PARTS: UnobservedPart[] = ['trafficManager', 'zoneRecords', 'cname']
import {type StepKind, need} from './context.ts'

interface WaitData {
  until: number
  total: number
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
        const drainedAt = state.regions[region]?.drain?.drainedAt
        const why = `${describeTtlWindow(w)} = ${w.total}s`
        // A TTL that could not be read would make the window too short: the wait is not computed from a guess.
        const unread = WINDOW_PARTS.flatMap((p) => unobservedOf(state, p))
        if (unread.length > 0) return {summary: why, changes: [], verdicts: [], problems: [`The TTL window cannot be computed: ${unread.map(describeUnobserved).join('; ')} could not be read.`]}
        if (!drainedAt) {
          return {summary: why, changes: [], verdicts: [], problems: [`${region} has no drain record, so there is no time to wait from; drain it first.`]}
        }
        const until = Date.parse(drainedAt) + w.total * 1000
        const left = Math.max(0, Math.ceil((until - ctx.now()) / 1000))
        return {
          summary: `wait ${left}s: ${why}`,
          changes: [],
          verdicts: [],
          waitSeconds: left,
          ...(left === 0 ? {done: `${w.total}s have passed since the drain at ${drainedAt}`} : {}),
          data: {until, total: w.total},
        }
      },
      project(state, plan) {
        // Later steps plan as if the wait has passed.
        const s = copyState(state)
        const r = s.regions[region]
        if (r.drain) r.drain.drainedAt = new Date(Date.parse(r.drain.drainedAt) - (plan.waitSeconds ?? 0) * 1000).toISOString()
        return s
      },
      async apply(plan, rt) {
        const {until, total} = plan.data
        for (;;) {
          const left = until - ctx.now()
          if (left <= 0) break
          rt.progress(`${Math.ceil(left / 1000)}s left of ${total}s`)
          try {
            await sleep(Math.min(1000, left), undefined, {signal: rt.signal})
          } catch {
            throw new Interrupted()
          }
        }
        return `waited out ${total}s since the drain`
      },
    }
  },
}
