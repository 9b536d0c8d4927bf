import { asyncScheduler, concatMap, EMPTY, finalize, merge, range, share, Subject, tap, type Observable, type SchedulerLike, type Subscription } from 'rxjs'
import type { Logger } from 'pino'
import { executeOrder, type ExecutionContext } from '../../actors/execution.ts'
import { orderFor } from '../../actors/order-for.ts'
import { DEFAULT_ALGO_OPTIONS, type AlgoContext, type AlgoJob, type AlgoName, type AlgoOptions } from '../../actors/algos/algo.ts'
import { ALGOS } from '../../actors/algos/algos.ts'
import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import { StrategyActor } from '../../actors/strategy-actor.ts'
import { exhaustLatestBy } from '../../streams/exhaust-latest-by.ts'
import { OrderUpdateHub } from '../../streams/order-update-hub.ts'
import { periodic } from '../../streams/periodic.ts'
import { Router } from '../../streams/router.ts'
import type { VenueReport } from '../../streams/track-order.ts'
import { signalOf } from '../../streams/signal-schedule.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import { target, type Intent, type StrategyInput } from '../domain/intent.ts'
import type { Market, MarketEvent, Quote } from '../domain/market.ts'
import { copyOrder, newOrder, type Order, type OrderEvent } from '../domain/order.ts'
import type { SignalRound } from '../domain/signal.ts'
import { FinalExchangeError } from '../domain/errors.ts'
import { withCallTimeout } from '../exchange/call-timeout.ts'
import type { ExchangePort } from '../exchange/port.ts'
import { roundTo } from '../util/numbers.ts'
import { EventPersistence, type EventStore } from './event-persistence.ts'
import { ExecutionMetrics } from './execution-metrics.ts'
import { Metrics } from './metrics.ts'
import { StrategyInstances, type StrategyInstance } from './strategy-instances.ts'

export type EngineMode = 'lock' | 'await'

export type { EventStore } from './event-persistence.ts'

export interface EngineOptions {
  readonly exchange: ExchangePort
  readonly markets: readonly Market[]
  readonly strategies: readonly StrategySpec[]
  /** Scheduled signal rounds; shared by the engine. */
  readonly signals?: Observable<SignalRound>
  /** lock: one in-flight action per actor, nobody waits. await: seed 000's baseline, chunks wait for their calls. */
  readonly mode?: EngineMode
  /** Actors per chunk in await mode. */
  readonly chunkSize?: number
  readonly scheduler?: SchedulerLike
  /** High-resolution clock in ms for latency figures (default performance.now). */
  readonly clock?: () => number
  /** Prefix of client order ids; unique per run. */
  readonly runTag?: string
  readonly store?: EventStore
  readonly sinkWindowMs?: number
  readonly sinkMaxBatch?: number
  /** Unwritten events beyond which new entries are halted until the store catches up. */
  readonly maxQueuedEvents?: number
  /** First retry delay after a failed store write (doubles, capped at 5 s). */
  readonly storeRetryMs?: number
  /** The risk gate between decide and execute; none means every decided order goes out. */
  readonly risk?: RiskManager
  /** How often the risk manager re-marks exposure and runs its breakers. */
  readonly riskEveryMs?: number
  /** Work orders with an execution algorithm (and measure execution quality); none = plain market orders. */
  readonly execution?: { readonly algo: AlgoName; readonly options?: Partial<AlgoOptions> }
  readonly orderTimeoutMs?: number
  readonly maxAttempts?: number
  readonly retryDelayMs?: number
  /**
   * Engine-side deadline on every venue call (default 5 s): past it the outcome is unknown and the
   * order is looked up by client order id, never sent twice. 0 turns it off.
   */
  readonly callTimeoutMs?: number
  /** How late a sent request may still be acted on by the venue (its recvWindow); see ExecutionContext. */
  readonly recvWindowMs?: number
  readonly logger?: Logger
}

/** Each actor keeps its own in-flight lane: no Map entry per action. */
const ACTOR_LANES = { get: (a: StrategyActor) => a.lane, set: (a: StrategyActor, lane: object | undefined) => void (a.lane = lane) }

/**
 * Runs every strategy as a light actor on shared, routed streams. Identical strategies (same
 * definition, parameters, symbol and — for signal-driven ones — group) share one operator
 * pipeline whose intents fan out to their actors; each actor has at most one exchange action in
 * flight and acts on its latest intent when that action ends.
 */
