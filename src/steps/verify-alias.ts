// verifyCname, verifyListener: in every region, an alias (the CNAME, a failover-group listener) must resolve to the
// same private address as the name it should now lead to. Resolvers may hold the old answer for its TTL, so it asks
// again until the TTL has passed before calling it a failure. verifyListener then opens a TCP connection to port
// 1433 through the listener from every region (the seeds' `nc -vz <fog>.database.windows.net 1433`).
import {setTimeout as sleep} from 'node:timers/promises'
import {resolveName, resolverFor} from '../azure/resolve.ts'
import {dnsSuffixes} from '../azure/target.ts'
import {tcpReachable} from '../azure/tcpcheck.ts'
import {Interrupted} from '../engine/run.ts'
import type {StepOutcome, StepPlan} from '../engine/types.ts'
import {isUnreachable} from '../estate/predicates.ts'
import {REACH_RESOLVER} from '../guards/guards.ts'
import type {LiveState, NameAnswer} from '../estate/state.ts'
import {StepError} from '../errors.ts'
import {type LiveStep, type StepContext, type StepKind, type StepParams, configured, waitTooLong} from './context.ts'

interface AliasSpec {
  id: string
  title: string
  alias: string
  /** the name the alias must lead to, computed from (projected) state */
  canonical(state: LiveState): string | undefined
  /** seconds an old answer may be cached */
  ttl(state: LiveState): number
  /** a further check once every answering region resolves the alias right (the listener's TCP reachability), from those regions */
  then?(canonical: string, regions: string[], rt: {progress(message: string): void; signal: AbortSignal}): Promise<StepOutcome>
}

interface AliasData {
  canonical: string
  deadlineSeconds: number
}

function verifyAlias(ctx: StepContext, params: StepParams, spec: AliasSpec): LiveStep<AliasData> {
  return {
    id: spec.id,
    kind: spec.id,
    title: spec.title,
    changes: false,
    plan(state): StepPlan<AliasData> {
      const canonical = spec.canonical(state)
      if (!canonical) return {summary: spec.alias, changes: [], verdicts: [], problems: [`Cannot tell what ${spec.alias} should lead to.`]}
      // the answers may take a TTL to change everywhere: a TTL far beyond any normal one is no wait to start unasked
      const tooLong = waitTooLong(spec.ttl(state) + 5, `${spec.alias}'s TTL ${spec.ttl(state)}s + 5s`, params)
      if (tooLong) return {summary: spec.alias, changes: [], verdicts: [], problems: [tooLong]}
      return {
        summary: `every region resolves ${spec.alias} to the address of ${canonical}`,
        changes: [],
        verdicts: [],
        data: {canonical, deadlineSeconds: spec.ttl(state) + 5},
      }
    },
    async apply(plan, rt) {
      const {canonical, deadlineSeconds} = plan.data
      const deadline = ctx.now() + deadlineSeconds * 1000
      // A region whose resolver gives no answer at all is not verified (a warning), and not asked again: no waiting
      // out a TTL on a dead region. A region that answers wrong is asked again until the deadline, then fails the run.
      // A region declared down (failover --ungraceful) is not asked at all: its resolver would only be waited out.
      const declared = Object.entries(ctx.clients.declaredDown()).filter(([region]) => region in ctx.resolvers)
      const silent = new Map(declared.map(([region, why]) => [region, `${region}'s resolver was not asked (the region is down: ${why}), so whether ${region} resolves ${spec.alias} to ${canonical}'s address is unknown`]))
      for (;;) {
        const wrong: string[] = []
        for (const [region, server] of Object.entries(ctx.resolvers)) {
          if (silent.has(region)) continue
          const r = resolverFor(server)
          const [alias, target] = await Promise.all([resolveName(r, spec.alias, rt.signal), resolveName(r, canonical, rt.signal)])
          if (rt.signal.aborted) throw new Interrupted()
          if (isUnreachable(alias) && isUnreachable(target)) {
            silent.set(region, `${region}'s resolver ${server} gave no answer (${alias.detail ?? 'no reply'}), so whether ${region} resolves ${spec.alias} to ${canonical}'s address is unknown`)
            continue
          }
          const same = alias.addresses.length > 0 && alias.addresses.join() === target.addresses.join()
          if (!same) wrong.push(`${region}: ${spec.alias} -> ${answerOrSilence(alias)}, ${canonical} -> ${answerOrSilence(target)}`)
        }
        const answered = Object.keys(ctx.resolvers).filter((region) => !silent.has(region))
        if (answered.length === 0) throw new StepError('NotVerified', `No region's resolver answered, so nothing was verified: ${[...silent.values()].join('; ')}.`, {hint: REACH_RESOLVER})
        if (wrong.length === 0) {
          const resolved = `${answered.join(', ')} resolve${answered.length === 1 ? 's' : ''} ${spec.alias} to ${canonical}'s address${silent.size > 0 ? `; NOT VERIFIED in ${[...silent.keys()].join(', ')}` : ''}`
          const then = spec.then ? await spec.then(canonical, answered, rt) : undefined
          return {message: then ? `${resolved}; ${then.message}` : resolved, notVerified: [...silent.values(), ...(then?.notVerified ?? [])]}
        }
        if (ctx.now() > deadline) throw new StepError('VerificationFailed', `after ${deadlineSeconds}s, ${wrong.join('; ')}`)
        rt.progress(`waiting for resolvers: ${wrong.join('; ')}`)
        try {
          await sleep(1000, undefined, {signal: rt.signal})
        } catch {
          throw new Interrupted()
        }
      }
    },
  }
}

