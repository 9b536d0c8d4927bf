import { catchError, concat, defer, EMPTY, of, switchMap, timer, type Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs'
import { onSubscribe, subscribeInto } from '../streams/on-subscribe.ts'
import { LightSubscriber } from '../streams/light-subscriber.ts'
import { FinalExchangeError, RetryableExchangeError } from '../src/domain/errors.ts'
import type { Order, OrderEvent, OrderUpdate } from '../src/domain/order.ts'
import type { ExchangeOrder, ExchangePort, OrderRequest } from '../src/domain/exchange.ts'
import type { OrderUpdateHub } from '../streams/order-update-hub.ts'
import { OrderTracker, type OrderReport } from '../streams/track-order.ts'

export interface OrderActionContext {
  readonly exchange: ExchangePort
  /** The venue's order updates, routed by client order id. */
  readonly orderUpdates: OrderUpdateHub<OrderReport>
  readonly scheduler: SchedulerLike
  /** A resting order still open after this long is cancelled. */
  readonly orderTimeoutMs: number
  /** How often an order whose outcome is unknown is looked up (and resubmitted under the same id) before it is marked `unknown`. */
  readonly maxAttempts: number
  /** Base of the exponential back-off between look-ups. */
  readonly retryDelayMs: number
  /**
   * How late a request may still reach the venue and be acted on (Binance refuses one older than its
   * `recvWindow`; ccxt sends 10 s). Only once this has passed since the order was last sent does
   * "not found" prove it never will be. Default 10 s.
   */
  readonly recvWindowMs?: number
  /** Between look-ups of an order in the `unknown` state. Default: the last back-off step, at least 1 s. */
  readonly unknownPollMs?: number
  readonly onSkip?: (order: Order, reason: string) => void
}

const rejected = (ts: number, reason: string): OrderUpdate => ({ type: 'OrderRejected', ts, reason })
const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const recvWindowOf = (ctx: OrderActionContext) => ctx.recvWindowMs ?? 10_000

/**
 * Places `req` and, when the outcome is unknown (timeout, network), finds out by client order id
 * before anything is resubmitted: the venue either knows the order (we follow it) or never saw it
 * (we resubmit the same id, which the venue would refuse as a duplicate). Never errors.
 */
export function placeOrder(ctx: OrderActionContext, req: OrderRequest, attempt = 0): Observable<OrderReport> {
  return defer(() => {
    const sentAt = ctx.scheduler.now()
    return ctx.exchange.createOrder(req).pipe(
      catchError((err: unknown) => {
        if (err instanceof RetryableExchangeError) return resolveUnknown(ctx, req, attempt + 1, sentAt)
        if (err instanceof FinalExchangeError && err.code === 'duplicate' && attempt > 0) return resolveUnknown(ctx, req, attempt + 1, sentAt)
        return of(rejected(ctx.scheduler.now(), describe(err)))
      }),
    )
  })
}

/**
 * Looks the order up with back-off; "not found" means the venue has not seen it (yet), so the same
 * id is sent again — a late original and the resubmission cannot both be accepted. After
 * `maxAttempts` the order is `unknown` (it may be live) and `settleUnknown` takes over.
 */
function resolveUnknown(ctx: OrderActionContext, req: OrderRequest, attempt: number, sentAt: number): Observable<OrderReport> {
  if (attempt > ctx.maxAttempts) {
    const reason = `outcome unknown after ${ctx.maxAttempts} attempts; looking it up until the venue knows it or its recvWindow has passed`
    return concat(of<OrderReport>({ type: 'OrderStatusUnknown', ts: ctx.scheduler.now(), reason }), settleUnknown(ctx, req, sentAt))
  }
  return timer(ctx.retryDelayMs * 2 ** (attempt - 1), ctx.scheduler).pipe(
    switchMap(() => ctx.exchange.fetchOrder(req.clientOrderId, req.symbol)),
    catchError((err: unknown): Observable<OrderReport> => {
      if (err instanceof FinalExchangeError && err.code === 'not_found') return placeOrder(ctx, req, attempt)
      if (err instanceof RetryableExchangeError) return resolveUnknown(ctx, req, attempt + 1, sentAt)
      return of(rejected(ctx.scheduler.now(), describe(err)))
    }),
  )
}

/**
 * An order in the `unknown` state: looked up every `unknownPollMs` until the venue reports it (it is
 * then followed like any other) or says "not found" once the recvWindow since it was last sent has
 * passed — only then is it certain never to trade, and it ends rejected. Its actor stays busy meanwhile.
 */
function settleUnknown(ctx: OrderActionContext, req: OrderRequest, sentAt: number): Observable<OrderReport> {
  const every = ctx.unknownPollMs ?? Math.max(1_000, ctx.retryDelayMs * 2 ** ctx.maxAttempts)
  return timer(every, ctx.scheduler).pipe(
    switchMap(() => ctx.exchange.fetchOrder(req.clientOrderId, req.symbol)),
    catchError((err: unknown): Observable<OrderReport> => {
      const notFound = err instanceof FinalExchangeError && err.code === 'not_found'
      if (notFound && ctx.scheduler.now() - sentAt > recvWindowOf(ctx)) return of(rejected(ctx.scheduler.now(), `never reached the venue: not found ${recvWindowOf(ctx)} ms after it was last sent`))
      if (notFound || err instanceof RetryableExchangeError) return settleUnknown(ctx, req, sentAt)
      return of(rejected(ctx.scheduler.now(), describe(err)))
    }),
  )
}

/** Cancels a resting order that outlived its time; the venue's answer (or a later look-up) closes it. */
function cancelWhenStale(ctx: OrderActionContext, order: Order): Observable<OrderReport> {
  return timer(ctx.orderTimeoutMs, ctx.scheduler).pipe(
    switchMap(() => concat(of<OrderReport>({ type: 'OrderCancelRequested', ts: ctx.scheduler.now() }), ctx.exchange.cancelOrder(order.id, order.symbol))),
    catchError(() => ctx.exchange.fetchOrder(order.id, order.symbol).pipe(catchError(() => EMPTY))),
  )
}

/**
 * One exchange action of one actor: submit `order`, follow it to a final state. Emits the
 * `OrderSubmitted` event and then every applied step; completes when the order is final. Never errors,
 * so it is safe as the inner observable of the actor's one-in-flight operator.
 *
 * Hand-written rather than composed (`concat(of(submitted), merge(place, updates).pipe(trackOrder))`):
 * tens of thousands are in flight at once, and the composed chain held ~9 KB and cost ~26 µs per
 * action on this machine; this holds one action and one placement subscriber.
 */
export function runOrder(ctx: OrderActionContext, order: Order): Observable<OrderEvent> {
  return onSubscribe(startRun, ctx, order)
}

const startRun = (out: Subscriber<OrderEvent>, ctx: OrderActionContext, order: Order): OrderAction => new OrderAction(ctx, order, out).start()

/** Where an order action's events go: a Subscriber, or an algorithm's own observer in front of one. */
export interface OrderEventObserver {
  next(e: OrderEvent): void
  error(err: unknown): void
  complete(): void
}

/**
 * `runOrder` for a caller already inside its own subscription (an execution algorithm): starts the
 * action now, its events to `out`; the result ends it. No inner Observable and no wrapped observer.
 */
export const startOrder = (ctx: OrderActionContext, order: Order, out: OrderEventObserver): { unsubscribe(): void } => new OrderAction(ctx, order, out).start()

class OrderAction {
  private readonly tracker: OrderTracker
  private placing: Placement | null = null
  private extra: Subscription | null = null
  private closed = false
  private following = false
  private sentAt = 0

  constructor(
    private readonly ctx: OrderActionContext,
    private readonly order: Order,
    private readonly out: OrderEventObserver,
  ) {
    this.tracker = new OrderTracker(order, ctx.scheduler, out, ctx.onSkip)
  }

  start(): this {
    const { ctx, order } = this
    this.sentAt = ctx.scheduler.now()
    this.out.next({ type: 'OrderSubmitted', ts: order.createdAt, order, fill: null, reason: null })
    this.placing = new Placement(this)
    try {
      subscribeInto(ctx.exchange.createOrder(requestOf(order)), this.placing)
    } catch (err) {
      // An adapter that throws instead of erroring its observable: the same as a refused placement.
      this.placementFailed(err)
    }
    if (order.type === 'limit' && !this.closed) this.extra = cancelWhenStale(ctx, order).subscribe((r) => this.report(r))
    return this
  }

  report(r: OrderReport): void {
    if (this.closed) return
    let final: boolean
    try {
      final = this.tracker.report(r)
    } catch (err) {
      // A report we cannot read (a malformed venue message, say) fails this action, and so this
      // actor, only: it never unwinds into the venue's delivery loop and everyone queued behind it.
      this.unsubscribe()
      this.out.error(err)
      return
    }
    if (final) {
      this.unsubscribe()
      this.out.complete()
    } else if (!this.following) {
      // Still open after the venue's answer: now its later updates matter (market orders that fill
      // in the answer never get here, which keeps the hub off the hot path).
      this.following = true
      this.ctx.orderUpdates.follow(this.order.id, this)
    }
  }

  /** The venue refused, or we cannot tell what happened: resolve by client order id (rare path). */
  placementFailed(err: unknown): void {
    if (this.closed) return
    const { ctx, order } = this
    if (err instanceof RetryableExchangeError) {
      if (!this.following) {
        this.following = true
        ctx.orderUpdates.follow(order.id, this)
      }
      this.extra?.unsubscribe()
      this.extra = resolveUnknown(ctx, requestOf(order), 1, this.sentAt).subscribe((r) => this.report(r))
    } else {
      this.report(rejected(ctx.scheduler.now(), describe(err)))
    }
  }

  unsubscribe(): void {
    if (this.closed) return
    this.closed = true
    this.placing?.unsubscribe()
    this.extra?.unsubscribe()
    if (this.following) this.ctx.orderUpdates.unfollow(this.order.id, this)
    // A venue's websocket may have pushed updates of an order that was final in the answer already.
    this.ctx.orderUpdates.forget(this.order.id)
  }
}

/** Subscribes an action to the venue's answer without wrapper objects. */
class Placement extends LightSubscriber<ExchangeOrder> {
  constructor(private readonly action: OrderAction) {
    super()
  }

  protected override _next(r: ExchangeOrder): void {
    this.action.report(r)
  }

  protected override _error(err: unknown): void {
    this.unsubscribe()
    this.action.placementFailed(err)
  }
}

const requestOf = (order: Order): OrderRequest =>
  order.price !== null
    ? { clientOrderId: order.id, symbol: order.symbol, side: order.side, type: order.type, amount: order.amount, price: order.price }
    : { clientOrderId: order.id, symbol: order.symbol, side: order.side, type: order.type, amount: order.amount }
