// What a runbook says, as a digest a journal keeps, and what changed between two versions of it, by key.
import {createHash} from 'node:crypto'
import type {Runbook} from './schema.ts'

/** sha256 of the runbook's parsed content: comments and layout do not change it; any key or value does. */
export const runbookDigest = (runbook: Runbook): string => createHash('sha256').update(JSON.stringify(runbook)).digest('hex')

/** The keys whose values differ between two runbooks ("estate.regions.eus2.privateEndpoints[2]"), at most `limit`. */
export function changedKeys(before: unknown, after: unknown, limit = 12): string[] {
  const out: string[] = []
  const walk = (a: any, b: any, path: string) => {
    if (out.length >= limit || JSON.stringify(a) === JSON.stringify(b)) return
    const container = (x: unknown): x is Record<string, any> => x !== null && typeof x === 'object'
    if (!container(a) || !container(b) || Array.isArray(a) !== Array.isArray(b)) {
      out.push(`${path || '(the whole runbook)'}: ${JSON.stringify(a) ?? 'absent'} -> ${JSON.stringify(b) ?? 'absent'}`)
      return
    }
    const keys: Array<string | number> = Array.isArray(a) && Array.isArray(b) ? [...Array(Math.max(a.length, b.length)).keys()] : [...new Set([...Object.keys(a), ...Object.keys(b)])]
    for (const k of keys) walk(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : String(k))
  }
  walk(before, after, '')
  return out
}
