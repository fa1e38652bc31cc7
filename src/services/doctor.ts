// `azfail doctor`: a read-only preflight before anyone needs a failover. Can a token be had, and for whom; may that
// principal do what each command the runbook supports will do, at each scope; would a management lock block a change;
// does each region's resolver answer. Game days run the same checks.
import type {Clients} from '../azure/clients.ts'
import {azureClock} from '../azure/clock.ts'
import {estateSubscriptions, listSubscriptions} from '../azure/estate-lock.ts'
import {observeEstate} from '../azure/observe.ts'
import {groupLocks, judgePermissions, locksOver, type ManagementLock} from '../azure/permissions.ts'
import {type TokenIdentity, tokenIdentity} from '../azure/principal.ts'
import {resolveName, resolverFor} from '../azure/resolve.ts'
import type {AzureTarget} from '../azure/target.ts'
import {checkNamesThrough, describeVantage, vantageActions} from '../azure/vantage.ts'
import {isUnreachable} from '../estate/predicates.ts'
import type {LiveState} from '../estate/state.ts'
import type {Check} from '../gameday/checks.ts'
import {describeMissing, groupOf, type NeededPermission} from '../guards/permissions.ts'
import type {Estate} from '../runbook/estate.ts'
import type {LoadedRunbook} from '../runbook/load.ts'
import type {Action, StepParams} from '../steps/context.ts'
import {neededPermissions, readPermissions, stepKindsOf} from '../steps/permissions.ts'
import {RUNBOOK_KEY} from '../steps/registry.ts'

export interface DoctorResult {
  status: 'ready' | 'not-ready'
  runbook: string
  target: 'azure' | 'sandbox'
  principal?: TokenIdentity
  /** the credentials the production path tries, in order */
  credentialChain?: string[]
  summary: {passed: number; failed: number; warnings: number; skipped: number}
  checks: Check[]
}

/** A command as the runbook supports it, with the parameters each of its runs may take. */
interface CommandRun {
  command: string
  action?: Action
  params: StepParams
  /** reads only: no step, no lock */
  reads?: 'status' | 'gameday'
}

/** Every command the runbook supports, each for every region it could act on or promote to. */
function commandRuns(estate: Estate): CommandRun[] {
  const regions = Object.keys(estate.regions)
  const perRegion = (action: Action, key: 'region' | 'to', command: string, among = regions) => among.map((r) => ({command, action, params: {[key]: r}}))
  return [
    {command: 'status', params: {}, reads: 'status'},
    {command: 'gameday', params: {}, reads: 'gameday'},
    ...perRegion('drain', 'region', 'drain'),
    ...perRegion('teardown', 'region', 'teardown'),
    ...perRegion('restore', 'region', 'restore'),
    ...(estate.data.postgres ? perRegion('promote-replica', 'to', 'promote --replica', Object.keys(estate.data.postgres.servers)) : []),
    ...(estate.data.postgres && estate.cname ? perRegion('repoint', 'to', 'repoint', Object.keys(estate.data.postgres.servers)) : []),
    ...(estate.data.sqlFailoverGroup ? perRegion('promote-failover-group', 'to', 'promote --failover-group', Object.keys(estate.data.sqlFailoverGroup.servers)) : []),
    ...(estate.data.cosmos ? perRegion('promote-cosmos', 'to', 'promote --cosmos') : []),
  ]
}

/** What a command needs, from the registry: a read-only command its reads, a changing one its steps' and the lock's. */
function needsOf(run: CommandRun, runbook: LoadedRunbook, subscriptionId: string, state: LiveState | undefined): NeededPermission[] {
  const ctx = {estate: runbook.runbook.estate, subscriptionId, params: run.params, state}
  if (run.reads) return readPermissions(ctx, run.reads === 'gameday' ? {endpoints: true, data: true, survey: true} : {data: true})
  const key = RUNBOOK_KEY[run.action!]
  const kinds = stepKindsOf(run.action!, key ? runbook.runbook.actions[key] : undefined)
  return neededPermissions(kinds, ctx)
}

const WRITE_VERBS = /\/(write|delete|action)$/i

