// oclif help with the contract's exit-code table appended to the root help and to every command's help.
import {type Command, Help} from '@oclif/core'
import {EXIT_CODES} from '../errors.ts'
import {terminalText} from '../report/escape.ts'

export default class AzfailHelp extends Help {
  private exitCodes(): string {
    return this.section('EXIT CODES', EXIT_CODES.map((e) => [String(e.code), e.meaning]))
  }

  /** How a run ends on a signal, and the bound of every request: the same for every command. */
  private interrupts(): string {
    return this.section('SIGNALS AND TIMEOUTS', [
      ['Ctrl-C, SIGTERM', "abort the requests in flight within 2 s; a run ends interrupted (exit 5) and prints 'azfail resume <id>'"],
      ['a second Ctrl-C', 'exits at once (130) without waiting for the run to wind down; the journal is still closed as interrupted'],
      ['AZFAIL_REQUEST_TIMEOUT', 'seconds one ARM read may take (default 10; writes get 3x); a region that timed out or answered 5xx is not retried'],
    ])
  }

  /** `azfail help <words>`: a command that does not exist is named in the error with its control characters escaped. */
  override async showHelp(argv: string[]): Promise<void> {
    return super.showHelp(argv.map((a) => terminalText(a)))
  }

  override formatRoot(): string {
    return `${super.formatRoot()}\n\n${this.exitCodes()}\n\n${this.interrupts()}`
  }

  /** Root help lists every command, topics' commands included, so one screen shows the whole tool. */
  protected override async showRootHelp(): Promise<void> {
    this.log(this.formatRoot())
    this.log('')
    this.log(this.formatCommands(this.sortedCommands.filter((c) => !c.hidden)))
    this.log('')
  }

  protected override formatCommand(command: Command.Loadable): string {
    return `${super.formatCommand(command)}\n\n${this.exitCodes()}\n\n${this.interrupts()}\n`
  }
}
