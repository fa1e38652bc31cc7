// Fixtures for end-to-end runs: a published sandbox with short TTLs, a fast copy of the demo runbook, and the CLI
// run from a work directory (so its journal lands there).
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DEMO_RUNBOOK} from '../../src/runbook/load.ts'
import {BIN, type CliResult, HANG_MS, type TestSandbox, eventually, runCli, startTestSandbox, tempDir} from '../helpers.ts'

export {HANG_MS} from '../helpers.ts'

export interface E2E {
  sb: TestSandbox
  work: string
  runbook: string
  azfail(args: string[], options?: {env?: Record<string, string>; runbook?: string | null; timeoutMs?: number}): Promise<CliResult>
  json(args: string[], options?: {timeoutMs?: number; runbook?: string}): Promise<{code: number | null; out: any; stderr: string}>
  writes(): Array<{method: string; path: string; status: number}>
  stop(): Promise<void>
}

/** A sandbox with 1 s TTLs and a runbook with a 1 s connection drain: the drain window is 2 s. */
/**
 * DNS tries of 3 s (1.5 s by default): on a loaded 2-core machine a region's answers, all of them, once took past the
 * 8 s a region's names get by default, and a healthy region was judged unreachable. Twice the default bounds a silent
 * resolver's judgement at about 8 s of c-ares tries (12 s at most), so the outage tests' bounds still hold; the
 * default itself is tested with silent and slow resolvers in unit/dns-timeout.test.ts and unit/unreachable.test.ts.
 */
export const PATIENT_DNS = {AZFAIL_DNS_TIMEOUT: '3'}

export async function e2e(runbookEdit: (text: string) => string = (t) => t, options: {postgres?: boolean} = {}): Promise<E2E> {
  const sb = await startTestSandbox(tempDir(), {publish: true, ttl: 1, ...options})
  const work = tempDir('azfail-work-')
  const runbook = join(work, 'azfail.yaml')
  writeFileSync(runbook, runbookEdit(readFileSync(DEMO_RUNBOOK, 'utf8').replace('connectionDrainSeconds: 3', 'connectionDrainSeconds: 1')))
  // The sandbox runs its PostgreSQL work (psql, pg_promote, base backups) inside the ARM requests it answers, so a
  // loaded machine can stretch a flexible server's read past the 10 s request timeout: these runs give ARM a minute.
  // The timeout itself is tested with a hung sandbox (interrupt.test.ts, outage.test.ts), not here.
  const slowArm: Record<string, string> = {...PATIENT_DNS, ...(options.postgres ? {AZFAIL_REQUEST_TIMEOUT: '60'} : {})}
  const azfail: E2E['azfail'] = (args, options = {}) =>
    runCli([...args, '--sandbox', '--state-dir', sb.dir, ...(options.runbook === null ? [] : ['--runbook', options.runbook ?? runbook])], {cwd: work, env: {CI: 'true', ...slowArm, ...options.env}, ...(options.timeoutMs ? {timeoutMs: options.timeoutMs} : {})})
  return {
    sb,
    work,
    runbook,
    azfail,
    json: async (args, options = {}) => {
      const r = await azfail([...args, '--json'], options)
      let out: any
      try {
        out = JSON.parse(r.stdout)
      } catch {
        throw new Error(`stdout is not one JSON object (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
      }
      return {code: r.code, out, stderr: r.stderr}
    },
    writes: () => sb.requests().filter((r) => r.method !== 'GET'),
    stop: () => sb.stop(),
  }
}

export const TM_EP = (region: string) => new RegExp(`azureEndpoints/ep-${region}$`, 'i')
export const FD_ORIGIN = (region: string) => new RegExp(`origins/origin-${region}$`, 'i')

/** Starts azfail in the background against this sandbox, as a second shell would; `closed` resolves to its exit code. */
export function spawnAzfail(t: E2E, args: string[], options: {cwd?: string; env?: Record<string, string>} = {}) {
  const child = spawn(process.execPath, [BIN, ...args, '--sandbox', '--state-dir', t.sb.dir, '--runbook', t.runbook], {cwd: options.cwd ?? t.work, env: {...process.env, CI: 'true', ...PATIENT_DNS, ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const closed = new Promise<number | null>((r) => child.once('close', r))
  return {child, closed, stdout: () => stdout, stderr: () => stderr}
}

/** The exports `azfail sandbox env --identity operator` gives, as the environment an eval would leave: the production path, at the sandbox. */
export async function exportsOf(t: E2E): Promise<Record<string, string>> {
  const r = await runCli(['sandbox', 'env', '--identity', 'operator', '--state-dir', t.sb.dir, '--json'])
  if (r.code !== 0) throw new Error(`azfail sandbox env failed (exit ${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout).result.environment
}

/** The journal events of a run in a work directory. */
export function journalEvents(work: string, runId: string): Array<{event: string; step?: {id: string; status: string; message?: string}; attempt: number}> {
  const file = join(work, '.azfail', 'runs', runId, 'journal.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l)]
    } catch {
      return []
    }
  })
}

/** The state zone of the demo estate, where the drain records and the lock live. */
export const STATE_ZONE = ['rg-connectivity-dns', 'private.postgres.database.azure.com'] as const
/**
 * A 6 s lease, renewed every 2 s: the lock tests' waits (a 13 s window) outlast it, and a run's process would have to
 * get no CPU for 4 s on a loaded machine before another operator could see its lease lapse.
 */
export const SHORT_LEASE = {AZFAIL_LOCK_LEASE_SECONDS: '6'}

/** The lock's TXT record set as it stands, or undefined when no run holds it. */
export async function lockRecord(t: E2E) {
  const dns = await t.sb.clients.privateDns()
  try {
    return await dns.recordSets.get(...STATE_ZONE, 'TXT', '_azfail-lock')
  } catch (error: any) {
    if (error.statusCode === 404) return undefined
    throw error
  }
}

/** One key=value field of a TXT record set azfail wrote. */
export const txtField = (rs: any, key: string): string => rs?.txtRecords?.[0]?.value?.find((v: string) => v.startsWith(`${key}=`))?.slice(key.length + 1)

/** A drain whose TTL window (1 s TTLs + `drain` s) is longer than a 2 s lease. */
export const longDrain = (drain = 6) => e2e((text) => text.replace('connectionDrainSeconds: 1', `connectionDrainSeconds: ${drain}`))

/** The id of the first run journaled in a work directory, once there is one. */
export async function runIdIn(work: string): Promise<string> {
  const dir = join(work, '.azfail', 'runs')
  return (await eventually(() => existsSync(dir) && readdirSync(dir)[0], HANG_MS)) as string
}

/** Resolves once the run has journaled the start of a step. */
export const startedStep = (work: string, runId: string, step: string) => eventually(() => journalEvents(work, runId).some((e) => e.event === 'started' && e.step?.id === step), HANG_MS)

/** A drain of eus2 killed (SIGKILL) while it waits out the TTL: its lock is left behind, the lease still running. */
export async function killedMidDrain(t: E2E): Promise<string> {
  const run = spawnAzfail(t, ['drain', 'eus2', '--yes'])
  const runId = await runIdIn(t.work)
  await startedStep(t.work, runId, 'waitOutTtl')
  run.child.kill('SIGKILL')
  await run.closed
  return runId
}
