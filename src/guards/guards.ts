// One predicate per guard: pure functions of (projected) live state. A runbook cannot switch them off; only
// --override <guard-id> on the command line bypasses one, and the journal records who and why.
import type {GuardVerdict} from '../engine/types.ts'
import {answerOf, describeTtlWindow, describeUnobserved, describeWrite, effectiveDrainAt, isDrained, isServing, isUnreachable, lastSteeringWrite, servingState, ttlWindowSeconds, unknownSteeringValues, describeValue, REPLICATION_STATES, unobservedOf, unreachableResolver, isReplica, isWritable, POSTGRES_ROLES, UNKNOWN} from '../estate/predicates.ts'
import type {LiveState, RegionState, UnobservedPart} from '../estate/state.ts'

export const GUARD_IDS = [
  'drained-before-teardown',
  'last-region',
  'survivor-resolves-local',
  'no-survivor-dependency',
  'promote-before-repoint',
  'replica-healthy',
  'region-healthy',
  'permissions',
] as const
export type GuardId = (typeof GUARD_IDS)[number]

export type Verdict = GuardVerdict<GuardId>

export function lastRegion(state: LiveState, region: string): Verdict {
  // Only a region seen serving counts: one whose steering is unknown may be down, so draining toward it is not safe.
  const others = Object.values(state.regions).filter((r) => r.region !== region && isServing(r)).map((r) => r.region)
  const unknown = Object.values(state.regions).filter((r) => r.region !== region && servingState(r) === 'unknown').map((r) => r.region)
  return {
    guard: 'last-region',
    ok: others.length > 0,
    observed:
      others.length > 0
        ? `still serving besides ${region}: ${others.join(', ')}`
        : `no region other than ${region} is serving (${describeServing(state)})${unknown.length > 0 ? `; whether ${unknown.join(', ')} serve${unknown.length === 1 ? 's' : ''} is unknown: ${steeringUnknownWhy(state, unknown)}` : ''}`,
    remedy: `Restore another region first ('azfail restore <region>'), or fix its health, before draining ${region}.`,
  }
}

/** Why regions' serving is unknown: what could not be read, and the values Azure gave that azfail has never seen. */
function steeringUnknownWhy(state: LiveState, regions: string[]): string {
  const unread = (['trafficManager', 'frontDoor'] as const).flatMap((p) => unobservedOf(state, p)).map(describeUnobserved)
  const values = regions.flatMap((region) => unknownSteeringValues(state.regions[region]).map((v) => `${region}'s ${v}`))
  return [...unread, ...values].join('; ') || 'not read'
}

function describeServing(state: LiveState): string {
  return Object.values(state.regions)
    .map((r) => `${r.region}: TM ${r.trafficManager ? `${r.trafficManager.status}/${r.trafficManager.monitorStatus ?? '?'}` : '-'}, FD ${r.frontDoor?.enabledState ?? '-'}${unknownSteeringValues(r).length > 0 ? ` (${unknownSteeringValues(r).join('; ')})` : ''}`)
    .join('; ')
}

export function drainedBeforeTeardown(state: LiveState, region: string, connectionDrainSeconds: number, now: number): Verdict {
  const r = state.regions[region]
  const window = ttlWindowSeconds(state, region, connectionDrainSeconds)
  const base = {guard: 'drained-before-teardown' as const, remedy: `Drain ${region} first ('azfail drain ${region}') and let the TTL and connection drain pass.`}
  if (!r || !isDrained(r)) {
    return {...base, ok: false, observed: `${region} is not disabled at every steering layer: TM ${r?.trafficManager?.status ?? '-'}, FD ${r?.frontDoor?.enabledState ?? '-'}`}
  }
  // Unreadable drain records are not "no drain": the window cannot be proven either way, and the message says why.
  const records = unobservedOf(state, 'stateRecords')
  if (!r.drain && records.length > 0) return {...base, ok: false, observed: `${region} is disabled, but when it was drained is unknown: ${describeUnread(state, ['stateRecords'])}`, remedy: 'Run it again once the state zone can be read.'}
  if (!r.drain) return {...base, ok: false, observed: `${region} is disabled but azfail has no record of when it was drained, so the TTL window cannot be proven`, remedy: `Run 'azfail drain ${region}' (it records the drain time and waits out the TTL), then tear down.`}
  if (!r.steeringWrites) {
    const why = unobservedOf(state, 'activityLog', region)[0]?.why ?? 'it was not read'
    return {
      ...base,
      ok: false,
      observed: `${region} was drained at ${r.drain.drainedAt}, but whether anyone changed its steering since is unknown: the Activity Log could not be read (${why})`,
      remedy: "Let the principal read the Activity Log (Microsoft.Insights/eventtypes/values/read) and run again: a drain record proves the TTL window only while nobody has changed the region's steering since.",
    }
  }
  const since = effectiveDrainAt(r)!
  const last = lastSteeringWrite(r)
  // Counted to when the Activity Log was asked, if that was earlier: a write after it is not in its answer.
  const asked = r.steeringWritesAskedAt ? Math.min(now, Date.parse(r.steeringWritesAskedAt)) : now
  const elapsed = (asked - Date.parse(since)) / 1000
  const ok = elapsed >= window.total
  // A plan's projection is no drain: its time is an estimate, and the message says it is planned, not done.
  if (r.drain.projected) {
    return {...base, ok, observed: `projected, not observed: the steps before this one are planned to drain ${region} and wait out its ${window.total}s window (${describeTtlWindow(window)}) before teardown; nothing is drained yet`}
  }
  const changed = last && since !== r.drain.drainedAt ? `drained at ${r.drain.drainedAt}, but its steering was written since (${describeWrite(last)}), so the window starts there, ` : `drained at ${r.drain.drainedAt}, `
  const lag = state.target === 'azure' && !last ? " (the Activity Log lists no steering write since; Azure's log lags by minutes)" : ''
  return {
    ...base,
    ok,
    observed: `${changed}${Math.floor(elapsed)}s ago; needs ${window.total}s (${describeTtlWindow(window)})${lag}`,
    ...(ok ? {} : {remedy: `Wait ${Math.ceil(window.total - elapsed)}s more, then tear down.`}),
  }
}

