import type { Market, Side } from '../../src/domain/market.ts'
import type { RiskLimits } from './limits.ts'
import { allows, strictest, type OrderKind, type TradingState } from './trading-state.ts'

/** Why an order was refused. */
export type DenyReason =
  | 'halted'
  | 'reducing_only'
  | 'volatility_gate'
  | 'capital'
  | 'max_order_notional'
  | 'max_strategy_position'
  | 'max_symbol_position'
  | 'max_gross_exposure'
  | 'max_open_orders'
  | 'price_band'
  | 'precision'
  | 'min_notional'
  | 'rate_limit_strategy'
  | 'rate_limit_global'
  /** No trade or quote seen for the symbol yet: nothing to check the order against. */
  | 'no_price'
  | 'unknown_symbol'

/** One proposed order and the strategy's own figures. */
export interface OrderCheck {
  readonly side: Side
  readonly type: 'market' | 'limit'
  readonly amount: number
  readonly price: number | null
  /** The strategy's signed position before the order. */
  readonly position: number
  readonly avgPrice: number
  /** Quote left in the strategy's sub-ledger: capital + realized − fees − cost of the open position. */
  readonly freeCapital: number
}

/** What the rest of the book looks like, read-only. */
export interface RiskView {
  readonly market: Market
  /** Last trade price of the symbol. */
  readonly lastPrice: number
  readonly strategyState: TradingState
  readonly symbolState: TradingState
  readonly globalState: TradingState
  readonly volatilityPaused: boolean
  /** Net position of all strategies in the symbol. */
  readonly symbolNet: number
  /** Σ |position| × price, all strategies and symbols. */
  readonly grossExposure: number
  readonly openOrders: number
}

/** Reduce: lowers |position| without crossing zero (flat is fine). Anything else opens exposure: entry. */
export function kindOf(position: number, side: Side, amount: number): OrderKind {
  if (position === 0) return 'entry'
  const next = position + (side === 'buy' ? amount : -amount)
  if (Math.abs(next) <= 1e-12) return 'reduce'
  return Math.sign(next) === Math.sign(position) && Math.abs(next) < Math.abs(position) ? 'reduce' : 'entry'
}

/** Whether `x` is a whole multiple of `step` (lot or tick), within floating-point error. */
export const onGrid = (x: number, step: number): boolean => Math.abs(x / step - Math.round(x / step)) < 1e-6

/**
 * The stateless pre-trade checks, strictest first: trading states, the volatility gate, precision and
 * minimum notional, then the limits. Exposure-reducing orders skip the exposure limits and the
 * volatility gate (they may always get smaller). Returns the first reason to refuse, or null.
 * Rate limits are stateful and checked by the caller after this passes. For a netting child the venue
 * minimum is left to its block.
 */
export function preTradeCheck(o: OrderCheck, v: RiskView, l: RiskLimits, child = false): DenyReason | null {
  const kind = kindOf(o.position, o.side, o.amount)
  const state = strictest(strictest(v.strategyState, v.symbolState), v.globalState)
  if (!allows(state, kind)) return state === 'HALTED' ? 'halted' : 'reducing_only'
  const m = v.market
  if (!onGrid(o.amount, m.lotSize) || (o.price !== null && !onGrid(o.price, m.tickSize)) || !(o.amount > 0)) return 'precision'
  const price = o.price ?? v.lastPrice
  const notional = o.amount * price
  // A child of the netting desk may be under the venue minimum: its block is what reaches the venue.
  if (!child && notional < m.minNotional) return 'min_notional'
  if (o.price !== null && Math.abs(o.price - v.lastPrice) / v.lastPrice > l.priceBandBps / 1e4) return 'price_band'
  if (v.openOrders >= l.maxOpenOrders) return 'max_open_orders'
  if (kind === 'reduce') return null
  if (v.volatilityPaused) return 'volatility_gate'
  if (notional > l.maxOrderNotional) return 'max_order_notional'
  const signed = o.side === 'buy' ? o.amount : -o.amount
  const after = o.position + signed
  if (Math.abs(after) * price > l.maxStrategyPosition) return 'max_strategy_position'
  if (Math.abs(v.symbolNet + signed) * price > l.maxSymbolPosition && Math.abs(v.symbolNet + signed) > Math.abs(v.symbolNet)) return 'max_symbol_position'
  const grossAfter = v.grossExposure + (Math.abs(after) - Math.abs(o.position)) * price
  if (grossAfter > l.maxGrossExposure) return 'max_gross_exposure'
  // Only the growth of |position| uses capital; a flip first frees what the old side held.
  const added = (Math.abs(after) - (Math.sign(after) === Math.sign(o.position) ? Math.abs(o.position) : 0)) * price
  if (added > o.freeCapital + 1e-9) return 'capital'
  return null
}
