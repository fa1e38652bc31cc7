// The estate's invariants: what must hold whenever no failover is half done. One pure module serves `status`
// (warnings), game days (failed checks, exit 4) and every run's post-conditions (warnings after the run).
import {FAILOVER_GROUP_ROLES, POSTGRES_ROLES, UNKNOWN, describeValue, isServing, isWritable} from './predicates.ts'
import type {LiveState} from './state.ts'

export interface Invariant {
  id: 'cname-writable' | 'listener-primary' | 'cosmos-write-region' | 'own-resolution' | 'one-serving'
  title: string
  ok: boolean
  observed: string
  expected: string
  remedy?: string
}

/** The CNAME the applications use leads to a server that takes writes, never to a read-only replica. */
function cnameWritable(state: LiveState): Invariant | undefined {
  const {cname} = state
  const servers = state.data.postgres?.servers
  if (!cname || !servers) return undefined
  const server = servers.find((s) => s.region === cname.targetRegion)
  // The server the CNAME names could not be read: not judged (its role is no evidence either way).
  if (server?.role === UNKNOWN) return undefined
  // Only a role Azure documents as writable is one: a role azfail has never seen is not taken for a primary.
  const ok = Boolean(server) && isWritable(server!.role)
  return {
    id: 'cname-writable',
    title: `the CNAME ${cname.fqdn} leads to a writable primary`,
    ok,
    observed: !cname.target ? `${cname.fqdn} is missing` : server ? `${cname.fqdn} -> ${cname.target} (${server.name} is ${describeValue(server.role, POSTGRES_ROLES)})` : `${cname.fqdn} -> ${cname.target}, which is none of the runbook's servers`,
    expected: `a server whose role is Primary (now ${servers.find((s) => isWritable(s.role))?.name ?? 'none'})`,
    ...(ok ? {} : {remedy: `Point it at the primary ('azfail repoint'), or promote the server it names ('azfail promote --replica').`}),
  }
}

/** The failover group has exactly one primary, so its listener leads to it. */
function listenerPrimary(state: LiveState): Invariant | undefined {
  const fog = state.data.sqlFailoverGroup
  if (!fog) return undefined
  const primaries = fog.servers.filter((s) => s.role === 'Primary')
  const ok = primaries.length === 1
  return {
    id: 'listener-primary',
    title: `the failover group ${fog.name}'s listener leads to its one primary`,
    ok,
    observed: fog.servers.map((s) => `${s.name} ${describeValue(s.role, FAILOVER_GROUP_ROLES)}`).join(', '),
    expected: 'exactly one Primary',
    ...(ok ? {} : {remedy: "Check the failover group's partners; 'azfail promote --failover-group --to <region>' makes one primary."}),
  }
}

/** The data tier lives in one region: Cosmos DB writes where the relational primary is. */
function cosmosWriteRegion(state: LiveState): Invariant | undefined {
  const cosmos = state.data.cosmos
  const expected = state.data.postgres?.primaryRegion ?? state.data.sqlFailoverGroup?.primaryRegion
  if (!cosmos || !expected) return undefined
  const ok = cosmos.writeRegion === expected
  return {
    id: 'cosmos-write-region',
    title: `Cosmos DB ${cosmos.account} writes in the data tier's primary region`,
    ok,
    observed: `write region ${cosmos.writeRegion ?? 'unknown'}`,
    expected,
    ...(ok ? {} : {remedy: `Move it: 'azfail promote --cosmos --to ${expected}'.`}),
  }
}

/** Every serving region resolves its own names to its own private IPs. */
function ownResolution(state: LiveState): Invariant[] {
  return Object.values(state.regions)
    .filter((r) => r.serving && r.names.length > 0)
    .map((r) => {
      const bad = r.names.filter((n) => !n.ok)
      return {
        id: 'own-resolution' as const,
        title: `${r.region} resolves its own names to its own private IPs`,
        ok: bad.length === 0,
        observed: bad.length === 0 ? `${r.names.length} names answer their own IPs` : bad.map((n) => `${n.name} -> ${n.addresses.join(',') || n.outcome}`).join('; '),
        expected: bad.length === 0 ? 'its own IPs' : bad.map((n) => `${n.name} -> ${n.expected}`).join('; '),
        ...(bad.length === 0 ? {} : {remedy: `Fix ${r.region}'s private records or zone links; until then it must not serve.`}),
      }
    })
}

function oneServing(state: LiveState): Invariant {
  const serving = Object.values(state.regions).filter(isServing).map((r) => r.region)
  return {
    id: 'one-serving',
    title: 'at least one region serves',
    ok: serving.length > 0,
    observed: serving.length > 0 ? `serving: ${serving.join(', ')}` : 'no region is enabled and healthy at the steering layer',
    expected: 'one region or more',
    ...(serving.length > 0 ? {} : {remedy: "Restore a healthy region now: 'azfail restore <region>'."}),
  }
}

/** Every invariant the observed state lets azfail judge (a part not read is not judged). */
export function invariants(state: LiveState): Invariant[] {
  return [cnameWritable(state), listenerPrimary(state), cosmosWriteRegion(state), ...ownResolution(state), oneServing(state)].filter((x): x is Invariant => x !== undefined)
}

export const violations = (state: LiveState): Invariant[] => invariants(state).filter((i) => !i.ok)

export const describeViolation = (v: Invariant) => `${v.title}: observed ${v.observed}; expected ${v.expected}`
