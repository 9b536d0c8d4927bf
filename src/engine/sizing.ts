import type { Market } from '../domain/market.ts'
import { floorTo } from '../util/numbers.ts'

/**
 * Base amount worth `notional` quote at `price`, in whole lots, and at least the smallest amount the
 * market accepts (min notional and one lot), so every strategy can trade.
 */
export function sizeForNotional(market: Market, notional: number, price: number): number {
  const minAmount = Math.max(market.lotSize, (market.minNotional * 1.05) / price)
  const amount = Math.max(notional / price, minAmount)
  return floorTo(amount + market.lotSize - 1e-12, market.lotSize)
}
