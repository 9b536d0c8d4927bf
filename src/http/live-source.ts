import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import { strictest } from '../../actors/risk/trading-state.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import type { Engine } from '../engine/engine.ts'
import type { LagMonitor } from '../engine/stats.ts'
import { controlsOf, equityCurve, listRuns, strategyActivity } from '../report/run-queries.ts'
import type { OrderStore } from '../store/order-store.ts'
import { applyControl, type ControlRecord, type ControlRequest, type ControlState } from './control.ts'
import type { DashboardSource, FeedPoint, StrategyDetail } from './dashboard-source.ts'
import { pageOf, type StrategyRow, type TableQuery } from './strategy-table.ts'

/** What a live run shows: its engine, risk manager, event-loop monitor, strategies and store. */
export interface LiveParts {
  readonly runId: string
  readonly command: string
  readonly engine: Engine
  readonly risk: RiskManager
  readonly lag: LagMonitor
  readonly specs: readonly StrategySpec[]
  readonly store: OrderStore
  readonly symbols: readonly string[]
  /** The venue's stream health, when it reports one. */
  readonly venue?: () => unknown
  readonly log?: { warn(o: object, msg: string): void }
}

const HISTORY = 3_600

/**
 * The dashboard's view of a running engine. Figures are sampled once a second (`sample`, from the
 * server's timer) from counters the engine keeps anyway — nothing is added to the trading path; the
 * leaderboard is built at most once a second, on request.
 */
export class LiveSource implements DashboardSource {
  readonly kind = 'live'
  private readonly points: FeedPoint[] = []
  private prev: { t: number; submitted: number; fills: number; persisted: number } | null = null
  private table: { at: number; rows: StrategyRow[] } | null = null
  private readonly byId = new Map<string, number>()
  private readonly controlLog: ControlRecord[] = []
  private readonly startedAt = Date.now()

  constructor(private readonly p: LiveParts) {
    for (const [i, s] of p.specs.entries()) this.byId.set(s.id, i)
  }

  /** One point of the overview's series; keeps the last hour. */
  sample(now = Date.now()): FeedPoint {
    const { engine, risk, lag } = this.p
    const c = engine.metrics.totals()
    const persisted = engine.persistedEvents
    const dt = this.prev === null ? 0 : (now - this.prev.t) / 1000
    const rate = (x: number, was: number) => (dt > 0 ? (x - was) / dt : 0)
    const pf = risk.portfolio()
    const point: FeedPoint = {
      t: now,
      reactionP99Ms: engine.metrics.reaction.percentile(99),
      sweepP99Ms: engine.metrics.sweep.percentile(99),
      loopLagP99Ms: lag.peekP99(),
      ordersPerSec: this.prev === null ? 0 : rate(c.submitted, this.prev.submitted),
      fillsPerSec: this.prev === null ? 0 : rate(c.fills, this.prev.fills),
      persistedPerSec: this.prev === null ? 0 : rate(persisted, this.prev.persisted),
      sinkQueue: engine.acceptedEvents - persisted,
      sinkLagMs: engine.persistence?.lagMs() ?? 0,
      heapMB: process.memoryUsage().heapUsed / 1_048_576,
      equity: risk.breakerEnabled ? pf.equity : null,
      drawdownPct: risk.breakerEnabled ? pf.drawdown * 100 : null,
    }
    this.prev = { t: now, submitted: c.submitted, fills: c.fills, persisted }
    this.points.push(point)
    if (this.points.length > HISTORY) this.points.splice(0, this.points.length - HISTORY)
    return point
  }

  series(): readonly FeedPoint[] {
    return this.points
  }

  async summary(): Promise<Record<string, unknown>> {
    const { engine, risk } = this.p
    const c = engine.metrics.totals()
    const restricted = risk.restricted()
    return {
      kind: 'live',
      runId: this.p.runId,
      command: this.p.command,
      startedAt: this.startedAt,
      uptimeSec: (Date.now() - this.startedAt) / 1000,
      strategies: engine.actors.length,
      pipelines: engine.pipelines,
      orders: { submitted: c.submitted, filled: c.filled, canceled: c.canceled, rejected: c.rejected, denied: c.denied },
      fills: c.fills,
      signals: c.signals,
      inFlight: engine.metrics.inFlight,
      positionsOpen: engine.metrics.positionsOpen,
      failedActors: engine.metrics.failedActors,
      // This second's latencies are in `latest` (the stats window so far): merging the whole run's
      // histograms every second would allocate two HdrHistograms a second for nothing the page shows.
      persisted: engine.persistedEvents,
      sinkQueue: engine.acceptedEvents - engine.persistedEvents,
      risk: {
        state: risk.globalState,
        killed: risk.isKilled,
        denied: risk.denied,
        deniedByReason: risk.deniedByReason,
        // The latest 50, without copying every trip of a long run each second.
        trips: risk.trips.slice(-50),
        tripsTotal: risk.trips.length,
        symbols: restricted.symbols,
        strategiesRestricted: restricted.strategies.size,
        portfolio: risk.portfolio(),
      },
      execution: engine.execution?.summary() ?? null,
      tickToIntentMs: engine.metrics.tickToIntent.count === 0 ? null : engine.metrics.tickToIntent.summary(),
      workers: engine.workers?.summary() ?? null,
      allocator: engine.allocator?.summary(5) ?? null,
      venue: this.p.venue?.() ?? null,
      latest: this.points[this.points.length - 1] ?? null,
    }
  }

