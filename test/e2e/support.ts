// Fixtures for end-to-end runs: a published sandbox with short TTLs, a fast copy of the demo runbook, and the CLI
// run from a work directory (so its journal lands there).
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DEMO_RUNBOOK} from '../../src/runbook/load.ts'
import {type CliResult, type TestSandbox, runCli, startTestSandbox, tempDir} from '../helpers.ts'

export interface E2E {
  sb: TestSandbox
  work: string
  runbook: string
  azfail(args: string[], options?: {env?: Record<string, string>; runbook?: string | null}): Promise<CliResult>
  json(args: string[]): Promise<{code: number | null; out: any; stderr: string}>
  writes(): Array<{method: string; path: string; status: number}>
  stop(): Promise<void>
}

/** A sandbox with 1 s TTLs and a runbook with a 1 s connection drain: the drain window is 2 s. */
export async function e2e(runbookEdit: (text: string) => string = (t) => t, options: {postgres?: boolean} = {}): Promise<E2E> {
  const sb = await startTestSandbox(tempDir(), {publish: true, ttl: 1, ...options})
  const work = tempDir('azfail-work-')
  const runbook = join(work, 'azfail.yaml')
  writeFileSync(runbook, runbookEdit(readFileSync(DEMO_RUNBOOK, 'utf8').replace('connectionDrainSeconds: 3', 'connectionDrainSeconds: 1')))
  const azfail: E2E['azfail'] = (args, options = {}) =>
    runCli([...args, '--sandbox', '--state-dir', sb.dir, ...(options.runbook === null ? [] : ['--runbook', options.runbook ?? runbook])], {cwd: work, env: {CI: 'true', ...options.env}})
  return {
    sb,
    work,
    runbook,
    azfail,
    json: async (args) => {
      const r = await azfail([...args, '--json'])
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
