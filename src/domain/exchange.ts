import type { Observable } from 'rxjs'
import type { Market, MarketEvent, Side } from './market.ts'
import type { OrderType } from './order.ts'

/** An order request. `clientOrderId` is ours and deterministic: resubmitting it never creates a second order. */
export interface OrderRequest {
  readonly clientOrderId: string
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  readonly amount: number
  readonly price?: number
}

/** A trade of one of our orders, as ccxt reports it. */
export interface ExchangeTrade {
  readonly id: string
  readonly price: number
  readonly amount: number
  /** Fee in quote currency. */
  readonly fee: number
  readonly takerOrMaker: 'maker' | 'taker'
  readonly timestamp: number
}

/**
 * An order as the venue reports it (ccxt's unified order, trimmed). `trades` holds the trades this
 * report carries; a tracker dedupes them by id, so a report may repeat earlier trades.
 */
export interface ExchangeOrder {
  readonly id: string
  readonly clientOrderId: string
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  readonly amount: number
  readonly price: number | null
  readonly status: 'open' | 'closed' | 'canceled' | 'rejected' | 'expired'
  readonly filled: number
  readonly average: number | null
  readonly timestamp: number
  readonly trades: readonly ExchangeTrade[]
  readonly reason?: string
}

export interface Balance {
  readonly free: number
  readonly used: number
  readonly total: number
}

/**
 * What shoal needs from an exchange — shaped like ccxt's unified API, returning Observables so that
 * marble tests can stand in a `cold('--a|')` for the venue. Errors: `RetryableExchangeError`
 * (outcome unknown: network, timeout, rate limit) or `FinalExchangeError` (rejected, invalid...).
 */
export interface ExchangePort {
  readonly id: string
  loadMarkets(): Observable<readonly Market[]>
  /** Emits the venue's acknowledgement (with any immediate trades), then completes. */
  createOrder(req: OrderRequest): Observable<ExchangeOrder>
  cancelOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder>
  /** Looks an order up by our client order id; errors with FinalExchangeError('not_found') if the venue never saw it. */
  fetchOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder>
  fetchOpenOrders(symbol?: string): Observable<readonly ExchangeOrder[]>
  /** Every order of ours on `symbol` since `since` (ms), open or not, without trades (Binance allOrders). */
  fetchOrders(symbol: string, since?: number): Observable<readonly ExchangeOrder[]>
  /** Our trades on `symbol` since `since`, each with the venue id of its order (Binance myTrades). */
  fetchMyTrades(symbol: string, since?: number): Observable<readonly (ExchangeTrade & { readonly orderId: string })[]>
  fetchBalance(): Observable<Readonly<Record<string, Balance>>>
  /** Hot: every later change of any of our orders (fills of resting orders, cancels, expiries). */
  watchOrders(): Observable<ExchangeOrder>
  /** Hot: trades and top-of-book for every symbol. */
  watchMarket(): Observable<MarketEvent>
}
