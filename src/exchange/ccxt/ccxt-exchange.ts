import { catchError, defer, map, Subject, throwError, type Observable, type Subscription } from 'rxjs'
import type { Market, MarketEvent } from '../../domain/market'
import type { Balance, ExchangeOrder, ExchangePort, ExchangeTrade, OrderRequest } from '../port'
import { toBalances, toExchangeError, toExchangeOrder, toMarket, type CcxtMarketLike, type CcxtOrderLike, type CcxtTradeLike } from './ccxt-mapper'

/** What the adapter calls on a ccxt exchange instance (ccxt's unified API). */
export interface CcxtLike {
  readonly id: string
  loadMarkets(): Promise<Record<string, CcxtMarketLike>>
  createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Promise<CcxtOrderLike>
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>
  fetchOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>
  fetchOpenOrders(symbol?: string): Promise<CcxtOrderLike[]>
  fetchOrders(symbol?: string, since?: number): Promise<CcxtOrderLike[]>
  fetchMyTrades(symbol?: string, since?: number): Promise<(CcxtTradeLike & { order?: string })[]>
  fetchBalance(): Promise<Record<string, unknown>>
  fetchTicker(symbol: string): Promise<{ bid?: number; ask?: number; bidVolume?: number; askVolume?: number; timestamp?: number }>
}

export interface CcxtExchangeOptions {
  /** How often order updates and quotes are polled until websocket streams take over. */
  readonly pollMs?: number
  /** Symbols whose quotes `watchMarket` polls. */
  readonly symbols?: readonly string[]
}

/**
 * Any ccxt exchange behind the exchange port: the same code trades on Binance and on the local
 * Binance-compatible venue. Construct the ccxt instance with its retries off for orders (ccxt does
 * not retry by default; we resolve unknown outcomes by client order id) and its rate limiter on.
 * Order updates and quotes are polled over REST for now.
 */
export class CcxtExchange implements ExchangePort {
  readonly id: string
  private readonly orders$ = new Subject<ExchangeOrder>()
  private readonly market$ = new Subject<MarketEvent>()
  private polls: Subscription[] = []
  private readonly seen = new Map<string, { filled: number; symbol: string }>()

  constructor(private readonly ex: CcxtLike, private readonly o: CcxtExchangeOptions = {}) {
    this.id = ex.id
  }

  private call<T>(f: () => Promise<T>): Observable<T> {
    return defer(f).pipe(catchError((err: unknown) => throwError(() => toExchangeError(err))))
  }

  loadMarkets(): Observable<readonly Market[]> {
    return this.call(() => this.ex.loadMarkets()).pipe(map((ms) => Object.values(ms).filter((m) => m.spot !== false && m.active !== false).map(toMarket)))
  }

  createOrder(req: OrderRequest): Observable<ExchangeOrder> {
    return this.call(() => this.ex.createOrder(req.symbol, req.type, req.side, req.amount, req.price, { clientOrderId: req.clientOrderId })).pipe(
      map((o) => {
        const r = toExchangeOrder(o, req.clientOrderId)
        if (r.status === 'open') this.seen.set(r.clientOrderId, { filled: r.filled, symbol: r.symbol })
        return r
      }),
    )
  }

  cancelOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.call(() => this.ex.cancelOrder('', symbol, { clientOrderId })).pipe(map((o) => toExchangeOrder(o, clientOrderId)))
  }

  fetchOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.call(() => this.ex.fetchOrder('', symbol, { clientOrderId })).pipe(map((o) => toExchangeOrder(o, clientOrderId)))
  }

  fetchOpenOrders(symbol?: string): Observable<readonly ExchangeOrder[]> {
    return this.call(() => this.ex.fetchOpenOrders(symbol)).pipe(map((os) => os.map((o) => toExchangeOrder(o))))
  }

  fetchOrders(symbol: string, since?: number): Observable<readonly ExchangeOrder[]> {
    return this.call(() => this.ex.fetchOrders(symbol, since)).pipe(map((os) => os.map((o) => toExchangeOrder(o))))
  }

  fetchMyTrades(symbol: string, since?: number): Observable<readonly (ExchangeTrade & { readonly orderId: string })[]> {
    return this.call(() => this.ex.fetchMyTrades(symbol, since)).pipe(
      map((ts) => ts.map((t, i) => ({ id: t.id ?? `${t.order}-${i}`, orderId: String(t.order ?? ''), price: t.price, amount: t.amount, fee: t.fee?.cost ?? 0, takerOrMaker: t.takerOrMaker === 'maker' ? ('maker' as const) : ('taker' as const), timestamp: t.timestamp ?? 0 }))),
    )
  }

  fetchBalance(): Observable<Readonly<Record<string, Balance>>> {
    return this.call(() => this.ex.fetchBalance()).pipe(map(toBalances))
  }

  /** Updates of our orders that were open when acknowledged: polled, emitted when they change. */
  watchOrders(): Observable<ExchangeOrder> {
    this.startPolling()
    return this.orders$.asObservable()
  }

  watchMarket(): Observable<MarketEvent> {
    this.startPolling()
    return this.market$.asObservable()
  }

  stop(): void {
    for (const p of this.polls) p.unsubscribe()
    this.polls = []
    this.orders$.complete()
    this.market$.complete()
  }

  private startPolling(): void {
    if (this.polls.length > 0) return
    const every = this.o.pollMs ?? 1_000
    const tick = (f: () => Promise<void>) => {
      let busy = false
      const id = setInterval(() => {
        if (busy) return
        busy = true
        f().finally(() => (busy = false))
      }, every)
      return { unsubscribe: () => clearInterval(id) } as Subscription
    }
    this.polls.push(tick(() => this.pollOrders()))
    if ((this.o.symbols ?? []).length > 0) this.polls.push(tick(() => this.pollQuotes()))
  }

  private async pollOrders(): Promise<void> {
    for (const [clientOrderId, s] of [...this.seen]) {
      try {
        const o = toExchangeOrder(await this.ex.fetchOrder('', s.symbol, { clientOrderId }), clientOrderId)
        if (o.filled !== s.filled || o.status !== 'open') {
          s.filled = o.filled
          this.orders$.next(o)
        }
        if (o.status !== 'open') this.seen.delete(clientOrderId)
      } catch {
        // A failed poll is tried again next time.
      }
    }
  }

  private async pollQuotes(): Promise<void> {
    for (const symbol of this.o.symbols ?? []) {
      try {
        const t = await this.ex.fetchTicker(symbol)
        if (t.bid && t.ask) this.market$.next({ kind: 'quote', symbol, bid: t.bid, ask: t.ask, bidSize: t.bidVolume ?? 0, askSize: t.askVolume ?? 0, ts: t.timestamp ?? Date.now() })
      } catch {
        // Tried again next time.
      }
    }
  }
}

