/**
 * The live status page `isthmus node --metrics-port` serves at `/`: one
 * self-contained HTML document (no CDN: inline style and script) holding the
 * first status as JSON, which its script renders and then refreshes from
 * `/status.json` every second. Everything shown comes from peers or users
 * (ids, document names, task kinds), so the script only ever sets
 * `textContent`, never HTML, and the embedded JSON escapes `<`, so no
 * string can end the script element.
 */
import type { NodeStatus } from './node-status.ts'

/** How often the page fetches `/status.json`. */
export const STATUS_REFRESH_MS = 1000

/** JSON safe inside a `<script>` element: `<`, `>` and `&` as \u escapes, and the line separators too. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const style = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header .id{font-family:ui-monospace,monospace;font-size:12px;opacity:.8}
#stale{margin-left:auto;font-size:12px}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:14px;padding:14px 20px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:10px 14px;overflow:auto}
section.wide{grid-column:1/-1}
h2{font-size:14px;margin:0 0 8px;text-transform:uppercase;letter-spacing:.04em;color:#4a5366}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 8px 3px 0;border-bottom:1px solid #eef0f4;white-space:nowrap}
td.mono,span.mono{font-family:ui-monospace,monospace;font-size:12px;white-space:normal;word-break:break-all}
.pill{display:inline-block;border-radius:9px;padding:0 8px;font-size:12px;background:#e8ebf0;color:#1d2330;white-space:nowrap}
.alive,.full,.completed,.closed,.majority,.connected{background:#d7f5de;color:#145c2a}
.suspect,.degraded,.running,.halfOpen,.compensating{background:#fff1c9;color:#6b4e00}
.dead,.minimal,.failed,.open,.isolated,.minority,.partitioned{background:#fbd9d9;color:#8a1c1c}
.pending,.cancelled{background:#e3e8f5;color:#2b3d6b}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px}
.figure{background:#f6f7f9;border-radius:6px;padding:6px 10px}
.figure b{display:block;font-size:20px}.figure span{font-size:12px;color:#4a5366}
.empty{color:#7a8294;font-style:italic}`

/** The client: renders a status object with DOM calls only (textContent), then polls. */
const script = `
const $ = (id) => document.getElementById(id)
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e }
function pill(text) { return el('span', text, 'pill ' + String(text).replace(/[^A-Za-z]/g, '')) }
function table(target, head, rows) {
  const box = $(target); box.replaceChildren()
  if (rows.length === 0) { box.append(el('p', 'none', 'empty')); return }
  const t = el('table'), tr = el('tr')
  for (const h of head) tr.append(el('th', h))
  t.append(tr)
  for (const row of rows) {
    const r = el('tr')
    for (const cell of row) { const td = el('td'); if (cell instanceof Node) td.append(cell); else { td.textContent = cell === null || cell === undefined ? '—' : String(cell); td.className = 'mono' } r.append(td) }
    t.append(r)
  }
  box.append(t)
}
function ms(v) { return v === null || v === undefined ? '—' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms' }
function figures(target, pairs) {
  const box = $(target); box.replaceChildren()
  for (const [label, value] of pairs) { const f = el('div', undefined, 'figure'); f.append(el('b', value), el('span', label)); box.append(f) }
}
function render(s) {
  $('self').textContent = s.id
  const v = s.view
  $('side').replaceChildren(pill(v.majority ? 'majority' : 'minority'), document.createTextNode(' '), pill(v.partitioned ? 'partitioned' : 'connected'))
  table('members', ['member', 'status', 'phi', 'last heard', 'reachable'], v.members.map((m) => [m.id, pill(m.status), m.phi.toFixed(2), m.lastHeardMs < 0 ? 'never' : ms(m.lastHeardMs) + ' ago', v.reachable.includes(m.id) ? 'yes' : 'no']))
  $('level').replaceChildren(pill(v.degradation.level))
  const reasons = $('reasons'); reasons.replaceChildren()
  if (v.degradation.reasons.length === 0) reasons.append(el('li', 'no reasons: running at full capability', 'empty'))
  for (const r of v.degradation.reasons) reasons.append(el('li', r))
  table('documents', ['document', 'version vector'], s.documents.map((d) => [d.name, Object.entries(d.vector).map(([o, n]) => o.slice(-8) + ':' + n).join('  ') || '{}']))
  figures('byStatus', Object.entries(s.tasks.byStatus).map(([k, n]) => [k, n]).concat([['total', s.tasks.total]]))
  table('byOwner', ['owner', 'tasks'], Object.entries(s.tasks.byOwner).map(([o, n]) => [o === s.id ? o + ' (this node)' : o, n]))
  table('tasks', ['task', 'kind', 'status', 'owner', 'epoch', 'attempts', 'duplicates', 'checkpoint'], s.tasks.rows.map((t) => [t.id, t.kind, pill(t.status), t.owner, t.epoch, t.attempts, t.duplicates, t.checkpointed ? 'yes' : 'no']))
  $('shown').textContent = s.tasks.shown < s.tasks.total ? '(newest ' + s.tasks.shown + ' of ' + s.tasks.total + ')' : ''
  table('breakers', ['kind', 'state'], Object.entries(s.breakers).map(([k, st]) => [k, pill(st)]))
  const r = s.recovery
  figures('recovery', [['takeovers', r.takeovers], ['MTTR p50', ms(r.mttrP50Ms)], ['MTTR p99', ms(r.mttrP99Ms)], ['duplicate runs', r.duplicateRuns], ['compensations', r.compensations], ['resumed from checkpoint', r.resumedFromCheckpoint], ['retries', r.retries], ['lost tasks', r.lostTasks]])
  $('stale').textContent = 'updated ' + new Date().toLocaleTimeString()
}
render(JSON.parse($('initial').textContent))
async function refresh() {
  try { const res = await fetch('/status.json', { cache: 'no-store' }); if (!res.ok) throw new Error('HTTP ' + res.status); render(await res.json()) }
  catch (e) { $('stale').textContent = 'node unreachable: ' + e.message + ' (retrying)' }
  setTimeout(refresh, ${STATUS_REFRESH_MS})
}
setTimeout(refresh, ${STATUS_REFRESH_MS})`

/** The whole page, with `status` as its first paint. */
export function statusPageHtml(status: NodeStatus): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>isthmus node</title><style>${style}</style></head>
<body>
<header><h1>isthmus node</h1><span class="id" id="self"></span><span id="side"></span><span id="stale"></span></header>
<main>
<section id="members-section"><h2>Members and reachability</h2><div id="members"></div></section>
<section id="degradation-section"><h2>Degradation <span id="level"></span></h2><ul id="reasons"></ul></section>
<section id="recovery-section"><h2>Recovery</h2><div class="figures" id="recovery"></div></section>
<section id="breakers-section"><h2>Breakers</h2><div id="breakers"></div></section>
<section id="status-section"><h2>Tasks by status</h2><div class="figures" id="byStatus"></div><h2 style="margin-top:10px">By owner</h2><div id="byOwner"></div></section>
<section id="documents-section"><h2>Documents</h2><div id="documents"></div></section>
<section id="tasks-section" class="wide"><h2>Tasks <span id="shown"></span></h2><div id="tasks"></div></section>
</main>
<script type="application/json" id="initial">${scriptJson(status)}</script>
<script>${script}</script>
</body></html>`
}
