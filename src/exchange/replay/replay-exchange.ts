import { Observable, Subject, type SchedulerLike } from 'rxjs'
import { FinalExchangeError } from '../../domain/errors.ts'
import type { Bar, Market, MarketEvent, Quote, Trade } from '../../domain/market.ts'
import type { Balance, ExchangeOrder, ExchangePort, ExchangeTrade, OrderRequest } from '../port.ts'
import { snapshot, type VenueOrder } from '../venue-order.ts'
import { RecentKeys } from '../../util/recent-keys.ts'
import { bookAfterPrint, type FillModel, limitFillInBar, limitVsPrint, takerPrice } from './replay-fills.ts'
import type { ReplayEvent } from './replay-feed.ts'

export interface ReplayExchangeOptions {
  readonly markets: readonly Market[]
  readonly fill: FillModel
  /** Fee as a fraction of filled notional (takers; makers too unless `makerFeeRate` is given). */
  readonly feeRate: number
  readonly makerFeeRate?: number
  readonly slippageBps: number
  /** Virtual time: the replay clock moves it from one recorded event to the next. */
  readonly scheduler: SchedulerLike
  /** Closed orders remembered for look-ups (open ones always are). */
  readonly historyLimit?: number
}

interface ReplayOrder extends VenueOrder {
  /** Trades mode, limit orders: amount still to trade at its price before it fills. */
  queueAhead: number
}

interface SymbolBook {
  readonly market: Market
  last: number | null
  lastPrintAmount: number
  /** `book` fills: the top of book inferred from the prints' aggressor sides. */
  bid: number | null
  ask: number | null
  /** Market orders waiting for the next bar's open or the next print. */
  waiting: ReplayOrder[]
  /** Limit orders resting. */
  resting: ReplayOrder[]
}

const EPS = 1e-12

/**
 * An exchange that replays recorded market data: the backtest *is* the engine (same strategies,
 * actors, risk gate, execution algorithms, store) running in virtual time against this port, with
 * fills from the reference model in replay-fills.ts. No latency: answers come at the same virtual
 * time (on the scheduler, never inside the caller's stack).
 */
export class ReplayExchange implements ExchangePort {
  readonly id = 'replay'
  private readonly books = new Map<string, SymbolBook>()
  private readonly open = new Map<string, ReplayOrder>()
  private readonly closed = new Map<string, ReplayOrder>()
  private readonly market$ = new Subject<MarketEvent>()
  private readonly orders$ = new Subject<ExchangeOrder>()
  private readonly closedIds: RecentKeys<string>
  private readonly forget = (id: string): void => void this.closed.delete(id)
  private seq = 0
  private tradeSeq = 0
  readonly counts = { orders: 0, fills: 0, rejected: 0, expired: 0 }

  constructor(private readonly o: ReplayExchangeOptions) {
    this.closedIds = new RecentKeys(o.historyLimit ?? 10_000)
    for (const m of o.markets) this.books.set(m.symbol, { market: m, last: null, lastPrintAmount: 0, bid: null, ask: null, waiting: [], resting: [] })
  }

  get markets(): readonly Market[] {
    return this.o.markets
  }

  lastPrice(symbol: string): number | null {
    return this.books.get(symbol)?.last ?? null
  }

  /** One recorded event, at its time: orders it fills are filled first (they were placed before it), then strategies see it. */
  deliver(e: ReplayEvent): void {
    const b = this.books.get(e.symbol)
    if (b === undefined) return
    if (e.kind === 'bar') this.onBar(b, e)
    else this.onPrint(b, e)
    this.market$.next(e)
    if (this.o.fill === 'book' && e.kind === 'trade' && b.bid !== null && b.ask !== null) {
      const q: Quote = { kind: 'quote', symbol: e.symbol, bid: b.bid, ask: b.ask, bidSize: 0, askSize: 0, ts: e.ts }
      this.market$.next(q)
    }
  }

  /** End of data: market orders still waiting expire, resting orders are cancelled. */
  finish(reason = 'end of recorded data'): void {
    for (const b of this.books.values()) {
      for (const v of b.waiting.splice(0)) this.close(v, 'expired', reason)
      for (const v of b.resting.splice(0)) this.close(v, 'canceled', reason)
    }
  }

  stop(): void {
    this.market$.complete()
    this.orders$.complete()
  }

  private onBar(b: SymbolBook, bar: Bar): void {
    // Orders placed by the time this bar opened fill on it; one placed later (not possible in time order, kept for safety) waits.
    if (b.waiting.length > 0) {
      const still: ReplayOrder[] = []
      for (const v of b.waiting) {
        if (v.timestamp > bar.openTs) still.push(v)
        else this.trade(v, v.req.amount - v.filled, takerPrice(v.req.side, bar.open, this.o.slippageBps), 'taker', bar.openTs)
      }
      b.waiting = still
    }
    if (b.resting.length > 0) {
      const still: ReplayOrder[] = []
      for (const v of b.resting) {
        const px = v.timestamp > bar.openTs ? null : limitFillInBar(v.req.side, v.req.price!, bar)
        if (px === null) still.push(v)
        else this.trade(v, v.req.amount - v.filled, px, 'maker', bar.openTs)
      }
      b.resting = still
    }
    b.last = bar.close
  }

