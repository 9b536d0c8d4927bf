import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { asyncScheduler, type Observable } from 'rxjs'
import type { Logger } from 'pino'
import type { AlgoName, AlgoOptions } from '../../actors/algos/algo.ts'
import { startDashboard } from '../http/dashboard-server.ts'
import { LiveSource } from '../http/live-source.ts'
import { shoalRegistry } from '../http/prometheus.ts'
import type { HttpSpec } from './http-flags.ts'
import type { NettingOptions } from '../../actors/netting/netting-desk.ts'
import type { RiskLimits } from '../../actors/risk/limits.ts'
import { OrderFactory } from '../../actors/order-factory.ts'
import { RiskManager } from '../../actors/risk/risk-manager.ts'
import { signalSchedule, type SignalScheduleOptions } from '../../streams/signal-schedule.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import { Engine, type EngineMode, type EventStore } from '../engine/engine.ts'
import { nettingSummary } from '../engine/netting-summary.ts'
import { exposedMinorGc } from '../engine/quiet-collector.ts'
import type { StoredEvent } from '../domain/netting.ts'
import type { SignalRound } from '../domain/signal.ts'
import { LagMonitor, statsHeader, statsLine, statsRow } from '../engine/stats.ts'
import type { Market } from '../domain/market.ts'
import { openExchange, orderRateWithin, type OpenExchange, type ExchangeSpec } from './open-exchange.ts'
import { reconcile, type ReconcileResult } from '../engine/reconcile.ts'
import { isPostgresUrl, openStore, redactUrl } from '../store/database.ts'
import { createOrderStore } from '../store/sqlite-worker-store.ts'
import { forcedExitCode, StopSignals } from './stop-signals.ts'
import { Recorder } from '../record/recorder.ts'
import type { AllocatorOptions } from '../engine/capital-allocator.ts'

/** The run ended but the store could not take every event (they were saved to a file instead). */
export class StoreDownError extends Error {
  override name = 'StoreDownError'
}

/** Everything a session needs, whether it came from demo flags or a config file. */
export interface SessionConfig {
  readonly command: 'demo' | 'run'
  /** What to record as the run's configuration (no secrets). */
  readonly record: Record<string, unknown>
  readonly exchange: ExchangeSpec
  /** Engine-side deadline on every exchange call, ms. */
  readonly callTimeoutMs: number
  readonly strategies: (markets: readonly Market[], priceOf: (symbol: string) => number) => StrategySpec[]
  readonly signals: Omit<SignalScheduleOptions, 'scheduler'> | null
  readonly mode: EngineMode
  readonly chunkSize: number
  readonly dbPath: string
  readonly summaryPath: string | null
  /** null: until SIGINT/SIGTERM. */
  readonly durationSec: number | null
  readonly statsEverySec: number
  readonly positionsEverySec: number
  readonly maxQueued: number
  readonly flushTimeoutSec: number
  /** Into a graceful stop, how long before another SIGINT/SIGTERM forces the exit. */
  readonly stopGraceSec: number
  /** Worker threads for heavy strategy pipelines (0: all on the main thread). */
  readonly workers?: number
  /** Collect the young generation once a burst of actions has ended (needs `node --expose-gc`, which the npm scripts and bin pass). Default on. */
  readonly gcWhenQuiet?: boolean
  /** Online capital re-weighting; null/absent: fixed sizes. */
  readonly allocator?: AllocatorOptions | null
  readonly risk: RiskLimits
  /** Set the account's order rate (the risk gate's global bucket) from the venue's advertised ORDERS limits. */
  readonly orderRateFromVenue?: boolean
  readonly execution: { algo: AlgoName; options: AlgoOptions }
  /** Net orders per symbol into block orders; null: every strategy sends its own. */
  readonly netting: NettingOptions | null
  /** Record the market data the run sees into this folder (shoal run --record). */
  readonly recordDir?: string | null
  /** Serve the dashboard, JSON API, /metrics and control (--http). */
  readonly http?: HttpSpec | null
}

/**
 * The engine exactly as a session runs it: the config's strategies on the exchange's markets, the risk
 * gate, the execution algorithm, the store. The benchmark of the shipped path builds it here too.
 */
