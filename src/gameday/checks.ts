// Readiness checks for a game day: read-only, over live state. Every check says what it observed, what it expected,
// and what to do; a failed check means the estate is not safe to fail over today.
import type {LiveState, NameCheck, UnobservedPart, ZoneARecord} from '../estate/state.ts'
import {planAll} from '../engine/run.ts'
import {invariants} from '../estate/invariants.ts'
import {FAILOVER_GROUP_ROLES, MONITOR_STATUSES, POSTGRES_ROLES, REPLICATION_STATES, UNKNOWN, addressOwners, describeValue, isReplica, unknownValue, isUnreachable, unreachableResolver, zoneGroupAddresses} from '../estate/predicates.ts'
import {type Finding, liveFindings, staticFindings, MAX_TTL} from '../guards/topology.ts'
import type {Estate} from '../runbook/estate.ts'
import type {Action, LiveStep} from '../steps/context.ts'

export interface Check {
  id: string
  category: 'resolution' | 'topology' | 'plan' | 'records' | 'data' | 'steering' | 'invariant' | 'practice' | 'rto' | 'rpo' | 'identity' | 'permissions' | 'locks' | 'clock'
  title: string
  status: 'passed' | 'failed' | 'warning' | 'skipped'
  region?: string
  observed: string
  expected: string
  remedy?: string
  runbook?: string
  /** the region's vantage a resolution check was answered through (absent: its resolver, asked over DNS from here) */
  via?: string
}

export interface PlannedAction {
  action: Action
  region?: string
  steps: LiveStep[]
}

const ok = (c: Omit<Check, 'status'>): Check => ({...c, status: 'passed'})

export function readinessChecks(estate: Estate, state: LiveState, plans: PlannedAction[], zoneRecords: ZoneARecord[], regions: string[]): Check[] {
  return [
    ...resolutionChecks(state, regions),
    ...steeringChecks(state, regions),
    ...topologyChecks(estate, state),
    ...planChecks(state, plans),
    ...staleRecordChecks(state, zoneRecords),
    ...dataChecks(state),
    ...invariantChecks(state),
    ...unobservedChecks(state),
  ]
}

/**
 * What to do about a name a region does not resolve as expected, from what Azure's zone groups wrote: never "make DNS
 * answer" an address no zone group of that region wrote (a runbook expecting another region's IP would send the
 * operator to build the cross-region black hole azfail exists to prevent).
 */
function resolutionRemedy(state: LiveState, region: string, n: NameCheck, owner = addressOwners(state)): string {
  const r = state.regions[region]
  if (isUnreachable(n) && r.vantage) return `Make ${region}'s vantage ${r.vantage} answer (running, its agent healthy, getent on it; the principal allowed its run command): ${n.detail ?? 'no answer'}. Then run it again.`
  if (isUnreachable(n)) return `Make ${region}'s resolver ${r.resolver} reachable from where the game day runs (the runbook's address, the network path), or give ${region} a vantage (estate.regions.${region}.vantage) to resolve through ARM, then run it again.`
  const wrote = zoneGroupAddresses(r, n.name)
  if (wrote?.includes(n.expected)) return `Fix ${n.name} in the private zone linked to ${region}'s network: it must answer ${n.expected}, the address ${region}'s own endpoint's zone group wrote.`
  const elsewhere = owner.get(n.expected)
  const whose = elsewhere && elsewhere.region !== region ? `${n.expected} is ${elsewhere.region}'s endpoint ${elsewhere.endpoint}, not ${region}'s` : `no zone group of ${region} wrote ${n.expected}`
  if (wrote) {
    const answers = n.addresses.length === wrote.length && n.addresses.every((a) => wrote.includes(a)) ? '' : `, and fix ${n.name} in the zone linked to ${region}'s network so it answers ${wrote.join(', ')}`
    return `The runbook's expectation is wrong: ${whose}; ${region}'s zone group wrote ${wrote.join(', ')} for ${n.name}. Correct estate.regions.${region}.expect["${n.name}"] to ${wrote.join(', ')}${answers}.`
  }
  return `${whose}, and none of ${region}'s private endpoints in the runbook wrote a record for ${n.name}, so azfail cannot tell which address is right: give ${region} its own private endpoint with a private DNS zone group for it (or list the one it has under estate.regions.${region}.privateEndpoints), then expect the address it wrote.`
}

