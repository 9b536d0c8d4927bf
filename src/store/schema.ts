import type { ColumnType } from 'kysely'

/** Times are epoch milliseconds. */
export interface OrdersTable {
  id: string
  exchange_id: string | null
  strategy_id: string
  symbol: string
  side: string
  type: string
  amount: number
  price: number | null
  status: string
  filled: number
  avg_price: number | null
  fee: number
  reason: string | null
  created_at: number
  /** When the order reached a final state. */
  closed_at: number | null
  updated_at: number
}

export interface FillsTable {
  trade_id: string
  order_id: string
  strategy_id: string
  symbol: string
  side: string
  price: number
  amount: number
  fee: number
  liquidity: string
  ts: number
}

export interface Database {
  orders: OrdersTable
  fills: FillsTable
}

export type Timestamp = ColumnType<number, number, number>
