import {resolve} from 'node:path'
import {Args, Flags} from '@oclif/core'
import {AzfailCommand} from '../../cli/base.ts'
import {type ReservedOutput, reserveOutput} from '../../cli/paths.ts'
import {renderReport, runFlags} from '../../cli/run-command.ts'
import {Journal} from '../../engine/journal.ts'
import type {RunMeta, StepRecord} from '../../engine/types.ts'
import {InputError} from '../../errors.ts'
import {redact} from '../../secrets.ts'

export default class RunsShow extends AzfailCommand {
  static override summary = 'Show one run: what was asked, by whom, each step with its plan, status and timing.'
  static override description = `--html prints a self-contained page (no network needed) and --md a Markdown record: the run's timeline (each
step's start, end, duration, status and message; the waits; the rto line of the runbook the run used), its overrides
and warnings, so an incident's run becomes its post-incident record.`

  static override examples = [
    '<%= config.bin %> runs show 20261121-221549-52c430',
    '<%= config.bin %> runs show 20261121-221549-52c430 --json',
    '<%= config.bin %> runs show 20261121-221549-52c430 --html --output incident.html',
    '<%= config.bin %> runs show 20261121-221549-52c430 --md >> postmortem.md',
  ]

  static override args = {id: Args.string({description: 'run id', required: true})}
  static override flags = {
    'runs-dir': runFlags['runs-dir'],
    html: Flags.boolean({summary: 'Print the run as a self-contained HTML page: its timeline, overrides and warnings.', exclusive: ['md']}),
    md: Flags.boolean({summary: 'Print the run as Markdown, for an issue or a post-incident review.', exclusive: ['html']}),
    output: Flags.string({char: 'o', summary: 'Write the --html or --md report to this file instead of stdout.'}),
  }

  async run(): Promise<RunMeta & {steps: StepRecord[]; report?: string}> {
    const {args, flags} = await this.parse(RunsShow)
    const format = flags.html ? 'html' : flags.md ? 'md' : undefined
    if (flags.output && !format) throw new InputError('OutputNeedsFormat', '--output writes the --html or --md report.', 'Add --html or --md.')
    if (format && this.jsonEnabled() && !flags.output) throw new InputError('ReportNeedsOutput', `--json prints the envelope on stdout, so the --${format} report needs a file.`, `Add --output run.${format === 'html' ? 'html' : 'md'}.`)
    const file = flags.output === undefined ? undefined : resolve(flags.output)
    const output = file === undefined ? undefined : reserveOutput(file, '--output')
    try {
      return await this.show(args.id, flags['runs-dir'], format, file, output)
    } finally {
      output?.release()
    }
  }

  private async show(id: string, runsDir: string, format: 'html' | 'md' | undefined, file: string | undefined, output: ReservedOutput | undefined): Promise<RunMeta & {steps: StepRecord[]; report?: string}> {
    const journal = Journal.open(runsDir, id)
    const meta = journal.meta()
    const steps = journal.steps()
    if (format) {
      const text = redact((await import('../../report/run.ts')).runReport(journal, format))
      if (!output || !file) {
        process.stdout.write(text)
        return {...meta, steps}
      }
      output.write(text)
      if (!this.jsonEnabled()) this.log(`report: ${file}`)
      return {...meta, steps, report: file}
    }
    if (!this.jsonEnabled()) {
      this.log(`requested by ${meta.principal} at ${meta.startedAt}, ${meta.attempts} attempt(s), runbook ${meta.runbook}, target ${meta.target.kind}`)
      this.log(renderReport({runId: meta.runId, action: meta.action, region: meta.region, dryRun: meta.dryRun, status: meta.status, steps, overrides: meta.overrides, warnings: []}))
    }
    return {...meta, steps}
  }
}
