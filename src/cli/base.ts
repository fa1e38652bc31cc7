// The base of every azfail command: shared flags, the one --json envelope, the error -> exit-code mapping.
import {format} from 'node:util'
import {readFileSync} from 'node:fs'
import {Command, Flags, type Interfaces} from '@oclif/core'
import {createClients, type Clients} from '../azure/clients.ts'
import {type AzureTarget, type CloudName, CLOUDS, DEFAULT_STATE_DIR, azureTarget, sandboxTarget, targetOn} from '../azure/target.ts'
import {AuthenticationError, AzfailError, AzureError, type ErrorStatus, InputError, InternalError, type Unreachable, UnreachableError, describeUnreachable, exitCodeOf, fromMachineCondition, unreachableEndpoint} from '../errors.ts'
import {terminalField, terminalText} from '../report/escape.ts'
import {checkEnvironmentFor, checkInputs} from '../inputs.ts'
import {type LoadedRunbook, loadRunbook, locateRunbook} from '../runbook/load.ts'
import {addEnvironmentSecrets, redact, redactDeep} from '../secrets.ts'
import {checkWritableDir} from './paths.ts'

export interface DescribedError {
  status: ErrorStatus
  code: string
  message: string
  hint?: string
  guard?: string
}

export abstract class AzfailCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    runbook: Flags.string({char: 'f', summary: 'Runbook file. Default: ./azfail.yaml, or the bundled demo runbook with --sandbox.', helpGroup: 'GLOBAL'}),
    sandbox: Flags.boolean({summary: 'Act on the embedded Azure sandbox instead of Azure.', helpGroup: 'GLOBAL'}),
    'state-dir': Flags.string({summary: 'Sandbox state directory.', default: DEFAULT_STATE_DIR, helpGroup: 'GLOBAL'}),
    subscription: Flags.string({summary: 'Azure subscription id (default: the runbook\'s, or AZURE_SUBSCRIPTION_ID).', helpGroup: 'GLOBAL'}),
    cloud: Flags.option({options: Object.keys(CLOUDS) as CloudName[], summary: 'Azure cloud.', default: 'AzurePublicCloud' as CloudName, helpGroup: 'GLOBAL'})(),
  }

  protected warnings: string[] = []
  private closers: Array<() => Promise<void>> = []

  override async init(): Promise<void> {
    addEnvironmentSecrets(process.env, (file) => readFileSync(file, 'utf8'))
    await super.init()
  }

  // What a command prints for people passes the redactor (no secret azfail holds, however quoted), then leaves its
  // control characters as escapes (text from Azure and from files).
  override log(message: unknown = '', ...args: unknown[]): void {
    super.log(terminalText(redact(format(message, ...args))))
  }

  override logToStderr(message: unknown = '', ...args: unknown[]): void {
    super.logToStderr(terminalText(redact(format(message, ...args))))
  }

  override logJson(json: unknown): void {
    super.logJson(redactDeep(json))
  }

  /** A warning goes to stderr now and into the JSON envelope's `warnings`. */
  protected note(message: string): void {
    this.warnings.push(message)
    if (!this.jsonEnabled()) this.logToStderr(`warning: ${terminalField(message)}`)
  }

  /** oclif's parse, then every flag, argument and variable checked (inputs.ts): bad input ends here, before Azure. */
  protected override async parse<F extends Record<string, any>, B extends Record<string, any>, A extends Record<string, any>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    checkInputs(parsed)
    return parsed
  }

  protected runbookFrom(flags: {runbook?: string; sandbox: boolean}): LoadedRunbook {
    return loadRunbook(locateRunbook(flags.runbook, flags.sandbox))
  }

  /** Azure or the sandbox, per --sandbox; closed when the command ends. */
  protected async connect(
    flags: {sandbox: boolean; 'state-dir': string; subscription?: string; cloud: CloudName},
    runbook?: LoadedRunbook,
  ): Promise<{target: AzureTarget; clients: Clients}> {
    if (runbook) {
      const {runbook: rb, file} = runbook
      checkEnvironmentFor({file, regions: Object.keys(rb.estate.regions), webhookVariables: (rb.notify ?? []).map((n) => n.urlEnv)})
    }
    if (flags.sandbox) checkWritableDir(flags['state-dir'], '--state-dir')
    const opened = flags.sandbox
      ? await sandboxTarget(flags['state-dir'])
      : await azureTarget({subscription: flags.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? runbook?.runbook.estate.subscription, cloud: flags.cloud})
    this.closers.push(() => opened.close())
    // A sandbox serving several estates (the fleet estate) is reached in the runbook's own subscription.
    const target = flags.sandbox ? targetOn(opened, runbook?.runbook.estate.subscription) : opened
    return {target, clients: createClients(target, {estate: runbook?.runbook.estate})}
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    for (const close of this.closers.splice(0)) await close().catch(() => {})
    return super.finally(err)
  }

  protected override toSuccessJson(result: unknown): unknown {
    return {status: 'succeeded', result, warnings: this.warnings}
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = describeError(err)
    const report = (err as {report?: unknown})?.report
    return {
      status: e.status,
      error: {code: e.code, message: e.message, ...(e.guard ? {guard: e.guard} : {}), ...(e.hint ? {hint: e.hint} : {})},
      ...(report ? {result: report} : {}),
      warnings: this.warnings,
    }
  }

  override async catch(err: Interfaces.CommandError): Promise<any> {
    const e = toAzfailError(err)
    process.exitCode = exitCodeOf(e.status)
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err))
      return
    }
    this.logToStderr(`azfail: ${terminalField(e.message)}`)
    if (e.hint) this.logToStderr(`  next: ${terminalField(e.hint)}`)
    if (e instanceof InternalError && err.stack) this.logToStderr(err.stack)
  }
}