/** A DNS answer in words: its addresses or its outcome, and silence said as silence, never as an answer. */
const answerOrSilence = (a: NameAnswer): string => (isUnreachable(a) ? `no answer (${a.detail ?? 'resolver unreachable'})` : a.addresses.join(',') || a.outcome)

export const verifyCname: StepKind<AliasData> = {
  kind: 'verifyCname',
  summary: 'check over DNS that every region resolves the CNAME to the new primary, waiting out its TTL',
  lane: 'postgres',
  defaults: {'promote-replica': 3, repoint: 2, failover: 6, failback: 5},
  applies: configured('cname'),
  reads: {data: true},
  permissions: [],
  create(ctx, params) {
    const spec = ctx.estate.cname
    return verifyAlias(ctx, params, {
      id: 'verifyCname',
      title: 'Verify every region resolves the CNAME to the new primary',
      alias: spec ? `${spec.name}.${spec.zone}` : '',
      canonical: (s) => s.cname?.target ?? undefined,
      ttl: (s) => s.cname?.ttl ?? 30,
    })
  },
}

export const verifyListener: StepKind<AliasData> = {
  kind: 'verifyListener',
  summary: "check over DNS that every region resolves the failover group's listener to the new primary, then, from this machine, open a TCP connection to port 1433 at the address each region resolves it to",
  lane: 'sql',
  defaults: {'promote-failover-group': 2, failover: 9, failback: 8},
  applies: configured('sql'),
  reads: {data: true},
  permissions: [],
  create(ctx, params) {
    const fog = ctx.estate.data.sqlFailoverGroup
    const suffix = dnsSuffixes(ctx.target).sqlServer
    return verifyAlias(ctx, params, {
      id: 'verifyListener',
      title: 'Verify every region resolves the failover-group listener to the new primary',
      alias: `${fog?.name}.${suffix}`,
      canonical: (s) => {
        const primary = s.data.sqlFailoverGroup?.servers.find((x) => x.role === 'Primary')
        return primary ? `${primary.name}.${suffix}` : undefined
      },
      ttl: () => 30,
      then: (canonical, regions, rt) => listenerReachable(ctx, `${fog?.name}.${suffix}`, canonical.split('.')[0], regions, rt),
    })
  },
}

const SQL_PORT = 1433

/** Where a connection went: the address a region resolved, and the place this machine connected to for it when that differs (a tunnel, a mapped loopback listener). */
const connectedTo = (address: string, endpoint: {host: string; port: number}): string =>
  endpoint.host === address && endpoint.port === SQL_PORT ? `${address}:${SQL_PORT}` : `${address}:${SQL_PORT} via ${endpoint.host}:${endpoint.port} (where this machine reaches it)`

/**
 * With every region's resolver, resolve the listener; from this machine (not from the region: azfail runs here), open
 * a TCP connection to port 1433 where each answer leads. The message says so: it proves the answer and the server's
 * listener, not the region's own network path.
 */
async function listenerReachable(ctx: StepContext, listener: string, server: string, regions: string[], rt: {progress(message: string): void; signal: AbortSignal}): Promise<StepOutcome> {
  const tcp = ctx.target.tcp
  if (tcp.unavailable) return {message: `TCP not checked: ${tcp.unavailable}`, notVerified: [`TCP port ${SQL_PORT} through ${listener}: ${tcp.unavailable}`]}
  const done: string[] = []
  const reached = new Set<string>()
  const silent: string[] = []
  for (const region of regions) {
    const resolver = ctx.resolvers[region]
    const answer = await resolveName(resolverFor(resolver), listener, rt.signal)
    if (rt.signal.aborted) throw new Interrupted()
    if (isUnreachable(answer)) {
      silent.push(`${region}'s resolver ${resolver} gave no answer for ${listener} (${answer.detail ?? 'no reply'}), so TCP port ${SQL_PORT} was not tried from ${region}`)
      continue
    }
    const address = answer.addresses[0]
    if (!address) throw new StepError('ListenerUnreachable', `${region} cannot resolve ${listener} (${answer.outcome}).`)
    const endpoint = tcp.endpoint(address, SQL_PORT, server)
    if ('refused' in endpoint) throw new StepError('ListenerUnreachable', `${region}: ${endpoint.refused}.`)
    rt.progress(`${region}: ${listener} resolves to ${address}; connecting from this machine to ${connectedTo(address, endpoint)}`)
    const outcome = await tcpReachable(endpoint.host, endpoint.port)
    if (!outcome.ok) {
      throw new StepError('ListenerUnreachable', `${region}: ${listener} resolves to ${address} (${server}), but a TCP connection to port ${SQL_PORT} failed: ${outcome.detail}.`, {hint: `The new primary ${server} does not accept connections on its private endpoint: check the endpoint, its network security group and the server's firewall.`})
    }
    done.push(region)
    reached.add(connectedTo(address, endpoint))
  }
  if (done.length === 0) return {message: `TCP port ${SQL_PORT} not tried: no region's resolver answered for ${listener}`, notVerified: silent}
  return {message: `TCP port ${SQL_PORT} reachable from this machine (not tried from the regions) at ${[...reached].join(', ')}, where ${listener} leads from ${done.join(', ')}`, notVerified: silent}
}
