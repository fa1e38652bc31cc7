// Consent is explicit: --yes, or an answer at a terminal prompt that lists what will change. No TTY and no --yes
// is a refusal, never a hang.
import {createInterface} from 'node:readline/promises'
import {InputError} from '../errors.ts'

export async function confirmChanges(changes: string[], options: {yes: boolean; what: string}): Promise<boolean> {
  if (options.yes) return true
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new InputError('ConsentRequired', `${options.what} changes things and there is no terminal to ask for consent; nothing was changed.`, 'Re-run with --yes to proceed, or --dry-run to see the plan.')
  }
  process.stderr.write(`${options.what} will change:\n${changes.map((c) => `  - ${c}`).join('\n')}\n`)
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await rl.question('Proceed? [y/N] ')
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
