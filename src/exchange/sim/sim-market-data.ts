import type { Market, MarketEvent, Quote, Side, Trade } from '../../domain/market.ts'
import type { TradeIds } from './trade-ids.ts'
import { roundTo, simMarkets } from './markets.ts'
import { PricePath, type Scenario } from './price-path.ts'

/** Price levels modelled on each side of the book. */
export const LEVELS = 5

/** One symbol's market: its seeded price path and the top of book quoted around it. */
export interface SymbolMarket {
  readonly market: Market
  readonly path: PricePath
  quote: Quote
}

export interface SimMarketDataOptions {
  readonly symbols: number
  readonly seed: number
  readonly scenario?: Scenario
  /** Relative spread of the book, in basis points (default 2; at least two ticks, except 0: no spread at all). */
  readonly spreadBps?: number
  /** Quote-currency size displayed at the touch before its random factor of 1–5 (default 1,000). */
  readonly levelNotional?: number
  /** Maker and taker fee rates of every market, instead of the defaults (0.02 % / 0.05 %). */
  readonly fees?: { readonly maker: number; readonly taker: number }
}

/**
 * The simulator's market data: per symbol a seeded price path, a top of book with a spread, LEVELS
 * levels of depth behind it with sizes growing away from the touch, and 1–3 prints per tick.
 * It knows nothing of orders; matching reads its prices.
 */
export class SimMarketData {
  readonly markets: readonly Market[]
  readonly symbols = new Map<string, SymbolMarket>()

  constructor(
    private readonly o: SimMarketDataOptions,
    /** The venue's draw stream (quote sizes): shared with latency and faults so a seed replays exactly. */
    private readonly rand: () => number,
    private tradeSeq: TradeIds,
  ) {
    const { markets: listed, startPrices } = simMarkets(o.symbols, o.seed)
    const fees = o.fees
    const markets = fees === undefined ? listed : listed.map((m) => ({ ...m, makerFee: fees.maker, takerFee: fees.taker }))
    this.markets = markets
    markets.forEach((m, i) => {
      const path = new PricePath(startPrices[i]!, (o.seed * 7919 + i) >>> 0, o.scenario)
      this.symbols.set(m.symbol, { market: m, path, quote: this.quoteAt(m, path.price, 0) })
    })
  }

  get(symbol: string): SymbolMarket | undefined {
    return this.symbols.get(symbol)
  }

  /** Price of the `level`-th level a `side` order takes from (0 = the touch). */
  levelPrice(s: SymbolMarket, side: Side, level: number): number {
    const step = Math.max(s.market.tickSize, s.quote.ask - s.quote.bid)
    return side === 'buy' ? s.quote.ask + level * step : s.quote.bid - level * step
  }

  /** Size displayed at a level on the side a `side` order takes from. */
  levelSize(s: SymbolMarket, side: Side, level: number): number {
    return (side === 'buy' ? s.quote.askSize : s.quote.bidSize) * (1 + level)
  }

  /** Moves the symbol one tick: its new quote. */
  step(s: SymbolMarket, now: number): Quote {
    s.quote = this.quoteAt(s.market, s.path.step(), now)
    return s.quote
  }

  /** How many prints this tick brings (1–3); each is then drawn by print(), after the last one was matched. */
  printCount(s: SymbolMarket): number {
    return 1 + Math.floor(s.path.uniform() * 3)
  }

  /** One print at the touch, random side and size. */
  print(s: SymbolMarket, now: number): Trade {
    const side: Side = s.path.uniform() < 0.5 ? 'buy' : 'sell'
    return {
      kind: 'trade',
      symbol: s.market.symbol,
      id: `m${this.tradeSeq.next(s.market.symbol)}`,
      price: side === 'buy' ? s.quote.ask : s.quote.bid,
      amount: (s.quote.askSize / 2) * s.path.uniform(),
      side,
      ts: now,
    }
  }

  /** L2 depth around the quote. */
  depth(s: SymbolMarket, now: number): MarketEvent {
    const q = s.quote
    const bids: [number, number][] = []
    const asks: [number, number][] = []
    for (let i = 0; i < LEVELS; i++) {
      bids.push([this.levelPrice(s, 'sell', i), q.bidSize * (1 + i)])
      asks.push([this.levelPrice(s, 'buy', i), q.askSize * (1 + i)])
    }
    return { kind: 'book', symbol: s.market.symbol, bids, asks, ts: now }
  }

  private quoteAt(m: Market, price: number, ts: number): Quote {
    const bps = this.o.spreadBps ?? 2
    const half = bps === 0 ? 0 : Math.max(m.tickSize, (price * bps) / 2e4)
    const size = ((this.o.levelNotional ?? 1000) / price) * (1 + this.rand() * 4)
    return { kind: 'quote', symbol: m.symbol, bid: roundTo(price - half, m.tickSize), ask: roundTo(price + half, m.tickSize), bidSize: size, askSize: size, ts }
  }
}
