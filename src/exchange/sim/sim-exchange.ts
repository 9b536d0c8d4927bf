import { asyncScheduler, type Observable, Subject, type SchedulerLike, type Subscription } from 'rxjs'
import { periodic } from '../../../streams/periodic.ts'
import { FinalExchangeError } from '../../domain/errors.ts'
import type { Market, MarketEvent, Quote } from '../../domain/market.ts'
import { prng } from '../../util/random.ts'
import type { Balance, ExchangeOrder, ExchangePort, ExchangeTrade, OrderRequest } from '../port.ts'
import { SimAccount } from './sim-account.ts'
import { SimMarketData, type SimMarketDataOptions } from './sim-market-data.ts'
import { SimMatching } from './sim-matching.ts'
import { TradeIds } from './trade-ids.ts'
import { snapshot, type SimOrder } from './sim-order.ts'
import { type RoundTripOptions, SimRoundTrips } from './sim-round-trips.ts'

/** The simulator's market data (symbols, seed, scenario, spread, depth, fees), its wire (latency and faults), and the rest. */
export interface SimExchangeOptions extends SimMarketDataOptions, RoundTripOptions {
  /** Market data period per symbol, in ms. */
  readonly tickMs?: number
  /** Starting quote (USDT) balance of the account. */
  readonly quoteBalance?: number
  /**
   * Closed orders the venue remembers (for look-ups by client order id and duplicate checks); older
   * ones are forgotten first, as venues archive. Open orders are always kept.
   */
  readonly historyLimit?: number
  readonly scheduler?: SchedulerLike
}

/**
 * One thing that happened to an order at the venue, the moment it happened (what Binance pushes as an
 * `executionReport`): accepted, traded, canceled. `order` is the order just after it.
 */
export interface VenueActivity {
  readonly kind: 'new' | 'trade' | 'canceled'
  readonly order: ExchangeOrder
  readonly trade: ExchangeTrade | null
}

/**
 * The in-process simulated venue, put together from its parts: market data (seeded price paths, a
 * book with depth: sim-market-data.ts), matching (takers, resting orders, queue model:
 * sim-matching.ts), the account (balances, reservations, fees: sim-account.ts) and the wire
 * (round-trip latency and faults: sim-round-trips.ts). Everything runs on the given scheduler, so
 * tests drive it in virtual time.
 */
export class SimExchange implements ExchangePort {
  readonly id = 'sim'
  readonly markets: readonly Market[]
  private readonly data: SimMarketData
  private readonly account: SimAccount
  private readonly matching: SimMatching
  private readonly wire: SimRoundTrips
  private readonly market$ = new Subject<MarketEvent>()
  private readonly orders$ = new Subject<ExchangeOrder>()
  private readonly activity$ = new Subject<VenueActivity>()
  private readonly scheduler: SchedulerLike
  private ticker: Subscription | null = null
  private duplicates = 0

  constructor(private readonly o: SimExchangeOptions) {
    this.scheduler = o.scheduler ?? asyncScheduler
    const rand = prng(o.seed ^ 0x5eed)
    // Market prints and fills number their trades from one sequence per symbol, as Binance does.
    const tradeSeq = new TradeIds()
    this.data = new SimMarketData(o, rand, tradeSeq)
    this.markets = this.data.markets
    this.wire = new SimRoundTrips(o, this.scheduler, rand)
    this.account = new SimAccount(this.markets, o.quoteBalance ?? 1e12)
    this.matching = new SimMatching(
      this.data,
      this.account,
      {
        activity: (kind, v, trade) => {
          // Snapshots cost only when someone (the venue server) listens.
          if (this.activity$.observed) this.activity$.next({ kind, order: snapshot(v, trade === null ? [] : [trade]), trade })
        },
        makerFill: (v, t) => {
          const update = snapshot(v, [t])
          this.wire.push(() => this.orders$.next(update))
        },
      },
      tradeSeq,
      o.historyLimit,
    )
  }

  /** Calls made, by outcome; for tests and stats. */
  get counts(): { calls: number; timeouts: number; late: number; outsideRecvWindow: number; duplicates: number; rejects: number; fills: number } {
    return { ...this.wire.counts, duplicates: this.duplicates, fills: this.matching.fills }
  }

  /** Starts market data: every `tickMs` each symbol moves and prints trades. */
  start(): this {
    this.ticker ??= periodic(this.o.tickMs ?? 250, this.scheduler).subscribe(() => this.tick())
    return this
  }