const CATEGORY_OF: Record<UnobservedPart, Check['category'] | undefined> = {
  trafficManager: 'steering',
  frontDoor: 'steering',
  resolver: undefined, // each unanswered name already fails its resolution check, said as no answer
  endpoints: 'records',
  zoneRecords: 'records',
  postgres: 'data',
  sqlFailoverGroup: 'data',
  cosmos: 'data',
  cname: 'data',
  stateRecords: 'locks',
  activityLog: 'locks',
}

/** What could not be read is not ready: a check that fails, naming it, never one that passes for want of an answer. */
function unobservedChecks(state: LiveState): Check[] {
  return (state.unobserved ?? []).flatMap((u) => {
    const category = u.part ? CATEGORY_OF[u.part] : 'data'
    if (!category) return []
    return [{id: `unread/${u.part ?? 'part'}/${u.region ?? 'global'}/${u.what}`, category, title: `${u.what} can be read`, status: 'failed' as const, ...(u.region ? {region: u.region} : {}), observed: `not read: ${u.why}`, expected: 'an answer from Azure', remedy: 'Find out why Azure does not answer for it (an outage, the network path, a timeout: AZFAIL_REQUEST_TIMEOUT), then run the game day again.'}]
  })
}

function resolutionChecks(state: LiveState, regions: string[]): Check[] {
  const owner = addressOwners(state)
  return regions.flatMap((region) =>
    state.regions[region].names.map((n) => ({
      id: `resolution/${region}/${n.name}`,
      category: 'resolution' as const,
      title: `${region} resolves ${n.name} to its own private IP`,
      region,
      status: n.ok ? ('passed' as const) : ('failed' as const),
      observed: `${n.addresses.length > 0 ? `${n.addresses.join(', ')}${n.ttl === undefined ? '' : ` (TTL ${n.ttl}s)`}` : isUnreachable(n) ? `no answer: ${unreachableResolver(state.regions[region])}` : n.outcome}${n.via ? ` (through ${n.via})` : ''}`,
      ...(n.via ? {via: n.via} : {}),
      expected: n.expected,
      ...(n.ok ? {} : {remedy: resolutionRemedy(state, region, n, owner)}),
    })),
  )
}

/** What to do about a Traffic Manager endpoint that is not Enabled and Online, from what was (and was not) observed. */
function trafficManagerRemedy(region: string, status: string, monitorStatus: string | undefined): string {
  if (status === 'Disabled') return `${region} is drained; 'azfail restore ${region}' when it should serve again.`
  if (status === UNKNOWN) return `The endpoint could not be read; check that Traffic Manager answers and the principal may read the profile, then run the game day again.`
  if (monitorStatus === undefined) return `Azure reported no monitor status for the endpoint; check the profile's health probe (protocol, port, path).`
  return `Investigate the endpoint's health probe (monitor ${describeValue(monitorStatus, MONITOR_STATUSES)}).`
}

function steeringChecks(state: LiveState, regions: string[]): Check[] {
  const out: Check[] = []
  for (const region of regions) {
    const r = state.regions[region]
    if (r.trafficManager) {
      const {name, status, monitorStatus} = r.trafficManager
      const healthy = status === 'Enabled' && monitorStatus === 'Online'
      out.push({
        id: `steering/${region}/traffic-manager`,
        category: 'steering',
        title: `Traffic Manager endpoint ${name} is enabled and Online`,
        region,
        status: healthy ? 'passed' : status === 'Disabled' ? 'warning' : 'failed',
        observed: `${status} / monitor ${monitorStatus === undefined ? 'unknown' : describeValue(monitorStatus, MONITOR_STATUSES)}`,
        expected: 'Enabled / monitor Online',
        ...(healthy ? {} : {remedy: trafficManagerRemedy(region, status, monitorStatus)}),
      })
    }
    if (r.frontDoor) {
      const {name, enabledState, provisioningState} = r.frontDoor
      const healthy = enabledState === 'Enabled' && (provisioningState ?? 'Succeeded') === 'Succeeded'
      out.push({
        id: `steering/${region}/front-door`,
        category: 'steering',
        title: `Front Door origin ${name} is enabled and provisioned`,
        region,
        status: healthy ? 'passed' : enabledState === 'Disabled' ? 'warning' : 'failed',
        observed: `${enabledState} / ${provisioningState ?? 'unknown'}`,
        expected: 'Enabled / Succeeded',
        ...(healthy ? {} : {remedy: `Check the origin's health probes and provisioning in Front Door.`}),
      })
    }
  }
  return out
}

