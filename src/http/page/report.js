// A backtest's report — leaderboard head, the best strategies' equity and drawdown, a parameter
// heatmap — rendered into an element. Used by the dashboard page and inlined in `shoal backtest --html`.

// biome-ignore lint/correctness/noUnusedVariables: a global for the page and the exported file
function renderBacktestReport(root, report, LW) {
  const fmt = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d }))
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
  const COLORS = ['#58a6ff', '#3fb950', '#d29922', '#f85149', '#bc8cff', '#39c5cf', '#ff7b72', '#a5d6ff', '#7ee787', '#e3b341']
  const figures = Object.entries(report.figures || {}).filter(([, v]) => v !== null && typeof v !== 'object')
  root.innerHTML = `
    <h2>Backtest: ${fmt(report.strategies, 0)} strategies, ranked by ${esc(report.rankBy)}</h2>
    <table class="kv" data-testid="report-figures">${figures.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(typeof v === 'number' ? fmt(v, 3) : v)}</td></tr>`).join('')}</table>
    <h3>Equity of the best ${report.curves.length} (daily closes)</h3>
    <div class="chart" data-testid="report-equity"></div>
    <h3>Their drawdown from peak, %</h3>
    <div class="chart small" data-testid="report-drawdown"></div>
    <h3 data-testid="report-heatmap-title"></h3>
    <div class="heatmap" data-testid="report-heatmap"></div>
    <h3>Leaderboard (best ${fmt(report.top.length, 0)})</h3>
    <table class="grid sortable" data-testid="report-leaderboard"><thead></thead><tbody></tbody></table>`
  const [equityBox, ddBox] = root.querySelectorAll('.chart')
  const chartOptions = {
    layout: { background: { color: 'transparent' }, textColor: '#7d8a97', attributionLogo: false },
    grid: { vertLines: { visible: false }, horzLines: { color: '#26313c' } },
    timeScale: { timeVisible: true },
  }
  const eq = LW.createChart(equityBox, { ...chartOptions, height: 280 })
  const dd = LW.createChart(ddBox, { ...chartOptions, height: 200 })
  report.curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]
    const points = (values) => {
      const seen = new Set()
      return c.ts.map((t, k) => ({ time: Math.floor(t / 1000), value: values[k] })).filter((p) => (seen.has(p.time) ? false : seen.add(p.time)))
    }
    eq.addSeries(LW.LineSeries, { color, lineWidth: 2, title: c.id, priceLineVisible: false }).setData(points(c.equity))
    dd.addSeries(LW.LineSeries, { color, lineWidth: 1, priceLineVisible: false, lastValueVisible: false }).setData(points(c.drawdownPct.map((x) => -x)))
  })
  eq.timeScale().fitContent()
  dd.timeScale().fitContent()

  const h = report.heatmap
  const title = root.querySelector('[data-testid="report-heatmap-title"]')
  const heat = root.querySelector('.heatmap')
  if (h === null) {
    title.textContent = 'Parameter heatmap'
    heat.textContent = 'Not a grid: the strategies do not share two parameters with several values.'
  } else {
    title.textContent = `${h.metric} by ${h.x} (across) and ${h.y} (down): the mean over symbols and other parameters`
    const values = h.cells.flat().filter((v) => v !== null)
    const span = Math.max(1e-12, ...values.map((v) => Math.abs(v)))
    const better = h.metric === 'maxDrawdownPct' || h.metric === 'fees' ? -1 : 1
    const color = (v) => {
      if (v === null) return 'transparent'
      const t = (better * v) / span
      return t >= 0 ? `rgba(63,185,80,${0.15 + 0.85 * t})` : `rgba(248,81,73,${0.15 + 0.85 * -t})`
    }
    // A small grid shows its numbers; a large one only colours (the value is in each cell's title).
    const labelled = h.xs.length <= 16
    heat.innerHTML = `<table class="heat${labelled ? ' labelled' : ''}"><thead><tr><th>${esc(h.y)} \\ ${esc(h.x)}</th>${h.xs.map((x) => `<th>${fmt(x, 6)}</th>`).join('')}</tr></thead><tbody>${h.cells
      .map(
        (row, iy) =>
          `<tr><th>${fmt(h.ys[iy], 6)}</th>${row.map((v, ix) => `<td style="background:${color(v)}" title="${esc(h.x)}=${h.xs[ix]} ${esc(h.y)}=${h.ys[iy]}: ${fmt(v, 6)}">${labelled ? fmt(v, 4) : ''}</td>`).join('')}</tr>`,
      )
      .join('')}</tbody></table>`
  }

  const cols = [
    ['strategyId', 'strategy'],
    ['symbol', 'symbol'],
    ['params', 'params'],
    ['netPnl', 'net PnL'],
    ['returnPct', 'return %'],
    ['sharpe', 'Sharpe'],
    ['sortino', 'Sortino'],
    ['maxDrawdownPct', 'max dd %'],
    ['profitFactor', 'profit factor'],
    ['winRate', 'win rate'],
    ['roundTrips', 'round trips'],
    ['exposurePct', 'exposure %'],
  ]
  const table = root.querySelector('[data-testid="report-leaderboard"]')
  let sortKey = null
  let sortDir = -1
  const draw = () => {
    const rows = report.top.slice()
    if (sortKey !== null)
      rows.sort((a, b) => {
        const x = a[sortKey]
        const y = b[sortKey]
        if (x === y) return 0
        if (x === null) return 1
        if (y === null) return -1
        return typeof x === 'number' ? sortDir * (x - y) : sortDir * String(x).localeCompare(String(y))
      })
    table.tHead.innerHTML = `<tr>${cols.map(([k, label]) => `<th data-key="${k}" class="${k === sortKey ? (sortDir > 0 ? 'asc' : 'desc') : ''}">${label}</th>`).join('')}</tr>`
    table.tBodies[0].innerHTML = rows
      .map(
        (r) =>
          `<tr>${cols
            .map(([k]) => {
              const v = r[k]
              if (k === 'params')
                return `<td>${esc(
                  Object.entries(v)
                    .map(([p, x]) => `${p}=${x}`)
                    .join(' '),
                )}</td>`
              return `<td>${typeof v === 'number' ? fmt(v, 4) : esc(v ?? '–')}</td>`
            })
            .join('')}</tr>`,
      )
      .join('')
  }
  table.addEventListener('click', (e) => {
    const th = e.target.closest('th')
    if (!th || th.dataset.key === 'params') return
    sortDir = sortKey === th.dataset.key ? -sortDir : -1
    sortKey = th.dataset.key
    draw()
  })
  draw()
}