  private rows(): StrategyRow[] {
    const now = Date.now()
    if (this.table !== null && now - this.table.at < 1_000) return this.table.rows
    const { engine, risk, specs } = this.p
    const capital = risk.limits.capitalPerStrategy
    const restricted = risk.restricted()
    const weights = engine.allocator?.weights ?? null
    const rows = engine.actors.map((a, i): StrategyRow => {
      const s = a.state
      const l = risk.ledger(a)
      const net = s.realizedPnl - s.fees + l.unrealizedPnl
      const spec = specs[i]!
      const stateNow = !s.running ? 'FAILED' : strictest(strictest(restricted.strategies.get(i) ?? 'ACTIVE', restricted.symbols[a.symbol] ?? 'ACTIVE'), risk.globalState)
      return {
        id: a.id,
        strategy: spec.strategy,
        symbol: a.symbol,
        netPnl: net,
        returnPct: Number.isFinite(capital) && capital > 0 ? (net / capital) * 100 : null,
        drawdownPct: risk.breakerEnabled ? l.drawdown * 100 : null,
        trades: s.fills,
        position: s.position,
        state: stateNow,
        weight: weights === null ? null : weights[i]!,
      }
    })
    this.table = { at: now, rows }
    return rows
  }

  async strategies(q: TableQuery) {
    return pageOf(this.rows(), q)
  }

  async strategy(id: string): Promise<StrategyDetail | null> {
    const i = this.byId.get(id)
    if (i === undefined) return null
    const { engine, risk, specs, store } = this.p
    const a = engine.actors[i]!
    const l = risk.ledger(a)
    const db = store.conn.db
    const [activity, curve] = await Promise.all([strategyActivity(db, this.p.runId, id), equityCurve(db, this.p.runId, id)])
    const s = a.state
    return {
      id,
      strategy: specs[i]!.strategy,
      params: specs[i]!.params,
      symbol: a.symbol,
      figures: {
        position: s.position,
        avgPrice: s.avgPrice,
        realizedPnl: s.realizedPnl,
        fees: s.fees,
        unrealizedPnl: l.unrealizedPnl,
        netPnl: s.realizedPnl - s.fees + l.unrealizedPnl,
        equity: Number.isFinite(l.equity) ? l.equity : null,
        drawdownPct: risk.breakerEnabled ? l.drawdown * 100 : null,
        orders: s.submitted,
        fills: s.fills,
        denied: s.denied,
        running: s.running,
        error: s.error,
      },
      state: risk.stateOf(a),
      equity: Number.isFinite(l.equity) ? [...curve, { ts: Date.now(), equity: l.equity, drawdown: l.drawdown }] : curve,
      ...activity,
    }
  }

  runs() {
    return listRuns(this.p.store.conn.db)
  }

  async controls(): Promise<ControlRecord[]> {
    return this.controlLog.length > 0 ? [...this.controlLog] : controlsOf(this.p.store.conn.db, this.p.runId)
  }

  /** Applies an operator's action, then logs and stores it with who and when. */
  async control(req: ControlRequest, who: string): Promise<ControlState> {
    const { engine, risk } = this.p
    const state = applyControl(
      {
        risk,
        now: () => Date.now(),
        flatten: (reason) => engine.kill(reason),
        symbols: new Set(this.p.symbols),
        strategy: (id) => {
          const i = this.byId.get(id)
          return i === undefined ? undefined : engine.actors[i]
        },
      },
      req,
      who,
    )
    const record: ControlRecord = { ...req, ts: Date.now(), who, state }
    this.controlLog.push(record)
    this.table = null
    this.p.log?.warn({ control: record }, `control: ${req.action} ${req.scope}${req.id === null ? '' : ` ${req.id}`} by ${who}`)
    await this.p.store.writeControl(record)
    return state
  }
}
