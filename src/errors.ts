// One actionable error shape: what went wrong, what to do next, the exit code the contract gives it.

export const EXIT_CODES = [
  {code: 0, status: 'succeeded', meaning: 'succeeded (or a dry run / game day whose checks all pass)'},
  {code: 1, status: 'failed', meaning: 'a step failed at run time (Azure error, timeout, verification failed)'},
  {code: 2, status: 'invalid', meaning: 'bad input: unknown flag or region, invalid runbook file'},
  {code: 3, status: 'refused', meaning: 'a guard refused: nothing was changed'},
  {code: 4, status: 'not-ready', meaning: 'dry run / game day found the estate not ready'},
  {code: 5, status: 'interrupted', meaning: "interrupted; 'azfail resume <id>' continues"},
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
