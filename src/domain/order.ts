import type { Side } from './market.ts'

export type OrderType = 'market' | 'limit'

/**
 * FIX-like order states. `rejected`: the venue refused it. `denied`: shoal's risk gate refused it,
 * so it never left. `unknown`: sent, but every look-up failed to say whether the venue has it — it
 * may be live, so its actor stays busy until a look-up, audit or reconciliation settles it.
 */
export type OrderStatus = 'pending_new' | 'unknown' | 'new' | 'partially_filled' | 'filled' | 'pending_cancel' | 'canceled' | 'rejected' | 'denied' | 'expired'

export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'denied', 'expired'])
export const isFinal = (s: OrderStatus): boolean => FINAL_STATUSES.has(s)

/** Where a strategy's fill came from under netting: a venue fill of a block, an internal cross, or (house only) a lot remainder. */
export type AllocationKind = 'venue' | 'internal' | 'house'

/** Carried by a child order's fill: what it was allocated from. */
export interface Allocation {
  readonly kind: AllocationKind
  /** The block (its venue client order id); null for an internal cross. */
  readonly blockId: string | null
  /** The internal cross; null for a venue allocation. */
  readonly crossId: string | null
}

export interface Fill {
  readonly tradeId: string
  readonly orderId: string
  readonly price: number
  readonly amount: number
  /** Fee in quote currency. */
  readonly fee: number
  readonly liquidity: 'maker' | 'taker'
  readonly ts: number
  /** Under netting: the block or internal cross this fill was allocated from. */
  readonly alloc?: Allocation
}

/** An order as shoal tracks it. Immutable: every transition makes a new record. `id` is our client order id. */
export interface Order {
  readonly id: string
  readonly exchangeId: string | null
  readonly strategyId: string
  /** Index of the owning actor in the engine. */
  readonly actor: number
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  readonly amount: number
  readonly price: number | null
  readonly status: OrderStatus
  readonly filled: number
  readonly avgPrice: number | null
  readonly fee: number
  readonly tradeIds: readonly string[]
  readonly createdAt: number
  readonly closedAt: number | null
  readonly reason: string | null
}

/** What can happen to an order (past tense). `OrderSubmitted` creates one; the others move it. */
export type OrderUpdate =
  | { readonly type: 'OrderAccepted'; readonly ts: number; readonly exchangeId: string }
  | { readonly type: 'OrderFilled'; readonly ts: number; readonly fill: Fill }
  | { readonly type: 'OrderCancelRequested'; readonly ts: number }
  | { readonly type: 'OrderCanceled'; readonly ts: number; readonly reason?: string }
  | { readonly type: 'OrderCancelRejected'; readonly ts: number; readonly reason: string }
  | { readonly type: 'OrderRejected'; readonly ts: number; readonly reason: string }
  | { readonly type: 'OrderExpired'; readonly ts: number }
  /** Look-ups could not tell whether the venue has the order (it may still be live). */
  | { readonly type: 'OrderStatusUnknown'; readonly ts: number; readonly reason: string }

export type OrderUpdateType = OrderUpdate['type']
/** OrderSubmitted creates an order; OrderDenied records one the risk gate refused before it left. */
export type OrderEventType = 'OrderSubmitted' | 'OrderDenied' | OrderUpdateType

/** An order event as it leaves the actor: the update plus the order as it is after it. */
export interface OrderEvent {
  readonly type: OrderEventType
  readonly ts: number
  readonly order: Order
  readonly fill: Fill | null
  readonly reason: string | null
}

/** What a new order needs; the rest starts empty. */
export type NewOrder = Pick<Order, 'id' | 'strategyId' | 'actor' | 'symbol' | 'side' | 'type' | 'amount' | 'price'>

export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * A fresh copy for a reducer to finish before returning it. Written out field by field on purpose:
 * V8 copies this ~20× faster than `{ ...order, status }` (24 ns vs 480 ns measured here), and an
 * order is copied on every transition of every actor.
 */
export const copyOrder = (o: Order): Mutable<Order> => ({
  id: o.id,
  exchangeId: o.exchangeId,
  strategyId: o.strategyId,
  actor: o.actor,
  symbol: o.symbol,
  side: o.side,
  type: o.type,
  amount: o.amount,
  price: o.price,
  status: o.status,
  filled: o.filled,
  avgPrice: o.avgPrice,
  fee: o.fee,
  tradeIds: o.tradeIds,
  createdAt: o.createdAt,
  closedAt: o.closedAt,
  reason: o.reason,
})

const NO_TRADES: readonly string[] = Object.freeze([])

export const newOrder = (o: NewOrder, ts: number): Order => ({
  id: o.id,
  exchangeId: null,
  strategyId: o.strategyId,
  actor: o.actor,
  symbol: o.symbol,
  side: o.side,
  type: o.type,
  amount: o.amount,
  price: o.price,
  status: 'pending_new',
  filled: 0,
  avgPrice: null,
  fee: 0,
  tradeIds: NO_TRADES,
  createdAt: ts,
  closedAt: null,
  reason: null,
})