  /** Stops market data and drops pending responses; streams complete. */
  stop(): void {
    this.ticker?.unsubscribe()
    this.ticker = null
    this.wire.clear()
    this.market$.complete()
    this.orders$.complete()
    this.activity$.complete()
  }

  /** Calls whose response is still on its way. */
  get pending(): number {
    return this.wire.pending
  }

  /** Requests sent that the venue has not acted on yet (on their way in). */
  get requestsInFlight(): number {
    return this.wire.requestsInFlight
  }

  /** The venue's own record of every order it accepted, now (for tests and reconciliation checks). */
  knownOrders(): ExchangeOrder[] {
    return [...this.matching.all()].map((v) => snapshot(v, v.trades))
  }

  /** Stops market data only; calls in flight still get their answers. */
  stopMarket(): void {
    this.ticker?.unsubscribe()
    this.ticker = null
  }

  lastQuote(symbol: string): Quote | undefined {
    return this.data.get(symbol)?.quote
  }

  loadMarkets(): Observable<readonly Market[]> {
    return this.wire.call(() => this.markets)
  }

  watchMarket(): Observable<MarketEvent> {
    return this.market$.asObservable()
  }

  watchOrders(): Observable<ExchangeOrder> {
    return this.orders$.asObservable()
  }

  /** Every execution at the venue, synchronously and without latency: what a venue server pushes to its clients. */
  watchActivity(): Observable<VenueActivity> {
    return this.activity$.asObservable()
  }

  createOrder(req: OrderRequest): Observable<ExchangeOrder> {
    return this.wire.call(this.placeAtVenue, true, req)
  }

  /** Made once, not per order: see onSubscribe. */
  private readonly placeAtVenue = (req: OrderRequest): ExchangeOrder => {
    try {
      const v = this.matching.place(req, this.scheduler.now())
      return snapshot(v, v.trades)
    } catch (err) {
      if (err instanceof FinalExchangeError && err.code === 'duplicate') this.duplicates++
      throw err
    }
  }

  cancelOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.wire.call(this.cancelAtVenue, false, { clientOrderId, symbol })
  }

  private readonly cancelAtVenue = (c: { readonly clientOrderId: string; readonly symbol: string }): ExchangeOrder => {
    const v = this.matching.cancel(c.clientOrderId, c.symbol)
    return snapshot(v, v.trades)
  }

  fetchOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.wire.call(() => {
      const v = this.matching.get(clientOrderId)
      if (v === undefined || v.req.symbol !== symbol) throw new FinalExchangeError(`order ${clientOrderId} does not exist`, 'not_found')
      return snapshot(v, v.trades)
    })
  }

  fetchOpenOrders(symbol?: string): Observable<readonly ExchangeOrder[]> {
    return this.wire.call(() => {
      const out: ExchangeOrder[] = []
      for (const m of this.markets) {
        if (symbol !== undefined && m.symbol !== symbol) continue
        for (const v of this.matching.resting(m.symbol)) out.push(snapshot(v, v.trades))
      }
      return out
    })
  }

  fetchOrders(symbol: string, since = 0): Observable<readonly ExchangeOrder[]> {
    return this.wire.call(() => this.ordersOn(symbol, since).map((v) => snapshot(v, [])))
  }

  fetchMyTrades(symbol: string, since = 0): Observable<readonly (ExchangeTrade & { readonly orderId: string })[]> {
    return this.wire.call(() => this.ordersOn(symbol, 0).flatMap((v) => v.trades.filter((t) => t.timestamp >= since).map((t) => ({ ...t, orderId: v.id }))))
  }

  fetchBalance(): Observable<Readonly<Record<string, Balance>>> {
    return this.wire.call(() => this.account.all())
  }

  private ordersOn(symbol: string, since: number): SimOrder[] {
    return [...this.matching.all()].filter((v) => v.req.symbol === symbol && v.timestamp >= since)
  }

  /** One market tick: every symbol moves, prints 1–3 trades, and resting orders fill against them. */
  private tick(): void {
    const now = this.scheduler.now()
    for (const s of this.data.symbols.values()) {
      this.market$.next(this.data.step(s, now))
      this.market$.next(this.data.depth(s, now))
      this.matching.sweepCrossed(s, now)
      const prints = this.data.printCount(s)
      for (let i = 0; i < prints; i++) {
        const trade = this.data.print(s, now)
        this.market$.next(trade)
        this.matching.matchPrint(s, trade, now)
      }
    }
  }
}
