/** Times are epoch milliseconds. */
export interface OrdersTable {
  id: string
  run_id: string | null
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
  run_id: string | null
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

/** One engine run: its configuration and, once it ended, its summary (both JSON). */
export interface RunsTable {
  id: string
  started_at: number
  ended_at: number | null
  config: string
  summary: string | null
}

/** Append-only log of every order event, in the order the engine accepted them. */
export interface OrderEventsTable {
  run_id: string
  seq: number
  order_id: string
  strategy_id: string
  type: string
  ts: number
  /** JSON: the order's state after the event, and the fill or reason it carried. */
  data: string
}

/** Each strategy's position, at intervals and at stop. */
export interface PositionsTable {
  run_id: string
  strategy_id: string
  ts: number
  kind: string
  symbol: string
  position: number
  avg_price: number
  realized_pnl: number
  fees: number
  /** Marked to this price: unrealized PnL and equity (capital + realized − fees + unrealized), drawdown from the strategy's peak. */
  mark_price: number | null
  unrealized_pnl: number | null
  equity: number | null
  drawdown: number | null
}

/** One piece of work of an execution algorithm: what was wanted, what it got, at what cost. */
export interface ExecutionsTable {
  run_id: string
  seq: number
  strategy_id: string
  symbol: string
  algo: string
  side: string
  requested: number
  filled: number
  arrival_mid: number
  avg_price: number | null
  /** Against the arrival mid; positive = worse than the mid. */
  slippage_bps: number | null
  maker_amount: number
  taker_amount: number
  fees: number
  time_to_fill_ms: number | null
  amendments: number
  ts: number
}

export interface Database {
  runs: RunsTable
  orders: OrdersTable
  order_events: OrderEventsTable
  fills: FillsTable
  positions: PositionsTable
  executions: ExecutionsTable
}
