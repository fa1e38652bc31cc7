// A fleet's report as files: fleet.json (the result --json gives) and summary.md (a table per wave, for a CI job's
// summary). Text from journals and runbooks is escaped for Markdown where it leaves.
import {mkdirSync} from 'node:fs'
import {join, resolve} from 'node:path'
import type {FleetReport} from '../services/fleet.ts'
import {redact} from '../secrets.ts'
import {writeFileWhole} from '../write-whole.ts'
import {mdCode, mdText} from './escape.ts'

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`)

export function fleetMarkdown(r: FleetReport): string {
  const lines = [`# Fleet ${mdText(r.fleet)}: ${mdText(r.action)}${r.region ? ` ${mdText(r.region)}` : ''}: ${mdText(r.status)}`, '', `${r.waves.flatMap((w) => w.runbooks).length} runbook(s) in ${r.waves.length} wave(s), ${seconds(r.durationMs)} from the first start to the last end.`]
  for (const w of r.waves) {
    lines.push('', `## ${mdText(w.name)}`, '', `| runbook | status | run | RTO | still in ${mdText(r.region ?? 'the region')} |`, '|---|---|---|---|---|')
    for (const x of w.runbooks) lines.push(`| ${mdText(x.name)} | ${mdText(x.status)} | ${x.runId ? mdCode(x.runId) : ''} | ${seconds(x.rtoMs)} | ${x.residue ? mdText(x.residue.map((e) => e.what).join('; ') || 'nothing') : mdText(x.error?.message ?? '')} |`)
  }
  return lines.join('\n') + '\n'
}

export function writeFleetReports(dir: string, report: FleetReport): {json: string; markdown: string} {
  const out = resolve(dir)
  mkdirSync(out, {recursive: true})
  const paths = {json: join(out, 'fleet.json'), markdown: join(out, 'summary.md')}
  writeFileWhole(paths.json, redact(JSON.stringify(report, null, 2)) + '\n')
  writeFileWhole(paths.markdown, redact(fleetMarkdown(report)))
  return paths
}
