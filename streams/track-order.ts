import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import { isFinal, type Order, type OrderEvent, type OrderUpdate } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'
import type { ExchangeOrder } from '../src/domain/exchange.ts'

/** What a venue tells us about one order: a full report, or a single update (a rejection, say). */
export type OrderReport = ExchangeOrder | OrderUpdate

const isReport = (r: OrderReport): r is ExchangeOrder => 'clientOrderId' in r

/** The updates a venue report implies for `order`: acknowledgement, new trades, then a final state. */
export function updatesFrom(order: Order, r: ExchangeOrder, now: number): OrderUpdate[] {
  const out: OrderUpdate[] = []
  if ((order.status === 'pending_new' || order.status === 'unknown') && r.status !== 'rejected') out.push({ type: 'OrderAccepted', ts: r.timestamp, exchangeId: r.id })
  for (const t of r.trades) {
    if (order.tradeIds.includes(t.id)) continue
    out.push({ type: 'OrderFilled', ts: t.timestamp, fill: { tradeId: t.id, orderId: order.id, price: t.price, amount: t.amount, fee: t.fee, liquidity: t.takerOrMaker, ts: t.timestamp } })
  }
  if (r.status === 'canceled') out.push({ type: 'OrderCanceled', ts: now })
  else if (r.status === 'expired') out.push({ type: 'OrderExpired', ts: now })
  else if (r.status === 'rejected') out.push({ type: 'OrderRejected', ts: now, reason: r.reason ?? 'rejected by venue' })
  return out
}

/**
 * Follows one order through venue reports: each legal step is passed to `emit` as an `OrderEvent`
 * carrying the new order; illegal steps and duplicate trades go to `onSkip`, never thrown.
 */
export class OrderTracker {
  constructor(
    public order: Order,
    private readonly clock: Pick<SchedulerLike, 'now'>,
    private readonly out: { next(e: OrderEvent): void },
    private readonly onSkip?: (order: Order, reason: string) => void,
  ) {}

  get final(): boolean {
    return isFinal(this.order.status)
  }

  /** Applies one report; returns whether the order is now final. */
  report(r: OrderReport): boolean {
    if (this.final) return true
    if (isReport(r)) for (const u of updatesFrom(this.order, r, this.clock.now())) this.apply(u)
    else this.apply(r)
    return this.final
  }

  private apply(u: OrderUpdate): void {
    const t = evolveOrder(this.order, u)
    if (!t.ok) {
      this.onSkip?.(this.order, t.reason)
      return
    }
    this.order = t.order
    this.out.next({ type: u.type, ts: u.ts, order: t.order, fill: u.type === 'OrderFilled' ? u.fill : null, reason: 'reason' in u ? (u.reason ?? null) : null })
  }
}

/** `OrderTracker` as an operator: venue reports in, order events out; completes when the order is final. */
export const trackOrder =
  (initial: Order, clock: Pick<SchedulerLike, 'now'>, onSkip?: (order: Order, reason: string) => void): OperatorFunction<OrderReport, OrderEvent> =>
  (reports$) =>
    new Observable<OrderEvent>((subscriber) => {
      const tracker = new OrderTracker(initial, clock, subscriber, onSkip)
      return reports$.subscribe({
        next: (r) => {
          if (tracker.report(r)) subscriber.complete()
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      })
    })
