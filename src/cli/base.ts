// The base of every azfail command: shared flags, the one --json envelope, the error -> exit-code mapping.
import {Command, Flags, type Interfaces} from '@oclif/core'
import {createClients, type Clients} from '../azure/clients.ts'
import {type AzureTarget, type CloudName, CLOUDS, DEFAULT_STATE_DIR, TargetError, azureTarget, sandboxTarget} from '../azure/target.ts'
import {AzfailError, type ErrorStatus, exitCodeOf} from '../errors.ts'
import {type LoadedRunbook, loadRunbook, locateRunbook} from '../runbook/load.ts'

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

  /** A warning goes to stderr now and into the JSON envelope's `warnings`. */
  protected note(message: string): void {
    this.warnings.push(message)
    if (!this.jsonEnabled()) this.logToStderr(`warning: ${message}`)
  }

  protected runbookFrom(flags: {runbook?: string; sandbox: boolean}): LoadedRunbook {
    return loadRunbook(locateRunbook(flags.runbook, flags.sandbox))
  }

  /** Azure or the sandbox, per --sandbox; closed when the command ends. */
  protected async connect(
    flags: {sandbox: boolean; 'state-dir': string; subscription?: string; cloud: CloudName},
    runbook?: LoadedRunbook,
  ): Promise<{target: AzureTarget; clients: Clients}> {
    const target = flags.sandbox
      ? await sandboxTarget(flags['state-dir'])
      : await azureTarget({subscription: flags.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? runbook?.runbook.estate.subscription, cloud: flags.cloud})
    this.closers.push(() => target.close())
    return {target, clients: createClients(target)}
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
    const e = describeError(err)
    process.exitCode = exitCodeOf(e.status)
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err))
      return
    }
    this.logToStderr(`azfail: ${e.message}`)
    if (e.hint) this.logToStderr(`  next: ${e.hint}`)
    if (e.code === 'InternalError' && err.stack) this.logToStderr(err.stack)
  }
}

/** Maps anything thrown to the contract's status, code and message; never includes a token. */
export function describeError(err: any): DescribedError {
  if (err instanceof AzfailError) return {status: err.status, code: err.code, message: err.message, hint: err.hint, guard: err.guard}
  if (err instanceof TargetError) return {status: 'invalid', code: 'NoSubscription', message: err.message, hint: err.hint}
  if (err?.oclif?.exit === 2 || /Parse|Flag|Arg/.test(err?.constructor?.name ?? '')) {
    return {status: 'invalid', code: 'BadInput', message: String(err.message).split('\nSee more help')[0], hint: 'See --help for the flags and arguments.'}
  }
  if (err?.name === 'RestError') return describeRestError(err)
  if (['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError'].includes(err?.name)) {
    return {status: 'failed', code: 'AuthenticationFailed', message: `Could not get an Azure token: ${firstLine(err.message)}`, hint: "Sign in with 'az login', or set up managed or workload identity; or add --sandbox."}
  }
  return {status: 'failed', code: 'InternalError', message: `azfail hit an unexpected error: ${err?.message ?? err}`, hint: 'This is a bug in azfail; please report it with the output above.'}
}

function describeRestError(err: any): DescribedError {
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
  return {status: 'failed', code, message, ...(hint ? {hint} : {})}
}

const firstLine = (s: unknown) => String(s ?? '').split('\n')[0]
