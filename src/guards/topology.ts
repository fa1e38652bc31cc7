// Topology analysis for `azfail lint` and game days: pure functions of the runbook's estate and live state.
import {addressOwners, zoneGroupAddresses} from '../estate/predicates.ts'
import type {LiveState} from '../estate/state.ts'
import type {Estate} from '../runbook/schema.ts'

export interface Finding {
  rule: 'steering-ttl' | 'cname-ttl' | 'cross-region-dependency' | 'expected-ip-elsewhere' | 'no-local-endpoint' | 'forwarders-one-region' | 'verify-full-through-cname' | 'estate-lock'
  severity: 'error' | 'warning'
  region?: string
  observed: string
  expected: string
  remedy: string
}

export const MAX_TTL = 60

/** Rules that need only the file. */
export function staticFindings(estate: Estate): Finding[] {
  const findings: Finding[] = []
  const forwarders = estate.onPremises?.forwarders ?? []
  const targets = new Set(forwarders.map((f) => f.region))
  if (forwarders.length > 1 && targets.size === 1 && Object.keys(estate.regions).length > 1) {
    const [only] = targets
    findings.push({
      rule: 'forwarders-one-region',
      severity: 'warning',
      region: only,
      observed: `all ${forwarders.length} on-premises forwarders (${forwarders.map((f) => f.site).join(', ')}) target ${only}'s resolver`,
      expected: 'each site forwards to its nearest region, so losing one region does not take resolution with it',
      remedy: `Point each site's conditional forwarders at its nearest region's inbound endpoint, and plan the change to ${Object.keys(estate.regions).filter((r) => r !== only).join(', ')} as a manualAction in the drain runbook.`,
    })
  }
  if (!(estate.stateZone ?? estate.cname)) {
    findings.push({
      rule: 'estate-lock',
      severity: 'error',
      observed: 'the runbook names no private DNS zone (estate.stateZone, or the CNAME\'s) for the run lock and the drain times',
      expected: "a zone where every run over this estate keeps its lock, so runs of any runbook over it contend for one lock and see each other's drains",
      remedy: 'Add estate.stateZone: {resourceGroup, zone} naming a private DNS zone the operators can write TXT records in.',
    })
  }
  const check = estate.data.postgres?.writeCheck
  if (check?.ssl && check.sslmode === 'verify-full' && estate.cname) {
    const cname = `${estate.cname.name}.${estate.cname.zone}`
    findings.push({
      rule: 'verify-full-through-cname',
      severity: 'warning',
      observed: `the write check asks for sslmode verify-full through ${cname}, but each server's certificate names <server>.postgres.database.azure.com, not the CNAME: the check would fail on a healthy primary`,
      expected: 'sslmode verify-ca through a CNAME (the CA chain is verified; the name is the CNAME the applications use)',
      remedy: 'Set estate.data.postgres.writeCheck.sslmode to verify-ca, as Azure advises for connecting through a private DNS CNAME.',
    })
  }
  return findings
}

/** Rules over live state: TTLs, and whether each region resolves its names through its OWN endpoints. */
export function liveFindings(estate: Estate, state: LiveState): Finding[] {
  const findings: Finding[] = []
  const ttl = state.steering.trafficManager?.ttl
  if (ttl !== undefined && ttl > MAX_TTL) {
    findings.push({
      rule: 'steering-ttl',
      severity: 'error',
      observed: `Traffic Manager ${state.steering.trafficManager!.profile} TTL is ${ttl}s`,
      expected: `at most ${MAX_TTL}s (30s is the norm; 300s is the default to avoid)`,
      remedy: `Set the profile's DNS TTL to 30s: az network traffic-manager profile update -g ${estate.steering.trafficManager!.resourceGroup} -n ${estate.steering.trafficManager!.profile} --ttl 30`,
    })
  }
  if (state.cname?.ttl !== undefined && state.cname.ttl > MAX_TTL) {
    findings.push({
      rule: 'cname-ttl',
      severity: 'error',
      observed: `CNAME ${state.cname.fqdn} TTL is ${state.cname.ttl}s`,
      expected: `at most ${MAX_TTL}s, so clients follow a repoint quickly (the 1-hour default strands them)`,
      remedy: `Lower the record set's TTL: az network private-dns record-set cname update -g ${estate.cname!.resourceGroup} -z ${estate.cname!.zone} -n ${estate.cname!.name} --set ttl=30`,
    })
  }
  const owner = addressOwners(state)
  for (const r of Object.values(state.regions)) {
    if (!r.endpoints) continue
    const declared = new Map(estate.regions[r.region]?.crossRegion.map((x) => [x.name.toLowerCase(), x]) ?? [])
    // The runbook's own expectation naming another region's address: verdicts and remedies built on it would be wrong.
    for (const [name, expected] of Object.entries(estate.regions[r.region]?.expect ?? {})) {
      const o = owner.get(expected)
      if (!o || o.region === r.region || declared.has(name.toLowerCase())) continue
      const own = zoneGroupAddresses(r, name)
      findings.push({
        rule: 'expected-ip-elsewhere',
        severity: 'error',
        region: r.region,
        observed: `the runbook expects ${r.region} to resolve ${name} to ${expected}, which ${o.region}'s endpoint ${o.endpoint} wrote${own ? `; ${r.region}'s own zone group wrote ${own.join(', ')}` : ''}`,
        expected: `each region's expected IP is one its own private endpoints' zone groups wrote`,
        remedy: own
          ? `Correct estate.regions.${r.region}.expect["${name}"] to ${own.join(', ')} (what ${r.region}'s zone group wrote).`
          : `Correct estate.regions.${r.region}.expect["${name}"] to the address ${r.region}'s own endpoint for it has, or declare the dependency in estate.regions.${r.region}.crossRegion.`,
      })
    }
    for (const n of r.names) {
      for (const ip of n.addresses) {
        const o = owner.get(ip)
        if (o && o.region !== r.region && !declared.has(n.name.toLowerCase())) {
          findings.push({
            rule: 'cross-region-dependency',
            severity: 'error',
            region: r.region,
            observed: `${r.region} resolves ${n.name} to ${ip}, ${o.region}'s endpoint ${o.endpoint}`,
            expected: `${r.region} resolves it through its own private endpoint, or the dependency is declared in estate.regions.${r.region}.crossRegion`,
            remedy: `Give ${r.region} its own private endpoint for ${n.name} (Pattern A), or declare it as a Pattern-B exception with a reason and a cost owner.`,
          })
        }
        if (!o && r.endpoints.length > 0 && !declared.has(n.name.toLowerCase())) {
          findings.push({
            rule: 'no-local-endpoint',
            severity: 'warning',
            region: r.region,
            observed: `${r.region} resolves ${n.name} to ${ip}, which none of the runbook's private endpoints wrote`,
            expected: `a zone-group record of one of ${r.region}'s private endpoints (hand-written records are not reaped with the endpoint)`,
            remedy: `Create ${r.region}'s endpoint with a private DNS zone group, or list the endpoint under estate.regions.${r.region}.privateEndpoints.`,
          })
        }
      }
    }
  }
  return findings
}
