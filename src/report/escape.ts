// Text from Azure, from runbook files and from flags is data wherever it leaves azfail: each place it goes gets its own
// encoder here (HTML's is esc in page.ts). Control characters are shown as visible escapes everywhere (`\x1b`, `\x00`,
// `\u202e`): a terminal must not obey them and XML 1.0 forbids most of them. A literal backslash is left as it is.

/** Longest value a terminal line or summary.md shows of one field; JSON, junit.xml and report.html keep the whole. */
export const FIELD_MAX = 1000

// C0 but tab and newline, DEL, C1, bidirectional overrides and isolates, line/paragraph separators, the non-characters
// XML forbids, and lone surrogates.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0')

/** Every control character as a visible escape: `\x1b`, `\x00`, `\u202e`; tab and newline stay, CRLF becomes a newline. */
export const visibleControls = (s: string): string => s.replace(/\r\n/g, '\n').replace(CONTROLS, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`))

/** A value cut to `max` characters, with an ellipsis and how long it was: "ab… (100000 characters)". */
export function bounded(s: string, max = FIELD_MAX): string {
  if (s.length <= max) return s
  const cut = /[\ud800-\udbff]/.test(s[max - 1]) ? max - 1 : max
  return `${s.slice(0, cut)}… (${[...s].length} characters)`
}

/** One field on a terminal: bounded, controls made visible. */
export const terminalField = (s: unknown): string => visibleControls(bounded(String(s ?? '')))

/** One field on a line of its own making (a record others write): as terminalField, and a line break shows as `\n`. */
export const terminalLine = (s: unknown): string => terminalField(s).replace(/\n/g, '\\n')

/** Text for a terminal that azfail composed from fields: controls made visible, newlines kept. */
export const terminalText = (s: unknown): string => visibleControls(String(s ?? ''))

/**
 * Text that renders as itself in CommonMark and GFM, on one line (a table cell, a list item, a sentence): bounded, `<`
 * `>` `&` as entities (no HTML, no comment, no autolink), Markdown punctuation backslash-escaped (no emphasis, code,
 * link, image, strikethrough, math, table cell break), a leading block marker escaped, and URLs that GFM would link
 * without brackets broken up.
 */
export function mdText(s: unknown): string {
  return visibleControls(bounded(String(s ?? '')))
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\\`*_[\]|~$@]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
    .replace(/^(#|[-+](?=[\s-]|$)|\d{1,9}[.)](?=\s|$))/, (m) => `${m.slice(0, -1)}\\${m.slice(-1)}`)
}

/** A Markdown code span showing the text as it is: fenced by more backticks than it contains, on one line, bounded. */
export function mdCode(s: unknown): string {
  const text = visibleControls(bounded(String(s ?? ''))).replace(/\s*[\r\n]+\s*/g, ' ')
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1)
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

/** Text for XML 1.0 element content or attributes, entity-escaped by the builder: the whole of it, controls visible. */
export const xmlText = (s: unknown): string => visibleControls(String(s ?? ''))
