import {Args, Flags} from '@oclif/core'
import type {OutageSpec, OutageState} from '#sandbox'
import {AzfailCommand} from '../../cli/base.ts'
import {runningSandbox} from '../../azure/target.ts'
import {InputError} from '../../errors.ts'
import {checkWritableDir} from '../../cli/paths.ts'

export default class SandboxOutage extends AzfailCommand {
  static override summary = "Take a sandbox region down as a regional outage does (its resource providers' ARM answers and its resolver), refuse Front Door's configuration changes, clear it, or show it."
  static override description =
    "A regional outage takes down the region's resource providers (PostgreSQL and SQL servers, the failover group read through the region's server, private endpoints, networks, the region's long-running operations) and its resolver; Traffic Manager, Front Door's reads, Private DNS, Microsoft.Authorization and Entra ID are global and keep answering. With a region and neither --arm nor --resolver, the region goes fully down: ARM 503 and a silent resolver. Works on the running sandbox, or on the state a sandbox will start from."

  static override examples = [
    '<%= config.bin %> sandbox outage eus2                       # ARM 503 and a silent resolver',
    '<%= config.bin %> sandbox outage eus2 --arm hang            # requests held until the outage ends (at most 10 min)',
    '<%= config.bin %> sandbox outage eus2 --arm drop --resolver refuse',
    '<%= config.bin %> sandbox outage eus2 --resolver none       # the resolver back, ARM still down',
    '<%= config.bin %> sandbox outage --front-door refuse        # origin updates refused, reads answered',
    '<%= config.bin %> sandbox outage --clear',
    '<%= config.bin %> sandbox outage                            # show the outage in force',
  ]

  static override args = {region: Args.string({description: 'the sandbox region to take down, e.g. eus2 (or its location, eastus2)'})}

  static override flags = {
    arm: Flags.string({summary: "How the region's resource providers answer: a 5xx status (e.g. 503), hang (hold each request until the outage ends, at most 10 min), drop (close the connection), or none (answer again)."}),
    resolver: Flags.option({options: ['silent', 'refuse', 'none'] as const, summary: "The region's resolver: silent (no answer over UDP or TCP), refuse (REFUSED), or none (answer again)."})(),
    'front-door': Flags.option({options: ['refuse', 'none'] as const, summary: "Front Door's control plane: refuse (writes answered 409, reads answered, as during AFD's 29 Oct 2025 incident) or none."})(),
    clear: Flags.boolean({default: false, summary: 'End every outage.'}),
  }

  async run(): Promise<OutageState & {stateDir: string; running: boolean}> {
    const {args, flags} = await this.parse(SandboxOutage)
    const change = outageChange(args.region, flags)
    const running = await runningSandbox(flags['state-dir'])
    if (change && !running) checkWritableDir(flags['state-dir'], '--state-dir')
    const {outageLines, sandboxOutage} = await import('#sandbox')
    const outage = await sandboxOutage(flags['state-dir'], running, change)
    if (!this.jsonEnabled()) this.log(outageLines(outage).join('\n'))
    return {...outage, stateDir: flags['state-dir'], running: Boolean(running)}
  }
}

/** The change the arguments ask for: a spec, 'clear', or nothing (show). */
function outageChange(region: string | undefined, flags: {arm?: string; resolver?: OutageSpec['resolver']; 'front-door'?: OutageSpec['frontDoor']; clear: boolean}): OutageSpec | 'clear' | undefined {
  const {arm, resolver, clear} = flags
  const frontDoor = flags['front-door']
  if (clear) {
    if (region || arm || resolver || frontDoor) throw new InputError('BadInput', '--clear ends every outage; it takes no region, --arm, --resolver or --front-door.', "Run 'azfail sandbox outage --clear' alone, then set the outage you want.")
    return 'clear'
  }
  if (!region && (arm || resolver)) throw new InputError('BadInput', '--arm and --resolver need the region they take down.', "e.g. 'azfail sandbox outage eus2 --arm hang'.")
  if (!region && !frontDoor) return undefined
  return {...(region ? {region} : {}), ...armOf(arm), ...(resolver ? {resolver} : {}), ...(frontDoor ? {frontDoor} : {})}
}

function armOf(arm: string | undefined): Pick<OutageSpec, 'arm' | 'status'> {
  if (arm === undefined) return {}
  if (/^5\d\d$/.test(arm)) return {arm: 'error', status: Number(arm)}
  if (arm === 'error' || arm === 'hang' || arm === 'drop' || arm === 'none') return {arm}
  throw new InputError('BadInput', `--arm '${arm}' is not a 5xx status, hang, drop or none.`, 'e.g. --arm 503, --arm hang.')
}