export class Engine {
  readonly actors: StrategyActor[]
  readonly metrics = new Metrics()
  readonly mode: EngineMode
  private readonly pipes: StrategyInstances
  private readonly marketRouter = new Router<string, StrategyInput>()
  private readonly signalRouter = new Router<number, StrategyInput>()
  private readonly orderUpdates = new OrderUpdateHub<VenueReport>()
  /** Actors with a new intent (kept on the actor: the latest one is what counts). */
  private readonly intents$ = new Subject<StrategyActor>()
  /** Present when a store is configured. */
  readonly persistence: EventPersistence | null
  /** Present when an execution algorithm is configured. */
  readonly execution: ExecutionMetrics | null
  private readonly algoCtx: AlgoContext | null
  private readonly marketsBySymbol = new Map<string, Market>()
  private readonly lastPrice = new Map<string, number>()
  private readonly lastQuote = new Map<string, Quote>()
  /** Top of book by symbol, for execution algorithms (subscribed only while they work an order). */
  private readonly quotes = new Router<string, Quote>()
  private readonly scheduler: SchedulerLike
  private readonly clock: () => number
  private readonly ctx: ExecutionContext
  /** The exchange behind the engine-side call deadline. */
  private readonly port: ExchangePort
  /** Inputs (market, signals): stopped first on shutdown. */
  private readonly inputSubs: Subscription[] = []
  /** Intents and the sink: stopped after in-flight actions drain. */
  private readonly coreSubs: Subscription[] = []
  private groups = 0
  private originAt = 0
  private started = false
  private stopping: Promise<{ unwritten: OrderEvent[] }> | null = null
  private actionsDone: Promise<void> = Promise.resolve()
  private readonly log: Logger | undefined
  /** Order events accepted from actions. */
  acceptedEvents = 0

  constructor(private readonly o: EngineOptions) {
    this.mode = o.mode ?? 'lock'
    this.scheduler = o.scheduler ?? asyncScheduler
    this.clock = o.clock ?? (() => performance.now())
    this.log = o.logger
    for (const m of o.markets) this.marketsBySymbol.set(m.symbol, m)
    this.port = withCallTimeout(o.exchange, o.callTimeoutMs ?? 5_000, this.scheduler)
    this.ctx = {
      exchange: this.port,
      orderUpdates: this.orderUpdates,
      scheduler: this.scheduler,
      orderTimeoutMs: o.orderTimeoutMs ?? 30_000,
      maxAttempts: o.maxAttempts ?? 5,
      retryDelayMs: o.retryDelayMs ?? 250,
      recvWindowMs: o.recvWindowMs,
      onSkip: (order, reason) => {
        this.metrics.w.skipped++
        this.log?.debug({ orderId: order.id, status: order.status, reason }, 'order update skipped')
      },
    }
    this.persistence =
      o.store === undefined
        ? null
        : new EventPersistence({
            store: o.store,
            scheduler: this.scheduler,
            clock: this.clock,
            windowMs: o.sinkWindowMs,
            maxBatch: o.sinkMaxBatch,
            maxQueued: o.maxQueuedEvents,
            retryDelayMs: o.storeRetryMs,
            logger: o.logger,
          })
    this.execution = o.execution === undefined ? null : new ExecutionMetrics(o.execution.algo)
    this.algoCtx =
      o.execution === undefined
        ? null
        : {
            exec: this.ctx,
            quotes: (symbol) => this.quotes.select(symbol),
            scheduler: this.scheduler,
            options: { ...DEFAULT_ALGO_OPTIONS, ...o.execution.options },
            onReport: (r) => this.execution!.record(r),
            stopping: () => this.stopping !== null,
          }
    this.actors = o.strategies.map((s, i) => new StrategyActor(i, s.id, s.symbol, s.group, s.size))
    for (const s of o.strategies) this.groups = Math.max(this.groups, s.group + 1)
    this.pipes = new StrategyInstances(o.strategies, this.actors, this.groups)
  }

