// Each place text leaves azfail has its encoder (src/report/escape.ts): the cases of issue 17, without a sandbox. The
// corpus through the real paths is test/e2e/hostile-text.test.ts.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {micromark} from 'micromark'
import {gfm, gfmHtml} from 'micromark-extension-gfm'
import {table} from '../../src/cli/table.ts'
import {junitXml} from '../../src/gameday/report.ts'
import {FIELD_MAX, bounded, mdCode, mdText, terminalField, visibleControls} from '../../src/report/escape.ts'
import type {GamedayResult} from '../../src/services/gameday.ts'

const gfmHtmlOf = (markdown: string) => micromark(markdown, {allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()]})

const checkWith = (observed: string) =>
  ({startedAt: '2026-12-06T00:00:00.000Z', checks: [{id: 'steering/wus2', category: 'steering', title: 'ep-wus2 is Online', status: 'failed', observed, expected: 'Online', remedy: observed}]}) as unknown as GamedayResult

describe('junit.xml', () => {
  it('has no CDATA section a value could end: every "]]>" and element-like text stays text', () => {
    const xml = junitXml(checkWith('A]]><injected-element/><![CDATA[ x]]>y'))
    assert.ok(!xml.includes('<![CDATA['), xml)
    assert.ok(!xml.includes('<injected-element'), xml)
    assert.match(xml, /<system-out>observed: A\]\]&gt;&lt;injected-element\/&gt;&lt;!\[CDATA\[ x\]\]&gt;y/)
  })

  it('shows the characters XML 1.0 forbids as escapes instead of dropping them', () => {
    const xml = junitXml(checkWith('nul\u0000 esc\u001b[2J bel\u0007 del\u007f'))
    assert.ok(!/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(xml), 'no forbidden character')
    assert.match(xml, /nul\\x00 esc\\x1b\[2J bel\\x07 del\\x7f/)
  })
})

describe('Markdown', () => {
  const corpus = ['<script>x()</script>', '<img src=x onerror=x()>', '<!-- rest hidden', '[a](javascript:x())', '![i](x.png)', '**b** _e_ `c` ~~s~~ $m$', 'https://evil.example www.evil.example a@b.example', '# heading', '- item', '1. item', 'a | b', '&amp; &#60;', 'back\\slash']

  it('renders each hostile text as itself in a table cell and a list item, creating nothing', () => {
    for (const text of corpus) {
      const html = gfmHtmlOf(`| a |\n|---|\n| ${mdText(text)} |\n\n- ${mdText(text)}\n`)
      const tags = [...new Set([...html.matchAll(/<([a-z][a-z0-9-]*)/g)].map((m) => m[1]))].sort()
      assert.deepEqual(tags, ['li', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul'], `${text} -> ${html}`)
      const shown = (html.match(/<td>(.*)<\/td>/)?.[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
      assert.equal(shown, text, `${text} -> ${html}`)
    }
  })

  it('puts a name in a code span that no backtick inside can end', () => {
    assert.equal(mdCode('a`b'), '``a`b``')
    assert.equal(gfmHtmlOf(mdCode('x`` <b>y</b>')), '<p><code>x`` &lt;b&gt;y&lt;/b&gt;</code></p>')
  })

  it('bounds a long value and says how long it was', () => {
    assert.equal(mdText('x'.repeat(FIELD_MAX + 5)), `${'x'.repeat(FIELD_MAX)}… (${FIELD_MAX + 5} characters)`)
  })
})

describe('terminal', () => {
  it('shows control sequences as escapes, keeps newline and tab, never splits a surrogate pair', () => {
    assert.equal(visibleControls('a\u001b]0;t\u0007b\u001b[2J\r\u009b\u202e\n\tz'), 'a\\x1b]0;t\\x07b\\x1b[2J\\x0d\\x9b\\u202e\n\tz')
    assert.equal(bounded(`${'a'.repeat(FIELD_MAX - 1)}😀tail`), `${'a'.repeat(FIELD_MAX - 1)}… (${FIELD_MAX + 4} characters)`)
    assert.equal(visibleControls('line\r\nnext\rover'), 'line\nnext\\x0dover', 'a Windows line end is a line end; a lone CR would overwrite the line')
    assert.equal(terminalField('ok'), 'ok')
  })

  it('bounds and escapes every table cell', () => {
    const out = table(['status'], [[`\u001b[2J${'v'.repeat(50_000)}`]])
    assert.ok(!out.includes('\u001b'), 'no ESC')
    assert.match(out.replace(/\s+/g, ''), /^status-+\\x1b\[2Jv+…\(50004characters\)$/)
  })
})

describe("a held lock's message, from a record anyone may write", () => {
  it('keeps each field on one line: a line break in the holder cannot forge a line of the message', async () => {
    const {LockHeldError} = await import('../../src/azure/state-records.ts')
    const forged = {holder: 'alice\nazfail: the lock is free; run with --force', runId: 'r1\r\nnext: x', action: 'drain', since: '2026-12-06T00:00:00Z', expires: `2026-12-06T00:02:00Z\u001b[2J`}
    for (const e of [new LockHeldError(forged), new LockHeldError(forged, true)]) {
      assert.doesNotMatch(`${e.message}${e.hint}`, /[\r\n\u001b]/)
      assert.match(e.message, /alice\\nazfail: the lock is free/)
    }
  })
})
