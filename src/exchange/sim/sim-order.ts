import type { ExchangeOrder, ExchangeTrade, OrderRequest } from '../port.ts'

/** The simulator's own record of an order it accepted (mutable: matching fills it, the account reserves for it). */
export interface SimOrder {
  readonly id: string
  readonly req: OrderRequest
  status: ExchangeOrder['status']
  filled: number
  cost: number
  readonly trades: ExchangeTrade[]
  readonly timestamp: number
  /** Quote or base held by the account for a resting order. */
  reserved: number
  /** Size resting ahead of this order at its price (queue-position model): prints at the price eat it first. */
  queueAhead: number
}

/** What a caller sees of an order: a copy, with the given trades. */
export function snapshot(v: SimOrder, trades: readonly ExchangeTrade[]): ExchangeOrder {
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
  }
}