export function sessionEngine(
  c: SessionConfig,
  exchange: Pick<OpenExchange, 'port' | 'markets' | 'priceOf'>,
  store: EventStore,
  log: Logger | undefined,
  signals: Observable<SignalRound> | undefined,
) {
  const specs = c.strategies(exchange.markets, (s) => exchange.priceOf(s))
  const risk = new RiskManager(c.risk, exchange.markets, Date.now(), log)
  const engine = new Engine({
    exchange: exchange.port,
    markets: exchange.markets,
    strategies: specs,
    signals,
    mode: c.mode,
    chunkSize: c.chunkSize,
    store,
    risk,
    execution: c.execution,
    netting: c.netting ?? undefined,
    maxQueuedEvents: c.maxQueued,
    callTimeoutMs: c.callTimeoutMs,
    runTag: `d${Date.now().toString(36)}`,
    logger: log,
    workers: c.workers ?? 0,
    ...(c.allocator ? { allocator: c.allocator } : {}),
    ...quietGcOf(c),
  })
  return { engine, risk, specs }
}

/** The quiet-time collector's GC, if the session wants it and this process exposes one. */
function quietGcOf(c: SessionConfig): { collectWhenQuiet?: () => void } {
  const gc = c.gcWhenQuiet === false ? null : exposedMinorGc()
  return gc === null ? {} : { collectWhenQuiet: gc }
}

/**
 * One engine session on an exchange, from start to a clean stop: the store opened and
 * migrated, the run recorded, stats every few seconds, position and execution snapshots, the kill
 * switch on SIGUSR2, and on the duration's end or SIGINT/SIGTERM a graceful stop that writes every
 * accepted event (or saves them to a file if the store stays down). Returns the summary.
 */
