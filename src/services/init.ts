// azfail init: discover the estate, write it as a commented runbook that the loader accepts, and nothing on error.
import {statSync} from 'node:fs'
import {relative, resolve} from 'node:path'
import type {Clients} from '../azure/clients.ts'
import {NothingToDiscover, discoverEstate} from '../azure/discover.ts'
import type {AzureTarget} from '../azure/target.ts'
import {type ReservedOutput, reserveOutput} from '../cli/paths.ts'
import {AzfailError, InputError} from '../errors.ts'
import {RunbookError, parseRunbook} from '../runbook/load.ts'
import {runbookText} from '../runbook/write.ts'

export interface InitResult {
  /** the file written, or '-' for stdout */
  output: string
  /** region key -> Azure location */
  regions: Record<string, string>
  /** what discovery chose and what it left out */
  choices: string[]
  text: string
}

/**
 * The file to write (undefined: stdout), checked before anything is read: an existing file is refused without --force;
 * a FIFO or a device (nothing to overwrite) is held open from the check to the write, so its reader waits for the text.
 */
export function outputFile(output: string | undefined, force: boolean): ReservedOutput | undefined {
  if (output === undefined || output === '-') return undefined
  const file = resolve(output)
  if (!force && statSync(file, {throwIfNoEntry: false})?.isFile()) {
    throw new InputError('OutputExists', `${output} already exists; azfail init does not overwrite it.`, 'Pass --force to replace it, or name another --output.')
  }
  return reserveOutput(file, '--output')
}

/** `subscriptions`: more to read besides the target's own (and, in a sandbox, every one it serves). */
export async function discoverRunbook(target: AzureTarget, clients: Clients, file: string | undefined, subscriptions: string[] = []): Promise<InitResult> {
  let discovery
  try {
    discovery = await discoverEstate(target, clients, [...subscriptions, ...(target.subscriptions ?? [])])
  } catch (error) {
    if (!(error instanceof NothingToDiscover)) throw error
    const where = [target.subscriptionId, ...subscriptions, ...(target.subscriptions ?? [])].filter((s, i, all) => all.findIndex((x) => x.toLowerCase() === s.toLowerCase()) === i)
    throw new AzfailError('not-ready', 'NothingToDiscover', `Found ${error.message} in subscription ${where.join(', ')}: azfail drains a region at a steering layer, so there is no runbook to write.`, {
      hint: 'Name the subscription that holds the Traffic Manager or Front Door profile (--subscription), or write the runbook by hand from runbooks/demo.yaml.',
    })
  }
  const comments = [
    {path: [], text: `Discovered by 'azfail init' from ${target.kind === 'sandbox' ? 'the sandbox' : 'Azure'}, subscription ${target.subscriptionId} and the subscriptions its references lead to, on ${new Date().toISOString().slice(0, 10)}. Read the comments, check the choices, then 'azfail lint' and 'azfail gameday' it.`},
    {path: ['estate'], text: 'rto: 15m  # recovery-time objective: game-day practice runs report their measured time against it'},
    ...discovery.notes,
  ]
  const text = runbookText({name: discovery.name, estate: discovery.estate, comments}, file)
  // The loader is the judge: a name Azure allows but the runbook schema does not is said here, and nothing is written.
  const shown = file ? relative(process.cwd(), file) || file : '(stdout)'
  try {
    parseRunbook(text, shown)
  } catch (error) {
    if (!(error instanceof RunbookError)) throw error
    throw new AzfailError('failed', 'DiscoveredRunbookInvalid', `The discovered runbook does not validate, so nothing was written:\n${error.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`, {
      hint: 'This is a bug in azfail init or a name the runbook schema does not know; please report it with the message above.',
    })
  }
  const regions = Object.fromEntries(Object.entries(discovery.estate.regions).map(([k, r]) => [k, r.location]))
  const choices = discovery.notes.filter((n) => n.tell).map((n) => n.text)
  // A teardown deletes what a region lists: the reader must know the lists hold every endpoint of the region's location.
  choices.push(`privateEndpoints lists every private endpoint in each region's location (${Object.values(discovery.estate.regions).reduce((n, r) => n + (r.privateEndpoints?.length ?? 0), 0)} in all): check them before a teardown.`)
  return {output: file ?? '-', regions, choices, text}
}

