// The HTML reports in headless Chromium (Debian's package; no browser download): a page loads with no console error
// and no request beyond its own file, the test reads its DOM, and a screenshot is kept under reports/.
import assert from 'node:assert/strict'
import {existsSync, statSync} from 'node:fs'
import {join} from 'node:path'
import type {TestContext} from 'node:test'
import type {Locator, Page} from 'playwright-core'
import {ROOT} from '../helpers.ts'

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))

/** False (and the test skipped) where there is no Chromium; in CI its absence fails the test. */
export function haveChromium(ctx: TestContext): boolean {
  if (CHROMIUM) return true
  if (process.env.CI) assert.fail("Chromium is required in CI: .ci/run installs Debian's chromium package")
  ctx.skip("no Chromium here: 'apt-get install chromium' to run this test")
  return false
}

/** Opens a report, checks it is self-contained and error-free, lets `inspect` read it, then screenshots it. */
export async function inChromium(file: string, screenshot: string, inspect: (page: Page) => Promise<void>): Promise<void> {
  const {chromium} = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  try {
    const started = performance.now()
    const page = await browser.newPage({viewport: {width: 1200, height: 900}})
    const errors: string[] = []
    const requests: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('request', (req) => requests.push(req.url()))
    await page.goto(`file://${file}`)
    assert.deepEqual(errors, [])
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), [], 'self-contained: no network')
    await inspect(page)
    // The screenshot is for a person to look at, not an assertion: the top of the page, at most 4000 px of it. A full
    // page of a hostile report (a status tens of thousands of characters long) took Chromium past its 30 s in CI on a
    // loaded machine; a screenshot's own time is not what this test checks, so it gets the time the page took to load
    // and inspect, and no less than a minute.
    const shot = join(ROOT, 'reports', screenshot)
    const height = Math.min(4000, await page.evaluate('document.documentElement.scrollHeight') as number)
    await page.screenshot({path: shot, fullPage: true, clip: {x: 0, y: 0, width: 1200, height: Math.max(height, 100)}, timeout: Math.max(60_000, performance.now() - started)})
    assert.ok(statSync(shot).size > 10_000, 'a real screenshot')
  } finally {
    await browser.close()
  }
}

/** A box's left edge, and its horizontal centre. */
export async function xOf(l: Locator): Promise<{left: number; centre: number; width: number}> {
  const box = await l.boundingBox()
  assert.ok(box, 'laid out')
  return {left: box.x, centre: box.x + box.width / 2, width: box.width}
}

/**
 * Two seconds the page prints with two decimals (a bar's start, an RTO line) each carry up to 0.005 s of rounding:
 * 1.005 s prints 1.00 or 1.01 while 301.005 s prints 301.01, so a line 300 s after a start may read 0.01 s off.
 */
export const PRINTED_SECONDS = 0.01 + 1e-9

/**
 * The time axis as drawn: ticks at round seconds from 0, each at its share of the track; and each RTO line at its
 * seconds on the same scale. Returns the axis's end and the lines' seconds by phase.
 */
export async function checkAxis(page: Page): Promise<{end: number; lines: Record<string, number>}> {
  const end = Number(await page.getAttribute('.timeline', 'data-axis-seconds'))
  const track = await xOf(page.locator('.timeline .axis .scale'))
  const ticks = await page.locator('.timeline .axis .tick').all()
  assert.ok(ticks.length >= 2, 'an axis with ticks')
  const seconds = await Promise.all(ticks.map(async (t) => Number(await t.getAttribute('data-seconds'))))
  assert.equal(seconds[0], 0)
  assert.equal(seconds.at(-1), end)
  for (const [i, t] of ticks.entries()) {
    assert.equal(await t.textContent(), `${seconds[i]}s`)
    assert.ok(Math.abs((await xOf(t)).centre - (track.left + (seconds[i] / end) * track.width)) <= 2, `tick ${seconds[i]}s sits at its share of the axis`)
  }
  const lines: Record<string, number> = {}
  for (const m of await page.locator('.timeline .rto-marker').all()) {
    const phase = (await m.getAttribute('data-phase'))!
    const at = Number(await m.getAttribute('data-seconds'))
    const lane = await xOf(page.locator(`.phase[data-phase="${phase}"] .marks`))
    assert.ok(Math.abs(lane.left - track.left) <= 1 && Math.abs(lane.width - track.width) <= 1, 'the lanes and the axis share one scale')
    assert.ok(Math.abs((await xOf(m)).left - (track.left + (at / end) * track.width)) <= 2, `the ${phase} RTO line sits at ${at}s`)
    assert.match((await m.textContent())!, /^RTO \d+s$/)
    lines[phase] = at
  }
  return {end, lines}
}
