import { asyncScheduler, concatMap, finalize, from, share, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs'
import type { Logger } from 'pino'
import type { OrderPath } from '../../actors/order-path.ts'
import type { NettingDesk } from '../../actors/netting/netting-desk.ts'
import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import { StrategyActor } from '../../actors/strategy-actor.ts'
import { exhaustLatestBy } from '../../streams/exhaust-latest-by.ts'
import { OrderUpdateHub } from '../../streams/order-update-hub.ts'
import { periodic } from '../../streams/periodic.ts'
import type { OrderReport } from '../../streams/track-order.ts'
import { target, type Intent } from '../domain/intent.ts'
import type { MarketEvent } from '../domain/market.ts'
import type { StoredEvent } from '../domain/netting.ts'
import type { SignalRound } from '../domain/signal.ts'
import { withCallTimeout } from '../exchange/call-timeout.ts'
import type { ExchangePort } from '../exchange/port.ts'
import type { ExchangeOrder } from '../domain/exchange.ts'
import { ActorRoster, type PositionFiguresRow } from './actor-roster.ts'
import { EventPersistence } from './event-persistence.ts'
import { InputFanout } from './input-fanout.ts'
import { MarketView } from './market-view.ts'
import { orderPathFor } from './order-path-wiring.ts'
import { ExecutionMetrics } from './execution-metrics.ts'
import { awaitChunks } from './await-chunks.ts'
import type { EngineMode, EngineOptions } from './engine-options.ts'
import { Metrics } from './metrics.ts'
import { OrderEventIntake } from './order-event-intake.ts'
import { QuietCollector } from './quiet-collector.ts'
import { DispatchClock } from './dispatch-clock.ts'
import { ReactionTally } from './reaction-tally.ts'
import { Inlet } from '../../streams/inlet.ts'
import { StrategyInstances, type StrategyInstance } from './strategy-instances.ts'
import { PipelineWorkers } from './workers/pipeline-workers.ts'
import { CapitalAllocator } from './capital-allocator.ts'
import { loadedModuleFiles } from '../config/strategy-modules.ts'
import { SettledActors } from './settled-actors.ts'

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
  /** Market events and signal rounds to the pipelines, intents to the actors. */
  private readonly inputs: InputFanout
  private readonly orderUpdates = new OrderUpdateHub<OrderReport>()
  /** Actors with a new intent (kept on the actor: the latest one is what counts). */
  private readonly intents$ = new Inlet<StrategyActor>()
  /** Present when a store is configured. */
  readonly persistence: EventPersistence | null
  /** Present when an execution algorithm is configured. */
  readonly execution: ExecutionMetrics | null
  /** Last prices and top of book, for the order path and the risk gate. */
  private readonly market: MarketView
  private readonly scheduler: SchedulerLike
  private readonly clock: () => number
  /** The exchange behind the engine-side call deadline. */
  private readonly port: ExchangePort
  /** Intent → decided → built → risk-checked → sent: the one order path. */
  private readonly path: OrderPath
  /** Present when netting is on. */
  readonly desk: NettingDesk | null
  private readonly intake: OrderEventIntake
  /** Lock mode: actors at an unchanged target, skipped by equal intents. */
  private readonly settled: SettledActors | null
  private readonly roster: ActorRoster
  /** Present when `collectWhenQuiet` is given. */
  readonly quiet: QuietCollector | null
  private pool: PipelineWorkers | null = null
  /** Present when capital is re-weighted online. */
  readonly allocator: CapitalAllocator | null
  /** Inputs (market, signals): stopped first on shutdown. */
  private readonly inputSubs: Subscription[] = []
  /** Intents and the sink: stopped after in-flight actions drain. */
  private readonly coreSubs: Subscription[] = []
  private started = false
  private stopping: Promise<{ unwritten: StoredEvent[] }> | null = null
  private actionsDone: Promise<void> = Promise.resolve()
  /** Set the moment the last action ends (a timer in virtual time can tell before the promise settles). */
  private actionsEnded = false
  private readonly log: Logger | undefined
  private folding: Subscription | null = null

  constructor(private readonly o: EngineOptions) {
    this.mode = o.mode ?? 'lock'
    this.scheduler = o.scheduler ?? asyncScheduler
    this.clock = o.clock ?? (() => performance.now())
    this.log = o.logger
    // The order path's scheduler: its time is held through a dispatch and through each of its tasks.
    const time: DispatchClock = new DispatchClock(this.scheduler, () => reactions.settle())
    const reactions = new ReactionTally(this.clock, this.metrics.reaction, () => time.dispatching)
    this.port = withCallTimeout(o.exchange, o.callTimeoutMs ?? 5_000, time)
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
    let groups = 0
    for (const s of o.strategies) groups = Math.max(groups, s.group + 1)
    this.pipes = new StrategyInstances(o.strategies, (s, i) => new StrategyActor(i, s.id, s.symbol, s.group, s.size, s.notional ?? 0), groups, o.workers ?? 0)
    this.actors = this.pipes.actors
    // Await mode acts chunk by chunk on the round; lock mode offers every intent now.
    const lots = new Map(o.markets.map((m) => [m.symbol, m.lotSize]))
    const settled = (this.settled = this.mode === 'lock' && o.skipSettled !== false ? new SettledActors(this.actors.length, (symbol) => lots.get(symbol) ?? 0) : null)
    this.inputs = new InputFanout(this.pipes, groups, this.metrics, this.clock, this.mode === 'lock' ? (a) => this.intents$.next(a) : null, settled, time)
    this.roster = new ActorRoster(this.actors, { metrics: this.metrics, risk: o.risk, now: () => this.scheduler.now(), log: o.logger })
    this.market = new MarketView(o.risk, o.execution?.algo === 'adaptive')
    const market = this.market
    const allocator = (this.allocator =
      o.allocator === undefined
        ? null
        : new CapitalAllocator(
            this.actors,
            o.allocator,
            this.scheduler,
            (s) => market.lastPrice(s),
            (a) => settled?.clear(a.index),
          ))
    const onFill = o.onFill
    const metrics = this.metrics
    const quiet = (this.quiet =
      o.collectWhenQuiet === undefined
        ? null
        : new QuietCollector({ collect: o.collectWhenQuiet, scheduler: this.scheduler, busy: () => metrics.inFlight > 0, started: () => metrics.total.submitted + metrics.w.submitted }))
    this.intake = new OrderEventIntake({
      actors: this.actors,
      metrics: this.metrics,
      risk: o.risk,
      persistence: this.persistence,
      onFault: (a, err) => this.failActor(a, err),
      onFill:
        allocator === null
          ? onFill
          : (a, before, after) => {
              allocator.onFill(a, before, after)
              onFill?.(a, before, after)
            },
      onQuiet: () => {
        quiet?.quiet()
        this.foldWhenQuiet()
      },
      settled,
    })
    const wired = orderPathFor(o, {
      port: this.port,
      orderUpdates: this.orderUpdates,
      market: this.market,
      metrics: this.metrics,
      persistence: this.persistence,
      execution: this.execution,
      scheduler: time,
      clock: this.clock,
      reactions,
      accept: (e) => this.intake.accept(e),
      onFault: (a, err) => this.failActor(a, err),
      stopping: () => this.stopping !== null,
    })
    this.path = wired.path
    this.desk = wired.desk
  }

  /**
   * Whether a fan-out reads a chunk of actors ahead before acting on them (on by default; it pays
   * with netting and per strategy). Settable between inputs so that a benchmark can switch it round
   * by round and compare both within one run.
   */
  get readAhead(): boolean {
    return this.inputs.readAhead
  }

  set readAhead(on: boolean) {
    this.inputs.readAhead = on
  }

  /** Order events accepted from actions (and risk denials). */
  get acceptedEvents(): number {
    return this.intake.accepted
  }

  /** Carries positions over from the store before start (after reconciliation), by strategy id; returns how many actors got a position. */
  restore(figures: ReadonlyMap<string, { position: number; avgPrice: number; realizedPnl: number; fees: number }>): number {
    return this.roster.restore(figures)
  }

  /** Every actor's position figures now, for the store's positions table. */
  positions(): PositionFiguresRow[] {
    return this.roster.positions()
  }

  /** Number of distinct strategy pipelines (identical strategies share one). */
  get pipelines(): number {
    return this.pipes.size
  }

  /** Subscribes everything and starts trading. */
  start(): this {
    if (this.started) return this
    this.started = true
    this.pipes.subscribeAll(this.inputs.signals, this.inputs.market, this)
    const heavy = this.pipes.inWorkers()
    if (heavy.length > 0) {
      this.pool = new PipelineWorkers({
        threads: this.o.workers ?? 0,
        instances: heavy,
        symbols: this.o.markets.map((m) => m.symbol),
        modules: this.o.strategyModules ?? loadedModuleFiles(),
        sink: { deliverAt: (inst, intent, at) => this.inputs.deliverAt(inst, intent, at), failInstance: (inst, err) => this.failInstance(inst, err) },
        clock: this.clock,
        originAt: () => this.inputs.dispatchedAt,
        latency: this.metrics.tickToIntent,
        log: this.log,
      })
      this.pool.subscribe(this.inputs.signals, this.inputs.market)
    }

    const done = new Subject<void>()
    this.actionsDone = new Promise((resolve) =>
      done.subscribe({
        complete: () => {
          this.actionsEnded = true
          resolve()
        },
      }),
    )
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
    this.allocator?.start()

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

  /** The worker threads of heavy pipelines, when some run there (after start). */
  get workers(): PipelineWorkers | null {
    return this.pool
  }

  /** Resolves when the worker threads (if any) have built their pipelines: a replay starts after this. */
  ready(): Promise<void> {
    return this.workers?.ready() ?? Promise.resolve()
  }

  /**
   * Resolves when every input sent to worker threads has been answered and its intents delivered
   * (at once without workers). A virtual-time replay waits on this after each event, so intents are
   * acted on at the same virtual time as on the main thread.
   */
  settle(): Promise<void> | null {
    const w = this.workers
    return w === null || w.pending === 0 ? null : w.settle()
  }

  /** The risk manager, if any. */
  get risk(): RiskManager | undefined {
    return this.o.risk
  }

  /** Order events written by the store so far. */
  get persistedEvents(): number {
    return this.persistence?.counts.written ?? 0
  }

  /** The histograms take a burst's samples on the next turn once its actions are over, not inside the next sweep (100k reactions take ~10 ms). */
  private foldWhenQuiet(): void {
    if (this.folding !== null) return
    this.folding = this.scheduler.schedule(() => {
      this.folding = null
      if (this.metrics.inFlight === 0) this.metrics.fold()
    })
  }

  /**
   * Graceful stop: no new inputs; in-flight actions finish (up to `drainMs`), then every accepted
   * event is written. If the store still fails after `flushTimeoutMs`, the events it could not take
   * are returned (oldest first) for the caller to keep elsewhere; otherwise `unwritten` is empty.
   */
  stop(drainMs = 10_000, flushTimeoutMs = 30_000): Promise<{ unwritten: StoredEvent[] }> {
    this.stopping ??= (async () => {
      for (const s of this.inputSubs) s.unsubscribe()
      this.allocator?.stop()
      this.quiet?.stop()
      this.folding?.unsubscribe()
      // Workers answer what they were sent (their intents still reach the actors), then end — before the final flush.
      const workersDone = this.workers?.stop(drainMs) ?? Promise.resolve()
      // Resting orders are cancelled on shutdown; their actions see the answers and end.
      this.path.cancelResting(this.actors, 'shutdown')
      this.desk?.shutdown('shutdown')
      this.inputs.dispose()
      this.intents$.complete()
      const drained = await new Promise<boolean>((resolve) => {
        this.actionsDone.then(() => resolve(true))
        this.scheduler.schedule(() => {
          if (this.actionsEnded) return resolve(true)
          // Answers that never came (a lost push, a cut stream): ask the venue for each order still
          // open in our view, cancel what still rests there, and give the actions that hear back a
          // moment more. Scheduled from here, so a virtual clock being advanced runs it too.
          if (this.lookUpOpenOrders() === 0) return resolve(false)
          this.scheduler.schedule(() => resolve(this.actionsEnded), Math.min(drainMs, 5_000))
        }, drainMs)
      })
      if (!drained) this.roster.warnStuck(this.metrics.inFlight)
      for (const s of this.coreSubs) s.unsubscribe()
      this.orderUpdates.dispose()
      this.market.dispose()
      await workersDone
      const p = this.persistence
      if (p === null || (await p.flush(flushTimeoutMs))) return { unwritten: [] }
      const unwritten = p.unwritten()
      this.log?.error({ unwritten: unwritten.length, err: p.lastError }, 'stop: the order store is still failing; unwritten events handed back')
      return { unwritten }
    })()
    return this.stopping
  }

  /**
   * Stop only: every order an actor still holds open is looked up by client order id; a final answer
   * goes to the action waiting on it (as a pushed update would), one still resting is cancelled
   * again. Returns how many were asked about.
   */
  private lookUpOpenOrders(): number {
    let asked = 0
    for (const a of this.actors) {
      const order = a.state.order
      if (order === null) continue
      asked++
      const tell = (r: ExchangeOrder) => void this.orderUpdates.dispatch(order.id, r)
      this.port.fetchOrder(order.id, order.symbol).subscribe({
        next: (r) => {
          if (r.status !== 'open') tell(r)
          else this.port.cancelOrder(order.id, order.symbol).subscribe({ next: tell, error: () => {} })
        },
        // Unknown to the venue or unreachable: it stays open in the store for start-up reconciliation.
        error: () => {},
      })
    }
    return asked
  }

  /** Fans one intent of a shared pipeline out to its actors. @internal */
  deliver(inst: StrategyInstance, intent: Intent): void {
    this.inputs.deliver(inst, intent)
  }

  private onMarket(e: MarketEvent): void {
    this.market.observe(e)
    this.inputs.marketEvent(e)
  }

  /** Lock mode: the round reaches every actor at once; nobody waits for the exchange. */
  private sweep(r: SignalRound): void {
    const t0 = this.inputs.round(r)
    this.metrics.sweep.record(this.clock() - t0)
  }

  /** Await mode (seed 000's MODE_AWAIT): the round's actions run chunk by chunk, each chunk waiting for its calls. */
  private sweepAwait(r: SignalRound): Observable<unknown> {
    const t0 = this.inputs.round(r)
    const settled = this.settle()
    if (settled !== null) return from(settled).pipe(concatMap(() => this.chunks(t0)))
    return this.chunks(t0)
  }

  private chunks(t0: number): Observable<unknown> {
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
      this.settled?.forget(a.index)
      if (this.mode === 'lock') this.intents$.next(a)
    }
  }

  private failActor(actor: StrategyActor, err: unknown): void {
    this.roster.fail(actor, err)
  }

  /** A pipeline failed: every actor it feeds stops, the others trade on. @internal */
  failInstance(inst: StrategyInstance, err: unknown): void {
    this.roster.failInstance(inst, err)
  }
}
