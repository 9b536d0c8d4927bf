import { join } from 'node:path'
import { DEFAULT_ALGO_OPTIONS } from '../../actors/algos/algo.ts'
import { maxDrawdownPct, returnsOf, sharpe } from '../../src/backtest/performance.ts'
import { runBacktest, type BacktestResult, type BacktestSpec } from '../../src/backtest/run-backtest.ts'
import type { AllocatorOptions } from '../../src/engine/capital-allocator.ts'
import { expandGrid } from '../../streams/strategies/grid.ts'
import { emit, round } from './util.ts'

/**
 * Issue 15's allocator benchmark: one grid of strategies (SMA crosses and mean reversion, 21
 * parameter sets × the six real 5-minute series = 126 strategies, fee 0.1 %, next-open fills, no
 * risk gate) backtested with equal, fixed capital and with Hedge re-weighting at two horizons. The
 * portfolio is the sum of the strategies' equity (total capital is the same in every run): its net
 * PnL, max drawdown and Sharpe (daily, √365), as measured.
 */
const DATA = join(import.meta.dirname, '../../../shared/data/candles')
const SYMBOLS = ['ETH', 'LTC', 'ETC', 'ADA', 'XMR', 'DASH']
const NOTIONAL = 100

const spec = (allocator: AllocatorOptions | null): BacktestSpec => ({
  sources: SYMBOLS.map((s) => ({ symbol: `${s}/BTC`, file: join(DATA, `${s}_BTC-5m.json`) })),
  feeRate: 0.001,
  slippageBps: 0,
  strategies: (m) => {
    const symbols = m.map((x) => x.symbol)
    const sma = expandGrid({ strategy: 'smaCross', params: { fast: [5, 10, 20, 40], slow: [50, 100, 200] }, symbols, notional: NOTIONAL })
    return [...sma, ...expandGrid({ strategy: 'meanReversion', params: { window: [20, 50, 100], z: [1.5, 2, 2.5] }, symbols, notional: NOTIONAL, offset: sma.length })]
  },
  risk: null,
  execution: { algo: 'market', options: DEFAULT_ALGO_OPTIONS },
  netting: null,
  allocator,
})

/** The portfolio's daily equity: every strategy's daily closes summed by day. */
function portfolio(r: BacktestResult) {
  const byTs = new Map<number, number>()
  for (let i = 0; i < r.rows.length; i++) {
    const c = r.curve(i)
    for (let k = 0; k < c.ts.length; k++) byTs.set(c.ts[k]!, (byTs.get(c.ts[k]!) ?? 0) + c.equity[k]!)
  }
  const equity = [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)
  const capital = r.rows.length * NOTIONAL
  const netPnl = r.rows.reduce((a, x) => a + x.netPnl, 0)
  return {
    strategies: r.rows.length,
    netPnl: round(netPnl, 2),
    returnPct: round((netPnl / capital) * 100, 2),
    maxDrawdownPct: round(maxDrawdownPct(equity), 2),
    sharpe: sharpe(returnsOf(equity)) === null ? null : round(sharpe(returnsOf(equity))!, 2),
    days: equity.length - 1,
    allocator: r.figures.allocator,
    wallSec: r.figures.wallSec,
  }
}

const run = async (a: AllocatorOptions | null) => portfolio(await runBacktest(spec(a), { store: null, persist: 'summary', runTag: 'alloc' }))
const equal = await run(null)
const hedge5m = await run({ kind: 'hedge', horizonMs: 300_000, eta: 10, floor: 0.1, cap: 10 })
const hedge1h = await run({ kind: 'hedge', horizonMs: 3_600_000, eta: 10, floor: 0.1, cap: 10 })
emit({ scenario: 'allocator-backtest', equal, hedge5m, hedge1h })
process.exit(0)
