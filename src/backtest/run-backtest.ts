import type { Logger } from 'pino'
import type { AlgoName, AlgoOptions } from '../../actors/algos/algo.ts'
import type { ExecutionMetrics } from '../engine/execution-metrics.ts'
import type { NettingOptions } from '../../actors/netting/netting-desk.ts'
import type { RiskLimits } from '../../actors/risk/limits.ts'
import { RiskManager } from '../../actors/risk/risk-manager.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import { ConfigError } from '../domain/errors.ts'
import type { Market } from '../domain/market.ts'
import { Engine } from '../engine/engine.ts'
import { nettingSummary } from '../engine/netting-summary.ts'
import type { FillModel } from '../exchange/replay/replay-fills.ts'
import { mergeByTime, openSource, type OpenedSource, type ReplayEvent, type ReplaySource } from '../exchange/replay/replay-feed.ts'
import { ReplayExchange, replayMarkets } from '../exchange/replay/replay-exchange.ts'
import { ReplayScheduler } from '../exchange/replay/replay-scheduler.ts'
import type { PipelineWorkers } from '../engine/workers/pipeline-workers.ts'
import type { AllocatorOptions, CapitalAllocator } from '../engine/capital-allocator.ts'
import type { OrderStore } from '../store/order-store.ts'
import type { BacktestResultsTable } from '../store/schema.ts'
import { paramsText, type LeaderboardRow } from './leaderboard.ts'
import { StrategyLedger } from './strategy-ledger.ts'

export type PersistMode = 'all' | 'trades' | 'summary'

/** One backtest: recorded data, the replay's fill model, and the engine exactly as a live run configures it. */
export interface BacktestSpec {
  readonly sources: readonly ReplaySource[]
  /** Default: next-open for candles, trades for prints. */
  readonly fill?: FillModel
  readonly feeRate: number
  /** Makers' fee rate, when it differs from feeRate. */
  readonly makerFeeRate?: number
  readonly slippageBps: number
  readonly lotSize?: number
  readonly tickSize?: number
  readonly minNotional?: number
  /** Epoch ms window of the data to replay. */
  readonly from?: number
  readonly to?: number
  /** The strategies on the replayed markets; each sized by its quote notional at its orders' prices. */
  readonly strategies: (markets: readonly Market[]) => StrategySpec[]
  /** null: no risk gate (pure strategy research). */
  readonly risk: RiskLimits | null
  readonly execution: { algo: AlgoName; options: AlgoOptions }
  readonly netting: NettingOptions | null
  /** Worker threads for heavy pipelines (0: all on the main thread); results are the same either way. */
  readonly workers?: number
  /** Online capital re-weighting, exactly as live (the replay's virtual time drives it). */
  readonly allocator?: AllocatorOptions | null
}

/** What a backtest gives back: run figures and one leaderboard row per strategy (in strategy order). */
export interface BacktestResult {
  readonly rows: LeaderboardRow[]
  /** Strategy `i`'s equity at each day's close (same order as `rows`). */
  readonly curve: (i: number) => { ts: number[]; equity: number[] }
  readonly figures: {
    readonly bars: number
    readonly prints: number
    readonly strategies: number
    readonly pipelines: number
    readonly events: number
    readonly orders: { submitted: number; filled: number; canceled: number; rejected: number; denied: number }
    readonly fills: number
    readonly wallSec: number
    readonly strategyBarsPerSec: number
    readonly from: string | null
    readonly to: string | null
    readonly fill: FillModel
    readonly netting: ReturnType<typeof nettingSummary> | null
    /** Execution quality (total cost, slippage, fees…) when an algorithm other than market orders worked the orders. */
    readonly execution: ReturnType<ExecutionMetrics['summary']> | null
    readonly risk: unknown
    readonly unpersistedEvents: number
    readonly failedActors: number
    /** Worker threads and what crossed to them, when heavy pipelines ran there. */
    readonly workers: ReturnType<PipelineWorkers['summary']> | null
    /** Capital re-weighting, when on: updates and the weights at the end. */
    readonly allocator: ReturnType<CapitalAllocator['summary']> | null
  }
}

export interface BacktestRunOptions {
  readonly store: OrderStore | null
  readonly persist: PersistMode
  readonly runTag: string
  readonly log?: Logger
  /** Called every few thousand events with where the replay is. */
  readonly progress?: (p: { ts: number; bars: number; events: number }) => void
}

