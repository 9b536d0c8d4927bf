import BetterSqlite3 from 'better-sqlite3'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_ALGO_OPTIONS } from '../actors/algos/algo.ts'
import { maxDrawdownPct, profitFactor, returnsOf, sharpe, sortino } from '../src/backtest/performance.ts'
import { runBacktest, type BacktestSpec } from '../src/backtest/run-backtest.ts'
import { loadStrategyModules } from '../src/config/strategy-modules.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { Child } from './support/child.ts'

const DATA = join(import.meta.dirname, '../../shared/data/candles')
const dir = mkdtempSync(join(tmpdir(), 'shoal-backtest-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Eight 5-minute bars: open, close. SMA(1) vs SMA(2) of closes crosses up at bar 3, down at bar 5, up at bar 7.
const T0 = Date.UTC(2024, 0, 1)
const BARS: [number, number][] = [
  [10, 10],
  [10, 10],
  [10, 12],
  [12.5, 14],
  [14, 11],
  [10.5, 9],
  [9, 10],
  [10.2, 13],
]
const csv = `timestamp,open,high,low,close,volume\n${BARS.map(([o, c], i) => `${T0 + i * 300_000},${o},${Math.max(o, c)},${Math.min(o, c)},${c},1`).join('\n')}\n`
writeFileSync(join(dir, 'HAND_BTC-5m.csv'), csv)

const spec = (o: Partial<BacktestSpec> = {}): BacktestSpec => ({
  sources: [{ symbol: 'HAND/BTC', file: join(dir, 'HAND_BTC-5m.csv') }],
  feeRate: 0.001,
  slippageBps: 0,
  strategies: (m) => expandGrid({ strategy: 'smaCross', params: { fast: 1, slow: 2 }, symbols: m.map((x) => x.symbol), notional: 100 }),
  risk: null,
  execution: { algo: 'market', options: DEFAULT_ALGO_OPTIONS },
  netting: null,
  ...o,
})
const run = (s: BacktestSpec) => runBacktest(s, { store: null, persist: 'summary', runTag: 't' })

describe('the reference fill model, by hand', () => {
  it('next-open: an SMA cross on eight bars gives exactly the hand-computed trades, fees and netPnl', async () => {
    const r = await run(spec())
    const row = r.rows[0]!
    // Bar 3 closes at 12: buy floor(100 / 12) lots = 8.33333333 at bar 4's open, 12.5.
    // Bar 5 crosses down: sell 8.33333333 at bar 6's open, 10.5. Bar 7 closes at 10: buy 10 at bar 8's open, 10.2; marked at 13.
    const q1 = 8.33333333
    const fees = q1 * 12.5 * 0.001 + q1 * 10.5 * 0.001 + 10 * 10.2 * 0.001
    const net = q1 * (10.5 - 12.5) + 10 * (13 - 10.2) - fees
    expect(r.figures.orders.submitted).toBe(3)
    expect(row.entries).toBe(2)
    expect(row.roundTrips).toBe(1)
    expect(row.winRate).toBe(0)
    expect(row.fees).toBeCloseTo(fees, 10)
    expect(row.netPnl).toBeCloseTo(net, 9)
    expect(row.returnPct).toBeCloseTo(net, 9)
    // In a position at the close of bars 4, 5 and 8 of 8.
    expect(row.exposurePct).toBeCloseTo((3 / 8) * 100, 9)
  })

  it('close: the same orders fill at the deciding bar’s close; slippage moves the taker’s price', async () => {
    const r = await run(spec({ fill: 'close', slippageBps: 10 }))
    const q1 = 8.33333333
    const buy1 = 12 * 1.001
    const sell = 11 * 0.999
    const buy2 = 10 * 1.001
    const fees = (q1 * buy1 + q1 * sell + 10 * buy2) * 0.001
    expect(r.rows[0]!.netPnl).toBeCloseTo(q1 * (sell - buy1) + 10 * (13 - buy2) - fees, 9)
  })
})

describe('leaderboard maths against hand computations', () => {
  it('Sharpe, Sortino, drawdown and profit factor', () => {
    expect(sharpe([0.01, -0.02, 0.03])).toBeCloseTo(5.061031, 5)
    expect(sortino([0.01, -0.02, 0.03])).toBeCloseTo(11.030261, 5)
    expect(sharpe([0.01])).toBeNull()
    expect(sortino([0.01, 0.02])).toBeNull()
    expect(maxDrawdownPct([100, 120, 90, 130, 104])).toBeCloseTo(25, 10)
    expect(profitFactor(30, 10)).toBe(3)
    expect(profitFactor(30, 0)).toBeNull()
    expect(returnsOf([100, 110, 99])).toEqual([0.10000000000000009, -0.09999999999999998])
  })
})

describe('a grid on six real 5-minute series', () => {
  const grid: Partial<BacktestSpec> = {
    sources: ['ETH', 'LTC', 'ADA'].map((s) => ({ symbol: `${s}/BTC`, file: join(DATA, `${s}_BTC-5m.json`) })),
    strategies: (m) => expandGrid({ strategy: 'smaCross', params: { fast: [5, 10], slow: [50, 100] }, symbols: m.map((x) => x.symbol), notional: 1 }),
  }
  it('gives the same leaderboard with netting on and off where the fill model has no impact (close fills, no fees)', async () => {
    const off = await run(spec({ ...grid, fill: 'close', feeRate: 0 }))
    const on = await run(spec({ ...grid, fill: 'close', feeRate: 0, netting: { windowMs: 0, holdMs: 60_000, internalFeeRate: 0 } }))
    // Strategies on one symbol cross each other's orders internally, and the rest goes out as blocks.
    expect(on.figures.netting!.crosses).toBeGreaterThan(0)
    expect(on.figures.netting!.childOrders).toBeGreaterThan(0)
    expect(off.figures.orders.submitted).toBeGreaterThan(100)
    for (let i = 0; i < off.rows.length; i++) {
      expect(on.rows[i]!.entries).toBe(off.rows[i]!.entries)
      expect(on.rows[i]!.roundTrips).toBe(off.rows[i]!.roundTrips)
      expect(on.rows[i]!.netPnl).toBeCloseTo(off.rows[i]!.netPnl, 9)
    }
  })

  it('a throwing user strategy fails only its own actors', async () => {
    const mod = join(dir, 'outside', 'boom.ts')
    mkdirSync(join(dir, 'outside'), { recursive: true })
    writeFileSync(
      mod,
      `import { defineStrategy, prices, crossover, sma, toTarget } from 'shoal'
import { map } from 'rxjs'
export const boom = defineStrategy({
  name: 'boomCross', description: 'throws on its 10th price', inputs: { signals: false, market: true },
  params: { fast: { default: 5, min: 1, integer: true, doc: 'fast' } },
  create: (p) => (input$) => { let n = 0; return input$.pipe(prices(p.symbol), map((r) => { if (++n === 10) throw new Error('boom'); return r }), crossover(sma(p.fast), sma(50)), toTarget(p.symbol, (s) => (s > 0 ? 1 : 0))) },
})
`,
    )
    expect(await loadStrategyModules([mod], dir, 'modules')).toEqual(['boomCross'])
    const both = await run(
      spec({
        ...grid,
        strategies: (m) => [
          ...expandGrid({ strategy: 'smaCross', params: { fast: [5, 10], slow: [50] }, symbols: m.map((x) => x.symbol), notional: 1 }),
          ...expandGrid({ strategy: 'boomCross', params: { fast: [5] }, symbols: m.map((x) => x.symbol), notional: 1, offset: 6 }),
        ],
      }),
    )
    const alone = await run(spec({ ...grid, strategies: (m) => expandGrid({ strategy: 'smaCross', params: { fast: [5, 10], slow: [50] }, symbols: m.map((x) => x.symbol), notional: 1 }) }))
    expect(both.figures.failedActors).toBe(3)
    expect(both.rows.slice(0, 6).map((r) => r.netPnl)).toEqual(alone.rows.map((r) => r.netPnl))
    expect(both.rows.slice(6).every((r) => r.entries === 0)).toBe(true)
  })

  it('a module that exports something else is refused, naming the file and the export', async () => {
    const bad = join(dir, 'bad.mjs')
    writeFileSync(bad, 'export const helper = (x) => x\n')
    await expect(loadStrategyModules([bad], dir, 'modules')).rejects.toThrow(/bad\.mjs: export 'helper': it is a function, not a strategy definition/)
  })

  it('shoal backtest: leaderboard CSV ranked, summary, results in the store as a backtest run', async () => {
    const db = join(dir, 'bt.sqlite')
    const lb = join(dir, 'lb.csv')
    const c = new Child('npm', [
      'run',
      '-s',
      'shoal',
      '--',
      'backtest',
      '--config',
      'examples/backtest.yaml',
      '--db',
      db,
      '--leaderboard',
      lb,
      '--rank-by',
      'sharpe',
      '--persist',
      'summary',
      '--to',
      '2018-01-20',
    ])
    const { code } = await c.exit
    expect(code, c.stderr).toBe(0)
    const lines = readFileSync(lb, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('rank,strategyId,strategy,params,symbol,entries,roundTrips,winRate,netPnl,returnPct,fees,maxDrawdownPct,sharpe,sortino,profitFactor,exposurePct')
    expect(lines).toHaveLength(55)
    const sharpes = lines
      .slice(1)
      .map((l) => l.split(',')[12]!)
      .filter((s) => s !== '')
      .map(Number)
    expect(sharpes).toEqual([...sharpes].sort((a, b) => b - a))
    const d = new BetterSqlite3(db, { readonly: true })
    expect(d.prepare("select count(*) n from runs where kind = 'backtest'").get()).toEqual({ n: 1 })
    expect(d.prepare('select count(*) n from backtest_results').get()).toEqual({ n: 54 })
    expect(d.prepare('select count(*) n from orders').get()).toEqual({ n: 0 })
    d.close()
    const summary = JSON.parse(c.stderr.trim().split('\n').pop()!)
    expect(summary).toMatchObject({ kind: 'backtest', strategies: 54, rankBy: 'sharpe', persist: 'summary' })
    expect(summary.to <= '2018-01-20T00:00:00.000Z').toBe(true)
  })

  it('bad flags and data name what is wrong and exit 2', async () => {
    const c = new Child('npm', ['run', '-s', 'shoal', '--', 'backtest', '--config', 'examples/backtest.yaml', '--rank-by', 'luck'])
    expect((await c.exit).code).toBe(2)
    expect(c.stderr).toContain('--rank-by: expected one of netPnl')
    const badFile = join(dir, 'bad.json')
    writeFileSync(badFile, '[[1700000000000,1,2,0.5,1.5,10],[1690000000000,1,2,0.5,1.5,10]]')
    const d = new Child('npm', ['run', '-s', 'shoal', '--', 'data', 'inspect', badFile])
    expect((await d.exit).code).toBe(2)
    expect(d.stderr).toContain('bad.json: row 2: the timestamp goes backwards')
  })
})