/** `state`: live state already read (a game day's), so it is not read twice. */
export async function doctor(runbook: LoadedRunbook, target: AzureTarget, clients: Clients, options: {state?: LiveState; resolution?: false} = {}): Promise<DoctorResult> {
  const {estate} = runbook.runbook
  const checks: Check[] = []
  let principal: TokenIdentity | undefined
  const chain = target.credentialChain
  try {
    principal = await tokenIdentity(target.credential, target.endpoint)
    // the sandbox's static token carries no claims: it is the sandbox's admin, acting for whoever runs azfail
    if (target.kind === 'sandbox' && !principal.clientId) principal = {...principal, name: await target.principal()}
    checks.push({
      id: 'identity/token',
      category: 'identity',
      title: 'a token for Azure Resource Manager can be had',
      status: 'passed',
      observed: `${principal.name}${principal.objectId ? ` (object id ${principal.objectId})` : ''}${principal.tenantId ? ` in tenant ${principal.tenantId}` : ''}${chain ? `, from ${chain.join(' → ')}` : ''}, for ${target.endpoint}`,
      expected: 'a token',
    })
  } catch (error) {
    checks.push({
      id: 'identity/token',
      category: 'identity',
      title: 'a token for Azure Resource Manager can be had',
      status: 'failed',
      observed: `${(error as Error).message}${chain ? ` (tried ${chain.join(', ')})` : ''}`,
      expected: 'a token',
      remedy: (error as {hint?: string}).hint ?? "Sign in with 'az login', or set up workload identity.",
    })
    return finish(runbook, target, principal, checks)
  }

  let state = options.state
  try {
    state ??= await observeEstate(estate, target, clients, {endpointsOf: Object.keys(estate.regions)})
  } catch (error) {
    checks.push({
      id: 'state/read',
      category: 'permissions',
      title: 'the live state can be read',
      status: 'failed',
      observed: String((error as Error).message).split('\n')[0],
      expected: 'every read a run makes succeeds',
      remedy: "Grant the read actions (the README's permission table); until then the scopes only live state names (the zones zone groups write to) are not checked.",
    })
  }

  const runs = commandRuns(estate)
  const needs = runs.flatMap((run) => needsOf(run, runbook, target.subscriptionId, state).map((n) => ({...n, command: run.command})))
  const judged = await judgePermissions(needs, clients)
  for (const command of [...new Set(runs.map((r) => r.command))]) {
    const mine = judged.filter((j) => j.command === command)
    const missing = describeMissing(mine)
    checks.push({
      id: `permissions/${command.replace(/\s+--/, '-')}`,
      category: 'permissions',
      title: `${principal.name} may run ${command}`,
      status: missing.length === 0 ? 'passed' : 'failed',
      observed: missing.length === 0 ? `all ${new Set(mine.map((j) => j.action)).size} actions at ${new Set(mine.map((j) => j.scope)).size} scopes` : `missing ${missing.join('; ')}`,
      expected: 'every action its steps, reads and lock need, at their scopes',
      ...(missing.length === 0 ? {} : {remedy: `Grant ${[...new Set(mine.filter((j) => !j.allowed).map((j) => j.action))].join(', ')} at those scopes (README: permissions).`}),
    })
  }

  checks.push(...(await lockChecks(needs, clients)))
  checks.push(clockCheck(target), await estateLockCheck(estate, target, clients))
  // a game day checks resolution name by name instead
  if (options.resolution !== false) for (const region of Object.keys(estate.regions)) checks.push(await (estate.regions[region].vantage ? vantageCheck(region, estate, clients, state) : resolverCheck(region, estate, target, state)))
  return finish(runbook, target, principal, checks)
}

/**
 * A lock over a scope azfail changes turns the change into 409 ScopeLocked mid-run: name each one now. ReadOnly blocks
 * every write; CanNotDelete blocks a delete (a teardown, clearing a drain record, releasing the run lock).
 */
