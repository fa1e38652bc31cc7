// One actionable error shape: what went wrong, what to do next, the exit code the contract gives it.

export const EXIT_CODES = [
  {code: 0, status: 'succeeded', meaning: 'succeeded (or a dry run / game day whose checks all pass)'},
  {code: 1, status: 'failed', meaning: 'a step failed at run time (Azure error, timeout, verification failed)'},
  {code: 1, status: 'partial', meaning: "partial: a steering layer refused its change; the others are drained, the message names the layer still sending traffic and the command that finishes it"},
  {code: 2, status: 'invalid', meaning: 'bad input: unknown flag or region, invalid runbook file'},
  {code: 3, status: 'refused', meaning: 'a guard refused: nothing was changed'},
  {code: 4, status: 'not-ready', meaning: 'dry run / game day found the estate not ready'},
  {code: 5, status: 'interrupted', meaning: "interrupted, or stopped before a manual action no person confirmed; 'azfail resume <id>' continues"},
  {code: 5, status: 'declined', meaning: 'declined: the person at the prompt answered no to the plan; nothing was changed (run the command again to be asked again)'},
  {code: 6, status: 'locked', meaning: 'another run holds the lock'},
] as const

export type ErrorStatus = (typeof EXIT_CODES)[number]['status']

export const exitCodeOf = (status: ErrorStatus): number => EXIT_CODES.find((e) => e.status === status)!.code

export class AzfailError extends Error {
  readonly code: string
  readonly status: ErrorStatus
  /** what the user can do about it */
  readonly hint?: string
  readonly guard?: string

  constructor(status: ErrorStatus, code: string, message: string, options: {hint?: string; guard?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.status = status
    this.code = code
    this.hint = options.hint
    this.guard = options.guard
  }

  get exitCode(): number {
    return exitCodeOf(this.status)
  }
}

/** Bad input: flags, regions, runbook files. Exit 2. */
export class InputError extends AzfailError {
  constructor(code: string, message: string, hint?: string) {
    super('invalid', code, message, {hint})
  }
}

/** A step failed against Azure or a check failed at run time. Exit 1. */
export class StepError extends AzfailError {
  constructor(code: string, message: string, options: {hint?: string; cause?: unknown} = {}) {
    super('failed', code, message, options)
  }
}

/** No way to reach the estate: no subscription, no sandbox. Exit 2. */
export class TargetError extends InputError {
  constructor(message: string, hint: string) {
    super('NoSubscription', message, hint)
  }
}

/** Azure answered a request with an error azfail could not turn into something more specific. Exit 1. */
export class AzureError extends AzfailError {
  readonly statusCode?: number