  /**
   * Carries positions over from the store before start (after reconciliation), by strategy id.
   * Returns how many actors got a position.
   */
  restore(figures: ReadonlyMap<string, { position: number; avgPrice: number; realizedPnl: number; fees: number }>): number {
    let n = 0
    for (const a of this.actors) {
      const f = figures.get(a.id)
      if (f === undefined) continue
      const wasOpen = a.state.position !== 0
      a.apply({ type: 'ActorRestored', ts: this.scheduler.now(), ...f })
      if (wasOpen !== (a.state.position !== 0)) this.metrics.positionsOpen += a.state.position !== 0 ? 1 : -1
      if (f.position !== 0) {
        this.o.risk?.onRestore(a.symbol, f.position)
        n++
      }
    }
    return n
  }

  /** Every actor's position figures now, for the store's positions table. */
  positions(): { strategyId: string; symbol: string; position: number; avgPrice: number; realizedPnl: number; fees: number }[] {
    return this.actors.map((a) => ({ strategyId: a.id, symbol: a.symbol, position: a.state.position, avgPrice: a.state.avgPrice, realizedPnl: a.state.realizedPnl, fees: a.state.fees }))
  }

  /** Number of distinct strategy pipelines (identical strategies share one). */
  get pipelines(): number {
    return this.pipes.size
  }

  /** Subscribes everything and starts trading. */
  start(): this {
    if (this.started) return this
    this.started = true
    this.pipes.subscribeAll(this.signalRouter, this.marketRouter, this)

    const done = new Subject<void>()
    this.actionsDone = new Promise((resolve) => done.subscribe({ complete: resolve }))
    if (this.mode === 'lock') {
      this.coreSubs.push(
        this.intents$
          .pipe(
            exhaustLatestBy((a: StrategyActor) => this.act(a, a.intent!, a.intentAt), {
              key: (a) => a,
              wanted: (a) => a.intent !== null && this.wanted(a, a.intent),
              onBusy: () => this.metrics.w.droppedWhileBusy++,
              // An action that errors, or a decision that throws, stops that actor only.
              onError: (a, err) => this.failActor(a, err),
              slots: ACTOR_LANES,
            }),
          )
          .subscribe({ next: (ev) => this.onEvent(ev), complete: () => done.complete() }),
      )
    } else {
      this.coreSubs.push(this.intents$.subscribe({ complete: () => done.complete() }))
    }

    this.persistence?.start()

    this.orderUpdates.connect(this.port.watchOrders(), (o) => o.clientOrderId)
    const risk = this.o.risk
    if (risk !== undefined) {
      this.inputSubs.push(
        periodic(this.o.riskEveryMs ?? 1_000, this.scheduler).subscribe(() => {
          if (risk.evaluate(this.scheduler.now(), this.actors) && risk.globalState !== 'ACTIVE') this.cancelOpenLimitOrders()
        }),
      )
    }
    this.inputSubs.push(
      this.port.watchMarket().subscribe({
        next: (e) => this.onMarket(e),
        error: (err) => this.log?.error({ err }, 'market stream failed'),
      }),
    )
    if (this.o.signals !== undefined) {
      const rounds$ = this.o.signals.pipe(share())
      this.inputSubs.push(
        this.mode === 'lock' ? rounds$.subscribe((r) => this.sweep(r)) : rounds$.pipe(concatMap((r) => this.sweepAwait(r))).subscribe(),
      )
    }
    return this
  }

  /** The risk manager, if any. */
  get risk(): RiskManager | undefined {
    return this.o.risk
  }

  /** Order events written by the store so far. */
  get persistedEvents(): number {
    return this.persistence?.counts.written ?? 0
  }

  /**
   * Graceful stop: no new inputs; in-flight actions finish (up to `drainMs`), then every accepted
   * event is written. If the store still fails after `flushTimeoutMs`, the events it could not take
   * are returned (oldest first) for the caller to keep elsewhere; otherwise `unwritten` is empty.
   */
  stop(drainMs = 10_000, flushTimeoutMs = 30_000): Promise<{ unwritten: OrderEvent[] }> {
    this.stopping ??= (async () => {
      for (const s of this.inputSubs) s.unsubscribe()
      // Resting orders are cancelled on shutdown; their actions see the answers and end.
      this.cancelOpenLimitOrders('shutdown')
      this.signalRouter.dispose()
      this.marketRouter.dispose()
      this.intents$.complete()
      const drained = await Promise.race([
        this.actionsDone.then(() => true),
        new Promise<boolean>((resolve) => this.scheduler.schedule(() => resolve(false), drainMs)),
      ])
      if (!drained) {
        const stuck = this.actors.filter((a) => a.state.order !== null).map((a) => ({ orderId: a.state.order!.id, strategyId: a.id, status: a.state.order!.status }))
        this.log?.warn({ inFlight: this.metrics.inFlight, stuck: stuck.slice(0, 20), more: Math.max(0, stuck.length - 20) }, `stop: ${stuck.length} actions still in flight after drain (${stuck.slice(0, 3).map((x) => `${x.orderId} ${x.status}`).join(', ')}${stuck.length > 3 ? ', …' : ''}); their orders stay open in the store for start-up reconciliation`)
      }
      for (const s of this.coreSubs) s.unsubscribe()
      this.orderUpdates.dispose()
      this.quotes.dispose()
      const p = this.persistence
      if (p === null || (await p.flush(flushTimeoutMs))) return { unwritten: [] }
      const unwritten = p.unwritten()
      this.log?.error({ unwritten: unwritten.length, err: p.lastError }, 'stop: the order store is still failing; unwritten events handed back')
      return { unwritten }
    })()
    return this.stopping
  }

