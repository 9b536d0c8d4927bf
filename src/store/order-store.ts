import type { Insertable, Kysely } from 'kysely'
import type { OrderEvent } from '../domain/order'
import { migrateToLatest } from './migrations'
import type { Database, FillsTable, OrdersTable } from './schema'

/** Rows per statement: orders have 16 columns, so 1,000 rows stay well under SQLite's 32,766 parameters. */
const CHUNK = 1000

export interface WriteResult {
  readonly orders: number
  readonly fills: number
}

/**
 * Writes batches of order events: one transaction per batch, the latest state of every order
 * upserted once, fills inserted idempotently (a replayed fill is ignored).
 */
export class OrderStore {
  /** Written so far: distinct orders created, order rows upserted, fill rows, events, batches. */
  readonly written = { orders: 0, orderUpserts: 0, fills: 0, events: 0, batches: 0 }

  constructor(readonly db: Kysely<Database>) {}

  migrate(): Promise<string[]> {
    return migrateToLatest(this.db)
  }

  async write(batch: readonly OrderEvent[]): Promise<WriteResult> {
    const latest = new Map<string, OrderEvent>()
    const fills: Insertable<FillsTable>[] = []
    let created = 0
    for (const e of batch) {
      latest.set(e.order.id, e)
      if (e.type === 'OrderSubmitted') created++
      if (e.fill !== null) {
        const f = e.fill
        fills.push({ trade_id: f.tradeId, order_id: f.orderId, strategy_id: e.order.strategyId, symbol: e.order.symbol, side: e.order.side, price: f.price, amount: f.amount, fee: f.fee, liquidity: f.liquidity, ts: f.ts })
      }
    }
    const orders: Insertable<OrdersTable>[] = []
    for (const e of latest.values()) {
      const o = e.order
      orders.push({
        id: o.id,
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
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < orders.length; i += CHUNK) {
        await trx
          .insertInto('orders')
          .values(orders.slice(i, i + CHUNK))
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              exchange_id: eb.ref('excluded.exchange_id'),
              status: eb.ref('excluded.status'),
              filled: eb.ref('excluded.filled'),
              avg_price: eb.ref('excluded.avg_price'),
              fee: eb.ref('excluded.fee'),
              reason: eb.ref('excluded.reason'),
              closed_at: eb.ref('excluded.closed_at'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute()
      }
      for (let i = 0; i < fills.length; i += CHUNK) {
        await trx.insertInto('fills').values(fills.slice(i, i + CHUNK)).onConflict((oc) => oc.columns(['symbol', 'trade_id']).doNothing()).execute()
      }
    })
    this.written.orders += created
    this.written.orderUpserts += orders.length
    this.written.fills += fills.length
    this.written.events += batch.length
    this.written.batches++
    return { orders: orders.length, fills: fills.length }
  }

  close(): Promise<void> {
    return this.db.destroy()
  }
}
