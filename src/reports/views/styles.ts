/**
 * The dashboard's stylesheet, inlined in every page (no external requests: the dashboard works offline and
 * under a Content-Security-Policy that allows nothing but inline styles). Mobile first: from 360 px up,
 * tables scroll inside their own box and charts scale with their container.
 */
export const DASHBOARD_CSS =
  `
:root {
  --fg: #1f2328; --muted: #57606a; --border: #d0d7de; --line: #eaeef2; --bg: #ffffff; --bg-soft: #f6f8fa;
  --accent: #0b5cad; --top: #0f1e33;
  --pass: #116329; --pass-bg: #dafbe1; --warn: #7a4a00; --warn-bg: #fff1c2; --fail: #a40e26; --fail-bg: #ffe2e0;
  --na: #4b535d; --na-bg: #eaeef2; --info: #0a4ea3; --info-bg: #ddf4ff;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; ` +
  `color: var(--fg); background: var(--bg-soft); overflow-wrap: break-word; }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; z-index: 10; }
.skip:focus { left: .5rem; }
header.top { background: var(--top); color: #fff; }
header.top .bar { max-width: 76rem; margin: 0 auto; padding: .55rem 1rem; display: flex; flex-wrap: wrap; ` +
  `align-items: center; gap: .4rem 1rem; }
header.top a { color: #fff; text-decoration: none; }
header.top a:hover { text-decoration: underline; }
.brand { font-weight: 700; font-size: 1.1rem; letter-spacing: .02em; display: inline-flex; align-items: center; gap: .4rem; }
.brand-mark { display: inline-block; width: .8rem; height: .8rem; border-radius: 50%; background: #5ad07a; ` +
  `box-shadow: 0 0 0 3px rgba(90,208,122,.25); }
.crumbs { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; color: #c9d4e3; min-width: 0; }
.crumbs a { color: #c9d4e3; }
.crumbs [aria-current] { color: #fff; font-weight: 600; overflow-wrap: anywhere; }
.top-actions { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
.top-actions a, .top-actions button { font-size: .9rem; }
.link-button { background: none; border: 1px solid #6d7d93; color: #fff; border-radius: 6px; padding: .2rem .7rem; ` +
  `font: inherit; cursor: pointer; }
.link-button:hover { background: rgba(255,255,255,.1); }
main { max-width: 76rem; margin: 0 auto; padding: 1rem; }
footer { max-width: 76rem; margin: 0 auto; padding: .5rem 1rem 2rem; color: var(--muted); font-size: .85rem; }
h1 { font-size: 1.55rem; line-height: 1.25; margin: .25rem 0 .35rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0 0 .6rem; line-height: 1.3; }
h3 { font-size: 1rem; margin: 1.2rem 0 .45rem; }
h4 { font-size: .95rem; margin: .9rem 0 .35rem; }
p { margin: .35rem 0 .6rem; }
ul { padding-left: 1.3rem; }
li + li { margin-top: .2rem; }
.lede { color: var(--muted); margin-top: 0; }
.card { background: var(--bg); border: 1px solid var(--border); border-radius: 10px; padding: 1rem 1.1rem; margin: 0 0 1rem; min-width: 0; }
.card > h2:first-child { display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: center; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 21rem), 1fr)); }
.grid > * { min-width: 0; }
.grid .card { margin: 0; }
.page-head { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: flex-end; ` +
  `justify-content: space-between; margin-bottom: 1rem; }
.page-head > div { min-width: 0; }
.toc { display: flex; flex-wrap: wrap; gap: .35rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.toc a { display: inline-block; padding: .2rem .65rem; border: 1px solid var(--border); border-radius: 999px; ` +
  `background: var(--bg); text-decoration: none; font-size: .88rem; }
.window-nav { display: flex; align-items: center; gap: .4rem; flex-wrap: wrap; font-size: .9rem; }
.window-nav ul { display: flex; gap: 0; margin: 0; padding: 0; list-style: none; border: 1px solid var(--border); ` +
  `border-radius: 8px; overflow: hidden; background: var(--bg); }
.window-nav li + li { border-left: 1px solid var(--border); }
.window-nav a { display: block; padding: .3rem .8rem; text-decoration: none; color: var(--fg); }
.window-nav a[aria-current="page"] { background: var(--accent); color: #fff; font-weight: 600; }
.table-block { margin: .5rem 0 .9rem; min-width: 0; }
.table-caption { color: var(--muted); font-size: .85rem; margin: 0 0 .25rem; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; border: 1px solid var(--line); ` +
  `border-radius: 8px; background: var(--bg); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { padding: .4rem .65rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
tbody tr:last-child > * { border-bottom: 0; }
thead th { background: var(--bg-soft); font-weight: 600; font-size: .85rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; min-width: 15rem; max-width: 40rem; }
tr.blocking > td { background: #fff8f0; }
table.score-table { table-layout: fixed; min-width: 40rem; }
table.score-table col.test { width: 30%; }
table.score-table col.mark { width: 13.5rem; }
table.score-table col.points { width: 4.5rem; }
.score-table td .badge + .badge { margin-top: .25rem; }
.health-summary th[scope="row"] { white-space: normal; min-width: 6.5rem; }
.health-summary td.flagged { white-space: normal; min-width: 9rem; overflow-wrap: anywhere; }
.health-summary td.flagged .note { margin-top: .15rem; }
.badge { display: inline-flex; align-items: center; gap: .3rem; padding: .05rem .55rem; border-radius: 999px; ` +
  `font-size: .8rem; font-weight: 600; line-height: 1.5; border: 1px solid currentColor; white-space: nowrap; ` +
  `vertical-align: middle; }
.badge .icon { font-size: .75rem; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.na { color: var(--na); background: var(--na-bg); }
.badge.info { color: var(--info); background: var(--info-bg); }
.checks { display: flex; flex-wrap: wrap; gap: .35rem; margin: .35rem 0 .2rem; padding: 0; list-style: none; }
.checks li { display: inline-flex; align-items: center; gap: .3rem; padding: .15rem .25rem .15rem .55rem; ` +
  `border: 1px solid var(--line); border-radius: 999px; font-size: .85rem; background: var(--bg-soft); }
.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: .3rem 0 .6rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr)); gap: .6rem; margin: .5rem 0 .8rem; }
.stat { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .7rem; background: var(--bg-soft); min-width: 0; }
.stat .label { display: block; color: var(--muted); font-size: .8rem; }
.stat .value { display: block; font-size: 1.25rem; font-weight: 650; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.stat .sub { display: block; color: var(--muted); font-size: .8rem; }
.verdict { border-radius: 10px; padding: .75rem .9rem; margin: .5rem 0 .9rem; border: 1px solid; }
.verdict.pass { background: var(--pass-bg); border-color: #8fd19e; }
.verdict.fail { background: var(--fail-bg); border-color: #f5a6a0; }
.verdict.na { background: var(--bg-soft); border-color: var(--border); }
.verdict.info { background: var(--info-bg); border-color: #9cc9f5; }
.verdict strong.headline { font-size: 1.1rem; display: block; }
.verdict p { margin: .25rem 0; }
figure { margin: .5rem 0 1rem; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .2rem; }
svg.chart { display: block; width: 100%; height: auto; max-width: 35rem; }
.charts { display: grid; gap: 0 1.5rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); }
.charts > * { min-width: 0; }
.empty { color: var(--muted); background: var(--bg-soft); border: 1px dashed var(--border); border-radius: 8px; ` +
  `padding: .7rem .9rem; margin: .4rem 0 .8rem; }
.empty code { background: var(--bg); }
.note { color: var(--muted); font-size: .88rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86em; ` +
  `background: var(--bg-soft); padding: .05em .3em; border-radius: 4px; overflow-wrap: anywhere; }
details { border: 1px solid var(--line); border-radius: 8px; margin: .4rem 0; background: var(--bg); }
details > summary { cursor: pointer; padding: .45rem .7rem; display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: center; }
details > summary::-webkit-details-marker { display: none; }
details > summary::before { content: "▸"; color: var(--muted); }
details[open] > summary::before { content: "▾"; }
details > .body { padding: 0 .7rem .6rem; }
.model-card h2 a { text-decoration: none; }
.model-card h2 a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.score-head { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; }
.score-final { font-size: 2.4rem; font-weight: 750; line-height: 1; font-variant-numeric: tabular-nums; }
.score-final small { font-size: 1rem; font-weight: 500; color: var(--muted); }
.sections { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; flex: 1; min-width: min(100%, 18rem); }
.meter { height: .45rem; border-radius: 999px; background: var(--line); overflow: hidden; margin-top: .3rem; }
.meter > span { display: block; height: 100%; background: var(--accent); }
.login { max-width: 26rem; margin: 3rem auto; }
.login form { display: grid; gap: .6rem; }
.login label { font-weight: 600; }
.login input[type="password"] { font: inherit; padding: .55rem .7rem; border: 1px solid var(--border); border-radius: 8px; width: 100%; }
.button { font: inherit; font-weight: 600; padding: .55rem 1rem; border-radius: 8px; border: 1px solid #0a4c8f; ` +
  `background: var(--accent); color: #fff; cursor: pointer; }
.button:hover { background: #094c8f; }
.alert { border-radius: 8px; padding: .6rem .8rem; border: 1px solid #f5a6a0; background: var(--fail-bg); color: var(--fail); }
.alert p { margin: 0; }
.alert ul { margin: .35rem 0 0; }
.alert code { background: rgba(255,255,255,.6); }
figcaption.lead { color: var(--fg); font-size: .95rem; font-weight: 600; margin: 0 0 .35rem; }
svg.chart-diverging { max-width: 40rem; }
.attribution { margin: .3rem 0 1rem; }
.explain-form { display: grid; gap: .45rem; max-width: 40rem; }
.explain-form label { font-weight: 600; }
.explain-form textarea { font: .85rem/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; ` +
  `padding: .5rem .65rem; border: 1px solid var(--border); border-radius: 8px; width: 100%; resize: vertical; ` +
  `background: var(--bg); color: var(--fg); }
.explain-form select { font: inherit; padding: .4rem .55rem; border: 1px solid var(--border); border-radius: 8px; ` +
  `background: var(--bg); color: var(--fg); justify-self: start; min-width: 10rem; max-width: 100%; }
.explain-form .note { margin: 0 0 .3rem; }
.explain-form .button { justify-self: start; }
.sum-check { font-variant-numeric: tabular-nums; }
@media (max-width: 40rem) {
  body { font-size: 14px; }
  main { padding: .6rem; }
  .card { padding: .8rem .8rem; border-radius: 8px; }
  h1 { font-size: 1.3rem; }
  .kv { grid-template-columns: minmax(0, 1fr); gap: 0; }
  .kv dd { margin-bottom: .35rem; }
  .score-final { font-size: 2rem; }
  .verdict strong.headline { font-size: 1rem; }
  /* The score card reads as a list of tests on a phone rather than a table to scroll. */
  table.score-table { min-width: 0; table-layout: auto; }
  table.score-table colgroup, table.score-table thead { display: none; }
  table.score-table, table.score-table tbody, table.score-table tr, table.score-table td { display: block; width: auto; }
  table.score-table tr { padding: .55rem .7rem; border-bottom: 1px solid var(--line); }
  table.score-table tbody tr:last-child { border-bottom: 0; }
  table.score-table td { border: 0; padding: .1rem 0; white-space: normal; min-width: 0; max-width: none; text-align: left; }
  table.score-table td.num::before { content: "points "; color: var(--muted); }
  table.score-table td .badge + div { display: inline-block; margin-left: .3rem; }
  .login { margin: 1.5rem auto; }
}
@media print {
  header.top, .window-nav, .toc, .top-actions { display: none; }
  body { background: #fff; }
  .card { break-inside: avoid; }
}
`;
