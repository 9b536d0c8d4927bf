import type { Kysely } from 'kysely'
import { applyFill, type PositionFigures } from '../../actors/position.ts'
import type { Database } from '../store/schema.ts'

/** One strategy's figures, recomputed from its fills. PnL and exposure are in quote currency. */
export interface StrategyReport {
  strategyId: string
  symbol: string
  /** Orders that went to the venue (risk denials are not among them). */
  orders: number
  filledOrders: number
  /** Refused by the venue. */
  rejectedOrders: number
  /** Refused by shoal's risk gate before they left. */
  deniedOrders: number
  fills: number
  position: number
  avgPrice: number
  /** Realized PnL before fees (average-cost accounting). */
  realizedPnl: number
  fees: number
  /** Realized PnL after fees. */
  netPnl: number
  /** Round trips (flat → position → flat or flipped) that closed. */
  roundTrips: number
  /** Share of closed round trips with a positive realized PnL (before fees); null without any. */
  winRate: number | null
  /** |position| × the symbol's last fill price. */
  exposure: number
  /** Notional traded. */
  volume: number
}

export interface ReportFilter {
  readonly runId?: string
  readonly strategyId?: string
}

/** Per-strategy report over the store, ordered by strategy id. The same queries run on SQLite and PostgreSQL. */
export async function strategyReport(db: Kysely<Database>, f: ReportFilter = {}): Promise<StrategyReport[]> {
  let orders = db
    .selectFrom('orders')
    .select((eb) => [
      'strategy_id',
      eb.fn.min('symbol').as('symbol'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'denied').then(0).else(1).end()).as('n'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'filled').then(1).else(0).end()).as('filled'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'rejected').then(1).else(0).end()).as('rejected'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'denied').then(1).else(0).end()).as('denied'),
    ])
    .groupBy('strategy_id')
  let fills = db.selectFrom('fills').select(['strategy_id', 'symbol', 'side', 'price', 'amount', 'fee', 'ts']).orderBy('strategy_id').orderBy('ts').orderBy('trade_id')
  // Each symbol's last fill price: one grouped pass, joined back on the fills' (symbol, …) key — a
  // correlated max(ts) per row was quadratic (minutes on 200k fills).
  const last = db
    .selectFrom('fills as f')
    .innerJoin(
      (eb) =>
        eb
          .selectFrom('fills')
          .select((g) => ['symbol', g.fn.max('ts').as('m')])
          .groupBy('symbol')
          .as('g'),
      (j) => j.onRef('g.symbol', '=', 'f.symbol').onRef('g.m', '=', 'f.ts'),
    )
    .select(['f.symbol', 'f.price'])
  if (f.runId !== undefined) {
    orders = orders.where('run_id', '=', f.runId)
    fills = fills.where('run_id', '=', f.runId)
  }
  if (f.strategyId !== undefined) {
    orders = orders.where('strategy_id', '=', f.strategyId)
    fills = fills.where('strategy_id', '=', f.strategyId)
  }
  const [orderRows, fillRows, lastRows] = await Promise.all([orders.execute(), fills.execute(), last.execute()])
  const lastPrice = new Map(lastRows.map((r) => [r.symbol, Number(r.price)]))
  const out = new Map<string, StrategyReport>()
  for (const r of orderRows) {
    out.set(r.strategy_id, blank(r.strategy_id, String(r.symbol), Number(r.n), Number(r.filled), Number(r.rejected), Number(r.denied)))
  }
  let cur: StrategyReport | null = null
  let pos: PositionFigures = { position: 0, avgPrice: 0, realizedPnl: 0 }
  let tripStart = 0
  let wins = 0
  const close = () => {
    if (cur === null) return
    cur.position = pos.position
    cur.avgPrice = pos.avgPrice
    cur.realizedPnl = pos.realizedPnl
    cur.netPnl = pos.realizedPnl - cur.fees
    cur.winRate = cur.roundTrips > 0 ? wins / cur.roundTrips : null
    cur.exposure = Math.abs(pos.position) * (lastPrice.get(cur.symbol) ?? 0)
  }
  for (const r of fillRows) {
    if (cur === null || cur.strategyId !== r.strategy_id) {
      close()
      cur = out.get(r.strategy_id) ?? blank(r.strategy_id, r.symbol, 0, 0, 0, 0)
      out.set(r.strategy_id, cur)
      pos = { position: 0, avgPrice: 0, realizedPnl: 0 }
      tripStart = 0
      wins = 0
    }
    const before = pos.position
    pos = applyFill(pos, r.side as 'buy' | 'sell', Number(r.price), Number(r.amount))
    cur.fills++
    cur.fees += Number(r.fee)
    cur.volume += Number(r.price) * Number(r.amount)
    // A round trip ends when the position returns to flat or crosses it.
    if (before !== 0 && (pos.position === 0 || Math.sign(pos.position) !== Math.sign(before))) {
      cur.roundTrips++
      if (pos.realizedPnl - tripStart > 0) wins++
      tripStart = pos.realizedPnl
    }
  }
  close()
  return [...out.values()].sort((a, b) => (a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0))
}

const blank = (strategyId: string, symbol: string, orders: number, filledOrders: number, rejectedOrders: number, deniedOrders: number): StrategyReport => ({
  strategyId,
  symbol,
  orders,
  filledOrders,
  rejectedOrders,
  deniedOrders,
  fills: 0,
  position: 0,
  avgPrice: 0,
  realizedPnl: 0,
  fees: 0,
  netPnl: 0,
  roundTrips: 0,
  winRate: null,
  exposure: 0,
  volume: 0,
})
