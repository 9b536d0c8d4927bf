import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ALGO_OPTIONS } from '../../actors/algos/algo.ts'
import { runBacktest } from '../../src/backtest/run-backtest.ts'
import { openStore } from '../../src/store/database.ts'
import { createOrderStore } from '../../src/store/sqlite-worker-store.ts'
import { floorTo } from '../../src/util/numbers.ts'
import { expandGrid } from '../../streams/strategies/grid.ts'
import { arg, flag, emit, round } from './util.ts'

/**
 * Issue 13's grid: smaCross fast 2–41 × slow 50–295 step 5 (2,000 combinations) on the six real
 * 5-minute series (12,000 strategies × ~5,760 bars), fill next-open, fee 0.1 %, no risk gate, through
 * `runBacktest` — the engine users run. `--persist 0` keeps nothing (summary), `1` writes orders and
 * fills to SQLite. Beside it, in the same process, a hand-written loop computing the same trades
 * (its total netPnl must agree) for the floor of what the work costs.
 */
const persist = flag('persist', false)
const combos = arg('fasts', 40)
const slows = arg('slows', 50)
const DATA = join(import.meta.dirname, '../../../shared/data/candles')
const SYMBOLS = ['ETH', 'LTC', 'ETC', 'ADA', 'XMR', 'DASH']
const FEE = 0.001
const NOTIONAL = 1
const fastSet = Array.from({ length: combos }, (_, i) => 2 + i)
const slowSet = Array.from({ length: slows }, (_, i) => 50 + 5 * i)

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100)
const dir = mkdtempSync(join(tmpdir(), 'shoal-grid-'))
const store = persist ? await createOrderStore(await openStore(join(dir, 'grid.sqlite')), 'grid') : null
if (store !== null) {
  await store.migrate()
  store.eventLog = false
  await store.startRun({ bench: 'grid' }, Date.now(), { kind: 'backtest' })
}
const t0 = performance.now()
const r = await runBacktest(
  {
    sources: SYMBOLS.map((s) => ({ symbol: `${s}/BTC`, file: join(DATA, `${s}_BTC-5m.json`) })),
    feeRate: FEE,
    slippageBps: 0,
    strategies: (m) => expandGrid({ strategy: 'smaCross', params: { fast: fastSet, slow: slowSet }, symbols: m.map((x) => x.symbol), notional: NOTIONAL }),
    risk: null,
    execution: { algo: 'market', options: DEFAULT_ALGO_OPTIONS },
    netting: null,
  },
  { store, persist: persist ? 'trades' : 'summary', runTag: 'g' },
)
const engineSec = (performance.now() - t0) / 1000
await store?.close()
clearInterval(sampler)
peakRss = Math.max(peakRss, process.memoryUsage().rss)
const engineNet = r.rows.reduce((a, x) => a + x.netPnl, 0)

// The hand-written loop: the same SMAs (the same library arithmetic: the window's mean), crosses, next-open fills and fees.
const t1 = performance.now()
let loopNet = 0
let loopOrders = 0
for (const s of SYMBOLS) {
  const bars = JSON.parse(readFileSync(join(DATA, `${s}_BTC-5m.json`), 'utf8')) as number[][]
  const close = bars.map((b) => b[4]!)
  const smaOf = new Map<number, Float64Array>()
  for (const p of new Set([...fastSet, ...slowSet])) {
    const out = new Float64Array(close.length).fill(Number.NaN)
    for (let i = p - 1; i < close.length; i++) {
      let sum = 0
      for (let k = i - p + 1; k <= i; k++) sum += close[k]!
      out[i] = sum / p
    }
    smaOf.set(p, out)
  }
  for (const f of fastSet)
    for (const sl of slowSet) {
      const a = smaOf.get(f)!
      const b = smaOf.get(sl)!
      let side = 0
      let pos = 0
      let avg = 0
      let realized = 0
      let fees = 0
      let pending = 0 // +q buy / −q sell at the next open
      for (let i = 0; i < bars.length; i++) {
        if (pending !== 0) {
          const px = bars[i]![1]!
          const q = Math.abs(pending)
          if (pending > 0) {
            avg = pos === 0 ? px : (avg * pos + px * q) / (pos + q)
            pos += q
          } else {
            realized += q * (px - avg)
            pos -= q
          }
          fees += q * px * FEE
          pending = 0
        }
        const x = a[i]!
        const y = b[i]!
        if (Number.isNaN(x) || Number.isNaN(y) || x === y) continue
        const next = x > y ? 1 : -1
        if (next === side) continue
        side = next
        if (next > 0 && pos === 0) {
          const q = floorTo(NOTIONAL / close[i]!, 1e-8)
          if (q > 0) pending = q
        } else if (next < 0 && pos > 0) pending = -pos
        if (pending !== 0) loopOrders++
      }
      loopNet += realized - fees + (pos === 0 ? 0 : pos * (close[close.length - 1]! - avg))
    }
}
const loopSec = (performance.now() - t1) / 1000
rmSync(dir, { recursive: true, force: true })
const strategyBars = r.figures.bars * (r.figures.strategies / SYMBOLS.length)
emit({
  strategies: r.figures.strategies,
  bars: r.figures.bars,
  persist: persist ? 'trades' : 'summary',
  wallSec: round(engineSec, 2),
  strategyBarsPerSec: Math.round(strategyBars / engineSec),
  orders: r.figures.orders.submitted,
  events: r.figures.events,
  peakRssMB: Math.round(peakRss / 1048576),
  loop: { wallSec: round(loopSec, 2), orders: loopOrders, strategyBarsPerSec: Math.round(strategyBars / loopSec) },
  engineOverLoop: round(engineSec / loopSec, 1),
  netPnl: { engine: round(engineNet, 6), loop: round(loopNet, 6) },
})