function findingCheck(f: Finding): Check {
  return {
    id: `topology/${f.rule}${f.region ? `/${f.region}` : ''}/${f.observed.replace(/\W+/g, '-').slice(0, 60)}`,
    category: 'topology',
    title: f.rule,
    ...(f.region ? {region: f.region} : {}),
    status: f.severity === 'error' ? 'failed' : 'warning',
    observed: f.observed,
    expected: f.expected,
    remedy: f.remedy,
  }
}

function topologyChecks(estate: Estate, state: LiveState): Check[] {
  const findings = [...staticFindings(estate), ...liveFindings(estate, state)]
  const out = findings.map(findingCheck)
  if (state.steering.trafficManager && !findings.some((f) => f.rule === 'steering-ttl')) {
    out.push(ok({id: 'topology/steering-ttl', category: 'topology', title: 'steering-ttl', observed: `Traffic Manager TTL ${state.steering.trafficManager.ttl}s`, expected: `at most ${MAX_TTL}s`}))
  }
  if (state.cname?.ttl !== undefined && !findings.some((f) => f.rule === 'cname-ttl')) {
    out.push(ok({id: 'topology/cname-ttl', category: 'topology', title: 'cname-ttl', observed: `CNAME ${state.cname.fqdn} TTL ${state.cname.ttl}s`, expected: `at most ${MAX_TTL}s`}))
  }
  if (!findings.some((f) => f.rule === 'cross-region-dependency')) {
    out.push(ok({id: 'topology/cross-region-dependency', category: 'topology', title: 'cross-region-dependency', observed: 'every region resolves its names through its own endpoints (or a declared exception)', expected: 'no undeclared Pattern-B dependency'}))
  }
  return out
}

/** Each action's dry-run plan against live state: a refusal or a failed precondition is a failed check. */
function planChecks(state: LiveState, plans: PlannedAction[]): Check[] {
  return plans.map(({action, region, steps}) => {
    const label = `${action}${region ? ` ${region}` : ''}`
    const records = planAll(steps, state, new Set(), new Set())
    const refused = records.filter((r) => r.status === 'refused')
    const problems = records.flatMap((r) => r.plan?.problems ?? [])
    const verdict = refused[0]?.plan?.verdicts.find((v) => !v.ok)
    return {
      id: `plan/${action}${region ? `/${region}` : ''}`,
      category: 'plan' as const,
      title: `a dry run of ${label} passes its guards`,
      ...(region ? {region} : {}),
      status: refused.length > 0 || problems.length > 0 ? ('failed' as const) : ('passed' as const),
      observed: refused.length > 0 ? `${refused[0].id}: ${refused[0].message}` : problems.length > 0 ? problems.join(' ') : records.map((r) => `${r.id}: ${r.status}`).join(', '),
      expected: 'every step planned or already done, no guard refusing',
      ...(verdict?.remedy ? {remedy: verdict.remedy} : problems.length > 0 ? {remedy: 'Fix the runbook or the resources it names.'} : {}),
    }
  })
}