  /** Fans one intent of a shared pipeline out to its actors. @internal */
  deliver(inst: StrategyInstance, intent: Intent): void {
    const at = this.originAt
    const actors = inst.actors
    for (let i = 0; i < actors.length; i++) {
      const actor = actors[i]!
      actor.intent = intent
      actor.intentAt = at
      // Await mode acts chunk by chunk on the round; lock mode offers every intent now.
      if (this.mode === 'lock' && actor.state.running) this.intents$.next(actor)
    }
  }

  private onMarket(e: MarketEvent): void {
    if (e.kind === 'trade') {
      this.lastPrice.set(e.symbol, e.price)
      this.o.risk?.onTrade(e.symbol, e.price, e.ts)
    } else if (e.kind === 'quote') {
      this.lastQuote.set(e.symbol, e)
      if (!this.lastPrice.has(e.symbol)) {
        this.lastPrice.set(e.symbol, (e.bid + e.ask) / 2)
        // Until the first trade prints, the mid is the risk gate's reference price too.
        this.o.risk?.onQuote(e.symbol, (e.bid + e.ask) / 2)
      }
      // Execution algorithms working an order on this symbol follow the book.
      this.quotes.dispatch(e.symbol, e)
    }
    const n = this.pipes.marketActors.get(e.symbol)
    if (n === undefined) return
    this.originAt = this.clock()
    this.metrics.w.evaluations += n
    this.marketRouter.dispatch(e.symbol, e)
  }

  /** Lock mode: one signal round reaches every actor synchronously; nobody waits for the exchange. */
  private sweep(r: SignalRound): void {
    const t0 = (this.originAt = this.clock())
    this.metrics.w.signals++
    for (let g = 0; g < this.groups; g++) {
      const n = this.pipes.signalActors[g]!
      if (n === 0) continue
      this.metrics.w.evaluations += n
      this.signalRouter.dispatch(g, signalOf(r, g))
    }
    this.metrics.sweep.record(this.clock() - t0)
  }

  /**
   * Await mode (seed 000's MODE_AWAIT): the round is evaluated chunk by chunk, and a chunk's exchange
   * calls must all finish before the next chunk is evaluated.
   */
  private sweepAwait(r: SignalRound): Observable<unknown> {
    const t0 = (this.originAt = this.clock())
    this.metrics.w.signals++
    for (let g = 0; g < this.groups; g++) {
      if (this.pipes.signalActors[g] === 0) continue
      this.metrics.w.evaluations += this.pipes.signalActors[g]!
      this.signalRouter.dispatch(g, signalOf(r, g))
    }
    const size = Math.max(1, this.o.chunkSize ?? 250)
    const chunks = Math.ceil(this.actors.length / size)
    return range(0, chunks).pipe(
      concatMap((c) => {
        const actions: Observable<OrderEvent>[] = []
        for (let i = c * size, end = Math.min(this.actors.length, i + size); i < end; i++) {
          const a = this.actors[i]!
          const intent = a.intent
          if (intent === null) continue
          a.intent = null
          if (this.wanted(a, intent)) actions.push(this.act(a, intent, a.intentAt).pipe(tap((ev) => this.onEvent(ev))))
        }
        return actions.length === 0 ? EMPTY : merge(...actions)
      }),
      finalize(() => this.metrics.sweep.record(this.clock() - t0)),
    )
  }

