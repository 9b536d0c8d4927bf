import { copyOrder, type Order, type OrderEvent } from '../src/domain/order.ts'
import type { RiskManager, RiskSubject } from './risk/risk-manager.ts'

/** What the risk manager checks of an order. */
export type RiskProposal = Parameters<RiskManager['check']>[1]

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
    // The order itself as the proposal (it has side, type, amount and price): no object per check.
    const reason = this.verdict(subject, order, child, now)
    if (reason !== null) this.refused(order, reason, now)
    return reason
  }

  /**
   * `check` without recording a refusal, for a proposal that is not an order yet (a netting child is
   * built after its block has gone): on a refusal the caller builds the order and calls `refused`.
   */
  verdict(subject: RiskSubject, proposal: RiskProposal, child: boolean, now: number): string | null {
    const risk = this.o.risk
    if (risk === undefined) return null
    return risk.check(subject, proposal, now, this.o.openOrders(), child)
  }

  /** A netting block's venue order, at the account level; a refusal is the block's to record (it has no strategy). */
  checkBlock(order: Order): string | null {
    const risk = this.o.risk
    if (risk === undefined) return null
    return risk.checkBlock(order.symbol, order, this.o.now())
  }

  /** Records `order` as refused for `reason` (an OrderDenied event). */
  refused(order: Order, reason: string, now: number): void {
    const o = copyOrder(order)
    o.status = 'denied'
    o.reason = `risk: ${reason}`
    o.closedAt = now
    this.o.onDenied({ type: 'OrderDenied', ts: now, order: o, fill: null, reason: o.reason })
  }
}