/** What of these parts could not be read, in words. */
const describeUnread = (state: LiveState, parts: UnobservedPart[], region?: string): string =>
  parts.flatMap((p) => unobservedOf(state, p, region)).map(describeUnobserved).join('; ') || 'not read'

/** A region whose resolver gave no answer: which names went unanswered, said as that and never as an answer. */
function noAnswer(r: RegionState): string | undefined {
  const unanswered = r.names.filter(isUnreachable)
  if (unanswered.length === 0) return undefined
  const which = unanswered.length === r.names.length ? `any of its ${r.names.length} names` : unanswered.map((n) => n.name).join(', ')
  return `${unreachableResolver(r)}, so there is no answer for ${which}`
}

export const REACH_RESOLVER = "Make sure each region's resolver is reachable from here (the address in the runbook, the network path to it), then run again: a verdict needs an answer."

export function survivorResolvesLocal(state: LiveState, drained: string[]): Verdict {
  const silent: string[] = []
  const wrong: string[] = []
  for (const r of Object.values(state.regions)) {
    if (drained.includes(r.region)) continue
    const none = noAnswer(r)
    if (none) silent.push(none)
    for (const n of r.names) if (!n.ok && !isUnreachable(n)) wrong.push(`${r.region} resolves ${n.name} to ${answerOf(n)}, expected its own ${n.expected}`)
  }
  const fix = "Fix the survivor's private DNS records or zone links before relying on it; 'azfail status' shows every answer."
  return {
    guard: 'survivor-resolves-local',
    ok: silent.length === 0 && wrong.length === 0,
    observed: silent.length === 0 && wrong.length === 0 ? 'every survivor resolves each expected name to its own private IP' : [...silent, ...wrong].join('; '),
    remedy: [...(silent.length > 0 ? [REACH_RESOLVER] : []), ...(wrong.length > 0 || silent.length === 0 ? [fix] : [])].join(' '),
  }
}

export function noSurvivorDependency(state: LiveState, region: string): Verdict {
  // Without the region's endpoints, which addresses are its own is unknown: no dependency can be ruled out.
  const unread = unobservedOf(state, 'endpoints', region)
  if (unread.length > 0) {
    return {guard: 'no-survivor-dependency', ok: false, observed: `${region}'s private endpoints are unknown (${describeUnread(state, ['endpoints'], region)}), so whether a survivor resolves one of them is unknown`, remedy: `Run it again once ${region}'s private endpoints can be read.`}
  }
  const ips = new Map<string, string>()
  for (const e of state.regions[region]?.endpoints ?? []) for (const rec of e.records) for (const ip of rec.ips) ips.set(ip, `${e.name} (${rec.fqdn})`)
  const deps: string[] = []
  const unknown: string[] = []
  for (const r of Object.values(state.regions)) {
    if (r.region === region) continue
    const silent = noAnswer(r)
    if (silent) unknown.push(`${silent}: whether it still resolves a record of ${region}'s endpoints is unknown`)
    for (const n of r.names) for (const a of n.addresses) if (ips.has(a)) deps.push(`${r.region} resolves ${n.name} to ${a}, served by ${ips.get(a)}`)
  }
  const problems = [...deps, ...unknown]
  return {
    guard: 'no-survivor-dependency',
    ok: problems.length === 0,
    observed: problems.length === 0 ? `no surviving region resolves a record of ${region}'s endpoints` : problems.join('; '),
    remedy: deps.length === 0 && unknown.length > 0 ? REACH_RESOLVER : 'Give the surviving region its own private endpoint for that dependency (Pattern A), or fail the dependency over, before tearing this one down.',
  }
}

