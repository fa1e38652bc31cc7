// A mistyped command (`azfail drian`): say which command was meant, by the distance @oclif/plugin-not-found uses, and
// exit 2 (bad input). Never run the guess: the plugin asks "Did you mean drain?" with yes as the default, and for a
// failover tool an Enter pressed at 3 a.m. must not turn a typo into a drain.
import {type Hook, toConfiguredId} from '@oclif/core'
import levenshtein from 'fast-levenshtein'
import {terminalText} from '../report/escape.ts'

const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)

const hook: Hook.CommandNotFound = async function (opts) {
  // With spaces as topic separators, `azfail drian eus2` arrives as the id drian:eus2: the best match over every prefix of
  // the words is the command meant, and the words after it are its arguments.
  const words = opts.id.split(':')
  const visible = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  const [best] = words
    .map((_, k) => words.slice(0, k + 1).join(':'))
    .flatMap((typed) => visible.map((id) => ({id, typed, distance: levenshtein.get(typed, id, {useCollator: true})})))
    .sort((a, b) => a.distance - b.distance)
  const {bin} = opts.config
  const meant = best && [bin, toConfiguredId(best.id, opts.config), ...[...words.slice(best.typed.split(':').length), ...(opts.argv ?? [])].map(shellWord)].join(' ')
  process.stderr.write(terminalText(`${bin}: no command '${toConfiguredId(best?.typed ?? opts.id, opts.config)}'.${meant ? ` Did you mean: ${meant}` : ''}\n  next: '${bin} help' lists every command.\n`))
  this.exit(2)
}

export default hook
