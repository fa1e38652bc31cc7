// Asks a region's resolver, over DNS, what a name resolves to: Node's c-ares resolver pointed at that one server.
import {Resolver} from 'node:dns/promises'
import {UNREACHABLE} from '../estate/predicates.ts'
import {setting} from '../inputs.ts'
import type {NameAnswer} from '../estate/state.ts'

const OUTCOMES: Record<string, string> = {ENOTFOUND: 'NXDOMAIN', ENODATA: 'NODATA', ESERVFAIL: 'SERVFAIL', EREFUSED: 'REFUSED'}
/** c-ares codes for a query that got no DNS answer at all: the resolver itself could not be reached. */
/** What a query whose tries all timed out says. */
export const NO_REPLY = 'no reply before the timeout'
const NO_ANSWER: Record<string, string> = {ECONNREFUSED: 'connection refused', ETIMEOUT: NO_REPLY}

/** How long one try of a DNS query waits for an answer (a query gets two tries) unless AZFAIL_DNS_TIMEOUT says. */
export const DNS_TIMEOUT_MS = 1500

/** AZFAIL_DNS_TIMEOUT (seconds per try): for resolvers that answer slowly, or a machine too busy to read them. */
export function dnsTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = setting('AZFAIL_DNS_TIMEOUT', env)
  return seconds === undefined ? DNS_TIMEOUT_MS : seconds * 1000
}

export function resolverFor(server: string, timeoutMs = dnsTimeoutMs()): Resolver {
  const resolver = new Resolver({timeout: timeoutMs, tries: 2})
  resolver.setServers([server.includes(':') ? server : `${server}:53`])
  return resolver
}

/** One name from one resolver; the signal (the run's interrupt) cancels the query in flight. */
export async function resolveName(resolver: Resolver, name: string, signal?: AbortSignal): Promise<NameAnswer> {
  const cancel = () => resolver.cancel()
  signal?.addEventListener('abort', cancel)
  try {
    const records = await resolver.resolve4(name, {ttl: true})
    return {name, addresses: records.map((r) => r.address), ttl: Math.min(...records.map((r) => r.ttl)), outcome: 'NOERROR'}
  } catch (error: any) {
    if (NO_ANSWER[error.code]) return {name, addresses: [], outcome: UNREACHABLE, detail: NO_ANSWER[error.code]}
    return {name, addresses: [], outcome: OUTCOMES[error.code] ?? error.code ?? 'ERROR'}
  } finally {
    signal?.removeEventListener('abort', cancel)
  }
}
