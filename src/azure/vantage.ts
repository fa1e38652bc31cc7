// A region's vantage: an existing VM, scale-set instance or AKS cluster inside the region's network, through which
// azfail resolves the region's expected names as its workloads do, with nothing but ARM between azfail and the region
// (VM run command, AKS command invoke). For where azfail runs without a path to the regions' resolvers: a hosted CI
// runner, a laptop off the VPN, or a night when the self-hosted runner in the failed region is gone with it.
//
// One command per region resolves a batch of names with getent (the host's resolver configuration: what its
// workloads see) and prints one line per name, framed by a begin and an end line that carry a nonce this run chose.
// The answer is read strictly: a line that does not parse, a name missing or repeated, a missing frame (Azure keeps
// only the last 4,096 bytes of a run command's output: a cut answer loses its begin line), or another nonce, and no
// name of the batch counts as answered. A vantage never makes a check pass that it did not answer in full.
import {randomBytes} from 'node:crypto'
import {isIPv4} from 'node:net'
import {UNREACHABLE} from '../estate/predicates.ts'
import type {NameCheck} from '../estate/state.ts'
import {setting} from '../inputs.ts'
import type {Vantage} from '../runbook/estate.ts'
import type {Clients} from './clients.ts'
import {runningClock} from './running-time.ts'

/** Names per command: their lines stay well inside the 4,096 bytes Azure keeps of a run command's output. */
export const NAMES_PER_COMMAND = 40

/** How long a region's vantage may take for all its names unless AZFAIL_VANTAGE_TIMEOUT says (run commands take 20-60 s on Azure). */
export const VANTAGE_TIMEOUT_MS = 180_000

/** What a name the vantage's getent found no address for says (NXDOMAIN, no A record, or a resolver that did not answer it). */
export const NO_ADDRESS = 'NOADDRESS'

export function vantageTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = setting('AZFAIL_VANTAGE_TIMEOUT', env)
  return seconds === undefined ? VANTAGE_TIMEOUT_MS : seconds * 1000
}

/** "VM vm-probe-eus2", "scale-set instance vmss-probe-wus2/0", "AKS cluster aks-app-eus2": how checks name the vantage they used. */
export function describeVantage(v: Vantage): string {
  if (v.vm) return `VM ${v.vm.name}`
  if (v.vmss) return `scale-set instance ${v.vmss.scaleSet}/${v.vmss.instanceId}`
  return `AKS cluster ${v.aks!.name}`
}

/** The ARM actions a vantage needs, for the permission table and doctor. */
export function vantageActions(v: Vantage): string[] {
  if (v.vm) return ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/runCommand/action']
  if (v.vmss) return ['Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read', 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action']
  return ['Microsoft.ContainerService/managedClusters/read', 'Microsoft.ContainerService/managedClusters/runcommand/action', 'Microsoft.ContainerService/managedClusters/commandResults/read']
}

/** The vantage's resource group and subscription, for scopes. */
export const vantageResource = (v: Vantage): {subscription?: string; resourceGroup: string} => (v.vm ?? v.vmss ?? v.aks)!

const quoted = (name: string) => `'${name.replace(/'/g, `'\\''`)}'`

/**
 * The POSIX shell script that resolves `names` and prints `azfail <nonce> <index> <getent exit> [address...]` for each,
 * between `azfail <nonce> begin <count>` and `azfail <nonce> end <count>`. Only shell builtins and getent: it runs in a
 * VM's run command and in AKS's command pod alike. `set -f`: an answer is never read as a file pattern.
 */
export function resolutionScript(names: string[], nonce: string): string {
  return [
    'set -f',
    `n=${nonce}`,
    `echo "azfail $n begin ${names.length}"`,
    'i=0',
    `for h in ${names.map(quoted).join(' ')}; do`,
    '  a=$(getent ahostsv4 "$h" 2>/dev/null); rc=$?',
    "  ips=''; prev=''",
    '  for w in $a; do [ "$w" = STREAM ] && ips="$ips $prev"; prev=$w; done',
    '  echo "azfail $n $i $rc$ips"',
    '  i=$((i+1))',
    'done',
    `echo "azfail $n end ${names.length}"`,
  ].join('\n')
}

export type VantageReading = {answers: Array<{addresses: string[]; exit: number}>} | {malformed: string}

/** Reads a vantage's output for `names` strictly; anything short of a whole, well-formed answer is `malformed`. */
export function readResolutionOutput(output: string, names: string[], nonce: string): VantageReading {
  const prefix = `azfail ${nonce} `
  const lines = output.split(/\r?\n/).filter((l) => l.startsWith(prefix))
  const count = names.length
  if (lines[0] !== `${prefix}begin ${count}`) return {malformed: lines.some((l) => l.startsWith(`${prefix}begin `)) ? 'its begin line is not the first of its answer' : 'its answer has no begin line (cut short, or not this command\'s output)'}
  if (lines.at(-1) !== `${prefix}end ${count}`) return {malformed: 'its answer has no end line (cut short)'}
  const body = lines.slice(1, -1)
  if (body.length !== count) return {malformed: `it answered ${body.length} lines for ${count} names`}
  const answers: Array<{addresses: string[]; exit: number} | undefined> = new Array(count)
  for (const line of body) {
    const m = /^(\d{1,5}) (\d{1,3})((?: [^ ]+)*)$/.exec(line.slice(prefix.length))
    if (!m) return {malformed: `a line does not read as an answer: '${line.slice(0, 120)}'`}
    const index = Number(m[1])
    if (index >= count || answers[index]) return {malformed: `name number ${index} is answered ${index >= count ? 'though there is no such name' : 'twice'}`}
    const exit = Number(m[2])
    const addresses = m[3].split(' ').filter(Boolean)
    const bad = addresses.find((a) => !isIPv4(a))
    if (bad) return {malformed: `${names[index]}'s answer holds '${bad.slice(0, 60)}', not an IPv4 address`}
    if ((exit === 0) !== (addresses.length > 0)) return {malformed: `${names[index]}'s answer says getent exited ${exit} with ${addresses.length} addresses`}
    answers[index] = {addresses: [...new Set(addresses)], exit}
  }
  return {answers: answers as Array<{addresses: string[]; exit: number}>}
}