  /** Whether `intent` would move the actor now; the decision is kept for `act` so it is made once. */
  private wanted(actor: StrategyActor, intent: Intent): boolean {
    if (!actor.state.running || actor.state.order !== null) return false
    const d = (actor.decision = this.decide(actor, intent))
    if (d === null) return false
    if (this.persistence?.entriesHalted && this.increasesExposure(actor, d)) {
      actor.decision = null
      this.metrics.w.haltedEntries++
      return false
    }
    const risk = this.o.risk
    // With an execution algorithm, the algorithm asks the gate for every order (and price) it sends.
    if (risk !== undefined && this.algoCtx === null) {
      const market = this.marketsBySymbol.get(actor.symbol)
      const amount = market !== undefined ? roundTo(d.amount, market.lotSize) : d.amount
      const reason = risk.check(actor, { side: d.side, type: d.type, amount, price: d.price }, this.scheduler.now(), this.metrics.inFlight)
      if (reason !== null) {
        actor.decision = null
        this.deny(actor, intent, { ...d, amount }, reason)
        return false
      }
    }
    return true
  }

  /** A refused order is recorded like any other: an OrderDenied event with the reason, persisted. */
  private deny(actor: StrategyActor, intent: Intent, d: { side: 'buy' | 'sell'; type: 'market' | 'limit'; amount: number; price: number | null }, reason: string): void {
    this.denyOrder(newOrder({ id: this.clientOrderId(actor), strategyId: actor.id, actor: actor.index, symbol: intent.symbol, side: d.side, type: d.type, amount: d.amount, price: d.price }, this.scheduler.now()), reason)
  }

  private denyOrder(order: Order, reason: string): void {
    const now = this.scheduler.now()
    const o = copyOrder(order)
    o.status = 'denied'
    o.reason = `risk: ${reason}`
    o.closedAt = now
    this.metrics.w.denied++
    this.onEvent({ type: 'OrderDenied', ts: now, order: o, fill: null, reason: `risk: ${reason}` })
  }

  /** One piece of work for an execution algorithm: orders made for `actor`, each through the risk gate. */
  private jobFor(actor: StrategyActor, market: Market, arrival: Quote, side: 'buy' | 'sell', amount: number): AlgoJob {
    return {
      strategyId: actor.id,
      side,
      amount,
      market,
      arrival,
      newOrder: (type, qty, price) =>
        newOrder(
          { id: this.clientOrderId(actor), strategyId: actor.id, actor: actor.index, symbol: market.symbol, side, type, amount: roundTo(qty, market.lotSize), price: price === null ? null : roundTo(price, market.tickSize) },
          this.scheduler.now(),
        ),
      check: (order) => {
        const reason = this.o.risk?.check(actor, { side: order.side, type: order.type, amount: order.amount, price: order.price }, this.scheduler.now(), this.metrics.inFlight) ?? null
        if (reason !== null) this.denyOrder(order, reason)
        return reason
      },
    }
  }

  private clientOrderId(actor: StrategyActor): string {
    return `${this.o.runTag ?? 'sh'}-${actor.index.toString(36)}-${(actor.state.orderSeq + 1).toString(36)}`
  }

  /**
   * The kill switch: no new entries anywhere, every open position flattened with market orders,
   * then everything halts (once flat). Needs a risk manager.
   */
  kill(reason: string): void {
    const risk = this.o.risk
    if (risk === undefined) throw new Error('kill switch needs a risk manager (EngineOptions.risk)')
    const now = this.scheduler.now()
    risk.kill(now, reason)
    this.cancelOpenLimitOrders()
    for (const a of this.actors) {
      if (a.state.position === 0) continue
      a.intent = target(a.symbol, 0, now)
      a.intentAt = this.clock()
      if (this.mode === 'lock') this.intents$.next(a)
    }
  }

  /** Asks the venue to cancel every resting limit order; the owning actions see the answers. */
  private cancelOpenLimitOrders(why = 'risk trip'): void {
    for (const a of this.actors) {
      const o = a.state.order
      if (o === null || o.type !== 'limit' || o.status === 'pending_cancel') continue
      this.port.cancelOrder(o.id, o.symbol).subscribe({
        next: (r) => this.orderUpdates.dispatch(o.id, r),
        // Already final at the venue (filled, or cancelled by its own algorithm): nothing to do.
        error: (err) =>
          err instanceof FinalExchangeError ? this.log?.debug({ orderId: o.id, why }, 'order already final') : this.log?.warn({ orderId: o.id, why, err }, 'cancel failed'),
      })
    }
  }