async function lockChecks(needs: Array<NeededPermission & {command: string}>, clients: Clients): Promise<Check[]> {
  const changes = needs.filter((n) => WRITE_VERBS.test(n.action) && n.scope.includes('/providers/'))
  const groups = [...new Set(changes.map((n) => groupOf(n.scope)))]
  const base = {category: 'locks' as const, title: 'no management lock blocks a change azfail makes', expected: 'no CanNotDelete or ReadOnly lock over what a command changes'}
  const checks: Check[] = []
  let seen = 0
  const blocked = new Map<string, {lock: ManagementLock; commands: Set<string>}>()
  for (const group of groups) {
    let locks: ManagementLock[]
    try {
      locks = await groupLocks(group, clients)
    } catch (error) {
      checks.push({...base, id: `locks/${group.split('/')[4]}`, status: 'failed', observed: `could not read the locks over ${group}: ${String((error as Error).message).split('\n')[0]}`, remedy: 'Grant Microsoft.Authorization/locks/read.'})
      continue
    }
    seen += locks.length
    for (const n of changes.filter((c) => groupOf(c.scope) === group)) {
      for (const lock of locksOver(locks, n.scope)) {
        if (lock.level !== 'ReadOnly' && !(lock.level === 'CanNotDelete' && /\/delete$/i.test(n.action))) continue
        const entry = blocked.get(lock.id) ?? {lock, commands: new Set<string>()}
        entry.commands.add(n.command)
        blocked.set(lock.id, entry)
      }
    }
  }
  if (blocked.size === 0 && checks.length === 0) {
    checks.push({...base, id: 'locks', status: 'passed', observed: seen === 0 ? `no locks over the ${groups.length} resource groups azfail changes` : `none of the locks over the ${groups.length} resource groups azfail changes holds over what it changes`})
  }
  for (const {lock, commands} of blocked.values()) {
    checks.push({
      ...base,
      id: `locks/${lock.name}`,
      status: 'failed',
      observed: `${lock.level} lock ${lock.name}${lock.notes ? ` ('${lock.notes}')` : ''} at ${lock.scope} would block ${[...commands].join(', ')}`,
      remedy: `Remove the lock for the change (az lock delete --ids ${lock.id}), or leave that command to a plan that does without it.`,
    })
  }
  return checks
}

/** Beyond this, the local clock's distance from Azure's is worth a warning (azfail itself keeps Azure's time). */
export const SKEW_WARNING_MS = 5_000

/** This machine's clock against Azure's (the Date header of the answers just read). */
function clockCheck(target: AzureTarget): Check {
  const base = {id: 'clock/skew', category: 'clock' as const, title: "this machine's clock agrees with Azure's", expected: `within ${SKEW_WARNING_MS / 1000}s of Azure's (the Date header of its answers)`}
  const skew = azureClock(target).skew()
  if (skew === undefined) return {...base, status: 'skipped', observed: 'no answer from Azure Resource Manager carried a Date header'}
  const seconds = Math.abs(skew / 1000).toFixed(1)
  const observed = `this machine's clock is ${seconds}s ${skew >= 0 ? 'ahead of' : 'behind'} Azure's (±1s: the header counts whole seconds)`
  if (Math.abs(skew) <= SKEW_WARNING_MS) return {...base, status: 'passed', observed}
  return {...base, status: 'warning', observed: `${observed}; azfail writes and judges drain times and leases on Azure's clock, so its verdicts hold, but local logs and journals are off by as much`, remedy: 'Sync the clock (chrony, systemd-timesyncd, w32time).'}
}

/**
 * The estate's lock: a run looks for other runs' locks over the same resources in every private DNS zone of every
 * subscription the principal can list. Where it cannot list the subscriptions involved or their zones, another
 * runbook over the same estate could hold a lock this one never sees: the runbook is refused here.
 */
async function estateLockCheck(estate: Estate, target: AzureTarget, clients: Clients): Promise<Check> {
  const base = {id: 'lock/estate', category: 'locks' as const, title: "a run sees every other run's lock over this estate", expected: "the subscriptions involved listed (GET /subscriptions), and each one's private DNS zones readable"}
  const remedy = 'Grant Microsoft.Network/privateDnsZones/read (and TXT read) at each subscription involved, for example Reader there; until then two runbooks over this estate could run at once.'
  const involved = estateSubscriptions(estate, target.subscriptionId)
  let listed: string[]
  try {
    listed = await listSubscriptions(clients, target.endpoint)
  } catch (error) {
    return {...base, status: 'failed', observed: `the subscriptions cannot be listed: ${String((error as Error).message).split('\n')[0]}`, remedy}
  }
  const unseen = involved.filter((s) => !listed.includes(s))
  const unreadable: string[] = []
  await Promise.all(
    involved.map(async (sub) => {
      try {
        await (await clients.for(sub).privateDns()).privateZones.list().byPage().next()
      } catch (error) {
        unreadable.push(`${sub} (${String((error as Error).message).split('\n')[0]})`)
      }
    }),
  )
  if (unseen.length === 0 && unreadable.length === 0) {
    return {...base, status: 'passed', observed: `the private DNS zones of ${listed.length} subscriptions are searched for other runs' locks, the ${involved.length} this runbook involves among them`}
  }
  const observed = [...(unseen.length > 0 ? [`not listed: ${unseen.join(', ')}`] : []), ...(unreadable.length > 0 ? [`zones not readable in ${unreadable.join('; ')}`] : [])].join('; ')
  return {...base, status: 'failed', observed: `azfail cannot guarantee that runs over this estate contend for one lock: ${observed}`, remedy}
}

