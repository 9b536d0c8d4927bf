import type { OrderEvent } from '../domain/order.ts'
import type { FillsTable, OrderEventsTable, OrdersTable } from './schema.ts'

/** What one batch of order events writes: every event, the latest state of each order, each fill. */
export interface EventRows {
  readonly events: OrderEventsTable[]
  readonly orders: OrdersTable[]
  readonly fills: FillsTable[]
  /** Orders the batch created (OrderSubmitted events). */
  readonly created: number
}

/**
 * The rows a batch of order events becomes, numbered on from `seqStart`. The one mapping from
 * events to rows: the main thread's writers and the SQLite writer thread both call it.
 */
export function eventRows(batch: readonly OrderEvent[], runId: string, seqStart: number): EventRows {
  const latest = new Map<string, OrderEvent>()
  const fills: FillsTable[] = []
  const events: OrderEventsTable[] = new Array(batch.length)
  let created = 0
  let seq = seqStart
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!
    const o = e.order
    latest.set(o.id, e)
    if (e.type === 'OrderSubmitted') created++
    events[i] = {
      run_id: runId,
      seq: ++seq,
      order_id: o.id,
      strategy_id: o.strategyId,
      type: e.type,
      ts: e.ts,
      data: JSON.stringify({ status: o.status, filled: o.filled, avgPrice: o.avgPrice, fee: o.fee, exchangeId: o.exchangeId, fill: e.fill, reason: e.reason }),
    }
    const f = e.fill
    if (f !== null)
      fills.push({
        trade_id: f.tradeId,
        run_id: runId,
        order_id: f.orderId,
        strategy_id: o.strategyId,
        symbol: o.symbol,
        side: o.side,
        price: f.price,
        amount: f.amount,
        fee: f.fee,
        liquidity: f.liquidity,
        ts: f.ts,
      })
  }
  const orders: OrdersTable[] = []
  for (const e of latest.values()) {
    const o = e.order
    orders.push({
      id: o.id,
      run_id: runId,
      exchange_id: o.exchangeId,
      strategy_id: o.strategyId,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      amount: o.amount,
      price: o.price,
      status: o.status,
      filled: o.filled,
      avg_price: o.avgPrice,
      fee: o.fee,
      reason: o.reason,
      created_at: o.createdAt,
      closed_at: o.closedAt,
      updated_at: e.ts,
    })
  }
  return { events, orders, fills, created }
}
