/** The report page's stylesheet (uPlot brings its own for the charts). */
export const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1c2833; background: #fbfcfc; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 4px; }
.note { color: #566573; margin: 0 0 8px; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.verdict.pass { background: #d5f5e3; color: #145a32; }
.verdict.fail { background: #fadbd8; color: #78281f; }
/* A trace with no verdict line: neither passed nor failed. */
.verdict.unknown { background: #e5e7e9; color: #2c3e50; }
table { border-collapse: collapse; }
.facts th { text-align: left; padding: 2px 16px 2px 0; color: #566573; font-weight: normal; }
.list { width: 100%; }
.list th, .list td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e8e8; vertical-align: top; }
.list td.num { white-space: nowrap; text-align: right; font-variant-numeric: tabular-nums; }
code { background: #eaeded; padding: 1px 4px; border-radius: 3px; }
.chart { width: 100%; background: #fff; border: 1px solid #e5e8e8; border-radius: 6px; padding: 6px 0; }
`
