import type { Side } from '../src/domain/market.ts'

export interface PositionFigures {
  /** Signed base amount: > 0 long, < 0 short. */
  readonly position: number
  /** Average entry price of the open position (0 when flat). */
  readonly avgPrice: number
  /** Realized PnL in quote currency, before fees. */
  readonly realizedPnl: number
}

/** What is left of a position closed in several fills is float dust: 1e-12, or 1e-13 of the position (a 20,000-coin position sums to ~4e-12). */
const dust = (pos: number): number => Math.max(1e-12, Math.abs(pos) * 1e-13)

/**
 * Average-cost accounting of one fill: adding to a position moves the average; reducing it realizes
 * (price − average) × closed amount; crossing zero closes the old side and opens the new one at the fill price.
 */
export function applyFill(p: PositionFigures, side: Side, price: number, amount: number): PositionFigures {
  const signed = side === 'buy' ? amount : -amount
  const pos = p.position
  if (pos === 0 || Math.sign(pos) === Math.sign(signed)) {
    const next = pos + signed
    return { position: next, avgPrice: (Math.abs(pos) * p.avgPrice + amount * price) / Math.abs(next), realizedPnl: p.realizedPnl }
  }
  const closed = Math.min(Math.abs(pos), amount)
  const realized = p.realizedPnl + (price - p.avgPrice) * closed * Math.sign(pos)
  let next = pos + signed
  if (Math.abs(next) < dust(pos)) next = 0
  const avgPrice = next === 0 ? 0 : Math.sign(next) === Math.sign(pos) ? p.avgPrice : price
  return { position: next, avgPrice, realizedPnl: realized }
}

/** Mark-to-market PnL of the open position at `price`. */
export const unrealizedPnl = (p: PositionFigures, price: number): number => (price - p.avgPrice) * p.position
