import { readFileSync } from 'node:fs'
import type { BacktestReport } from '../report/backtest-report.ts'
import { CHARTS_JS, pageFile } from './page-assets.ts'

/** JSON safe inside a <script> element (no `</script>` or `<!--` can close or comment it). */
const scriptJson = (x: unknown): string =>
  JSON.stringify(x)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * The backtest report as one self-contained HTML file: the dashboard's stylesheet, the charting
 * library, the report's renderer and its data inlined — it opens from disk, offline, anywhere.
 */
export function backtestHtml(report: BacktestReport, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${pageFile('app.css')}</style>
</head>
<body>
<header><h1>shoal</h1><span>${escapeHtml(title)}</span></header>
<section id="report"></section>
<footer>Charts by <a href="https://www.tradingview.com/" rel="noopener">TradingView</a> Lightweight Charts™ (Apache-2.0). Written by shoal backtest --html.</footer>
<script>${readFileSync(CHARTS_JS, 'utf8')}</script>
<script>${pageFile('report.js')}</script>
<script type="application/json" id="report-data">${scriptJson(report)}</script>
<script>
renderBacktestReport(document.getElementById('report'), JSON.parse(document.getElementById('report-data').textContent), window.LightweightCharts)
document.body.dataset.ready = 'true'
</script>
</body>
</html>
`
}
