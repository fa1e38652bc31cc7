// Asks a region's resolver, over DNS, what a name resolves to: Node's c-ares resolver pointed at that one server.
import {Resolver} from 'node:dns/promises'
import type {NameAnswer} from '../estate/state.ts'

const OUTCOMES: Record<string, string> = {ENOTFOUND: 'NXDOMAIN', ENODATA: 'NODATA', ETIMEOUT: 'TIMEOUT', ESERVFAIL: 'SERVFAIL', EREFUSED: 'REFUSED', ECONNREFUSED: 'REFUSED'}

export function resolverFor(server: string, timeoutMs = 1500): Resolver {
  const resolver = new Resolver({timeout: timeoutMs, tries: 2})
  resolver.setServers([server.includes(':') ? server : `${server}:53`])
  return resolver
}

export async function resolveName(resolver: Resolver, name: string): Promise<NameAnswer> {
  try {
    const records = await resolver.resolve4(name, {ttl: true})
    return {name, addresses: records.map((r) => r.address), ttl: Math.min(...records.map((r) => r.ttl)), outcome: 'NOERROR'}
  } catch (error: any) {
    return {name, addresses: [], outcome: OUTCOMES[error.code] ?? error.code ?? 'ERROR'}
  }
}
