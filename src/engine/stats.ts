import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { Engine } from './engine.ts'
import type { Percentiles } from './latency-histogram.ts'

/** One stats window, as printed every `--stats-every` seconds. */
export interface StatsRow {
  readonly t: number
  readonly evaluations: number
  readonly signals: number
  readonly sweepMs: Percentiles
  readonly reactionMs: Percentiles
  readonly inFlight: number
  readonly droppedWhileBusy: number
  readonly submitted: number
  readonly filled: number
  readonly rejected: number
  readonly denied: number
  readonly positionsOpen: number
  /** Actors stopped by a fault of their own (whole run). */
  readonly failedActors: number
  /** Orders whose outcome is unknown (kept busy until a look-up or audit resolves them). */
  readonly unknownOrders: number
  /** Order events written so far (whole run). */
  readonly persisted: number
  /** Order events accepted but not yet written. */
  readonly sinkPending: number
  /** Age of the oldest event not yet written, ms. */
  readonly sinkLagMs: number
  /** Event accepted → committed, ms, in this window. */
  readonly durableMs: Percentiles
  readonly entriesHalted: boolean
  /** Portfolio equity and drawdown from its peak (with a risk manager), and the global trading state. */
  readonly equity: number | null
  readonly drawdownPct: number | null
  readonly tradingState: string
  /** Execution so far (with an algorithm): maker share, median slippage vs arrival and mean total cost (slippage + fees), bps. */
  readonly makerSharePct: number | null
  readonly slippageP50Bps: number | null
  readonly costAvgBps: number | null
  /** The allocator's largest and smallest capital weight, and its outcomes so far (null without one). */
  readonly weightMax: number | null
  readonly weightMin: number | null
  readonly allocatorUpdates: number | null
  readonly eventLoopLagP99Ms: number
  readonly heapMB: number
}

/** Event-loop lag, per window and for the whole run. */
export class LagMonitor {
  private readonly window: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  private readonly total: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })

  start(): this {
    this.window.enable()
    this.total.enable()
    return this
  }

  stop(): void {
    this.window.disable()
    this.total.disable()
  }

  /** The window's p99 so far, without closing it (dashboards sample it between stats rows). */
  peekP99(): number {
    return this.window.count > 0 ? this.window.percentile(99) / 1e6 : 0
  }

  windowP99(): number {
    const v = this.window.count > 0 ? this.window.percentile(99) / 1e6 : 0
    this.window.reset()
    return v
  }

  summary(): { p99: number; max: number } {
    return this.total.count > 0 ? { p99: this.total.percentile(99) / 1e6, max: this.total.max / 1e6 } : { p99: 0, max: 0 }
  }
}

/** Closes the engine's current window into a row. */
export function statsRow(engine: Engine, lag: LagMonitor, t: number): StatsRow {
  const w = engine.metrics.window()
  const c = w.counters
  return {
    t,
    evaluations: c.evaluations,
    signals: c.signals,
    sweepMs: w.sweepMs,
    reactionMs: w.reactionMs,
    inFlight: engine.metrics.inFlight,
    droppedWhileBusy: c.droppedWhileBusy,
    submitted: c.submitted,
    filled: c.filled,
    rejected: c.rejected,
    denied: c.denied,
    positionsOpen: engine.metrics.positionsOpen,
    failedActors: engine.metrics.failedActors,
    unknownOrders: engine.metrics.unknownOrders,
    persisted: engine.persistedEvents,
    sinkPending: engine.acceptedEvents - engine.persistedEvents,
    sinkLagMs: engine.persistence?.lagMs() ?? 0,
    durableMs: durableWindow(engine),
    entriesHalted: engine.persistence?.entriesHalted ?? false,
    equity: engine.risk?.breakerEnabled ? engine.risk.portfolio().equity : null,
    drawdownPct: engine.risk?.breakerEnabled ? engine.risk.portfolio().drawdown * 100 : null,
    tradingState: engine.risk?.globalState ?? 'ACTIVE',
    ...execFigures(engine),
    ...allocatorFigures(engine),
    eventLoopLagP99Ms: lag.windowP99(),
    heapMB: process.memoryUsage().heapUsed / 1048576,
  }
}

