import {AzfailCommand} from '../cli/base.ts'
import {table} from '../cli/table.ts'
import {describeUnobserved, servingState} from '../estate/predicates.ts'
import {type Residue, residue} from '../estate/residue.ts'
import type {LiveState} from '../estate/state.ts'
import {terminalField} from '../report/escape.ts'

export default class Status extends AzfailCommand {
  static override summary = 'Show the live state of every region and of the data tier. Read-only.'
  static override description =
    "Reads the steering layers (Traffic Manager endpoints, Front Door origins) and their TTL, asks each region's resolver over DNS for the names the runbook expects there, and reads the data tier's roles and the CNAME's target."

  static override examples = [
    '<%= config.bin %> status --sandbox',
    '<%= config.bin %> status --runbook prod.yaml --subscription 00000000-0000-0000-0000-000000000000',
    '<%= config.bin %> status --sandbox --json | jq .result.regions',
  ]

  async run(): Promise<LiveState & {runbook: string; residue: Residue[]}> {
    const {flags} = await this.parse(Status)
    const runbook = this.runbookFrom(flags)
    const {target, clients} = await this.connect(flags, runbook)
    const {observeEstate} = await import('../azure/observe.ts')
    const state = await observeEstate(runbook.runbook.estate, target, clients)
    const {describeViolation, violations} = await import('../estate/invariants.ts')
    for (const v of violations(state)) this.note(describeViolation(v))
    for (const u of state.unobserved ?? []) this.note(`not read: ${describeUnobserved(u)}; shown as unknown`)
    const left = residue(state)
    if (!this.jsonEnabled()) this.log([render(state), ...renderResidue(left)].join('\n'))
    return {runbook: runbook.file, ...state, residue: left}
  }
}

/** What still lives in a region that does not serve: a drain is not a failover until this is empty. */
function renderResidue(left: Residue[]): string[] {
  return left.length === 0 ? [] : ['', 'Still in regions that do not serve', ...left.map((r) => `  ${r.region}: ${terminalField(r.what)}`)]
}

function render(s: LiveState): string {
  const out: string[] = []
  const tm = s.steering.trafficManager
  out.push(`Steering${tm ? `: Traffic Manager ${tm.profile} TTL ${tm.ttl}s (monitor ${terminalField(tm.monitorStatus ?? '?')})` : ''}${s.steering.frontDoor ? `; Front Door ${s.steering.frontDoor.profile}/${s.steering.frontDoor.originGroup}` : ''}`)
  out.push(
    table(
      ['region', 'serving', 'traffic manager', 'front door', 'resolved by'],
      Object.values(s.regions).map((r) => [
        r.region,
        {serving: 'yes', 'not serving': 'NO', unknown: 'UNKNOWN'}[servingState(r)],
        r.trafficManager ? `${r.trafficManager.name} ${r.trafficManager.status}/${r.trafficManager.monitorStatus ?? '-'}` : '-',
        r.frontDoor ? `${r.frontDoor.name} ${r.frontDoor.enabledState}` : '-',
        r.vantage ? `${r.vantage} (vantage)` : r.resolver,
      ]),
    ),
  )
  out.push('', 'Resolution (each region must answer its OWN private IP)')
  out.push(
    table(
      ['region', 'name', 'answer', 'ttl', 'expected', ''],
      Object.values(s.regions).flatMap((r) =>
        r.names.map((n) => [r.region, n.name, n.addresses.join(',') || n.outcome, n.ttl === undefined ? '-' : `${n.ttl}s`, n.expected, n.ok ? 'ok' : 'MISMATCH']),
      ),
    ),
  )
  const d = s.data
  out.push('', 'Data tier')
  const rows: string[][] = []
  for (const pg of d.postgres?.servers ?? []) rows.push(['postgres', pg.region, pg.name, pg.role, `${pg.replicationState ?? '-'}${pg.replicationLagSeconds === undefined ? '' : `, lag ${pg.replicationLagSeconds}s`}`])
  for (const sv of d.sqlFailoverGroup?.servers ?? []) rows.push(['sql fog ' + d.sqlFailoverGroup!.name, sv.region, sv.name, sv.role, d.sqlFailoverGroup!.replicationState ?? '-'])
  if (d.cosmos) for (const l of d.cosmos.locations) rows.push(['cosmos ' + d.cosmos.account, l.name, '', l.failoverPriority === 0 ? 'Write' : `Read (priority ${l.failoverPriority})`, ''])
  out.push(table(['service', 'region', 'server', 'role', 'replication'], rows))
  const cnameUnread = (s.unobserved ?? []).some((u) => u.part === 'cname')
  if (s.cname) out.push('', `CNAME ${s.cname.fqdn} -> ${terminalField(s.cname.target ?? '(missing)')} TTL ${s.cname.ttl ?? '-'}s${s.cname.targetRegion ? ` (${s.cname.targetRegion})` : ''}`)
  else if (cnameUnread) out.push('', 'CNAME: UNREACHABLE (not read)')
  if (s.unobserved?.length) {
    out.push('', 'Unreachable (not read; everything it decides is unknown, not healthy)')
    out.push(table(['what', 'region', 'why'], s.unobserved.map((u) => [u.what, u.region ?? 'global', u.why])))
  }
  return out.join('\n')
}
