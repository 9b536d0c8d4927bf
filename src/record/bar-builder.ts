import type { Candle } from '../data/market-rows.ts'

/**
 * One-minute (or any period) bars from trades as they arrive: a bar closes when the first trade of a
 * later period arrives (a period without trades has no bar: a gap, as recorded data has). A trade
 * for a period already closed is late: counted, not folded in (the bar was written).
 */
export class BarBuilder {
  private bar: { ts: number; open: number; high: number; low: number; close: number; volume: number } | null = null
  late = 0

  constructor(private readonly periodMs = 60_000) {}

  /** Takes one trade; returns the bar it closed, if any. */
  add(ts: number, price: number, amount: number): Candle | null {
    const start = ts - (ts % this.periodMs)
    const b = this.bar
    if (b !== null && start < b.ts) {
      this.late++
      return null
    }
    if (b !== null && start === b.ts) {
      if (price > b.high) b.high = price
      if (price < b.low) b.low = price
      b.close = price
      b.volume += amount
      return null
    }
    this.bar = { ts: start, open: price, high: price, low: price, close: price, volume: amount }
    return b
  }

  /** The bar still open (written at stop only if asked: it may be incomplete). */
  get open(): Candle | null {
    return this.bar
  }
}
