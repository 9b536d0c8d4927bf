import type { SchedulerLike } from 'rxjs'
import { DEFAULT_ALGO_OPTIONS } from '../../actors/algos/algo.ts'
import type { OrderActionContext } from '../../actors/order-action.ts'
import { OrderFactory } from '../../actors/order-factory.ts'
import { OrderGate } from '../../actors/order-gate.ts'
import { OrderPath } from '../../actors/order-path.ts'
import { DEFAULT_NETTING, NettingDesk } from '../../actors/netting/netting-desk.ts'
import type { ExecutionReport } from '../domain/execution-report.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import type { OrderUpdateHub } from '../../streams/order-update-hub.ts'
import type { OrderReport } from '../../streams/track-order.ts'
import type { Market } from '../domain/market.ts'
import type { OrderEvent } from '../domain/order.ts'
import type { ExchangePort } from '../exchange/port.ts'
import type { EngineOptions } from './engine-options.ts'
import type { EventPersistence } from './event-persistence.ts'
import type { ExecutionMetrics } from './execution-metrics.ts'
import type { MarketView } from './market-view.ts'
import type { Metrics } from './metrics.ts'
import type { ReactionTally } from './reaction-tally.ts'

/** What the engine hands the order path: its own parts, already built. */
export interface OrderPathParts {
  readonly port: ExchangePort
  readonly orderUpdates: OrderUpdateHub<OrderReport>
  readonly market: MarketView
  readonly metrics: Metrics
  readonly persistence: EventPersistence | null
  readonly execution: ExecutionMetrics | null
  /** The engine's DispatchClock: what the path starts in one dispatch or one of its tasks reads one time. */
  readonly scheduler: SchedulerLike
  readonly clock: () => number
  /** Where each order's reaction time goes (one clock read per batch of orders under a hold). */
  readonly reactions: ReactionTally
  /** Where denials and other events the path makes itself go (the engine's intake). */
  readonly accept: (e: OrderEvent) => void
  readonly onFault: (actor: StrategyActor, err: unknown) => void
  readonly stopping: () => boolean
}

/** Builds the one order path from the engine's options: factory, risk gate, order action and, if configured, the execution algorithm and the netting desk. */
export function orderPathFor(o: EngineOptions, p: OrderPathParts): { path: OrderPath; desk: NettingDesk | null } {
  const markets = new Map<string, Market>(o.markets.map((m) => [m.symbol, m]))
  const exec: OrderActionContext = {
    exchange: p.port,
    orderUpdates: p.orderUpdates,
    scheduler: p.scheduler,
    orderTimeoutMs: o.orderTimeoutMs ?? 30_000,
    maxAttempts: o.maxAttempts ?? 5,
    retryDelayMs: o.retryDelayMs ?? 250,
    recvWindowMs: o.recvWindowMs,
    onSkip: (order, reason) => {
      p.metrics.w.skipped++
      o.logger?.debug({ orderId: order.id, status: order.status, reason }, 'order update skipped')
    },
  }
  const execution = p.execution
  const factory = new OrderFactory(o.runTag ?? 'sh')
  // In flight: the actors' recorded orders plus netting children handed over but not yet recorded.
  const gate = new OrderGate({ risk: o.risk, now: () => p.scheduler.now(), openOrders: (): number => p.metrics.inFlight + (desk?.awaitingSubmission ?? 0), onDenied: p.accept })
  const algo =
    o.execution === undefined || execution === null
      ? null
      : {
          name: o.execution.algo,
          ctx: {
            exec,
            quotes: (symbol: string) => p.market.quotes.select(symbol),
            book: (symbol: string) => p.market.lastQuote(symbol),
            trend: (symbol: string) => p.market.trend(symbol),
            scheduler: p.scheduler,
            options: { ...DEFAULT_ALGO_OPTIONS, ...o.execution.options },
            onReport: (r: ExecutionReport) => execution.record(r),
            stopping: p.stopping,
          },
        }
  const desk: NettingDesk | null =
    o.netting === undefined
      ? null
      : new NettingDesk(
          {
            markets,
            lastPrice: (s) => p.market.lastPrice(s),
            lastQuote: (s) => p.market.lastQuote(s),
            factory,
            scheduler: p.scheduler,
            exec,
            algo,
            checkBlock: (order) => gate.checkBlock(order),
            record: (e) => p.persistence?.accept(e),
            onSkip: exec.onSkip,
            onBlockSent: (at) => p.metrics.blockReaction.record(p.clock() - at),
            onFlushed: (ms) => p.metrics.deskFlush.record(ms),
            clock: p.clock,
            log: o.logger,
          },
          { ...DEFAULT_NETTING, ...o.netting },
        )
  const path = new OrderPath({
    markets,
    lastPrice: (s) => p.market.lastPrice(s),
    lastQuote: (s) => p.market.lastQuote(s),
    factory,
    gate,
    exec,
    desk,
    algo,
    scheduler: p.scheduler,
    entriesHalted: () => p.persistence?.entriesHalted ?? false,
    onHaltedEntry: () => p.metrics.w.haltedEntries++,
    onReaction: (at) => p.reactions.handed(at),
    onFault: p.onFault,
    log: o.logger,
  })
  return { path, desk }
}
