// Consent is explicit: --yes, or an answer at a terminal prompt that lists what will change. No TTY and no --yes
// is a refusal, never a hang.
import {createInterface} from 'node:readline/promises'
import {InputError} from '../errors.ts'
import type {Change} from '../engine/types.ts'
import {terminalLine, terminalText} from '../report/escape.ts'
import {redact} from '../secrets.ts'

/** Asks a y/N question on the terminal; anything but y or yes is no. */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    return /^y(es)?$/i.test((await rl.question(terminalText(question))).trim())
  } finally {
    rl.close()
  }
}

export const hasTerminal = () => Boolean(process.stdin.isTTY && process.stderr.isTTY)

/**
 * A change as the prompt lists it, on one line: each value (from Azure or a file) bounded on its own, so a long one
 * hides neither the others nor what it becomes, and a line break in one shows as \n instead of forging a change.
 */
function changeLine(c: Change | string): string {
  const f = (value: string) => terminalLine(redact(value))
  return typeof c === 'string' ? f(c) : `${f(c.what)}: ${f(c.from)} -> ${f(c.to)}`
}

export async function confirmChanges(changes: Array<Change | string>, options: {yes: boolean; what: string; where?: string; waits?: string[]}): Promise<boolean> {
  if (options.yes) return true
  if (!hasTerminal()) {
    throw new InputError('ConsentRequired', `${options.what} changes things and there is no terminal to ask for consent; nothing was changed.`, 'Re-run with --yes to proceed, or --dry-run to see the plan.')
  }
  const waits = options.waits?.length ? `and will wait:\n${options.waits.map((w) => `  - ${terminalLine(redact(w))}`).join('\n')}\n` : ''
  process.stderr.write(terminalText(redact(`${options.what}${options.where ? ` on ${options.where}` : ''} will change:\n${changes.map((c) => `  - ${changeLine(c)}`).join('\n')}\n${waits}`)))
  return askYesNo('Proceed? [y/N] ')
}