/** A record in a zone-group zone that no zone group wrote is never reaped with its endpoint: a stale answer waiting to happen. */
function staleRecordChecks(state: LiveState, zoneRecords: ZoneARecord[]): Check[] {
  // Without every endpoint's zone groups, a record nobody was seen writing may be one an unread endpoint wrote.
  if ((state.unobserved ?? []).some((u) => u.part === 'endpoints' || u.part === 'zoneRecords')) {
    return [{id: 'records/zone-group-owned', category: 'records', title: "every record in the endpoints' zones was written by a zone group", status: 'skipped', observed: 'not checked: some endpoints or zones could not be read', expected: 'no hand-written A records'}]
  }
  const written = new Set<string>()
  for (const r of Object.values(state.regions)) {
    for (const e of r.endpoints ?? []) for (const rec of e.records) for (const ip of rec.ips) written.add(`${rec.zoneId.toLowerCase()}|${rec.recordSetName.toLowerCase()}|${ip}`)
  }
  const stale = zoneRecords.flatMap((z) => z.ips.filter((ip) => !written.has(`${z.zoneId.toLowerCase()}|${z.name.toLowerCase()}|${ip}`)).map((ip) => ({...z, ip})))
  if (stale.length === 0) {
    return [ok({id: 'records/zone-group-owned', category: 'records', title: 'every record in the endpoints\' zones was written by a zone group', observed: `${zoneRecords.length} A record sets checked`, expected: 'no hand-written A records'})]
  }
  return stale.map((s) => ({
    id: `records/stale/${s.zone}/${s.name}/${s.ip}`,
    category: 'records' as const,
    title: `${s.name}.${s.zone} is owned by a zone group`,
    status: 'failed' as const,
    observed: `${s.name}.${s.zone} A ${s.ip} was not written by any private endpoint's zone group`,
    expected: 'only the addresses the endpoints\' zone groups wrote, so records disappear with their endpoint',
    remedy: 'Delete the hand-written address and let the endpoint\'s private DNS zone group own the record.',
  }))
}

function dataChecks(state: LiveState): Check[] {
  const out: Check[] = []
  for (const s of state.data.postgres?.servers ?? []) {
    if (unknownValue(s.role, POSTGRES_ROLES)) {
      out.push({
        id: `data/postgres/${s.name}`,
        category: 'data',
        title: `PostgreSQL server ${s.name} has a replication role azfail knows`,
        region: s.region,
        status: 'failed',
        observed: `role ${describeValue(s.role, POSTGRES_ROLES)}`,
        expected: POSTGRES_ROLES.join(', '),
        remedy: `Check ${s.name}'s replication in the portal; azfail neither promotes it nor points the CNAME at it while its role is one it does not know.`,
      })
      continue
    }
    if (!isReplica(s.role)) continue
    const healthy = s.replicationState === 'Active'
    out.push({
      id: `data/postgres/${s.name}`,
      category: 'data',
      title: `PostgreSQL replica ${s.name} replicates`,
      region: s.region,
      status: healthy ? 'passed' : 'failed',
      observed: `replication state ${s.replicationState === undefined ? 'unknown' : describeValue(s.replicationState, REPLICATION_STATES)}`,
      expected: 'Active',
      ...(healthy ? {} : {remedy: 'Repair replication (or recreate the replica); until then only a forced promotion, with data loss, is possible.'}),
    })
  }
  const fog = state.data.sqlFailoverGroup
  if (fog) {
    const secondary = fog.servers.find((s) => s.role === 'Secondary')
    const healthy = Boolean(fog.primaryRegion && secondary) && ['CATCH_UP', 'SEEDING'].includes(fog.replicationState ?? '')
    out.push({
      id: `data/sql/${fog.name}`,
      category: 'data',
      title: `SQL failover group ${fog.name} has a replicating partner`,
      status: healthy ? 'passed' : 'failed',
      observed: `primary ${fog.primaryRegion ?? 'none'}, secondary ${secondary?.region ?? 'none'}, replication ${fog.replicationState ?? 'unknown'}${fog.servers.filter((s) => unknownValue(s.role, FAILOVER_GROUP_ROLES)).map((s) => `; ${s.name} role unknown value '${s.role}'`).join('')}`,
      expected: 'a Primary and a Secondary, replication CATCH_UP',
      ...(healthy ? {} : {remedy: 'Check the partner server and the group\'s replication in the portal.'}),
    })
  }
  return out
}

/** The estate's invariants (src/estate/invariants.ts); each region's own resolution is already checked name by name above. */
function invariantChecks(state: LiveState): Check[] {
  return invariants(state)
    .filter((i) => i.id !== 'own-resolution')
    .map((i) => ({
      id: `invariant/${i.id}`,
      category: 'invariant' as const,
      title: i.title,
      status: i.ok ? ('passed' as const) : ('failed' as const),
      observed: i.observed,
      expected: i.expected,
      ...(i.remedy ? {remedy: i.remedy} : {}),
    }))
}
