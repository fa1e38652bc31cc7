// oclif help with the contract's exit-code table appended to the root help and to every command's help.
import {type Command, Help} from '@oclif/core'
import {EXIT_CODES} from '../errors.ts'

export default class AzfailHelp extends Help {
  private exitCodes(): string {
    return this.section('EXIT CODES', EXIT_CODES.map((e) => [String(e.code), e.meaning]))
  }

  override formatRoot(): string {
    return `${super.formatRoot()}\n\n${this.exitCodes()}`
  }

  /** Root help lists every command, topics' commands included, so one screen shows the whole tool. */
  protected override async showRootHelp(): Promise<void> {
    this.log(this.formatRoot())
    this.log('')
    this.log(this.formatCommands(this.sortedCommands.filter((c) => !c.hidden)))
    this.log('')
  }

  protected override formatCommand(command: Command.Loadable): string {
    return `${super.formatCommand(command)}\n\n${this.exitCodes()}\n`
  }
}