  private increasesExposure(actor: StrategyActor, d: { side: 'buy' | 'sell'; amount: number }): boolean {
    const p = actor.state.position
    return Math.abs(p + (d.side === 'buy' ? d.amount : -d.amount)) > Math.abs(p) + 1e-12
  }

  private decide(actor: StrategyActor, intent: Intent) {
    const sym = intent.kind === 'target' ? intent.symbol : intent.symbol
    return orderFor(actor.state, actor.size, intent, this.marketsBySymbol.get(sym), this.lastPrice.get(sym))
  }

  /** Starts one exchange action for `actor`. Never throws: a fault stops this actor only. */
  private act(actor: StrategyActor, intent: Intent, at: number): Observable<OrderEvent> {
    try {
      const d = actor.decision ?? this.decide(actor, intent)
      actor.decision = null
      if (d === null) return EMPTY
      const market = this.marketsBySymbol.get(intent.symbol)
      const quote = this.lastQuote.get(intent.symbol)
      if (this.algoCtx !== null && market !== undefined && quote !== undefined) {
        this.metrics.reaction.record(this.clock() - at)
        return ALGOS[this.o.execution!.algo](this.algoCtx, this.jobFor(actor, market, quote, d.side, roundTo(d.amount, market.lotSize)))
      }
      const order: Order = newOrder(
        {
          id: this.clientOrderId(actor),
          strategyId: actor.id,
          actor: actor.index,
          symbol: intent.symbol,
          side: d.side,
          type: d.type,
          amount: market !== undefined ? roundTo(d.amount, market.lotSize) : d.amount,
          price: d.price,
        },
        this.scheduler.now(),
      )
      this.metrics.reaction.record(this.clock() - at)
      return executeOrder(this.ctx, order)
    } catch (err) {
      this.failActor(actor, err)
      return EMPTY
    }
  }

  private onEvent(ev: OrderEvent): void {
    const actor = this.actors[ev.order.actor]!
    const m = this.metrics.w
    try {
      const before = actor.state
      const s = actor.apply(ev)
      if (ev.fill !== null) this.o.risk?.onFill(ev.order.symbol, ev.order.side, ev.fill.amount, ev.fill.price, before.position)
      if ((before.position !== 0) !== (s.position !== 0)) this.metrics.positionsOpen += s.position !== 0 ? 1 : -1
      // In flight = from OrderSubmitted until the order leaves the actor's in-flight slot.
      if (before.order === null && s.order !== null) this.metrics.inFlight++
      else if (before.order !== null && s.order === null) this.metrics.inFlight--
      const wasUnknown = before.order?.status === 'unknown'
      if (wasUnknown !== (s.order?.status === 'unknown')) this.metrics.unknownOrders += wasUnknown ? -1 : 1
    } catch (err) {
      this.failActor(actor, err)
    }
    switch (ev.type) {
      case 'OrderSubmitted':
        m.submitted++
        break
      case 'OrderFilled':
        m.fills++
        if (ev.order.status === 'filled') m.filled++
        break
      case 'OrderRejected':
        m.rejected++
        break
      case 'OrderDenied':
        break
      case 'OrderCanceled':
      case 'OrderExpired':
        m.canceled++
        break
      default:
    }
    this.acceptedEvents++
    this.persistence?.accept(ev)
  }

  private failActor(actor: StrategyActor, err: unknown, logged = false): boolean {
    if (!actor.state.running) return false
    const reason = err instanceof Error ? err.message : String(err)
    actor.apply({ type: 'ActorFailed', ts: this.scheduler.now(), reason })
    this.metrics.w.failedActors++
    if (!logged) this.log?.error({ strategyId: actor.id, err }, 'strategy actor stopped')
    return true
  }

  /** A pipeline failed: every actor it feeds stops, the others trade on. Logged once, not per actor. @internal */
  failInstance(inst: StrategyInstance, err: unknown): void {
    let failed = 0
    for (const a of inst.actors) if (this.failActor(a, err, true)) failed++
    if (failed > 0) this.log?.error({ pipeline: inst.key, actors: failed, firstStrategyId: inst.actors[0]?.id, err }, 'strategy pipeline failed: its actors stopped')
  }
}