  private onPrint(b: SymbolBook, p: Trade): void {
    if (b.waiting.length > 0) for (const v of b.waiting.splice(0)) this.trade(v, v.req.amount - v.filled, takerPrice(v.req.side, p.price, this.o.slippageBps), 'taker', p.ts)
    if (b.resting.length > 0) {
      let left = p.amount
      const still: ReplayOrder[] = []
      const book = this.o.fill === 'book'
      for (const v of b.resting) {
        // Against an inferred book, a resting buy trades only with sellers (and a sell with buyers).
        const hit = book && p.side === v.req.side ? null : limitVsPrint(v.req.side, v.req.price!, p.price)
        let amount = v.req.amount - v.filled
        if (hit === 'at') {
          // The queue ahead trades first; what is left of the print fills us.
          const eaten = Math.min(left, v.queueAhead)
          v.queueAhead -= eaten
          left -= eaten
          amount = Math.min(amount, left)
          left -= amount
        }
        if (hit !== null && amount > EPS) this.trade(v, amount, v.req.price!, 'maker', p.ts)
        if (v.status === 'open') still.push(v)
      }
      b.resting = still
    }
    b.last = p.price
    b.lastPrintAmount = p.amount
    if (this.o.fill === 'book') Object.assign(b, bookAfterPrint(b.bid, b.ask, p, b.market.tickSize))
  }

  /** One fill of `v`; pushed as an order update unless the answer to its placement carries it (`push` false). */
  private trade(v: ReplayOrder, amount: number, price: number, takerOrMaker: 'maker' | 'taker', ts: number, push = true): ExchangeTrade {
    const rate = takerOrMaker === 'maker' ? (this.o.makerFeeRate ?? this.o.feeRate) : this.o.feeRate
    const t: ExchangeTrade = { id: `r${++this.tradeSeq}`, price, amount, fee: amount * price * rate, takerOrMaker, timestamp: ts }
    v.filled += amount
    v.cost += amount * price
    v.trades.push(t)
    this.counts.fills++
    if (v.filled >= v.req.amount - EPS) this.retire(v, 'closed')
    if (push) this.orders$.next(snapshot(v, [t]))
    return t
  }

  private close(v: ReplayOrder, status: 'canceled' | 'expired', reason: string): void {
    v.reason = reason
    if (status === 'expired') this.counts.expired++
    this.retire(v, status)
    this.orders$.next(snapshot(v, []))
  }

  private retire(v: ReplayOrder, status: ExchangeOrder['status']): void {
    v.status = status
    this.open.delete(v.req.clientOrderId)
    this.closed.set(v.req.clientOrderId, v)
    this.closedIds.add(v.req.clientOrderId, this.forget)
  }

  /** Answers at the same virtual time, on the scheduler (never inside the caller's stack). */
  private answer<T>(f: () => T): Observable<T> {
    return new Observable<T>((sub) =>
      this.o.scheduler.schedule(() => {
        let v: T
        try {
          v = f()
        } catch (err) {
          sub.error(err)
          return
        }
        sub.next(v)
        sub.complete()
      }),
    )
  }

  loadMarkets(): Observable<readonly Market[]> {
    return this.answer(() => this.o.markets)
  }

