import type { Side } from '../../domain/market.ts'
import { roundTo } from '../../util/numbers.ts'

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
 * - `book`: prints with a top of book inferred from them — the ask is the last buyer-initiated print,
 *   the bid the last seller-initiated one (a crossed pair moves the stale side a tick off) — published
 *   as quotes, so execution algorithms work against it. A market order (or a limit order crossing the
 *   book) takes the far side at once; a resting buy fills only on seller-initiated prints at or through
 *   its price (a sell on buyer-initiated ones), the queue assumed ahead only when it joined our touch.
 */
export type FillModel = 'next-open' | 'close' | 'trades' | 'book'
export const FILL_MODELS: readonly FillModel[] = ['next-open', 'close', 'trades', 'book']

/** The inferred book after a print: the aggressor's side moves to the print; a crossed pair moves the other side `tick` off. */
export function bookAfterPrint(bid: number | null, ask: number | null, print: { side: Side; price: number }, tick: number): { bid: number | null; ask: number | null } {
  if (print.side === 'buy') return { ask: print.price, bid: bid !== null && bid >= print.price ? roundTo(print.price - tick, tick) : bid }
  return { bid: print.price, ask: ask !== null && ask <= print.price ? roundTo(print.price + tick, tick) : ask }
}

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