function execFigures(engine: Engine): { makerSharePct: number | null; slippageP50Bps: number | null; costAvgBps: number | null } {
  const e = engine.execution
  if (e === null || e.works === 0) return { makerSharePct: null, slippageP50Bps: null, costAvgBps: null }
  const s = e.summary()
  return { makerSharePct: s.makerShare * 100, slippageP50Bps: s.slippageBps.p50, costAvgBps: e.costAvg() }
}

function allocatorFigures(engine: Engine): { weightMax: number | null; weightMin: number | null; allocatorUpdates: number | null } {
  const a = engine.allocator
  if (a === null) return { weightMax: null, weightMin: null, allocatorUpdates: null }
  let max = 0
  let min = Number.POSITIVE_INFINITY
  for (const w of a.weights) {
    if (w > max) max = w
    if (w < min) min = w
  }
  return { weightMax: max, weightMin: min, allocatorUpdates: a.updates }
}

function durableWindow(engine: Engine): Percentiles {
  const h = engine.persistence?.durable
  if (h === undefined) return { p50: 0, p99: 0, max: 0, count: 0 }
  const out = h.summary()
  engine.persistence!.durableTotal.add(h)
  h.reset()
  return out
}

const COLUMNS: [string, number, (r: StatsRow) => string][] = [
  ['t(s)', 6, (r) => r.t.toFixed(0)],
  ['evals', 9, (r) => String(r.evaluations)],
  ['sweep max', 10, (r) => (r.sweepMs.count ? r.sweepMs.max.toFixed(2) : '-')],
  ['sweep p99', 10, (r) => (r.sweepMs.count ? r.sweepMs.p99.toFixed(2) : '-')],
  ['react p50', 10, (r) => (r.reactionMs.count ? r.reactionMs.p50.toFixed(2) : '-')],
  ['react p99', 10, (r) => (r.reactionMs.count ? r.reactionMs.p99.toFixed(2) : '-')],
  ['inflight', 9, (r) => String(r.inFlight)],
  ['dropped', 8, (r) => String(r.droppedWhileBusy)],
  ['submit', 7, (r) => String(r.submitted)],
  ['filled', 7, (r) => String(r.filled)],
  ['reject', 7, (r) => String(r.rejected)],
  ['denied', 7, (r) => String(r.denied)],
  ['pos', 7, (r) => String(r.positionsOpen)],
  ['failed', 7, (r) => String(r.failedActors)],
  ['unknown', 8, (r) => String(r.unknownOrders)],
  ['persisted', 10, (r) => String(r.persisted)],
  ['queued', 7, (r) => String(r.sinkPending) + (r.entriesHalted ? '!' : '')],
  ['sink lag', 9, (r) => r.sinkLagMs.toFixed(0)],
  ['dur p99', 8, (r) => (r.durableMs.count ? r.durableMs.p99.toFixed(0) : '-')],
  ['equity', 11, (r) => (r.equity === null ? '-' : r.equity.toFixed(0))],
  ['dd %', 6, (r) => (r.drawdownPct === null ? '-' : r.drawdownPct.toFixed(2))],
  ['state', 9, (r) => r.tradingState],
  ['maker %', 8, (r) => (r.makerSharePct === null ? '-' : r.makerSharePct.toFixed(0))],
  ['slip bps', 9, (r) => (r.slippageP50Bps === null ? '-' : r.slippageP50Bps.toFixed(2))],
  ['cost bps', 9, (r) => (r.costAvgBps === null ? '-' : r.costAvgBps.toFixed(2))],
  ['w min/max', 10, (r) => (r.weightMax === null ? '-' : `${r.weightMin!.toFixed(2)}/${r.weightMax.toFixed(2)}`)],
  ['lag p99', 8, (r) => r.eventLoopLagP99Ms.toFixed(1)],
  ['heap MB', 8, (r) => r.heapMB.toFixed(0)],
]

export const statsHeader = (): string => COLUMNS.map(([h, w]) => h.padStart(w)).join(' ')
export const statsLine = (r: StatsRow): string => COLUMNS.map(([, w, f]) => f(r).padStart(w)).join(' ')