  constructor(code: string, message: string, options: {hint?: string; cause?: unknown; statusCode?: number} = {}) {
    super('failed', code, message, options)
    this.statusCode = options.statusCode
  }
}

/** No token could be had for Azure. Exit 1. */
export class AuthenticationError extends AzfailError {
  constructor(message: string, options: {cause?: unknown} = {}) {
    super('failed', 'AuthenticationFailed', message, {...options, hint: "Sign in with 'az login', or set up workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE); AZURE_TOKEN_CREDENTIALS names the one credential to use (managed identity only that way). 'azfail doctor' shows what was tried. Or add --sandbox."})
  }
}

/** A bug in azfail: anything thrown that no other class describes. Exit 1, with the stack. */
export class InternalError extends AzfailError {
  constructor(cause: unknown) {
    super('failed', 'InternalError', `azfail hit an unexpected error: ${(cause as Error)?.message ?? cause}`, {cause, hint: 'This is a bug in azfail; please report it with the output above.'})
  }
}

/** The endpoint or the network did not answer (connection refused, reset or timed out, name not found). Exit 1. */
export class UnreachableError extends AzfailError {
  constructor(code: string, message: string, options: {hint: string; cause?: unknown}) {
    super('failed', code, message, options)
  }
}

/** A condition of this machine (a disk full, a read-only place, a permission, a port in use), met at run time. Exit 1. */
export class MachineError extends AzfailError {
  constructor(code: string, message: string, options: {hint: string; cause?: unknown}) {
    super('failed', code, message, options)
  }
}

/** What each errno of a file or a port means, in words, and what the operator can do about it: the one table of them. */
const CONDITIONS: Record<string, {what: string; todo: string}> = {
  ENOSPC: {what: 'no space is left on its file system', todo: 'Free space there, or give azfail another place to write'},
  EDQUOT: {what: 'the disk quota is used up', todo: 'Free space within the quota, or give azfail another place to write'},
  EROFS: {what: 'it is on a read-only file system', todo: 'Give azfail a place on a writable file system'},
  EACCES: {what: 'permission denied', todo: 'Give azfail a place this user may write, or change the permissions'},
  EPERM: {what: 'the operation is not permitted', todo: 'Give azfail a place this user may write, or change the owner or permissions'},
  EISDIR: {what: 'it is a directory', todo: 'Name a file, not a directory'},
  ENOTDIR: {what: 'a part of the path is a file, not a directory', todo: 'Name a path whose parents are directories'},
  EEXIST: {what: 'something else already exists there', todo: 'Remove it or name another path'},
  ENAMETOOLONG: {what: 'the name is too long', todo: 'Name a shorter path'},
  ELOOP: {what: 'it goes through too many symbolic links', todo: 'Name a path without a symbolic-link loop'},
  EMFILE: {what: 'too many files are open in this process', todo: "Raise the limit ('ulimit -n')"},
  ENFILE: {what: 'too many files are open on this machine', todo: 'Close other programs, or raise the system limit'},
  EIO: {what: 'the device reported an input/output error', todo: 'Check the disk (dmesg), or give azfail another place to write'},
  ENXIO: {what: 'no program reads it (a FIFO without a reader) or the device is absent', todo: 'Start the reader first, or name a regular file'},
  EADDRINUSE: {what: 'another program already listens there', todo: "Stop that program (ss -ltnp shows it), or choose another port (leave --port out for a free one)"},
  EADDRNOTAVAIL: {what: 'that address is not on this machine', todo: 'Use a loopback address (127.0.0.0/8) this machine has'},
}

/** What a system call was doing, in words: "Cannot create the directory /x". */
const SYSCALL_VERBS: Record<string, string> = {open: 'open', write: 'write to', fsync: 'write to', mkdir: 'create the directory', mkdtemp: 'create a directory in', rename: 'write', copyfile: 'copy to', cp: 'copy to', unlink: 'remove', rmdir: 'remove', rm: 'remove', chmod: 'change the mode of', chown: 'change the owner of', symlink: 'link', scandir: 'list'}

/** The phrase for an errno, "no space is left on its file system (ENOSPC)", and what to do; undefined for a code not in the table. */
export function machineCondition(code: string | undefined): {what: string; todo: string} | undefined {
  const c = code ? CONDITIONS[code] : undefined
  return c && {what: `${c.what} (${code})`, todo: c.todo}
}

/**
 * A file or port error (a Node system error with a syscall), or one some error wraps, as a sentence naming the path or
 * the address and what to do; undefined when the error is something else.
 */
export function fromMachineCondition(err: unknown): MachineError | undefined {
  for (let e: any = err, depth = 0; e && depth < 6; e = e.cause, depth++) {
    if (e instanceof MachineError) return e
    if (typeof e.syscall !== 'string') continue
    const condition = machineCondition(e.code)
    if (!condition) continue
    if (e.syscall === 'listen' || e.syscall === 'bind') {
      const where = `${e.address ?? '127.0.0.1'}:${e.port ?? '?'}`
      // Binding a port below 1024 needs privileges a normal user lacks: that is what EACCES means for a port.
      const privileged = e.code === 'EACCES' || e.code === 'EPERM'
      return new MachineError(e.code, `Cannot listen on ${where}: ${privileged ? `ports below 1024 need privileges this user lacks (${e.code})` : condition.what}.`, {
        cause: err,
        hint: privileged ? 'Choose a port of 1024 or above, or leave --port out for a free one.' : `${condition.todo}.`,
      })
    }
    // a file operation only: a refused connect() is a network matter (unreachableEndpoint), not a place to write
    const verb = SYSCALL_VERBS[e.syscall]
    if (!verb) continue
    const path = e.dest ?? e.path
    return new MachineError(e.code, `Cannot ${path ? `${verb} ${path}` : e.syscall}: ${condition.what}.`, {cause: err, hint: `${condition.todo}, then run the command again.`})
  }
  return undefined
}

/** Codes of a request that got no HTTP answer at all. */
const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EPIPE', 'REQUEST_SEND_ERROR'])

export interface Unreachable {
  /** host:port that did not answer */
  host: string
  /** an Azure SDK request, so the host is the ARM endpoint */
  arm: boolean
  code: string
  detail: string
  /** the request that failed, e.g. "PUT /subscriptions/…/TXT/_azfail-drain-eus2" */
  request?: string
}

/**
 * What could not be reached, when an error (or one it wraps: an ARM write's AzureError, the engine's error for a step)
 * is a transport failure. An error that explains itself in its own words (a step's StepError) ends the search.
 */
export function unreachableEndpoint(err: unknown): Unreachable | undefined {
  for (let e: any = err, depth = 0; e && depth < 6; e = e.cause, depth++) {
    if (e instanceof AzfailError && !(e instanceof AzureError) && !('report' in e)) return undefined
    if (!TRANSPORT_CODES.has(e.code) || e.statusCode !== undefined || e.response !== undefined) continue
    const detail = String(e.message ?? e.code).split('\n')[0]
    if (e.name === 'RestError' && e.request?.url) {
      const url = new URL(e.request.url)
      return {host: url.host, arm: true, code: e.code, detail, request: `${e.request.method} ${decodeURIComponent(url.pathname)}`}
    }
    if (e.syscall) return {host: e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : (e.hostname ?? 'the endpoint'), arm: false, code: e.code, detail}
  }
  return undefined
}

/** "the ARM endpoint 127.0.0.1:8443 is unreachable (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8443, on GET /subscriptions/…)" */
export function describeUnreachable(u: Unreachable): string {
  return `${u.arm ? 'the ARM endpoint ' : ''}${u.host} is unreachable (${u.code}${u.detail.includes(u.code) ? '' : `: ${u.detail}`}${u.request ? `, on ${u.request}` : ''})`
}
