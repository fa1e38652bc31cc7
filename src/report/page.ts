// The frame of azfail's HTML reports: one self-contained page (inline style, no script, nothing fetched), a coloured
// banner with the verdict, and the style the timeline and the check cards share.
import escapeHtml from 'escape-html'
import {visibleControls} from './escape.ts'

/** Text for HTML content and quoted attributes; control characters shown as escapes, as everywhere (escape.ts). */
export const esc = (s: unknown) => escapeHtml(visibleControls(String(s ?? '')))

const STYLE = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--label:300px;--dur:60px;--gap:8px}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:20px 32px;color:#fff}header.ok{background:var(--ok)}header.bad{background:var(--bad)}header.neutral{background:#57606a}
header h1{margin:0 0 4px;font-size:24px}header p{margin:0;opacity:.9}
.counts{display:flex;gap:12px;margin:12px 0 0;padding:0;list-style:none}.counts li{background:rgba(255,255,255,.18);padding:4px 10px;border-radius:12px}
main{padding:8px 32px 32px;max-width:1200px}h2{border-bottom:1px solid var(--line);padding-bottom:6px;margin-top:28px}h3{margin:18px 0 4px;font-size:15px}
details.check{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:6px 12px;margin:6px 0;background:var(--bg);color:#1f2328;font-weight:400}
details.check.failed{border-left-color:var(--bad)}details.check.warning{border-left-color:var(--warn)}details.check.passed{border-left-color:var(--ok)}
details.check summary{cursor:pointer}details.check dl{display:grid;grid-template-columns:90px 1fr;gap:2px 12px;margin:6px 0 2px}.check dt{color:var(--muted)}.check dd{margin:0}
details.fold>summary{cursor:pointer;margin:10px 0;font-weight:600}
.badge{display:inline-block;min-width:58px;font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
/* A value from Azure may be one very long word: it wraps inside its cell instead of widening the page. */
td,dd{overflow-wrap:anywhere}th{background:var(--bg)}
.passed,.succeeded,.within{color:var(--ok)}.failed,.refused,.over,.stopped,.unfinished{color:var(--bad);font-weight:600}.warning,.overridden{color:var(--warn)}.skipped,.planned,.unmeasured{color:var(--muted)}
.timeline{border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.row{display:grid;grid-template-columns:var(--label) 1fr var(--dur);align-items:center;gap:var(--gap);height:22px}
.row .label{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.track{position:relative;height:14px;background:var(--bg);border-radius:3px}
.axis .scale{background:none;height:18px;font-size:11px;color:var(--muted)}.tick{position:absolute;top:0;transform:translateX(-50%)}
.lanes{position:relative}.marks{position:absolute;top:0;bottom:0;left:calc(var(--label) + var(--gap));right:calc(var(--dur) + var(--gap));pointer-events:none}
.grid{position:absolute;top:0;bottom:0;border-left:1px solid var(--line)}
.rto-marker{position:absolute;top:-6px;bottom:0;border-left:2px dashed var(--bad);z-index:1}
.rto-label{position:absolute;top:-4px;left:4px;font-size:11px;font-weight:600;color:var(--bad);white-space:nowrap;background:#fff;padding:0 2px}.rto-label.left{left:auto;right:4px}
.bar{position:absolute;top:0;height:14px;border-radius:3px;min-width:2px;background:#0969da}.bar.wait{background:repeating-linear-gradient(45deg,#8c959f,#8c959f 4px,#afb8c1 4px,#afb8c1 8px)}
.bar.failed,.bar.refused{background:var(--bad)}.bar.skipped{background:#d0d7de}.bar.overridden{background:#d4a72c}.dur{text-align:right;color:var(--muted)}
.phase+.phase{margin-top:18px;border-top:1px solid var(--line)}.rto-verdict{margin:0 0 8px}table.steps{font-size:13px}
.note{color:var(--muted);font-weight:normal}footer{padding:16px 32px;color:var(--muted);border-top:1px solid var(--line)}
`

export interface Page {
  title: string
  banner: 'ok' | 'bad' | 'neutral'
  heading: string
  /** HTML under the heading: what, where, when */
  subtitle: string
  /** HTML under the subtitle, in the banner */
  counts?: string[]
  body: string
  footer: string
}

export function page(p: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="${p.banner}">
<h1>${esc(p.heading)}</h1>
<p>${p.subtitle}</p>
${p.counts ? `<ul class="counts">${p.counts.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>` : ''}
</header>
<main>
${p.body}
</main>
<footer>${p.footer}</footer>
</body>
</html>
`
}
