import { catchError, concat, EMPTY, merge, Observable, of, switchMap, timer, type SchedulerLike } from 'rxjs'
import { FinalExchangeError, RetryableExchangeError } from '../src/domain/errors'
import type { Order, OrderEvent, OrderUpdate } from '../src/domain/order'
import type { ExchangeOrder, ExchangePort, OrderRequest } from '../src/exchange/port'
import type { Router } from '../streams/router'
import { trackOrder, type VenueReport } from '../streams/track-order'

export interface ExecutionContext {
  readonly exchange: ExchangePort
  /** The venue's order updates, routed by client order id. */
  readonly orderUpdates: Router<string, ExchangeOrder>
  readonly scheduler: SchedulerLike
  /** A resting order still open after this long is cancelled. */
  readonly orderTimeoutMs: number
  /** How often an order whose outcome is unknown is looked up (and resubmitted under the same id) before giving up. */
  readonly maxAttempts: number
  /** Base of the exponential back-off between look-ups. */
  readonly retryDelayMs: number
  readonly onSkip?: (order: Order, reason: string) => void
}

const rejected = (ts: number, reason: string): OrderUpdate => ({ type: 'OrderRejected', ts, reason })
const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Places `req` and, when the outcome is unknown (timeout, network), finds out by client order id
 * before anything is resubmitted: the venue either knows the order (we follow it) or never saw it
 * (we resubmit the same id, which the venue would refuse as a duplicate). Never errors.
 */
export function placeOrder(ctx: ExecutionContext, req: OrderRequest, attempt = 0): Observable<VenueReport> {
  return ctx.exchange.createOrder(req).pipe(
    catchError((err: unknown) => {
      if (err instanceof RetryableExchangeError) return resolveUnknown(ctx, req, attempt + 1)
      if (err instanceof FinalExchangeError && err.code === 'duplicate' && attempt > 0) return resolveUnknown(ctx, req, attempt + 1)
      return of(rejected(ctx.scheduler.now(), describe(err)))
    }),
  )
}

function resolveUnknown(ctx: ExecutionContext, req: OrderRequest, attempt: number): Observable<VenueReport> {
  if (attempt > ctx.maxAttempts) return of(rejected(ctx.scheduler.now(), `outcome unknown after ${ctx.maxAttempts} attempts`))
  return timer(ctx.retryDelayMs * 2 ** (attempt - 1), ctx.scheduler).pipe(
    switchMap(() => ctx.exchange.fetchOrder(req.clientOrderId, req.symbol)),
    catchError((err: unknown): Observable<VenueReport> => {
      if (err instanceof FinalExchangeError && err.code === 'not_found') return placeOrder(ctx, req, attempt)
      if (err instanceof RetryableExchangeError) return resolveUnknown(ctx, req, attempt + 1)
      return of(rejected(ctx.scheduler.now(), describe(err)))
    }),
  )
}

/** Cancels a resting order that outlived its time; the venue's answer (or a later look-up) closes it. */
function cancelWhenStale(ctx: ExecutionContext, order: Order): Observable<VenueReport> {
  return timer(ctx.orderTimeoutMs, ctx.scheduler).pipe(
    switchMap(() => concat(of<VenueReport>({ type: 'OrderCancelRequested', ts: ctx.scheduler.now() }), ctx.exchange.cancelOrder(order.id, order.symbol))),
    catchError(() => ctx.exchange.fetchOrder(order.id, order.symbol).pipe(catchError(() => EMPTY))),
  )
}

/**
 * One exchange action of one actor: submit `order`, follow it to a final state. Emits the
 * `OrderSubmitted` event and then every applied step; completes when the order is final. Never errors,
 * so it is safe as the inner observable of the actor's one-in-flight operator.
 */
export function executeOrder(ctx: ExecutionContext, order: Order): Observable<OrderEvent> {
  const submitted: OrderEvent = { type: 'OrderSubmitted', ts: order.createdAt, order, fill: null, reason: null }
  const req: OrderRequest = {
    clientOrderId: order.id,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    amount: order.amount,
    ...(order.price !== null ? { price: order.price } : {}),
  }
  const updates$ = ctx.orderUpdates.select(order.id)
  const reports$ = order.type === 'limit' ? merge(placeOrder(ctx, req), updates$, cancelWhenStale(ctx, order)) : merge(placeOrder(ctx, req), updates$)
  return concat(
    of(submitted),
    reports$.pipe(trackOrder(order, () => ctx.scheduler.now(), ctx.onSkip)),
  )
}
