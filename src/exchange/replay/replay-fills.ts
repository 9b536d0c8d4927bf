import type { Side } from '../../domain/market.ts'

/**
 * The replay's reference fill model, in pure functions so a result can be checked by hand:
 * - `next-open`: a market order fills at the open of the next bar of its symbol in the file;
 * - `close`: a market order fills at once at the last close (or last print);
 * - `trades`: a market order fills at the next recorded print's price.
 * Market fills move against the taker by `slippageBps`. A resting limit order fills when a later bar
 * trades through its price (at its price, or at the bar's open when the bar opens beyond it); against
 * prints, a print through its price fills it whole, and prints at its price first trade the queue
 * assumed ahead of it (the size of the last print before it was placed: no book is recorded), then
 * fill it up to their size.
 */
export type FillModel = 'next-open' | 'close' | 'trades'
export const FILL_MODELS: readonly FillModel[] = ['next-open', 'close', 'trades']

/** A market order's fill price: `ref` moved against the taker by `slippageBps`. */
export const takerPrice = (side: Side, ref: number, slippageBps: number): number => (side === 'buy' ? ref * (1 + slippageBps / 10_000) : ref * (1 - slippageBps / 10_000))

/** The price a resting limit order fills at within a bar, or null when the bar never reaches it. */
export function limitFillInBar(side: Side, limit: number, bar: { open: number; high: number; low: number }): number | null {
  if (side === 'buy') return bar.low <= limit ? Math.min(bar.open, limit) : null
  return bar.high >= limit ? Math.max(bar.open, limit) : null
}

/** What a print does to a resting limit order: `through` fills it whole; `at` trades the queue first. */
export function limitVsPrint(side: Side, limit: number, price: number): 'through' | 'at' | null {
  if (price === limit) return 'at'
  if (side === 'buy') return price < limit ? 'through' : null
  return price > limit ? 'through' : null
}
