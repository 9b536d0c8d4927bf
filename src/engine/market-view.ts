import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import { Router } from '../../streams/router.ts'
import type { MarketEvent, Quote } from '../domain/market.ts'

/**
 * What the engine knows of the market now: the last trade price (the mid until the first trade)
 * and top of book by symbol, kept current from the exchange's market stream, with the risk gate's
 * reference prices updated from the same events and quotes routed to execution algorithms working
 * an order on that symbol.
 */
export class MarketView {
  private readonly last = new Map<string, number>()
  private readonly top = new Map<string, Quote>()
  /** Top of book by symbol, for execution algorithms (subscribed only while they work an order). */
  readonly quotes = new Router<string, Quote>()

  constructor(private readonly risk: RiskManager | undefined) {}

  lastPrice(symbol: string): number | undefined {
    return this.last.get(symbol)
  }

  lastQuote(symbol: string): Quote | undefined {
    return this.top.get(symbol)
  }

  /** Takes one market event in. */
  observe(e: MarketEvent): void {
    if (e.kind === 'trade') {
      this.last.set(e.symbol, e.price)
      this.risk?.onTrade(e.symbol, e.price, e.ts)
    } else if (e.kind === 'bar') {
      // A closed bar's close is the last price traded, for sizing, risk marks and the gate's bands.
      this.last.set(e.symbol, e.close)
      this.risk?.onTrade(e.symbol, e.close, e.ts)
    } else if (e.kind === 'quote') {
      this.top.set(e.symbol, e)
      if (!this.last.has(e.symbol)) {
        this.last.set(e.symbol, (e.bid + e.ask) / 2)
        // Until the first trade prints, the mid is the risk gate's reference price too.
        this.risk?.onQuote(e.symbol, (e.bid + e.ask) / 2)
      }
      this.quotes.dispatch(e.symbol, e)
    }
  }

  dispose(): void {
    this.quotes.dispose()
  }
}
