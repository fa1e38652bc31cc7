import {Args, Flags} from '@oclif/core'
import {RunCommand, runFlags, skipLayerFlag, skipped} from '../cli/run-command.ts'
import type {RunReport} from '../engine/types.ts'
import {stepKindsHelp} from '../steps/registry.ts'

export default class Drain extends RunCommand {
  static override summary = 'Drain a region: disable it at the steering layer, wait out TTL + connection drain, verify the survivors.'
  static override description = `Steps, in the safe order:
${stepKindsHelp('drain')}

--teardown adds teardownEndpoints, guarded. Refused: draining the last region still serving (last-region).

Each steering layer is changed on its own: if one refuses (a Front Door control-plane incident), the others stay
drained, the drain record names the drained layers, the wait and the verification run, and the run ends 'partial'
(exit 1, SteeringIncomplete) naming the layer still sending traffic and the command that finishes it; that command
changes only what is left. --skip-layer <layer> --reason "..." leaves a layer as it is, journaled with who and why.`

  static override examples = [
    '<%= config.bin %> drain eus2 --sandbox --yes',
    '<%= config.bin %> drain eus2 --dry-run --runbook prod.yaml',
    '<%= config.bin %> drain eus2 --teardown --yes --json',
    '<%= config.bin %> drain eus2 --skip-layer frontDoor --reason "Front Door control plane refusing changes" --yes',
  ]

  static override args = {region: Args.string({description: 'region key from the runbook, e.g. eus2', required: true})}
  static override flags = {...runFlags, ...skipLayerFlag, teardown: Flags.boolean({summary: 'Also tear down the region\'s private endpoints once drained (guarded).'})}

  async run(): Promise<RunReport> {
    const {args, flags} = await this.parse(Drain)
    return this.runAction(flags, 'drain', {region: args.region, teardown: flags.teardown, ...skipped(flags['skip-layer'])})
  }
}
