// A fleet's report for people: one line for the fleet, a table of its runbooks, and a display per runbook's run whose
// lines carry the runbook's name (runs of a wave go side by side, so one live view per run would overwrite another).
import type {FleetReport} from '../services/fleet.ts'
import {terminalField} from '../report/escape.ts'
import {chooseRenderer, runDisplay, type RunDisplay} from './renderer.ts'
import {table} from './table.ts'

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`)

export function renderFleet(r: FleetReport): string {
  const runbooks = r.waves.flatMap((w) => w.runbooks)
  const what = `${r.action}${r.region ? ` ${r.region}` : ''}${r.dryRun ? ' (dry run)' : ''}`
  const lines = [`fleet ${terminalField(r.fleet)}: ${what}: ${r.status}: ${r.waves.length} wave(s), ${runbooks.length} runbook(s) in ${seconds(r.durationMs)}${r.fleetRunId ? ` (fleet run ${r.fleetRunId})` : ''}`]
  const still = r.region ? `still in ${r.region}` : 'residue'
  lines.push(
    table(
      ['wave', 'runbook', 'status', 'run', 'RTO', r.action === 'gameday' ? 'failed checks' : still],
      runbooks.map((x) => [x.wave, x.name, x.status, x.runId ?? '', seconds(x.rtoMs), x.error?.message ?? (x.residue ? x.residue.map((e) => e.what).join('; ') || 'nothing' : '')]),
    ),
  )
  for (const x of runbooks) for (const c of x.changes ?? []) lines.push(`  ${terminalField(x.name)}: ${terminalField(c.what)}: ${terminalField(c.from)} -> ${terminalField(c.to)}`)
  return lines.join('\n')
}

/** One runbook's run display: plain lines on stderr, each led by the runbook's name; nothing with --json. */
export function fleetRunDisplay(quiet: boolean, name: string, out: {write(text: string): unknown} = process.stderr): RunDisplay {
  const lead = `[${terminalField(name)}] `
  return runDisplay(chooseRenderer(quiet) === 'silent' ? 'silent' : 'lines', {write: (text: string) => out.write(text.replace(/^(?=.)/gm, lead))})
}
