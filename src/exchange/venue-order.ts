import type { ExchangeOrder, ExchangeTrade, OrderRequest } from './port.ts'

/** An in-process venue's own record of an order (the simulator's, the replay's): mutable, filled by its matching. */
export interface VenueOrder {
  readonly id: string
  readonly req: OrderRequest
  status: ExchangeOrder['status']
  filled: number
  /** Σ price × amount of its trades (the average price is derived). */
  cost: number
  readonly trades: ExchangeTrade[]
  readonly timestamp: number
  reason?: string
}

/** What a caller sees of an order: a copy, with the given trades. */
export function snapshot(v: VenueOrder, trades: readonly ExchangeTrade[]): ExchangeOrder {
  return {
    id: v.id,
    clientOrderId: v.req.clientOrderId,
    symbol: v.req.symbol,
    side: v.req.side,
    type: v.req.type,
    amount: v.req.amount,
    price: v.req.price ?? null,
    status: v.status,
    filled: v.filled,
    average: v.filled > 0 ? v.cost / v.filled : null,
    timestamp: v.timestamp,
    trades: trades.slice(),
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
  }
}
