import { join } from 'node:path'
import { ALGO_NAMES, DEFAULT_ALGO_OPTIONS, type AlgoName } from '../../actors/algos/algo.ts'
import { runBacktest } from '../../src/backtest/run-backtest.ts'
import { expandGrid } from '../../streams/strategies/grid.ts'
import { meanInterval, pairedInterval } from './intervals.ts'
import { arg, emit, round } from './util.ts'

/**
 * Issue 16 on real data: the 12,477 Binance XRP/ETH trades of ../shared/data/trades, replayed with the
 * `book` fill model (a top of book inferred from the prints' aggressor sides; market orders take the
 * far side, resting orders fill only on the other side's prints). A grid of SMA crosses on the prints
 * makes the orders; every algorithm works the same decisions. The span is cut into `--windows` equal
 * windows, each one sample (paired with market's on the same window), with 95 % t intervals. Fees
 * 2 bps maker / 5 bps taker, as in the simulator.
 */
const windows = arg('windows', 10)
const workMs = arg('work-ms', DEFAULT_ALGO_OPTIONS.maxWorkMs)
const FILE = join(import.meta.dirname, '../../../shared/data/trades/XRP_ETH-trades.json.gz')
const FROM = Date.parse('2019-10-11T00:00:00Z')
const TO = Date.parse('2019-10-13T11:20:00Z')
const span = (TO - FROM) / windows

interface Figures {
  costBps: number
  slippageBps: number
  feesBps: number
  fillRate: number
  makerShare: number
  works: number
}

async function runOne(algo: AlgoName, w: number): Promise<Figures> {
  const r = await runBacktest(
    {
      sources: [{ symbol: 'XRP/ETH', file: FILE, lotSize: 1, tickSize: 1e-8 }],
      fill: 'book',
      feeRate: 0.0005,
      makerFeeRate: 0.0002,
      slippageBps: 0,
      from: FROM + w * span,
      to: FROM + (w + 1) * span,
      strategies: (m) => expandGrid({ strategy: 'smaCross', params: { fast: [3, 5, 8, 12, 20], slow: [30, 45, 60, 90, 120] }, symbols: m.map((x) => x.symbol), notional: 0.2 }),
      risk: null,
      execution: { algo, options: { ...DEFAULT_ALGO_OPTIONS, maxWorkMs: workMs } },
      netting: null,
    },
    { store: null, persist: 'summary', runTag: `x${w}` },
  )
  const e = r.figures.execution!
  return { costBps: e.costBps.avg, slippageBps: e.slippageBps.avg, feesBps: e.feesBps, fillRate: e.fillRate, makerShare: e.makerShare, works: e.works }
}

const t0 = performance.now()
const runs = new Map<AlgoName, Figures[]>()
for (let w = 0; w < windows; w++) for (const algo of ALGO_NAMES) runs.set(algo, [...(runs.get(algo) ?? []), await runOne(algo, w)])
const market = runs.get('market')!
const results: Record<string, unknown> = {}
for (const [algo, rs] of runs) {
  const mean = (k: keyof Figures) => round(rs.reduce((a, r) => a + r[k], 0) / rs.length)
  results[algo] = {
    costBps: meanInterval(rs.map((r) => r.costBps)),
    vsMarketBps: pairedInterval(
      rs.map((r) => r.costBps),
      market.map((r) => r.costBps),
    ),
    slippageVsMarketBps: pairedInterval(
      rs.map((r) => r.slippageBps),
      market.map((r) => r.slippageBps),
    ),
    slippageBps: mean('slippageBps'),
    feesBps: mean('feesBps'),
    fillRate: mean('fillRate'),
    makerShare: mean('makerShare'),
    works: rs.reduce((a, r) => a + r.works, 0),
  }
}
emit({ scenario: 'executionReplay', data: 'XRP/ETH trades', windows, workMs, wallS: round((performance.now() - t0) / 1000, 1), results })
process.exit(0)
