import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {AzfailCommand} from '../cli/base.ts'

export default class Init extends AzfailCommand {
  static override summary = 'Discover the estate from Azure, read-only, and write a commented runbook.'
  static override description = [
    "Reads, with the SDK clients' list operations and read permissions only: the Traffic Manager profile (or Front Door origin group) whose endpoints name the regions; each region's private endpoints and the names and private IPs their DNS zone groups wrote (the region's expect map); the PostgreSQL flexible read replica and its primary, the SQL failover group of the servers the endpoints connect to, the Cosmos DB account; and the private-DNS CNAME that leads to the PostgreSQL server.",
    'Where it finds several candidates it chooses deterministically (the profile with the most regions, then by name) and says what it chose and left out, in the file and on stderr. Settings it cannot discover (resolvers, connection drain, rto) get commented defaults.',
    'The runbook goes to --output, or stdout (- or no --output). An existing file is kept unless --force; nothing is written when discovery fails. Exit 4 when the subscription has no steering profile with two regions.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> init --output prod.yaml',
    '<%= config.bin %> init --sandbox --output demo.yaml && <%= config.bin %> lint demo.yaml --sandbox',
    '<%= config.bin %> init --subscription 00000000-0000-0000-0000-000000000000 > prod.yaml',
    '<%= config.bin %> init --subscription <shared-services> --subscription <spoke-eus2> --subscription <spoke-wus2> --output prod.yaml',
    '<%= config.bin %> sandbox reset --estate hub-spoke --yes && <%= config.bin %> init --sandbox --output hub-spoke.yaml',
  ]

  static override flags = {
    output: Flags.string({char: 'o', summary: 'Write the runbook to this file; - (or no --output) prints it to stdout.'}),
    force: Flags.boolean({default: false, summary: 'Replace --output if it exists.'}),
    subscription: Flags.string({
      multiple: true,
      summary: 'A subscription to read (repeatable); the first is the default (else AZURE_SUBSCRIPTION_ID).',
      description: 'Discovery also follows the references it finds into other subscriptions: the steering endpoints\' targets, the zones the zone groups write to, a replica\'s source, a failover group\'s partner. Name the subscriptions whose private endpoints and data servers nothing refers to. In the sandbox, every subscription it serves is read.',
      helpGroup: 'GLOBAL',
    }),
  }

  async run(): Promise<{output: string; written: boolean; regions: Record<string, string>; choices: string[]; runbook?: string}> {
    const {flags} = await this.parse(Init)
    const {discoverRunbook, outputFile} = await import('../services/init.ts')
    const output = outputFile(flags.output, flags.force)
    const file = output && flags.output ? resolve(flags.output) : undefined
    let result
    try {
      const [first, ...more] = flags.subscription ?? []
      const {target, clients} = await this.connect({...flags, subscription: first})
      result = await discoverRunbook(target, clients, file, more)
      if (!this.jsonEnabled()) for (const c of result.choices) this.logToStderr(`init: ${c}`)
      if (output) {
        output.write(result.text)
        if (!this.jsonEnabled()) this.logToStderr(`wrote ${flags.output}: ${Object.keys(result.regions).length} regions (${Object.keys(result.regions).join(', ')}); 'azfail lint ${flags.output}' checks it`)
      } else if (!this.jsonEnabled()) {
        process.stdout.write(result.text)
      }
    } finally {
      output?.release()
    }
    const {text, ...rest} = result
    return {...rest, written: Boolean(file), ...(file ? {} : {runbook: text})}
  }
}
