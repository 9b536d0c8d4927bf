export type Side = 'buy' | 'sell'

/** Static facts about a tradable symbol, as an exchange publishes them. */
export interface Market {
  readonly symbol: string
  readonly base: string
  readonly quote: string
  /** Smallest price increment. */
  readonly tickSize: number
  /** Smallest amount increment. */
  readonly lotSize: number
  /** Smallest order value in quote currency. */
  readonly minNotional: number
  /** Fee rates as fractions of notional (0.001 = 10 bps). */
  readonly makerFee: number
  readonly takerFee: number
}

/** A trade printed on the venue's tape. `side` is the aggressor's side. */
export interface Trade {
  readonly kind: 'trade'
  readonly symbol: string
  readonly id: string
  readonly price: number
  readonly amount: number
  readonly side: Side
  readonly ts: number
}

/** Top of book. */
export interface Quote {
  readonly kind: 'quote'
  readonly symbol: string
  readonly bid: number
  readonly ask: number
  readonly bidSize: number
  readonly askSize: number
  readonly ts: number
}

/** L2 depth: price levels best first, as [price, size]. */
export interface Book {
  readonly kind: 'book'
  readonly symbol: string
  readonly bids: readonly (readonly [number, number])[]
  readonly asks: readonly (readonly [number, number])[]
  readonly ts: number
}

/**
 * A closed bar (candle) of recorded data, delivered at its close: `ts` is the close time, `openTs`
 * the open time. Replays of candle files feed strategies these instead of trades.
 */
export interface Bar {
  readonly kind: 'bar'
  readonly symbol: string
  readonly openTs: number
  readonly ts: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

export type MarketEvent = Trade | Quote | Book | Bar

export const mid = (q: Quote): number => (q.bid + q.ask) / 2