/** What one command through the vantage printed (its standard output), or why it has no output to read. */
type CommandOutput = {output: string} | {failed: string}

/** A VM's run command result: the StdOut status's message (Azure's documented shape), or a Linux agent's one message. */
function vmOutput(result: {value?: Array<{code?: string; level?: string; message?: string}>}): CommandOutput {
  const value = result.value ?? []
  const failed = value.find((s) => /\/failed$/i.test(s.code ?? '') || s.level === 'Error')
  if (failed) return {failed: `the run command failed (${failed.code ?? 'failed'}${failed.message ? `: ${failed.message.slice(-200)}` : ''})`}
  const stdout = value.find((s) => /StdOut/i.test(s.code ?? ''))
  if (stdout) return {output: stdout.message ?? ''}
  const message = value.map((s) => s.message ?? '').join('\n')
  const start = message.indexOf('[stdout]\n')
  if (start < 0) return {output: message}
  const end = message.indexOf('\n[stderr]', start)
  return {output: message.slice(start + '[stdout]\n'.length, end < 0 ? undefined : end)}
}

async function runThrough(vantage: Vantage, clients: Clients, script: string, abortSignal: AbortSignal): Promise<CommandOutput> {
  const options = {abortSignal, updateIntervalInMs: 500}
  const ref = vantageResource(vantage)
  const subscription = clients.for(ref.subscription)
  if (vantage.aks) {
    const aks = await subscription.containerService()
    const result = await aks.managedClusters.runCommand(ref.resourceGroup, vantage.aks.name, {command: script, context: ''}, options)
    if (!/^succeeded$/i.test(result.provisioningState ?? '')) return {failed: `the command ended ${result.provisioningState ?? 'without a state'}${result.reason ? `: ${result.reason.slice(0, 200)}` : ''}`}
    if (result.exitCode !== 0) return {failed: `the command exited ${result.exitCode}`}
    return {output: result.logs ?? ''}
  }
  const compute = await subscription.compute()
  const input = {commandId: 'RunShellScript', script: script.split('\n')}
  const result = vantage.vm
    ? await compute.virtualMachines.runCommand(ref.resourceGroup, vantage.vm.name, input, options)
    : await compute.virtualMachineScaleSetVMs.runCommand(ref.resourceGroup, vantage.vmss!.scaleSet, vantage.vmss!.instanceId, input, options)
  return vmOutput(result)
}

const why = (error: any): string => {
  if (error?.name === 'AbortError') return 'interrupted'
  if (error?.statusCode) return `HTTP ${error.statusCode}${error.code ? ` ${error.code}` : ''}`
  return String(error?.code ?? error?.message ?? error).split('\n')[0]
}

/**
 * Resolves `expect`'s names through the region's vantage, a batch per command, one command at a time (a VM runs one
 * run command at once), within `deadlineMs` of running time. Names whose batch was not answered in full are
 * UNREACHABLE with the reason; an answered name without addresses is NOADDRESS. Every check names the vantage.
 */
export async function checkNamesThrough(vantage: Vantage, expect: Record<string, string>, clients: Clients, options: {signal?: AbortSignal; deadlineMs?: number; nonce?: () => string} = {}): Promise<NameCheck[]> {
  const via = describeVantage(vantage)
  const entries = Object.entries(expect)
  const deadlineMs = options.deadlineMs ?? vantageTimeoutMs()
  const deadline = new AbortController()
  const clock = runningClock()
  clock.at(deadlineMs, () => deadline.abort())
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal
  const out: NameCheck[] = []
  try {
    for (let start = 0; start < entries.length; start += NAMES_PER_COMMAND) {
      const batch = entries.slice(start, start + NAMES_PER_COMMAND)
      const names = batch.map(([name]) => name)
      const nonce = options.nonce?.() ?? randomBytes(8).toString('hex')
      let result: CommandOutput
      try {
        result = signal.aborted ? {failed: 'not asked'} : await runThrough(vantage, clients, resolutionScript(names, nonce), signal)
      } catch (error) {
        if (options.signal?.aborted) throw Object.assign(new Error('The resolution was interrupted.'), {name: 'AbortError'})
        result = {failed: deadline.signal.aborted ? `no answer within ${deadlineMs / 1000}s` : why(error)}
      }
      if (deadline.signal.aborted && 'output' in result) result = {failed: `no answer within ${deadlineMs / 1000}s`}
      const reading: VantageReading = 'failed' in result ? {malformed: result.failed} : readResolutionOutput(result.output, names, nonce)
      batch.forEach(([name, expected], i) => {
        if ('malformed' in reading) {
          out.push({name, addresses: [], outcome: UNREACHABLE, detail: `${via}: ${reading.malformed}`, expected, ok: false, via})
          return
        }
        const {addresses, exit} = reading.answers[i]
        out.push({name, addresses, outcome: exit === 0 ? 'NOERROR' : NO_ADDRESS, ...(exit === 0 ? {} : {detail: `getent found no address (exit ${exit})`}), expected, ok: addresses.length > 0 && addresses.every((a) => a === expected), via})
      })
    }
  } finally {
    clock.stop()
  }
  return out
}