/**
 * A region's vantage resolves its names through ARM (a whole, well-formed answer for one name proves it: run command
 * allowed, agent running, getent there). The run's own resolution is used where it was read.
 */
async function vantageCheck(region: string, estate: Estate, clients: Clients, state: LiveState | undefined): Promise<Check> {
  const vantage = estate.regions[region].vantage!
  const via = describeVantage(vantage)
  const base = {id: `vantage/${region}`, category: 'resolution' as const, title: `${region}'s vantage ${via} resolves its names`, region, expected: 'a whole answer through the run command'}
  const [name, expected] = Object.entries(estate.regions[region].expect)[0] ?? ['azfail-doctor.invalid', '0.0.0.0']
  const names = state?.regions[region]?.names ?? []
  const answer = names.find((n) => !isUnreachable(n)) ?? names[0] ?? (await checkNamesThrough(vantage, {[name]: expected}, clients, {signal: clients.signal()}))[0]
  const reached = !isUnreachable(answer)
  return {
    ...base,
    status: reached ? 'passed' : 'failed',
    observed: reached ? `${via} answered ${answer.name}: ${answer.addresses.join(', ') || answer.outcome}` : `${via} did not answer (${answer.detail ?? answer.outcome})`,
    ...(reached ? {} : {remedy: `Make sure ${via} is running with its agent healthy (Linux, getent present), and that the principal may ${vantageActions(vantage).join(', ')} on it.`}),
    via,
  }
}

/** A region's resolver answers DNS (any answer, even NXDOMAIN, proves it is reachable). */
async function resolverCheck(region: string, estate: Estate, target: AzureTarget, state: LiveState | undefined): Promise<Check> {
  const base = {id: `resolver/${region}`, category: 'resolution' as const, title: `${region}'s resolver answers DNS`, region, expected: 'an answer'}
  let server: string
  try {
    server = target.resolverFor(region, estate.regions[region].resolver)
  } catch (error) {
    return {...base, status: 'failed', observed: (error as Error).message, remedy: 'Name the resolver in the runbook, or map it with AZFAIL_RESOLVERS.'}
  }
  const names = state?.regions[region]?.names ?? []
  const name = Object.keys(estate.regions[region].expect)[0] ?? 'azfail-doctor.invalid'
  const answer = names.find((n) => !isUnreachable(n)) ?? (names.length > 0 ? names[0] : await resolveName(resolverFor(server), name))
  const reached = !isUnreachable(answer)
  return {
    ...base,
    status: reached ? 'passed' : 'failed',
    observed: reached ? `${server} answered ${answer.name}: ${answer.addresses.join(', ') || answer.outcome}` : `${server} did not answer (${answer.detail ?? answer.outcome})`,
    ...(reached ? {} : {remedy: `Make ${server} reachable from here (VPN, tunnel); AZFAIL_RESOLVERS=${region}=HOST:PORT maps it to a port-forward.`}),
  }
}

function finish(runbook: LoadedRunbook, target: AzureTarget, principal: TokenIdentity | undefined, checks: Check[]): DoctorResult {
  const count = (s: Check['status']) => checks.filter((c) => c.status === s).length
  return {
    status: count('failed') > 0 ? 'not-ready' : 'ready',
    runbook: runbook.file,
    target: target.kind,
    ...(principal ? {principal} : {}),
    ...(target.credentialChain ? {credentialChain: target.credentialChain} : {}),
    summary: {passed: count('passed'), failed: count('failed'), warnings: count('warning'), skipped: count('skipped')},
    checks,
  }
}

