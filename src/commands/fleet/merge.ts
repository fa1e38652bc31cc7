import {Args, Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {checkWritableDir} from '../../cli/paths.ts'
import type {FleetReport} from '../../services/fleet.ts'

export default class FleetMerge extends AzfailCommand {
  static override summary = "Merge the run journals of a fleet's jobs (one per runbook, e.g. a CI matrix) into one fleet report."
  static override description = [
    "Reads every run journal (.azfail/runs/<id>/run.json) under the directories given, and each job's --json report (report.json) beside it for what still lives in the region. With --fleet, the runs are ordered into the fleet's waves and a runbook with no run is reported not started.",
    'A journal that is not one azfail wrote, a run found twice, two runs of one runbook, or runs of different actions or regions are refused (exit 2): nothing is merged. The exit code is the worst (highest) of the runs\'.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> fleet merge artifacts/* --report-dir fleet-report',
    '<%= config.bin %> fleet merge artifacts/* --fleet fleet.yaml --json',
  ]

  static override strict = false
  static override args = {dirs: Args.string({description: "directories holding the jobs' journals (their artifacts)", required: true})}
  static override flags = {
    fleet: Flags.string({summary: "Order the runs into this fleet file's waves, and report its runbooks that have no run as not started.", helpValue: 'FILE'}),
    'report-dir': Flags.string({summary: 'Write fleet.json and summary.md here.', helpValue: 'DIR'}),
  }

  async run(): Promise<FleetReport & {reports?: {json: string; markdown: string}}> {
    const {argv, flags} = await this.parse(FleetMerge)
    if (flags['report-dir'] !== undefined) checkWritableDir(flags['report-dir'], '--report-dir')
    const fleet = flags.fleet ? (await import('../../runbook/fleet.ts')).loadFleet(flags.fleet) : undefined
    const {mergeFleetRuns} = await import('../../services/fleet-merge.ts')
    const {fleetError} = await import('../../services/fleet.ts')
    const report = mergeFleetRuns(argv as string[], fleet)
    const reports = flags['report-dir'] ? (await import('../../report/fleet.ts')).writeFleetReports(flags['report-dir'], report) : undefined
    const out = {...report, ...(reports ? {reports} : {})}
    if (!this.jsonEnabled()) {
      this.log((await import('../../cli/fleet-view.ts')).renderFleet(report))
      if (reports) this.log(`report: ${reports.json}\nreport: ${reports.markdown}`)
    }
    const error = fleetError(report)
    if (error) throw Object.assign(error, {report: out})
    return out
  }
}
