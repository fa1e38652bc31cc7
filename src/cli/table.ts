// Tables for human output on stdout. cli-table3 lays them out; this module only decides how wide each column may be so
// a table fits TABLE_WIDTH columns, and wraps a long cell inside its column (wrap-ansi: at spaces, breaking only a word
// longer than the column, so nothing is cut off).
import Table from 'cli-table3'
import stringWidth from 'string-width'
import wrapAnsi from 'wrap-ansi'
import {terminalField} from '../report/escape.ts'

/** Tables never get wider than this, nor than a terminal narrower than it. */
export const TABLE_WIDTH = 120
const GAP = '  '
const NO_BORDER = {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', right: '', 'right-mid': ''}

/** The width tables get on this stdout: TABLE_WIDTH, or a terminal's width when it is narrower (and usable). */
export function tableWidth(stream: {isTTY?: boolean; columns?: number} = process.stdout): number {
  const columns = stream.isTTY ? (stream.columns ?? 0) : 0
  return columns >= 40 ? Math.min(columns, TABLE_WIDTH) : TABLE_WIDTH
}

/** A remedy that ends in a command ("Lower the TTL: az network ... --set ttl=30"). */
const TRAILING_COMMAND = /^(.*?):\s+((?:az|azfail)\s.+)$/s

/**
 * What to do about each failure, after its table: a remedy gets the whole width instead of a narrow column, and a
 * command it ends with gets lines of its own, continued with ' \\' where it is too long, so it pastes into a shell as
 * it is. Failures that share a remedy share its paragraph.
 */
export function remedies(items: Array<{name: string; remedy?: string}>, width = tableWidth()): string[] {
  const byRemedy = new Map<string, string[]>()
  for (const i of items) if (i.remedy) byRemedy.set(terminalField(i.remedy), [...(byRemedy.get(terminalField(i.remedy)) ?? []), terminalField(i.name)])
  const indent = (text: string, by: string) => text.replace(/^/gm, by)
  return [...byRemedy].flatMap(([remedy, names]) => {
    const [, prose, command] = TRAILING_COMMAND.exec(remedy) ?? [remedy, remedy]
    return [
      wrapAnsi(`${names.join(', ')}:`, width, {hard: true}),
      indent(wrapAnsi(command ? `${prose}:` : prose, width - 2, {hard: true}), '  '),
      ...(command ? [indent(wrapAnsi(command, width - 6, {trim: true}).replaceAll('\n', ' \\\n'), '    ')] : []),
    ]
  })
}

export function table(headers: string[], rows: string[][], width = tableWidth()): string {
  // Each cell is one field: bounded, its control characters shown as escapes (wrap-ansi would keep them whole).
  const cells = rows.map((r) => headers.map((_, i) => terminalField(r[i] ?? '')))
  const natural = headers.map((h, i) => Math.max(stringWidth(h), ...cells.map((r) => Math.max(0, ...r[i].split('\n').map((l) => stringWidth(l))))))
  const widths = fairWidths(natural, width - GAP.length * (headers.length - 1))
  const t = new Table({
    head: headers,
    colWidths: widths,
    style: {head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0},
    chars: {...NO_BORDER, mid: '-', 'mid-mid': GAP, middle: GAP},
  })
  t.push(...cells.map((r) => r.map((c, i) => wrapAnsi(c, widths[i], {hard: true, trim: true}))))
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
}

/**
 * Max-min fair shares of `room`: a column narrower than an equal share keeps its natural width, and the wider ones
 * split what is left equally, so short columns (status, duration) never wrap because a long one (a remedy) is long.
 */
function fairWidths(natural: number[], room: number): number[] {
  const widths = natural.map((n) => Math.max(n, 1))
  let open = widths.map((_, i) => i).sort((a, b) => widths[a] - widths[b])
  let left = room
  while (open.length > 0) {
    const share = Math.floor(left / open.length)
    if (widths[open[0]] <= share) {
      left -= widths[open[0]]
      open = open.slice(1)
      continue
    }
    // What is left is shared equally; the remainder goes one column each to the narrowest, which it may make whole.
    open.forEach((i, k) => (widths[i] = Math.max(1, share + (k < left - share * open.length ? 1 : 0))))
    break
  }
  return widths
}
