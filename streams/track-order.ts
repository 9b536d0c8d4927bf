import { Observable, type OperatorFunction } from 'rxjs'
import { isFinal, type Order, type OrderEvent, type OrderUpdate } from '../src/domain/order'
import { evolveOrder } from '../src/domain/order-state'
import type { ExchangeOrder } from '../src/exchange/port'

/** What a venue tells us about one order: a full report, or a single update (a rejection, say). */
export type VenueReport = ExchangeOrder | OrderUpdate

const isReport = (r: VenueReport): r is ExchangeOrder => 'clientOrderId' in r

/** The updates a venue report implies for `order`: acknowledgement, new trades, then a final state. */
export function updatesFrom(order: Order, r: ExchangeOrder, now: number): OrderUpdate[] {
  const out: OrderUpdate[] = []
  if (order.status === 'pending_new' && r.status !== 'rejected') out.push({ type: 'OrderAccepted', ts: r.timestamp, exchangeId: r.id })
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
 * Follows one order through venue reports: each legal step becomes an `OrderEvent` carrying the new
 * order; illegal steps and duplicate trades are reported to `onSkip` and skipped, never thrown.
 * Completes when the order reaches a final state.
 */
export const trackOrder = (
  initial: Order,
  now: () => number,
  onSkip?: (order: Order, reason: string) => void,
): OperatorFunction<VenueReport, OrderEvent> => (reports$) =>
  new Observable<OrderEvent>((subscriber) => {
    let order = initial
    const apply = (u: OrderUpdate): void => {
      const t = evolveOrder(order, u)
      if (!t.ok) {
        onSkip?.(order, t.reason)
        return
      }
      order = t.order
      subscriber.next({ type: u.type, ts: u.ts, order, fill: u.type === 'OrderFilled' ? u.fill : null, reason: 'reason' in u ? (u.reason ?? null) : null })
    }
    return reports$.subscribe({
      next: (r) => {
        if (isFinal(order.status)) return
        if (isReport(r)) for (const u of updatesFrom(order, r, now())) apply(u)
        else apply(r)
        if (isFinal(order.status)) subscriber.complete()
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    })
  })
