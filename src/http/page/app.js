// shoal's dashboard: plain browser JavaScript over the engine's JSON endpoints and its WebSocket
// (one snapshot a second). Charts by lightweight-charts, served by the engine itself (no network).

const LW = window.LightweightCharts
const $ = (id) => document.getElementById(id)
const fmt = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }))
const time = (ms) => new Date(ms).toISOString().slice(11, 19)
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
// The attribution the library's licence asks for is in the page's footer, so the charts carry no logo.
const CHART = {
  layout: { background: { color: 'transparent' }, textColor: '#7d8a97', attributionLogo: false },
  grid: { vertLines: { visible: false }, horzLines: { color: '#26313c' } },
  timeScale: { timeVisible: true, secondsVisible: true },
}

async function api(path, init) {
  const res = await fetch(path, init)
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`)
  return body
}

// Overview: the stats row's figures as live sparklines.
const SPARKS = [
  ['reactionP99Ms', 'reaction p99 ms', 2],
  ['sweepP99Ms', 'sweep p99 ms', 2],
  ['loopLagP99Ms', 'event-loop lag p99 ms', 1],
  ['ordersPerSec', 'orders / s', 0],
  ['fillsPerSec', 'fills / s', 0],
  ['persistedPerSec', 'persisted / s', 0],
  ['sinkQueue', 'sink queue', 0],
  ['sinkLagMs', 'sink lag ms', 0],
  ['heapMB', 'heap MB', 0],
]
const sparks = {}
for (const [key, label, digits] of SPARKS) {
  const box = document.createElement('div')
  box.className = 'spark'
  box.dataset.testid = `spark-${key}`
  box.innerHTML = `<div class="label">${label}</div><div class="value">–</div><div class="plot"></div>`
  $('sparks').append(box)
  const chart = LW.createChart(box.querySelector('.plot'), {
    ...CHART,
    height: 48,
    handleScroll: false,
    handleScale: false,
    rightPriceScale: { visible: false },
    timeScale: { visible: false },
    grid: { vertLines: { visible: false }, horzLines: { visible: false } },
    crosshair: { horzLine: { visible: false }, vertLine: { visible: false } },
  })
  const series = chart.addSeries(LW.LineSeries, { color: '#58a6ff', lineWidth: 1, priceLineVisible: false, lastValueVisible: false })
  sparks[key] = { series, value: box.querySelector('.value'), digits, last: 0 }
}

const equityChart = LW.createChart($('equity-chart'), { ...CHART, height: 260 })
const equitySeries = equityChart.addSeries(LW.LineSeries, { color: '#3fb950', lineWidth: 2, title: 'equity' })
const ddSeries = equityChart.addSeries(LW.HistogramSeries, { color: 'rgba(248,81,73,0.5)', priceScaleId: 'dd', title: 'drawdown %' })
equityChart.priceScale('dd').applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } })
let lastEquityT = 0

function addPoint(p) {
  const t = Math.floor(p.t / 1000)
  for (const [key] of SPARKS) {
    const s = sparks[key]
    const v = p[key]
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    if (t >= s.last) {
      s.series.update({ time: t, value: v })
      s.last = t
    }
    s.value.textContent = fmt(v, s.digits)
  }
  if (p.equity !== null && t >= lastEquityT) {
    equitySeries.update({ time: t, value: p.equity })
    ddSeries.update({ time: t, value: p.drawdownPct ?? 0 })
    lastEquityT = t
  }
}

function kv(table, rows) {
  table.innerHTML = rows.map(([k, v, cls]) => `<tr><td>${esc(k)}</td><td class="${cls || ''}">${esc(v)}</td></tr>`).join('')
}

let controlEnabled = false
function showSummary(s) {
  $('run').textContent = `${s.command || s.kind} ${s.runId || ''} · ${fmt(s.strategies, 0)} strategies`
  const state = s.risk?.state || 'ACTIVE'
  $('state').textContent = state + (s.risk?.killed ? ' (kill switch)' : '')
  $('state').className = `badge ${state}`
  if (s.uptimeSec !== undefined) $('uptime').textContent = `up ${fmt(s.uptimeSec, 0)} s`
  const r = s.risk || {}
  kv($('states'), [
    ['global', state, ''],
    ...Object.entries(r.symbols || {}).map(([k, v]) => [k, v]),
    ['strategies restricted', fmt(r.strategiesRestricted, 0)],
    ['orders submitted', fmt(s.orders?.submitted, 0)],
    ['orders filled', fmt(s.orders?.filled, 0)],
    ['in flight', fmt(s.inFlight, 0)],
    ['positions open', fmt(s.positionsOpen, 0)],
    ['failed actors', fmt(s.failedActors, 0)],
    ...(s.tickToIntentMs ? [['tick → intent p99 ms', fmt(s.tickToIntentMs.p99, 2)]] : []),
    ...(s.workers ? [['worker threads', `${fmt(s.workers.threads, 0)} (${fmt(s.workers.pipelines, 0)} pipelines, ${fmt(s.workers.deadThreads, 0)} dead)`]] : []),
    ...(s.allocator
      ? [
          ['capital weights min / p50 / max', `${fmt(s.allocator.weights.min, 3)} / ${fmt(s.allocator.weights.p50, 3)} / ${fmt(s.allocator.weights.max, 3)}`],
          ['allocator updates', fmt(s.allocator.updates, 0)],
        ]
      : []),
  ])
  const den = Object.entries(r.deniedByReason || {})
  kv($('denials'), den.length ? den.map(([k, v]) => [k, fmt(v, 0)]) : [['none', '']])
  const v = s.venue
  kv($('venue'), v === null || v === undefined ? [['venue', 'simulated (no streams to watch)']] : Object.entries(v).map(([k, x]) => [k, typeof x === 'object' ? JSON.stringify(x) : String(x)]))
  $('trips').tBodies[0].innerHTML = (r.trips || [])
    .slice()
    .reverse()
    .slice(0, 20)
    .map((t) => `<tr><td>${time(t.ts)}</td><td>${esc(t.scope)}</td><td><span class="badge ${esc(t.state)}">${esc(t.state)}</span></td><td>${esc(t.reason)}</td></tr>`)
    .join('')
  controlEnabled = s.controlEnabled === true
  $('control-hint').textContent = controlEnabled
    ? 'Control actions need the bearer token (SHOAL_HTTP_TOKEN); each is logged and stored with who and when.'
    : 'Read-only: start shoal with SHOAL_HTTP_TOKEN set to allow control.'
  for (const b of document.querySelectorAll('button[data-action]')) b.disabled = !controlEnabled
}

async function loadControls() {
  const rows = await api('/api/controls')
  $('controls').tBodies[0].innerHTML = rows
    .slice()
    .reverse()
    .map((c) => `<tr><td>${time(c.ts)}</td><td>${esc(c.who)}</td><td>${esc(c.action)}</td><td>${esc(c.scope)}</td><td>${esc(c.id ?? '')}</td><td>${esc(JSON.stringify(c.state))}</td></tr>`)
    .join('')
}

// Leaderboard: sorted, filtered and paged on the server.
const lb = { sort: 'netPnl', dir: 'desc', offset: 0, limit: 50, q: '', total: 0 }
let lbTimer = null
async function loadLeaderboard() {
  const qs = new URLSearchParams({ sort: lb.sort, dir: lb.dir, offset: String(lb.offset), limit: String(lb.limit) })
  if (lb.q) qs.set('q', lb.q)
  const page = await api(`/api/strategies?${qs}`)
  lb.total = page.total
  $('lb-total').textContent = `(${fmt(page.total, 0)})`
  $('lb-page').textContent = page.total === 0 ? '0 of 0' : `${fmt(page.offset + 1, 0)}–${fmt(Math.min(page.offset + lb.limit, page.total), 0)} of ${fmt(page.total, 0)}`
  $('lb-prev').disabled = lb.offset === 0
  $('lb-next').disabled = lb.offset + lb.limit >= page.total
  $('lb').tBodies[0].innerHTML = page.rows
    .map(
      (r) =>
        `<tr data-id="${esc(r.id)}"><td>${esc(r.id)}</td><td>${esc(r.strategy)}</td><td>${esc(r.symbol)}</td><td class="${r.netPnl >= 0 ? 'pos' : 'neg'}">${fmt(r.netPnl, 4)}</td><td>${fmt(r.returnPct, 3)}</td><td>${fmt(r.drawdownPct, 3)}</td><td>${fmt(r.trades, 0)}</td><td>${fmt(r.position, 6)}</td><td><span class="badge ${esc(r.state)}">${esc(r.state)}</span></td><td>${r.weight === null || r.weight === undefined ? '–' : fmt(r.weight, 3)}</td></tr>`,
    )
    .join('')
  for (const th of $('lb').tHead.rows[0].cells) th.className = th.dataset.sort === lb.sort ? lb.dir : ''
  $('lb').dataset.loaded = String(Date.now())
}
for (const th of $('lb').tHead.rows[0].cells)
  th.addEventListener('click', () => {
    if (lb.sort === th.dataset.sort) lb.dir = lb.dir === 'asc' ? 'desc' : 'asc'
    else Object.assign(lb, { sort: th.dataset.sort, dir: th.dataset.sort === 'id' || th.dataset.sort === 'symbol' || th.dataset.sort === 'strategy' ? 'asc' : 'desc' })
    lb.offset = 0
    loadLeaderboard().catch(showError)
  })
$('lb-filter').addEventListener('input', (e) => {
  clearTimeout(lbTimer)
  lbTimer = setTimeout(() => {
    lb.q = e.target.value.trim()
    lb.offset = 0
    loadLeaderboard().catch(showError)
  }, 200)
})
$('lb-prev').addEventListener('click', () => {
  lb.offset = Math.max(0, lb.offset - lb.limit)
  loadLeaderboard().catch(showError)
})
$('lb-next').addEventListener('click', () => {
  lb.offset += lb.limit
  loadLeaderboard().catch(showError)
})
$('lb-size').addEventListener('change', (e) => {
  lb.limit = Number(e.target.value)
  lb.offset = 0
  loadLeaderboard().catch(showError)
})
$('lb').tBodies[0].addEventListener('click', (e) => {
  const tr = e.target.closest('tr')
  if (tr) openStrategy(tr.dataset.id).catch(showError)
})

// A strategy's page.
let stChart = null
let current = null
async function openStrategy(id) {
  const s = await api(`/api/strategies/${encodeURIComponent(id)}`)
  current = id
  $('strategy').hidden = false
  $('st-id').textContent = `${s.id} · ${s.strategy} · ${s.symbol}`
  kv(
    $('st-params'),
    Object.entries(s.params).map(([k, v]) => [k, String(v)]),
  )
  kv($('st-figures'), [...Object.entries(s.figures).map(([k, v]) => [k, typeof v === 'number' ? fmt(v, 6) : String(v)]), ...Object.entries(s.state || {}).map(([k, v]) => [`state: ${k}`, String(v)])])
  $('st-orders').tBodies[0].innerHTML = s.orders
    .map(
      (o) =>
        `<tr><td>${time(o.created_at)}</td><td>${esc(o.side)}</td><td>${esc(o.type)}</td><td>${fmt(o.amount, 6)}</td><td>${fmt(o.price, 6)}</td><td>${esc(o.status)}</td><td>${fmt(o.filled, 6)}</td><td>${fmt(o.avg_price, 6)}</td></tr>`,
    )
    .join('')
  $('st-fills').tBodies[0].innerHTML = s.fills
    .map((f) => `<tr><td>${time(f.ts)}</td><td>${esc(f.side)}</td><td>${fmt(f.price, 6)}</td><td>${fmt(f.amount, 6)}</td><td>${fmt(f.fee, 6)}</td><td>${esc(f.liquidity)}</td></tr>`)
    .join('')
  if (stChart === null) {
    stChart = LW.createChart($('st-chart'), { ...CHART, height: 200 })
    stChart.series = stChart.addSeries(LW.LineSeries, { color: '#58a6ff', lineWidth: 2, title: 'equity' })
  }
  const seen = new Set()
  stChart.series.setData(s.equity.map((p) => ({ time: Math.floor(p.ts / 1000), value: p.equity })).filter((p) => (seen.has(p.time) ? false : seen.add(p.time))))
  $('strategy').scrollIntoView({ behavior: 'instant', block: 'start' })
}
$('st-close').addEventListener('click', () => {
  $('strategy').hidden = true
  current = null
})

// Control: every button names its action and scope; the id comes from the strategy page or the symbol box.
$('token').value = sessionStorage.getItem('shoal-token') || ''
$('token').addEventListener('change', (e) => sessionStorage.setItem('shoal-token', e.target.value))
function showError(err) {
  $('control-result').textContent = String(err.message || err)
  $('control-result').className = 'error'
}
for (const b of document.querySelectorAll('button[data-action]'))
  b.addEventListener('click', async () => {
    const scope = b.dataset.scope
    const id = scope === 'strategy' ? current : scope === 'symbol' ? $('symbol-id').value.trim() : null
    if (b.dataset.action === 'flatten' && !confirm('Flatten every position and halt?')) return
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${$('token').value}` }
      if ($('operator').value.trim()) headers['x-operator'] = $('operator').value.trim()
      const r = await api('/api/control', { method: 'POST', headers, body: JSON.stringify({ action: b.dataset.action, scope, id }) })
      $('control-result').textContent = `${r.action} ${r.scope}${r.id ? ` ${r.id}` : ''}: ${JSON.stringify(r.state)}`
      $('control-result').className = ''
      await loadControls()
      await loadLeaderboard()
      if (current !== null) await openStrategy(current)
    } catch (err) {
      showError(err)
    }
  })

// Live updates: one snapshot a second over the socket; the leaderboard refreshes every 5 s.
function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`)
  ws.onopen = () => {
    $('conn').textContent = 'live'
    $('conn').className = 'badge on'
  }
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data)
    if (msg.type !== 'tick') return
    if (msg.point) addPoint(msg.point)
    showSummary(msg.summary)
  }
  ws.onclose = () => {
    $('conn').textContent = 'offline'
    $('conn').className = 'badge off'
    setTimeout(connect, 2000)
  }
}

async function start() {
  const [summary, series] = await Promise.all([api('/api/summary'), api('/api/series')])
  showSummary(summary)
  for (const p of series) addPoint(p)
  await Promise.all([loadLeaderboard(), loadControls()])
  if (summary.runKind === 'backtest') {
    const report = await api('/api/report').catch(() => null)
    if (report !== null) {
      $('backtest').hidden = false
      renderBacktestReport($('backtest'), report, LW)
    }
  }
  if (summary.kind === 'live') {
    connect()
    setInterval(() => loadLeaderboard().catch(() => {}), 5000)
  } else {
    $('conn').textContent = 'stored run'
  }
  document.body.dataset.ready = 'true'
}
start().catch(showError)
