import type { Subscriber } from 'rxjs'
import { lotsIn } from './allocate.ts'
import type { Market, Side } from '../../src/domain/market.ts'
import type { AllocationKind } from '../../src/domain/netting.ts'
import type { Order, OrderEvent, OrderUpdate } from '../../src/domain/order.ts'
import { OrderTracker } from '../../streams/track-order.ts'
import type { OrderFactory } from '../order-factory.ts'
import type { StrategyActor } from '../strategy-actor.ts'

/** What a strategy hands the desk: a market order's side and amount (on the lot grid), or the order itself. */
export type ChildRequest = Order | { readonly side: Side; readonly amount: number }

/** Builds a child's order when it is first needed: after its window's blocks have gone out. */
export interface ChildOrderMaker {
  readonly factory: OrderFactory
  readonly market: Market
}

/** A child is only ever given single updates, never full venue reports, so its tracker never reads a clock. */
const NO_CLOCK = { now: () => 0 }

/**
 * One strategy's order handed to the netting desk: still its actor's one in-flight action (the
 * inner observable of its lane), with its own lifecycle — submitted, accepted when its block is
 * (or when it is crossed), filled by allocations, and ended — applied through the order state table.
 * Its `OrderSubmitted` waits for `submit()`: the desk sends a window's blocks first and records the
 * children after, so that a round's venue orders do not wait for tens of thousands of events; its
 * order object is built then too (netting reads only its side and amount before).
 */
export class ChildOrder {
  private tracker: OrderTracker | null = null
  readonly side: Side
  private readonly amount: number
  /** Its order's number for its actor, and when it was handed over (the order's id and creation time). */
  private readonly seq: number
  private readonly createdAt: number
  /** Its OrderSubmitted went out (every later event of it comes after that one). */
  submitted = false
  /** Whole lots it still wants from its block (set when its window is netted; read only by its block). */
  wantLots = 0
  /** When the input it acts on was dispatched (engine clock; the actor's own moves on with newer intents). */
  readonly intentAt: number

  constructor(
    readonly actor: StrategyActor,
    private readonly request: ChildRequest,
    readonly symbol: string,
    now: number,
    private readonly maker: ChildOrderMaker | null,
    private readonly out: Subscriber<OrderEvent>,
    private readonly onSkip?: (order: Order, reason: string) => void,
  ) {
    this.intentAt = actor.intentAt
    this.side = request.side
    this.amount = request.amount
    this.seq = actor.state.orderSeq + 1
    this.createdAt = now
  }

  private get tracked(): OrderTracker {
    if (this.tracker === null) {
      const r = this.request
      const m = this.maker
      const order = 'id' in r || m === null ? (r as Order) : m.factory.order(this.actor, this.seq, this.symbol, r.side, 'market', r.amount, null, m.market, this.createdAt)
      this.tracker = new OrderTracker(order, NO_CLOCK, this.out, this.onSkip)
    }
    return this.tracker
  }

  /** Records the child as submitted (at its creation time), once; nothing for one its lane dropped. */
  submit(): void {
    if (this.submitted || this.dead) return
    this.submitted = true
    const order = this.tracked.order
    this.out.next({ type: 'OrderSubmitted', ts: order.createdAt, order, fill: null, reason: null })
  }

  get order(): Order {
    return this.tracked.order
  }

  get final(): boolean {
    return this.tracker?.final === true
  }

  /**
   * Whole lots not yet filled, counted from the amount and the fills (not from their float
   * difference: 11.03691849 − 11.02450748 is 1241100.9999998 lots of 1e-8).
   */
  remainingLots(lot: number): number {
    if (this.tracker === null) return lotsIn(this.amount, lot)
    const o = this.tracker.order
    return lotsIn(o.amount, lot) - lotsIn(o.filled, lot)
  }

  /** Applies one step; completes the action once the order is final. */
  apply(u: OrderUpdate): void {
    if (this.dead || this.final) return
    if (!this.submitted) this.submit()
    if (this.tracked.report(u)) this.out.complete()
  }

  accept(exchangeId: string, ts: number): void {
    if (this.order.status === 'pending_new') this.apply({ type: 'OrderAccepted', ts, exchangeId })
  }

  /** One allocation: `amount` at `price`, as a fill of this child with its own trade id. */
  fill(tradeId: string, amount: number, price: number, fee: number, ts: number, kind: AllocationKind, blockId: string | null, crossId: string | null): void {
    this.apply({ type: 'OrderFilled', ts, fill: { tradeId, orderId: this.order.id, price, amount, fee, liquidity: kind === 'internal' ? 'maker' : 'taker', ts, alloc: { kind, blockId, crossId } } })
  }

  /** Ends an order that will get nothing more: rejected if it never traded and was never accepted, canceled otherwise. */
  end(reason: string, ts: number): void {
    if (this.final) return
    if (this.order.status === 'pending_new' && this.order.filled === 0) this.apply({ type: 'OrderRejected', ts, reason })
    else this.apply({ type: 'OrderCanceled', ts, reason })
  }

  /**
   * The lane stopped listening (engine stop, the actor failed, or the child ended): the desk drops
   * it. Read from the lane itself rather than set by a teardown, which would cost the lane a
   * finalizer array per child.
   */
  get dead(): boolean {
    return this.out.closed
  }
}