/** Turns anything thrown into an AzfailError: the one place the contract's status, code and message are decided. */
export function toAzfailError(err: any): AzfailError {
  const unreachable = unreachableEndpoint(err)
  if (unreachable && (!(err instanceof AzfailError) || err.status === 'failed')) return fromUnreachable(err, unreachable)
  if (err instanceof AzfailError && !(err instanceof InternalError)) return err
  // A disk full, a read-only place, a port in use: a sentence naming the path or port, never "a bug".
  const machine = fromMachineCondition(err)
  if (machine) return machine
  if (err instanceof AzfailError) return err
  if (err?.oclif?.exit === 2 || /Parse|Flag|Arg/.test(err?.constructor?.name ?? '')) {
    // oclif's note about flags that take several values is wrong here: those flags are not greedy.
    const message = String(err.message).split('\nSee more help')[0].replace(/\n+Note: [\s\S]*allow multiple values[\s\S]*$/, '')
    return new InputError('BadInput', message, 'See --help for the flags and arguments.')
  }
  if (err?.name === 'RestError') return fromRestError(err)
  // A request azfail gave up on (no answer within AZFAIL_REQUEST_TIMEOUT, or its region already found down): an
  // observation, said as such, not a bug.
  if (err?.name === 'RequestGivenUp') {
    return new AzureError(err.code ?? 'RequestTimeout', `${firstLine(err.message)}.`, {
      cause: err,
      hint: "Azure did not answer in time: check the region's health (Azure Status, Service Health) and the network path from here, then run it again; AZFAIL_REQUEST_TIMEOUT gives each request longer on a slow link.",
    })
  }
  if (err?.name === 'SandboxControlError') return fromSandboxControl(err)
  if (['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError'].includes(err?.name)) {
    return new AuthenticationError(`Could not get an Azure token: ${firstLine(err.message)}`, {cause: err})
  }
  return new InternalError(err)
}

/** What the envelope and stderr show of an error; never includes a token. */
export function describeError(err: unknown): DescribedError {
  const e = toAzfailError(err)
  return {status: e.status, code: e.code, message: e.message, hint: e.hint, guard: e.guard}
}

function fromRestError(err: any): AzureError {
  const url = err.request?.url ? new URL(err.request.url) : undefined
  const where = url ? `${err.request.method} ${decodeURIComponent(url.pathname)}` : 'an Azure request'
  const code = err.code ?? (err.statusCode ? `HTTP${err.statusCode}` : 'AzureError')
  const message = `${where} failed: ${err.statusCode ?? ''} ${code}: ${firstLine(err.message)}`.replace(/\s+/g, ' ')
  const hint =
    err.statusCode === 401 || err.statusCode === 403
      ? 'Azure refused the credentials: check the signed-in principal and its role assignments (see README, permissions).'
      : err.statusCode === 404
        ? 'A resource the runbook names does not exist: check the names and resource groups in the runbook.'
        : undefined
  return new AzureError(code, message, {cause: err, statusCode: err.statusCode, ...(hint ? {hint} : {})})
}

/** No answer from ARM (or the sandbox): say so, name the host, and within a run name the command that continues it. */
function fromUnreachable(err: any, u: Unreachable): UnreachableError {
  const code = u.arm ? 'ArmUnreachable' : 'Unreachable'
  const check = `Check the network path from here to ${u.host} (VPN, proxy, firewall, DNS)`
  const run = err?.report as {runId: string; dryRun: boolean; steps: Array<{id: string; status: string}>} | undefined
  if (run?.runId && !run.dryRun) {
    const step = run.steps.findLast((s) => s.status === 'failed')?.id
    return new UnreachableError(code, `${step ? `${step} failed: ` : ''}${describeUnreachable(u)}.`, {
      cause: err,
      hint: `${check}, then 'azfail resume ${run.runId}' continues the run${step ? ` from ${step}` : ''}.`,
    })
  }
  const message = describeUnreachable(u)
  return new UnreachableError(code, `${message[0].toUpperCase()}${message.slice(1)}.`, {cause: err, hint: `${check}, then run the command again.`})
}

/** The sandbox's control endpoint answered with an error: its own explanation, and an exit code for what it means. */
function fromSandboxControl(err: {method: string; path: string; status: number; serverCode?: string; serverMessage?: string}): AzfailError {
  const message = `The sandbox refused ${err.method} ${err.path}: HTTP ${err.status}${err.serverCode ? ` ${err.serverCode}` : ''}: ${err.serverMessage ?? '(no explanation)'}`
  if (err.status === 409) {
    // Exit 6, as for 'sandbox start' over a running one: the sandbox running for the state dir is in the way, not the input.
    return new AzfailError('locked', 'SandboxConflict', message, {cause: err, hint: "A sandbox running for this state dir cannot do this while it runs: stop it (Ctrl-C where 'azfail sandbox start' runs), then try again."})
  }
  if (err.status === 400) return new AzfailError('invalid', 'SandboxBadRequest', message, {cause: err, hint: 'Check the values given; the message above says which one the sandbox rejected.'})
  return new AzfailError('failed', `SandboxHTTP${err.status}`, message, {cause: err, hint: "'azfail sandbox status' shows what runs for the state dir; 'azfail sandbox reset' restores the demo estate."})
}

const firstLine = (s: unknown) => String(s ?? '').split('\n')[0]