/** Events the store may fall behind by before the replay waits for it (results never depend on store speed). */
const STORE_BEHIND = 50_000

/** Opens the sources and checks that the fill model fits the data. */
export async function openSources(spec: Pick<BacktestSpec, 'sources' | 'fill' | 'from' | 'to'>): Promise<{ opened: OpenedSource[]; fill: FillModel }> {
  if (spec.sources.length === 0) throw new ConfigError('exchange.data', 'expected at least one data file')
  const seen = new Set<string>()
  for (const [i, s] of spec.sources.entries()) {
    if (seen.has(s.symbol)) throw new ConfigError(`exchange.data.${i}.symbol`, `${s.symbol} is listed twice`)
    seen.add(s.symbol)
  }
  const opened = await Promise.all(spec.sources.map((s) => openSource(s, spec.from, spec.to)))
  const kinds = new Set(opened.map((o) => o.kind))
  const fill = spec.fill ?? (kinds.has('candles') ? 'next-open' : 'trades')
  if ((fill === 'trades' || fill === 'book') && kinds.has('candles')) throw new ConfigError('exchange.fill', `${fill} fills need trade data; the data has candles (use next-open or close)`)
  return { opened, fill }
}

/**
 * Replays the data through the engine in virtual time: every recorded event at its own time, the
 * orders it fills first, then the strategies; the ledger marks every strategy at every bar. The
 * engine, strategies, risk gate, execution and store are the live ones; only the exchange is the
 * replay.
 */
