import { copyOrder, type Order, type OrderEvent } from '../src/domain/order.ts'
import type { RiskManager, RiskSubject } from './risk/risk-manager.ts'

export interface OrderGateOptions {
  /** None: every order passes (tests, research without limits). */
  readonly risk?: RiskManager
  readonly now: () => number
  /** Orders in flight across all actors, for the open-orders limit. */
  readonly openOrders: () => number
  /** A refusal, as the OrderDenied event to record like any other order event. */
  readonly onDenied: (e: OrderEvent) => void
}

/**
 * The one risk gate: every order shoal would send — a plain order, each order and re-price of an
 * execution algorithm, the kill switch's flattening orders — is checked here, by the risk manager,
 * just before it leaves. A refusal never throws: it becomes an `OrderDenied` event (status
 * `denied`, reason `risk: <why>`) and the caller sends nothing.
 */
export class OrderGate {
  constructor(private readonly o: OrderGateOptions) {}

  /**
   * null: `order` may go (a rate token was spent); otherwise why not (already recorded). A netting
   * `child` is checked as one (see RiskManager.check). `now`: the clock as the caller just read it
   * (an order made this instant carries it as `createdAt`), saving a read per order at 100k strategies.
   */
  check(subject: RiskSubject, order: Order, child = false, now = this.o.now()): string | null {
    const risk = this.o.risk
    if (risk === undefined) return null
    // The order itself as the proposal (it has side, type, amount and price): no object per check.
    const reason = risk.check(subject, order, now, this.o.openOrders(), child)
    if (reason !== null) this.deny(order, reason, now)
    return reason
  }

  /** A netting block's venue order, at the account level; a refusal is the block's to record (it has no strategy). */
  checkBlock(order: Order): string | null {
    const risk = this.o.risk
    if (risk === undefined) return null
    return risk.checkBlock(order.symbol, order, this.o.now())
  }

  private deny(order: Order, reason: string, now: number): void {
    const o = copyOrder(order)
    o.status = 'denied'
    o.reason = `risk: ${reason}`
    o.closedAt = now
    this.o.onDenied({ type: 'OrderDenied', ts: now, order: o, fill: null, reason: o.reason })
  }
}