  createOrder(req: OrderRequest): Observable<ExchangeOrder> {
    return this.answer(() => {
      const b = this.books.get(req.symbol)
      if (b === undefined) throw new FinalExchangeError(`unknown symbol ${req.symbol}`, 'invalid')
      if (this.open.has(req.clientOrderId) || this.closed.has(req.clientOrderId)) throw new FinalExchangeError(`duplicate client order id ${req.clientOrderId}`, 'duplicate')
      const m = b.market
      const ref = req.price ?? b.last
      if (!(req.amount > 0)) return this.reject(req, `amount ${req.amount} is not positive`)
      if (req.type === 'limit' && !(req.price! > 0)) return this.reject(req, `limit price ${req.price} is not positive`)
      if (ref !== null && req.amount * ref < m.minNotional - EPS) return this.reject(req, `notional ${req.amount * ref} below the minimum ${m.minNotional}`)
      const v: ReplayOrder = { req, id: `R${++this.seq}`, timestamp: this.o.scheduler.now(), status: 'open', filled: 0, cost: 0, trades: [], queueAhead: b.lastPrintAmount }
      this.counts.orders++
      this.open.set(req.clientOrderId, v)
      if (req.type === 'market') {
        if (this.o.fill === 'close') {
          if (b.last === null) return this.reject(req, 'no price yet: nothing has traded on this symbol', v)
          const t = this.trade(v, req.amount, takerPrice(req.side, b.last, this.o.slippageBps), 'taker', v.timestamp, false)
          return snapshot(v, [t])
        }
        if (this.o.fill === 'book') {
          const far = req.side === 'buy' ? b.ask : b.bid
          if (far !== null) return snapshot(v, [this.trade(v, req.amount, takerPrice(req.side, far, this.o.slippageBps), 'taker', v.timestamp, false)])
        }
        b.waiting.push(v)
      } else if (this.o.fill === 'book') {
        const far = req.side === 'buy' ? b.ask : b.bid
        const crosses = far !== null && (req.side === 'buy' ? req.price! >= far : req.price! <= far)
        if (crosses) return snapshot(v, [this.trade(v, req.amount, far, 'taker', v.timestamp, false)])
        // Joining our touch puts the last print's size ahead of us; improving on it, nothing is.
        const touch = req.side === 'buy' ? b.bid : b.ask
        v.queueAhead = touch !== null && req.price === touch ? b.lastPrintAmount : 0
        b.resting.push(v)
      } else b.resting.push(v)
      return snapshot(v, [])
    })
  }

  private reject(req: OrderRequest, reason: string, v?: ReplayOrder): ExchangeOrder {
    this.counts.rejected++
    const r: ReplayOrder = v ?? { req, id: `R${++this.seq}`, timestamp: this.o.scheduler.now(), status: 'rejected', filled: 0, cost: 0, trades: [], queueAhead: 0 }
    r.reason = reason
    this.retire(r, 'rejected')
    return snapshot(r, [])
  }

  cancelOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.answer(() => {
      const v = this.open.get(clientOrderId)
      if (v === undefined || v.req.symbol !== symbol) throw new FinalExchangeError(`order ${clientOrderId} is not open`, this.closed.has(clientOrderId) ? 'rejected' : 'not_found')
      const b = this.books.get(symbol)!
      b.waiting = b.waiting.filter((x) => x !== v)
      b.resting = b.resting.filter((x) => x !== v)
      v.reason = 'canceled'
      this.retire(v, 'canceled')
      return snapshot(v, v.trades)
    })
  }

  fetchOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.answer(() => {
      const v = this.open.get(clientOrderId) ?? this.closed.get(clientOrderId)
      if (v === undefined || v.req.symbol !== symbol) throw new FinalExchangeError(`order ${clientOrderId} does not exist`, 'not_found')
      return snapshot(v, v.trades)
    })
  }

  fetchOpenOrders(symbol?: string): Observable<readonly ExchangeOrder[]> {
    return this.answer(() => [...this.open.values()].filter((v) => symbol === undefined || v.req.symbol === symbol).map((v) => snapshot(v, v.trades)))
  }

  fetchOrders(symbol: string, since = 0): Observable<readonly ExchangeOrder[]> {
    return this.answer(() => this.known(symbol, since).map((v) => snapshot(v, [])))
  }

  fetchMyTrades(symbol: string, since = 0): Observable<readonly (ExchangeTrade & { readonly orderId: string })[]> {
    return this.answer(() => this.known(symbol, 0).flatMap((v) => v.trades.filter((t) => t.timestamp >= since).map((t) => ({ ...t, orderId: v.id }))))
  }

  fetchBalance(): Observable<Readonly<Record<string, Balance>>> {
    return this.answer(() => ({}))
  }

  watchOrders(): Observable<ExchangeOrder> {
    return this.orders$.asObservable()
  }

  watchMarket(): Observable<MarketEvent> {
    return this.market$.asObservable()
  }

  private known(symbol: string, since: number): ReplayOrder[] {
    return [...this.open.values(), ...this.closed.values()].filter((v) => v.req.symbol === symbol && v.timestamp >= since)
  }
}

/** Markets for replayed symbols: base/quote from the symbol, lot and tick 1e-8 unless given (per symbol, or for all), fees feeRate (makers makerFeeRate if given). */
export function replayMarkets(
  sources: readonly { symbol: string; lotSize?: number; tickSize?: number; minNotional?: number }[],
  o: { feeRate: number; makerFeeRate?: number; lotSize?: number; tickSize?: number; minNotional?: number },
): Market[] {
  return sources.map((x) => {
    const [base = x.symbol, quote = ''] = x.symbol.split('/')
    return {
      symbol: x.symbol,
      base,
      quote,
      lotSize: x.lotSize ?? o.lotSize ?? 1e-8,
      tickSize: x.tickSize ?? o.tickSize ?? 1e-8,
      minNotional: x.minNotional ?? o.minNotional ?? 0,
      makerFee: o.makerFeeRate ?? o.feeRate,
      takerFee: o.feeRate,
    }
  })
}