export async function runBacktest(spec: BacktestSpec, o: BacktestRunOptions): Promise<BacktestResult> {
  const wall0 = performance.now()
  const { opened, fill } = await openSources(spec)
  const markets = replayMarkets(
    opened.map((s) => s.source),
    spec,
  )
  const feed = mergeByTime(opened)
  const first = await feed.next()
  const startTs = first.done ? 0 : first.value.ts
  // The clock starts at the data: periodic work (risk marks, sink windows) runs from there, not from 1970.
  const scheduler = new ReplayScheduler(startTs)
  const exchange = new ReplayExchange({ markets, fill, feeRate: spec.feeRate, makerFeeRate: spec.makerFeeRate, slippageBps: spec.slippageBps, scheduler })
  const specs = spec.strategies(markets)
  const bar = Math.min(...opened.map((s) => s.timeframeMs ?? 60_000))
  const risk = spec.risk === null ? undefined : new RiskManager(spec.risk, markets, startTs, o.log)
  let ledger: StrategyLedger | null = null
  const engine = new Engine({
    exchange,
    markets,
    strategies: specs,
    scheduler,
    store: o.persist === 'summary' || o.store === null ? undefined : o.store,
    // Windows of virtual time: an hour (at least a bar), so batches are large and an idle stretch costs a few timer runs.
    sinkWindowMs: Math.max(bar, 3_600_000),
    sinkMaxBatch: 5_000,
    maxQueuedEvents: Number.MAX_SAFE_INTEGER,
    risk,
    riskEveryMs: bar,
    execution: spec.execution,
    netting: spec.netting ?? undefined,
    // Answers come at once in virtual time: no call can hang.
    callTimeoutMs: 0,
    runTag: o.runTag,
    logger: o.log,
    onFill: (a, before, after) => ledger!.onFill(a.index, before, after),
    workers: spec.workers ?? 0,
    ...(spec.allocator ? { allocator: { everyMs: bar, ...spec.allocator } } : {}),
  })
  ledger = new StrategyLedger(
    engine.actors,
    Float64Array.from(specs, (s) => s.notional ?? s.size),
  )
  const l = ledger
  let bars = 0
  let prints = 0
  const markSub = exchange.watchMarket().subscribe((e) => {
    if (e.kind === 'bar') {
      bars++
      l.mark(e.symbol, e.close, e.ts)
    } else if (e.kind === 'trade') {
      prints++
      l.mark(e.symbol, e.price, e.ts)
    }
  })
  engine.start()
  await engine.ready()
  let events = 0
  let lastTs = startTs
  // The allocator's weights as a time series: what moved, every simulated hour (and all at the end).
  const weightWrites: Promise<void>[] = []
  const storeWeights = engine.allocator !== null && o.store !== null && o.persist !== 'summary' ? o.store : null
  let weightsDue = startTs + 3_600_000
  const stepped = (e: ReplayEvent) => {
    scheduler.advanceTo(e.ts)
    lastTs = e.ts
    events++
    if (storeWeights !== null && e.ts >= weightsDue) {
      weightsDue = e.ts + 3_600_000
      weightWrites.push(storeWeights.writeWeights(engine.allocator!.changes(e.ts)))
    }
  }
  /** Null when the event is done; a promise while worker threads answer it (their intents act at the event's time). */
  const step = (e: ReplayEvent): Promise<void> | null => {
    // What was due before this event runs first (answers, timers); then the event, then what it set off at its time.
    scheduler.advanceTo(e.ts)
    exchange.deliver(e)
    const settled = engine.settle()
    if (settled !== null) return settled.then(() => stepped(e))
    stepped(e)
    return null
  }
  if (!first.done) await step(first.value)
  for await (const e of feed) {
    const waiting = step(e)
    if (waiting !== null) await waiting
    if ((events & 255) === 0) {
      if ((events & 4095) === 0) o.progress?.({ ts: e.ts, bars, events })
      const p = engine.persistence
      // The replay never leaves the microtask queue by itself: let the store's answers in, so its
      // writer keeps working while the replay runs. When it falls behind, the store sets the pace
      // (an entry never waits on it, so results cannot depend on its speed).
      if (p !== null && p.queued > 0) await new Promise((r) => setImmediate(r))
      while (p !== null && p.queued > STORE_BEHIND) await new Promise((r) => setImmediate(r))
    }
  }
  // End of data: what has not filled never will; then a clean stop in virtual time.
  exchange.finish()
  const stopped = engine.stop(60_000, 120_000)
  scheduler.advanceTo(scheduler.now() + 300_000)
  const { unwritten } = await stopped
  if (storeWeights !== null) weightWrites.push(storeWeights.writeWeights(engine.allocator!.changes(lastTs, true)))
  await Promise.all(weightWrites)
  const workersSummary = engine.workers?.summary() ?? null
  markSub.unsubscribe()
  exchange.stop()
  o.progress?.({ ts: lastTs, bars, events })

  const rows: LeaderboardRow[] = specs.map((s, i) => ({ strategyId: s.id, strategy: s.strategy, params: s.params, symbol: s.symbol, ...l.figures(i) }))
  const t = engine.metrics.totals()
  const wallSec = (performance.now() - wall0) / 1000
  const strategyBars = opened.reduce((a, s) => a + l.barsOf(s.source.symbol) * specs.filter((x) => x.symbol === s.source.symbol).length, 0)
  if (unwritten.length > 0) throw new Error(`the store did not take ${unwritten.length} events of the backtest`)
  return {
    rows,
    curve: (i) => l.dailyCurve(i),
    figures: {
      bars,
      prints,
      strategies: specs.length,
      pipelines: engine.pipelines,
      events: engine.acceptedEvents,
      orders: { submitted: t.submitted, filled: t.filled, canceled: t.canceled, rejected: t.rejected, denied: t.denied },
      fills: t.fills,
      wallSec: Number(wallSec.toFixed(3)),
      strategyBarsPerSec: Math.round(strategyBars / wallSec),
      from: first.done ? null : new Date(startTs).toISOString(),
      to: first.done ? null : new Date(lastTs).toISOString(),
      fill,
      netting: engine.desk === null ? null : nettingSummary(engine.desk.counts),
      execution: engine.execution?.summary() ?? null,
      risk: risk?.summary() ?? null,
      unpersistedEvents: engine.persistence === null ? 0 : engine.persistence.counts.accepted - engine.persistence.counts.written,
      failedActors: t.failedActors,
      workers: workersSummary,
      allocator: engine.allocator?.summary() ?? null,
    },
  }
}

/** Leaderboard rows as the store's backtest_results rows. */
export const resultRows = (runId: string, window: string, rows: readonly LeaderboardRow[]): BacktestResultsTable[] =>
  rows.map((r) => ({
    run_id: runId,
    window,
    strategy_id: r.strategyId,
    strategy: r.strategy,
    params: paramsText(r.params),
    symbol: r.symbol,
    entries: r.entries,
    round_trips: r.roundTrips,
    win_rate: r.winRate,
    net_pnl: r.netPnl,
    return_pct: r.returnPct,
    fees: r.fees,
    max_drawdown_pct: r.maxDrawdownPct,
    sharpe: r.sharpe,
    sortino: r.sortino,
    profit_factor: r.profitFactor,
    exposure_pct: r.exposurePct,
  }))
