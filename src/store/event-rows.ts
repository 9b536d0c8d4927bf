import { isDeskEvent, type BlockState, type StoredEvent } from '../domain/netting.ts'
import type { OrderEvent } from '../domain/order.ts'
import type { AllocationsTable, BlocksTable, FillsTable, OrderEventsTable, OrdersTable } from './schema.ts'

/** What one batch of order events writes: every event, the latest state of each order, each fill. */
export interface EventRows {
  readonly events: OrderEventsTable[]
  readonly orders: OrdersTable[]
  readonly fills: FillsTable[]
  /** Netting: blocks at their latest state, and allocations (strategies' from their fills, the house's from its records). */
  readonly blocks: BlocksTable[]
  readonly allocations: AllocationsTable[]
  /** Orders the batch created (OrderSubmitted events). */
  readonly created: number
}

/**
 * The rows a batch of order events becomes, numbered on from `seqStart` (`eventLog` false: no order_events rows). The one mapping from
 * events to rows: the main thread's writers and the SQLite writer thread both call it.
 */
export function eventRows(batch: readonly StoredEvent[], runId: string, seqStart: number, eventLog = true): EventRows {
  const latest = new Map<string, OrderEvent>()
  const fills: FillsTable[] = []
  const events: OrderEventsTable[] = []
  const blocks = new Map<string, BlockState>()
  const allocations: AllocationsTable[] = []
  let created = 0
  let seq = seqStart
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!
    if (isDeskEvent(e)) {
      if (e.type === 'BlockUpdated') blocks.set(e.block.id, e.block)
      else {
        const h = e.house
        allocations.push({
          trade_id: `${h.blockId}:house`,
          run_id: runId,
          block_id: h.blockId,
          cross_id: null,
          order_id: null,
          strategy_id: HOUSE,
          symbol: h.symbol,
          side: h.side,
          amount: h.amount,
          price: h.price,
          fee: h.fee,
          kind: 'house',
          ts: h.ts,
        })
      }
      continue
    }
    const o = e.order
    latest.set(o.id, e)
    if (e.type === 'OrderSubmitted') created++
    ++seq
    // Without the event log (a backtest persisting trades only), orders and fills still get every change.
    if (eventLog)
      events.push({
        run_id: runId,
        seq,
        order_id: o.id,
        strategy_id: o.strategyId,
        type: e.type,
        ts: e.ts,
        data: JSON.stringify({ status: o.status, filled: o.filled, avgPrice: o.avgPrice, fee: o.fee, exchangeId: o.exchangeId, fill: e.fill, reason: e.reason }),
      })
    const f = e.fill
    if (f === null) continue
    if (f.alloc !== undefined)
      allocations.push({
        trade_id: f.tradeId,
        run_id: runId,
        block_id: f.alloc.blockId,
        cross_id: f.alloc.crossId,
        order_id: o.id,
        strategy_id: o.strategyId,
        symbol: o.symbol,
        side: o.side,
        amount: f.amount,
        price: f.price,
        fee: f.fee,
        kind: f.alloc.kind,
        ts: f.ts,
      })
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
  const blockRows: BlocksTable[] = []
  for (const b of blocks.values())
    blockRows.push({
      id: b.id,
      run_id: runId,
      symbol: b.symbol,
      side: b.side,
      amount: b.amount,
      filled: b.filled,
      avg_price: b.avgPrice,
      status: b.status,
      reason: b.reason,
      created_at: b.createdAt,
      closed_at: b.closedAt,
      children: JSON.stringify(b.children),
    })
  return { events, orders, fills, blocks: blockRows, allocations, created }
}

/** The strategy id of the house ledger's allocations. */
export const HOUSE = '_house'
