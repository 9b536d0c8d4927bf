import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_ALGO_OPTIONS } from '../actors/algos/algo.ts'
import { runBacktest, type BacktestSpec } from '../src/backtest/run-backtest.ts'
import { openStore } from '../src/store/database.ts'
import { createOrderStore } from '../src/store/sqlite-worker-store.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { Engine } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { until } from './support/wait.ts'
import { Child } from './support/child.ts'
import { expandGrid } from '../streams/strategies/grid.ts'

const CANDLES = join(import.meta.dirname, '../../shared/data/candles')
const dir = mkdtempSync(join(tmpdir(), 'shoal-workers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A grid of the heavy AR strategy beside SMA crosses, on two real 5-minute files (the first 3 days). */
const spec = (workers: number): BacktestSpec => ({
  sources: [
    { symbol: 'ETH/BTC', file: join(CANDLES, 'ETH_BTC-5m.json') },
    { symbol: 'LTC/BTC', file: join(CANDLES, 'LTC_BTC-5m.json') },
  ],
  to: Date.UTC(2025, 0, 1) + 0,
  feeRate: 0.001,
  slippageBps: 0,
  strategies: (m) => [
    ...expandGrid({ strategy: 'arForecast', params: { window: [200, 400], lags: [3, 5], thresholdBps: [0, 2] }, symbols: m.map((x) => x.symbol), notional: 100 }),
    ...expandGrid({ strategy: 'smaCross', params: { fast: [5, 10], slow: [50] }, symbols: m.map((x) => x.symbol), notional: 100, offset: 1000 }),
  ],
  risk: null,
  execution: { algo: 'market', options: DEFAULT_ALGO_OPTIONS },
  netting: null,
  workers,
})

/** Runs the grid into its own SQLite file; returns every order and fill, per strategy in time order, without ids. */
async function orderFlow(workers: number) {
  const path = join(dir, `w${workers}.sqlite`)
  const store = await createOrderStore(await openStore(path), `bt-w${workers}`)
  await store.migrate()
  await store.startRun({ command: 'backtest' }, Date.now(), { kind: 'backtest' })
  const r = await runBacktest({ ...spec(workers), to: Date.UTC(2018, 0, 14) }, { store, persist: 'all', runTag: 'w' })
  await store.close()
  const db = new BetterSqlite3(path, { readonly: true })
  const orders = db.prepare('SELECT strategy_id, symbol, side, type, amount, status, filled, avg_price, fee, created_at, closed_at FROM orders ORDER BY strategy_id, created_at, id').all()
  const fills = db.prepare('SELECT strategy_id, symbol, side, price, amount, fee, ts FROM fills ORDER BY strategy_id, ts, trade_id').all()
  db.close()
  return { r, orders, fills }
}

describe('pipelines in worker threads', () => {
  it('the same grid with workers 0 and 1 in virtual time gives identical intents, orders and fills', async () => {
    const inThread = await orderFlow(0)
    const inWorker = await orderFlow(1)
    expect(inThread.r.figures.pipelines).toBe(inWorker.r.figures.pipelines)
    expect(inThread.orders.length).toBeGreaterThan(100)
    // Both kinds of strategy traded (the heavy ones in the worker).
    expect(new Set(inThread.orders.map((o) => String((o as { strategy_id: string }).strategy_id).split('-')[0]))).toEqual(new Set(['arForecast', 'smaCross']))
    expect(inWorker.orders).toEqual(inThread.orders)
    expect(inWorker.fills).toEqual(inThread.fills)
    expect(inWorker.r.rows).toEqual(inThread.r.rows)
    expect(inWorker.r.figures.failedActors).toBe(0)
    // The heavy pipelines really ran in the worker: 2 symbols × 8 combinations, every bar sent across.
    expect(inThread.r.figures.workers).toBeNull()
    expect(inWorker.r.figures.workers).toMatchObject({ threads: 1, pipelines: 16, failedPipelines: 0 })
    expect(inWorker.r.figures.workers!.inputs).toBe(inWorker.r.figures.bars)
    expect(inWorker.r.figures.workers!.intents).toBeGreaterThan(50)
  }, 120_000)
})

describe('a worker thread that dies', () => {
  it('fails only the actors of its pipelines; the main thread trades on; a clean stop persists everything', async () => {
    const path = join(dir, 'kill.sqlite')
    const store = new OrderStore(await openStore(path), 'kill')
    await store.migrate()
    await store.startRun({ command: 'test' }, Date.now())
    const sim = new SimExchange({ symbols: 4, seed: 3, latencyMs: 2, jitter: 0, tickMs: 10, rejectRate: 0, timeoutRate: 0 }).start()
    const symbols = sim.markets.map((m) => m.symbol)
    const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
    const specs = [
      // In the worker: a short AR fit that trades within a second.
      ...expandGrid({ strategy: 'arForecast', params: { window: 20, lags: 2, thresholdBps: [0, 0.1] }, symbols, sizeOf }),
      // On the main thread.
      ...expandGrid({ strategy: 'smaCross', params: { fast: 2, slow: 5 }, symbols, sizeOf, offset: 100 }),
    ]
    const engine = new Engine({ exchange: sim, markets: sim.markets, strategies: specs, store, workers: 1 })
    engine.start()
    await engine.ready()
    const ordersOf = (prefix: string) => engine.actors.filter((a) => a.id.startsWith(prefix)).reduce((n, a) => n + a.state.orderSeq, 0)
    await until(
      () => ordersOf('arForecast') >= 5 && ordersOf('smaCross') >= 5,
      () => `orders from both threads (worker ${ordersOf('arForecast')}, main ${ordersOf('smaCross')})`,
    )
    const killedAt = Date.now()
    await engine.workers!.terminate(0)
    const mainBefore = ordersOf('smaCross')
    await until(() => ordersOf('smaCross') >= mainBefore + 10 && Date.now() > killedAt + 500, 'the main thread to trade on after the kill')
    const { unwritten } = await engine.stop(5_000, 10_000)
    sim.stop()
    expect(unwritten).toEqual([])
    await store.close()

    // Every worker actor stopped with the reason; no main actor did.
    for (const a of engine.actors) {
      if (a.id.startsWith('arForecast')) {
        expect(a.state.running, a.id).toBe(false)
        expect(a.state.error).toBe('pipeline worker 0 exited (code 1)')
      } else expect(a.state.running, a.id).toBe(true)
    }
    expect(engine.metrics.totals().failedActors).toBe(8)
    expect(engine.workers!.summary()).toMatchObject({ deadThreads: 1, failedPipelines: 8 })

    // The database: worker strategies created no order after the kill (allowing for one already being decided), main ones did.
    const db = new BetterSqlite3(path, { readonly: true })
    const ordersAfterKill = (prefix: string) => (db.prepare(`SELECT count(*) n FROM orders WHERE strategy_id LIKE ? AND created_at > ?`).get(`${prefix}%`, killedAt + 50) as { n: number }).n
    expect(ordersAfterKill('arForecast')).toBe(0)
    expect(ordersAfterKill('smaCross')).toBeGreaterThanOrEqual(5)
    const stored = (db.prepare('SELECT count(*) n FROM orders').get() as { n: number }).n
    db.close()
    expect(stored).toBe(engine.metrics.totals().submitted + engine.metrics.totals().denied)
  }, 60_000)
})

describe('from the command line, as users run it', () => {
  const node = process.execPath
  const cli = ['--import', 'tsx', 'src/cli.ts']

  it('a demo with a worker and the allocator stops on a group SIGINT with every event persisted, the worker drained and the weights stored', async () => {
    const db = join(dir, 'demo-workers.sqlite')
    const summaryPath = join(dir, 'demo-workers.json')
    const c = new Child(node, [
      ...cli,
      'demo',
      '--strategies',
      '600',
      '--strategy',
      'arForecast',
      '--workers',
      '1',
      '--allocator',
      'hedge',
      '--alloc-horizon',
      '2',
      '--stats-every',
      '1',
      '--positions-every',
      '1',
      '--latency',
      '20',
      '--duration',
      '300',
      '--db',
      db,
      '--summary',
      summaryPath,
    ])
    try {
      // The fits warm up (200 trades of a symbol), then decide: wait for orders, then for the allocator to have moved a weight.
      await c.waitFor((l) => l.msg === 'stats' && Number(l.filled) > 50, 90_000, 'filled orders')
      await c.waitFor((l) => l.msg === 'stats' && Number(l.t) > 8, 60_000, 'a few more seconds of trading')
      c.signalGroup('SIGINT')
      const { code } = await c.exit
      expect(code).toBe(0)
    } finally {
      c.killGroup()
    }
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    expect(s.stoppedBy).toBe('SIGINT')
    expect(s.unpersistedEvents).toBe(0)
    expect(s.failedActors).toBe(0)
    expect(s.workers).toMatchObject({ threads: 1, deadThreads: 0, failedPipelines: 0 })
    expect(s.workers.intents).toBeGreaterThan(0)
    expect(s.allocator.updates).toBeGreaterThan(0)
    const d = new BetterSqlite3(db, { readonly: true })
    const orders = (d.prepare('SELECT count(*) n FROM orders').get() as { n: number }).n
    const weights = d.prepare('SELECT count(*) n, count(DISTINCT strategy_id) s FROM allocator_weights').get() as { n: number; s: number }
    d.close()
    expect(orders).toBe(s.orders.submitted + s.orders.denied)
    // Every strategy's weight at the stop, plus the ones that moved before.
    expect(weights.s).toBe(600)
    expect(c.stderr).not.toMatch(/"level":50/)
  }, 180_000)

  it('shoal backtest with a worker and the allocator (examples/research-allocator.yaml): the summary and the stored weights', async () => {
    const db = join(dir, 'bt-alloc.sqlite')
    const summaryPath = join(dir, 'bt-alloc.json')
    const c = new Child(node, [...cli, 'backtest', '--config', 'examples/research-allocator.yaml', '--to', '2018-01-16', '--db', db, '--summary', summaryPath])
    const { code } = await c.exit
    expect(code, c.stderr.slice(-2000)).toBe(0)
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    expect(s.workers).toMatchObject({ threads: 1, pipelines: 36, failedPipelines: 0 })
    expect(s.allocator.updates).toBeGreaterThan(100)
    const d = new BetterSqlite3(db, { readonly: true })
    const w = d.prepare('SELECT count(DISTINCT strategy_id) s, count(DISTINCT ts) t FROM allocator_weights').get() as { s: number; t: number }
    d.close()
    expect(w.s).toBe(90)
    expect(w.t).toBeGreaterThan(24)
  }, 180_000)
})
