import { asyncScheduler, concatMap, finalize, share, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs'
import type { Logger } from 'pino'
import type { OrderActionContext } from '../../actors/order-action.ts'
import { DEFAULT_ALGO_OPTIONS } from '../../actors/algos/algo.ts'
import { OrderFactory } from '../../actors/order-factory.ts'
import { OrderGate } from '../../actors/order-gate.ts'
import { OrderPath } from '../../actors/order-path.ts'
import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import { StrategyActor } from '../../actors/strategy-actor.ts'
import { exhaustLatestBy } from '../../streams/exhaust-latest-by.ts'
import { OrderUpdateHub } from '../../streams/order-update-hub.ts'
import { periodic } from '../../streams/periodic.ts'
import { Router } from '../../streams/router.ts'
import type { OrderReport } from '../../streams/track-order.ts'
import { signalOf } from '../../streams/signal-schedule.ts'
import { target, type Intent, type StrategyInput } from '../domain/intent.ts'
import type { Market, MarketEvent, Quote } from '../domain/market.ts'
import type { OrderEvent } from '../domain/order.ts'
import type { SignalRound } from '../domain/signal.ts'
import { withCallTimeout } from '../exchange/call-timeout.ts'
import type { ExchangePort } from '../exchange/port.ts'
import { EventPersistence } from './event-persistence.ts'
import { ExecutionMetrics } from './execution-metrics.ts'
import { awaitChunks } from './await-chunks.ts'
import type { EngineMode, EngineOptions } from './engine-options.ts'
import { Metrics } from './metrics.ts'
import { OrderEventIntake } from './order-event-intake.ts'
import { StrategyInstances, type StrategyInstance } from './strategy-instances.ts'

export type { EngineMode, EngineOptions, EventStore } from './engine-options.ts'

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
  private readonly orderUpdates = new OrderUpdateHub<OrderReport>()
  /** Actors with a new intent (kept on the actor: the latest one is what counts). */
  private readonly intents$ = new Subject<StrategyActor>()
  /** Present when a store is configured. */
  readonly persistence: EventPersistence | null
  /** Present when an execution algorithm is configured. */
  readonly execution: ExecutionMetrics | null
  private readonly lastPrice = new Map<string, number>()
  private readonly lastQuote = new Map<string, Quote>()
  /** Top of book by symbol, for execution algorithms (subscribed only while they work an order). */
  private readonly quotes = new Router<string, Quote>()
  private readonly scheduler: SchedulerLike
  private readonly clock: () => number
  /** The exchange behind the engine-side call deadline. */
  private readonly port: ExchangePort
  /** Intent → decided → built → risk-checked → sent: the one order path. */
  private readonly path: OrderPath
  private readonly intake: OrderEventIntake
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

  constructor(private readonly o: EngineOptions) {
    this.mode = o.mode ?? 'lock'
    this.scheduler = o.scheduler ?? asyncScheduler
    this.clock = o.clock ?? (() => performance.now())
    this.log = o.logger
    const markets = new Map<string, Market>(o.markets.map((m) => [m.symbol, m]))
    this.port = withCallTimeout(o.exchange, o.callTimeoutMs ?? 5_000, this.scheduler)
    const exec: OrderActionContext = {
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
    this.actors = o.strategies.map((s, i) => new StrategyActor(i, s.id, s.symbol, s.group, s.size))
    for (const s of o.strategies) this.groups = Math.max(this.groups, s.group + 1)
    this.pipes = new StrategyInstances(o.strategies, this.actors, this.groups)
    this.intake = new OrderEventIntake({ actors: this.actors, metrics: this.metrics, risk: o.risk, persistence: this.persistence, onFault: (a, err) => this.failActor(a, err) })
    const now = () => this.scheduler.now()
    this.path = new OrderPath({
      markets,
      lastPrice: (s) => this.lastPrice.get(s),
      lastQuote: (s) => this.lastQuote.get(s),
      factory: new OrderFactory(o.runTag ?? 'sh'),
      gate: new OrderGate({ risk: o.risk, now, openOrders: () => this.metrics.inFlight, onDenied: (e) => this.intake.accept(e) }),
      exec,
      algo:
        o.execution === undefined
          ? null
          : {
              name: o.execution.algo,
              ctx: {
                exec,
                quotes: (symbol) => this.quotes.select(symbol),
                scheduler: this.scheduler,
                options: { ...DEFAULT_ALGO_OPTIONS, ...o.execution.options },
                onReport: (r) => this.execution!.record(r),
                stopping: () => this.stopping !== null,
              },
            },
      scheduler: this.scheduler,
      clock: this.clock,
      entriesHalted: () => this.persistence?.entriesHalted ?? false,
      onHaltedEntry: () => this.metrics.w.haltedEntries++,
      onReaction: (ms) => this.metrics.reaction.record(ms),
      onFault: (a, err) => this.failActor(a, err),
      log: o.logger,
    })
  }

  /** Order events accepted from actions (and risk denials). */
  get acceptedEvents(): number {
    return this.intake.accepted
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
            exhaustLatestBy((a: StrategyActor) => this.path.act(a), {
              key: (a) => a,
              wanted: (a) => this.path.wanted(a),
              onBusy: () => this.metrics.w.droppedWhileBusy++,
              // An action that errors, or a decision that throws, stops that actor only.
              onError: (a, err) => this.failActor(a, err),
              slots: ACTOR_LANES,
            }),
          )
          .subscribe({ next: (ev) => this.intake.accept(ev), complete: () => done.complete() }),
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
          if (risk.evaluate(this.scheduler.now(), this.actors) && risk.globalState !== 'ACTIVE') this.path.cancelResting(this.actors, 'risk trip')
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
      this.inputSubs.push(this.mode === 'lock' ? rounds$.subscribe((r) => this.sweep(r)) : rounds$.pipe(concatMap((r) => this.sweepAwait(r))).subscribe())
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
      this.path.cancelResting(this.actors, 'shutdown')
      this.signalRouter.dispose()
      this.marketRouter.dispose()
      this.intents$.complete()
      const drained = await Promise.race([this.actionsDone.then(() => true), new Promise<boolean>((resolve) => this.scheduler.schedule(() => resolve(false), drainMs))])
      if (!drained) {
        const stuck = this.actors.filter((a) => a.state.order !== null).map((a) => ({ orderId: a.state.order!.id, strategyId: a.id, status: a.state.order!.status }))
        this.log?.warn(
          { inFlight: this.metrics.inFlight, stuck: stuck.slice(0, 20), more: Math.max(0, stuck.length - 20) },
          `stop: ${stuck.length} actions still in flight after drain (${stuck
            .slice(0, 3)
            .map((x) => `${x.orderId} ${x.status}`)
            .join(', ')}${stuck.length > 3 ? ', …' : ''}); their orders stay open in the store for start-up reconciliation`,
        )
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

  /** Delivers one signal round to every group's pipelines, synchronously; returns when it began. */
  private dispatchRound(r: SignalRound): number {
    const t0 = (this.originAt = this.clock())
    this.metrics.w.signals++
    for (let g = 0; g < this.groups; g++) {
      const n = this.pipes.signalActors[g]!
      if (n === 0) continue
      this.metrics.w.evaluations += n
      this.signalRouter.dispatch(g, signalOf(r, g))
    }
    return t0
  }

  /** Lock mode: the round reaches every actor at once; nobody waits for the exchange. */
  private sweep(r: SignalRound): void {
    const t0 = this.dispatchRound(r)
    this.metrics.sweep.record(this.clock() - t0)
  }

  /** Await mode (seed 000's MODE_AWAIT): the round's actions run chunk by chunk, each chunk waiting for its calls. */
  private sweepAwait(r: SignalRound): Observable<unknown> {
    const t0 = this.dispatchRound(r)
    return awaitChunks(this.actors, this.o.chunkSize ?? 250, this.path, (ev) => this.intake.accept(ev)).pipe(finalize(() => this.metrics.sweep.record(this.clock() - t0)))
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
    this.path.cancelResting(this.actors, 'kill switch')
    for (const a of this.actors) {
      if (a.state.position === 0) continue
      a.intent = target(a.symbol, 0, now)
      a.intentAt = this.clock()
      if (this.mode === 'lock') this.intents$.next(a)
    }
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