export function promoteBeforeRepoint(state: LiveState, targetRegion: string): Verdict {
  const server = state.data.postgres?.servers.find((s) => s.region === targetRegion)
  const role = server?.role ?? UNKNOWN
  const ok = isWritable(role)
  // Said as observed: a replica is read-only; a role not read, or one Azure does not document, is not taken for either.
  const why = ok ? '' : isReplica(role) ? ' (a read-only replica)' : role === UNKNOWN ? ' (not read)' : ', not a role that takes writes'
  return {
    guard: 'promote-before-repoint',
    ok,
    observed: `${server?.name ?? targetRegion} has replication role ${describeValue(role, POSTGRES_ROLES)}${why}`,
    remedy: `Promote it first: 'azfail promote --replica'.`,
  }
}

/** A planned promotion needs replication Active and, where the runbook sets a limit, the replica's lag within it. */
export function replicaHealthy(state: LiveState, replicaRegion: string, maxLagSeconds?: number): Verdict {
  const server = state.data.postgres?.servers.find((s) => s.region === replicaRegion)
  const name = server?.name ?? replicaRegion
  const active = server?.replicationState === 'Active'
  const lag = server?.replicationLagSeconds
  const lagProblem =
    maxLagSeconds === undefined || !active
      ? undefined
      : lag === undefined
        ? `its lag is not reported, so the limit of ${maxLagSeconds}s (maxReplicationLag) cannot be checked`
        : lag > maxLagSeconds
          ? `it lags its primary by ${lag}s, more than the limit of ${maxLagSeconds}s (maxReplicationLag)`
          : undefined
  return {
    guard: 'replica-healthy',
    ok: active && !lagProblem,
    observed: `${name} replication state is ${server?.replicationState === undefined ? 'unknown' : describeValue(server.replicationState, REPLICATION_STATES)}${lagProblem ? `; ${lagProblem}` : lag !== undefined ? `, lag ${lag}s` : ''}`,
    remedy: lagProblem
      ? 'Wait for the replica to catch up and run it again, or accept the data it lacks with --forced.'
      : "A planned switchover needs replication 'Active'. Fix replication, or accept data loss with --forced.",
  }
}

/**
 * A planned (graceful) promotion asks the side it leaves to hand over: it needs that region's resource providers. What
 * azfail could not read from them is unknown, so the planned path refuses and names it; a forced one (--forced,
 * failover --ungraceful) does without it. A silent resolver alone says nothing of the providers.
 */
export function leavingRegionObserved(state: LiveState, what: string, leaving: string[]): Verdict {
  const unknown = (state.unobserved ?? []).filter((u) => u.region !== undefined && leaving.includes(u.region) && u.part !== 'resolver')
  return {
    guard: 'region-healthy',
    ok: unknown.length === 0,
    observed:
      unknown.length === 0
        ? `${leaving.join(', ') || 'the region it leaves'} read in full`
        : `a planned ${what} needs ${leaving.join(', ')}, and azfail could not read there: ${unknown.map(describeUnobserved).join('; ')}`,
    remedy: `If ${leaving.join(', ')} is down, promote without it, accepting the data it had not sent: --forced (or 'azfail failover ${leaving[0]} --ungraceful' for the whole region).`,
  }
}

export function regionHealthy(state: LiveState, region: string): Verdict {
  const r = state.regions[region]
  const silent = noAnswer(r)
  // Endpoints that could not be read are not healthy ones.
  const unread = unobservedOf(state, 'endpoints', region).map(describeUnobserved)
  const bad = [
    ...(silent ? [silent] : []),
    ...unread.map((u) => `not read: ${u}`),
    ...r.names.filter((n) => !n.ok && !isUnreachable(n)).map((n) => `${n.name} answers ${answerOf(n)}, expected ${n.expected}`),
    ...(r.endpoints ?? []).filter((e) => !e.exists || (e.provisioningState && e.provisioningState !== 'Succeeded')).map((e) => `private endpoint ${e.name} is ${e.exists ? e.provisioningState : 'missing'}`),
  ]
  return {
    guard: 'region-healthy',
    ok: bad.length === 0,
    observed: bad.length === 0 ? `${region} resolves its ${r.names.length} names to its own IPs and its endpoints exist` : bad.join('; '),
    remedy: silent ? REACH_RESOLVER : `Repair ${region}'s private endpoints and records before sending traffic back; 'azfail status' shows what it answers.`,
  }
}
