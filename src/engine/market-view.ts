import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import { Router } from '../../streams/router.ts'
import type { MarketEvent, Quote } from '../domain/market.ts'
import { MidTrend } from './mid-trend.ts'

/**
 * What the engine knows of the market now: the last trade price (the mid until the first trade)
 * and top of book by symbol, kept current from the exchange's market stream, with the risk gate's
 * reference prices updated from the same events and quotes routed to execution algorithms working
 * an order on that symbol, and each symbol's recent drift of the mid (how fast the book is moving,
 * for execution algorithms deciding whether to rest or take).
 */
export class MarketView {
  private readonly last = new Map<string, number>()
  private readonly top = new Map<string, Quote>()
  private readonly trends = new Map<string, MidTrend>()
  /** Top of book by symbol, for execution algorithms (subscribed only while they work an order). */
  readonly quotes = new Router<string, Quote>()

  constructor(
    private readonly risk: RiskManager | undefined,
    /** Keep each symbol's drift and volatility (only an execution algorithm that reads them needs it). */
    private readonly trackTrends = false,
  ) {}

  lastPrice(symbol: string): number | undefined {
    return this.last.get(symbol)
  }

  lastQuote(symbol: string): Quote | undefined {
    return this.top.get(symbol)
  }

  /** The symbol's recent mid drift (bps per second, positive = rising) and volatility (bps per √second). */
  trend(symbol: string): { readonly driftBpsPerS: number; readonly driftErrBpsPerS: number; readonly volBpsPerSqrtS: number } | undefined {
    const t = this.trends.get(symbol)
    return t?.known ? t.motion : undefined
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
      if (this.trackTrends) {
        let t = this.trends.get(e.symbol)
        if (t === undefined) this.trends.set(e.symbol, (t = new MidTrend()))
        t.update((e.bid + e.ask) / 2, e.ts)
      }
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