export async function runSession(config: SessionConfig, log: Logger, out: NodeJS.WriteStream = process.stdout): Promise<Record<string, unknown>> {
  let c = config
  const dbPath = isPostgresUrl(c.dbPath) ? c.dbPath : resolve(c.dbPath)
  const runId = `${c.command}-${Date.now().toString(36)}`
  const spillPath = resolve(`shoal-unwritten-${runId}.jsonl`)
  /** Keeps events the store could not take, one JSON line each; returns where. */
  const spill = (events: readonly StoredEvent[]): string => {
    writeFileSync(spillPath, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`)
    return spillPath
  }
  // Signals are taken from the very start: one during start-up stops the run as soon as it is up.
  let requestStop: (reason: string) => void = () => {}
  const stopRequested = new Promise<string>((done) => (requestStop = done))
  let engineRef: Engine | null = null
  new StopSignals({
    graceMs: c.stopGraceSec * 1000,
    log,
    onStop: (sig) => requestStop(sig),
    onForce: (sig) => {
      // Forced: whatever the store has not confirmed goes to the spill file before we exit.
      const left = engineRef?.persistence?.unwritten() ?? []
      if (left.length > 0) spill(left)
      log.error({ signal: sig, unwritten: left.length, spilledTo: left.length > 0 ? spillPath : null }, 'forced exit')
      process.exit(forcedExitCode(sig))
    },
  })
  const store = await createOrderStore(await openStore(dbPath), runId)
  await store.migrate()
  const exchange = await openExchange(c.exchange, process.env, log)
  // On a venue that outlives us, this run carries on from the last one on the same account.
  const resumes = exchange.account === null ? null : await store.lastRunOn(exchange.account)
  await store.startRun({ command: c.command, ...c.record, dbPath: redactUrl(dbPath) }, Date.now(), { exchange: exchange.account, resumes })
  const t0 = performance.now()
  const venueRate = c.orderRateFromVenue === true ? orderRateWithin(exchange.orderLimits) : null
  if (c.orderRateFromVenue === true) {
    if (venueRate === null) log.warn('risk.orderRateFromVenue: the venue advertises no order limits; the configured rate stays')
    else {
      c = { ...c, risk: { ...c.risk, globalOrdersPerSec: Math.min(c.risk.globalOrdersPerSec, venueRate.perSec), globalOrderBurst: Math.min(c.risk.globalOrderBurst, venueRate.burst) } }
      log.info({ limits: exchange.orderLimits, ordersPerSec: venueRate.perSec, burst: venueRate.burst }, 'account order rate set from the venue')
    }
  }
  const { engine, risk, specs } = sessionEngine(c, exchange, store, log, c.signals === null ? undefined : signalSchedule(c.signals))
  engineRef = engine
  // Listening before anything trades: a port in use fails the start, not a running session.
  const lag = new LagMonitor()
  const dashboard =
    c.http === undefined || c.http === null
      ? null
      : await startDashboard({
          ...c.http,
          source: new LiveSource({ runId, command: c.command, engine, risk, lag, specs, store, symbols: exchange.markets.map((m) => m.symbol), venue: exchange.health, log }),
          registry: shoalRegistry({ engine, risk, lag, reconnects: () => venueReconnects(exchange.health?.()) }),
          log,
        })
  // An exchange that outlives us may know orders we never stored (a crash): reconcile, and carry the
  // strategies' positions over, before the first new order.
  let reconciliation: ReconcileResult | null = null
  let restored = 0
  if (exchange.persistent) {
    const byIndex = specs
    reconciliation = await reconcile({
      port: exchange.port,
      store,
      symbols: exchange.markets.map((m) => m.symbol),
      since: Date.now() - 7 * 86_400_000,
      strategyOf: (id) => {
        const parts = OrderFactory.parse(id)
        const spec = parts === null ? undefined : byIndex[parts.actor]
        return spec === undefined ? null : { strategyId: spec.id, actor: parts!.actor }
      },
      now: () => Date.now(),
      lotOf: (symbol) => exchange.markets.find((m) => m.symbol === symbol)?.lotSize ?? 1e-8,
      log,
    })
    restored = engine.restore(await store.positionsOf(await store.lineage()))
    if (resumes !== null) log.info({ resumes, restored }, 'carried on from the last run on this account')
  }
  // Subscribed before the engine: the recorder writes every trade the strategies see.
  const recorder = c.recordDir ? new Recorder({ symbols: exchange.markets.map((m) => m.symbol), dir: resolve(c.recordDir), rotateMs: 3_600_000, log }).attach(exchange.port.watchMarket()) : null
  lag.start()
  engine.start()
  await engine.ready()
  const startMs = performance.now() - t0
  log.info({ strategies: specs.length, pipelines: engine.pipelines, mode: c.mode, startMs: Math.round(startMs), db: dbPath }, `${c.command} started`)

  const tty = out.isTTY === true
  if (tty) out.write(`${statsHeader()}\n`)
  const began = performance.now()
  const stats = asyncScheduler.schedule(function (this: { schedule(s?: unknown, d?: number): void }) {
    const row = statsRow(engine, lag, (performance.now() - began) / 1000)
    if (tty) out.write(`${statsLine(row)}\n`)
    else out.write(`${JSON.stringify({ level: 30, time: Date.now(), name: 'shoal', msg: 'stats', ...row })}\n`)
    // Execution reports leave memory every stats window (the writer thread takes them on SQLite).
    store.writeExecutions(engine.execution?.drain() ?? []).catch((err: unknown) => log.error({ err }, 'storing execution reports failed'))
    this.schedule(undefined, c.statsEverySec * 1000)
  }, c.statsEverySec * 1000)

  // Position snapshots: only strategies whose figures changed since the last one.
  const lastSnap = new Map<string, string>()
  const snapshot = async (kind: 'interval' | 'stop') => {
    const rows = engine
      .positions()
      .map((r, i) => {
        const l = risk.ledger(engine.actors[i]!)
        return { ...r, markPrice: l.markPrice, unrealizedPnl: l.unrealizedPnl, equity: l.equity, drawdown: l.drawdown }
      })
      .filter((r) => {
        const key = `${r.position}|${r.realizedPnl}|${r.fees}`
        if (kind === 'interval' && lastSnap.get(r.strategyId) === key) return false
        lastSnap.set(r.strategyId, key)
        return true
      })
    if (rows.length > 0) await store.writePositions(rows, Date.now(), kind)
    if (engine.allocator !== null) await store.writeWeights(engine.allocator.changes(Date.now(), kind === 'stop'))
    await store.writeExecutions(engine.execution?.drain() ?? [])
  }
  const positionsTimer = setInterval(() => {
    snapshot('interval').catch((err: unknown) => log.error({ err }, 'position snapshot failed'))
  }, c.positionsEverySec * 1000)

  // The kill switch: flatten everything, then halt; the run goes on so the exits are recorded.
  process.on('SIGUSR2', () => engine.kill('SIGUSR2'))

  const timer = c.durationSec === null ? undefined : setTimeout(() => requestStop('duration'), c.durationSec * 1000)
  const reason = await stopRequested
  clearTimeout(timer)
  process.removeAllListeners('SIGUSR2')
  const ranSec = (performance.now() - began) / 1000
  stats.unsubscribe()
  clearInterval(positionsTimer)
  log.info({ reason }, 'stopping: draining in-flight actions and flushing the order sink')
  const { unwritten } = await engine.stop(Math.max(2_000, exchange.answerMs * 20), c.flushTimeoutSec * 1000)
  const workersSummary = engine.workers?.summary() ?? null
  await exchange.stop()
  const recorded = recorder === null ? null : { ...recorder.counts, files: (await recorder.stop()).files }
  lag.stop()
  let spilled: string | null = null
  if (unwritten.length > 0) {
    // The store is down: keep every accepted event rather than lose it.
    spilled = spill(unwritten)
  }

  const t = engine.metrics.totals()
  const p = engine.persistence!
  const summary = {
    strategies: specs.length,
    pipelines: engine.pipelines,
    mode: c.mode,
    durationSec: Number(ranSec.toFixed(3)),
    stoppedBy: reason,
    ...exchange.record,
    symbols: exchange.markets.length,
    signals: t.signals,
    evaluations: t.evaluations,
    sweepMs: pick(engine.metrics.sweepSummary()),
    reactionMs: pick(engine.metrics.reactionSummary()),
    tickToIntentMs: pick(engine.metrics.tickToIntent.summary()),
    orders: { submitted: t.submitted, filled: t.filled, canceled: t.canceled, rejected: t.rejected, denied: t.denied, unknown: engine.metrics.unknownOrders },
    fills: t.fills,
    droppedWhileBusy: t.droppedWhileBusy,
    // Intents equal to their pipeline's last one that skipped strategies already at that target.
    settledSkips: t.settledSkips,
    positionsOpen: engine.metrics.positionsOpen,
    failedActors: t.failedActors,
    workers: workersSummary,
    allocator: engine.allocator?.summary() ?? null,
    // Young-generation collections run between bursts (null: off, or node without --expose-gc).
    quietCollections: engine.quiet?.count ?? null,
    persisted: {
      orders: store.written.orders,
      fills: store.written.fills,
      events: store.written.events,
      deskRecords: store.written.deskEvents,
      orderUpserts: store.written.orderUpserts,
      batches: store.written.batches,
    },
    unpersistedEvents: p.counts.accepted - p.counts.written,
    execution: engine.execution?.summary() ?? null,
    netting: engine.desk === null ? null : nettingSummary(engine.desk.counts, engine.metrics.blockReaction, engine.metrics.deskFlush),
    risk: risk.summary(),
    sink: {
      durableMs: pick(p.durableSummary()),
      maxQueued: p.counts.maxQueued,
      maxLagMs: Math.round(p.counts.maxLagMs),
      failedWrites: p.counts.failedWrites,
      halts: p.counts.halts,
      haltedEntries: t.haltedEntries,
      spilledTo: spilled,
    },
    eventLoopLagMs: lag.summary(),
    heapUsedMB: Number((process.memoryUsage().heapUsed / 1048576).toFixed(1)),
    startupMs: Number(startMs.toFixed(1)),
    dbPath: redactUrl(dbPath),
    runId,
    reconciliation: reconciliation === null ? null : { ...reconciliation, restoredPositions: restored },
    venueStreams: exchange.health?.() ?? null,
    recording: recorded,
  }
  if (spilled === null) {
    await snapshot('stop')
    await store.endRun(summary, Date.now())
  }
  // Up until here, so a last scrape of /metrics sees the figures of the summary.
  await dashboard?.close()
  await store.close().catch(() => {})
  if (c.summaryPath !== null) writeFileSync(c.summaryPath, `${JSON.stringify(summary, null, 2)}\n`)
  if (spilled !== null) throw new StoreDownError(`the order store stayed unavailable: ${unwritten.length} accepted events were not written to ${redactUrl(dbPath)}; they are in ${spilled}`)
  return summary
}

/** Reconnects in a venue's stream health report (ccxt venues), else 0. */
function venueReconnects(health: unknown): number {
  const r = (health as { reconnects?: unknown } | null | undefined)?.reconnects
  return typeof r === 'number' ? r : 0
}

const pick = (p: { p50: number; p99: number; max: number }) => ({ p50: round(p.p50), p99: round(p.p99), max: round(p.max) })
const round = (x: number) => Number(x.toFixed(3))
