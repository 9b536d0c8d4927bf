import { asyncScheduler, Observable, Subject, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs'
import { periodic } from '../../../streams/periodic.ts'
import type { Market, MarketEvent, Quote, Side, Trade } from '../../domain/market.ts'
import { FinalExchangeError, RetryableExchangeError } from '../../domain/errors.ts'
import { gaussian, prng } from '../../util/random.ts'
import type { Balance, ExchangeOrder, ExchangePort, ExchangeTrade, OrderRequest } from '../port.ts'
import { DelayQueue } from '../../../streams/delay-queue.ts'
import { simMarkets, roundTo } from './markets.ts'
import { PricePath, type Scenario } from './price-path.ts'

export interface SimExchangeOptions {
  /** How many symbols to list (BTC/USDT, ETH/USDT, …). */
  readonly symbols: number
  readonly seed: number
  /** Mean round trip of every call, in ms. */
  readonly latencyMs: number
  /** Log-normal sigma of the round trip (0.25 → most calls within ±50 % of the mean). */
  readonly jitter?: number
  /** Market data period per symbol, in ms. */
  readonly tickMs?: number
  /** Share of new orders the venue rejects. */
  readonly rejectRate?: number
  /** Share of calls whose response is lost: the caller sees a timeout, the venue may have acted. */
  readonly timeoutRate?: number
  /** How long a caller waits for a lost response before it errors with a timeout. */
  readonly timeoutMs?: number
  /**
   * Share of calls that reach the venue late: held `lateMs` (×0.5–1.5) on the way in, so the caller has
   * timed out and looked the order up ("not found") before the venue acts — and a resubmission under
   * the same client order id races the original.
   */
  readonly lateRate?: number
  /** Mean extra delay of a late call, ms (default 2 × timeoutMs). */
  readonly lateMs?: number
  /** An order request reaching the venue more than this after it was sent is refused (Binance's recvWindow; default 10 s). */
  readonly recvWindowMs?: number
  /** Starting quote (USDT) balance of the account. */
  readonly quoteBalance?: number
  readonly scenario?: Scenario
  /** Relative spread of the simulated book, in basis points. */
  readonly spreadBps?: number
  /**
   * Closed orders the venue remembers (for look-ups by client order id and duplicate checks); older
   * ones are forgotten first, as venues archive. Open orders are always kept.
   */
  readonly historyLimit?: number
  readonly scheduler?: SchedulerLike
}

interface VenueOrder {
  id: string
  req: OrderRequest
  status: ExchangeOrder['status']
  filled: number
  cost: number
  trades: ExchangeTrade[]
  timestamp: number
  /** Quote or base held for a resting order. */
  reserved: number
  /** Size resting ahead of this order at its price (queue-position model): prints at the price eat it first. */
  queueAhead: number
}

interface Book {
  readonly market: Market
  readonly path: PricePath
  quote: Quote
  open: Set<VenueOrder>
}

const LEVELS = 5

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
 * The in-process simulated venue: seeded price paths per symbol, a top of book with a spread and
 * depth behind it, market and limit orders with partial fills, maker/taker fees, balances, and a
 * round-trip latency drawn per call. Faults are injected by rate. Everything runs on the given
 * scheduler, so tests drive it in virtual time.
 */
export class SimExchange implements ExchangePort {
  readonly id = 'sim'
  readonly markets: readonly Market[]
  private readonly books = new Map<string, Book>()
  private readonly orders = new Map<string, VenueOrder>()
  private readonly balances = new Map<string, { free: number; used: number }>()
  private readonly market$ = new Subject<MarketEvent>()
  private readonly orders$ = new Subject<ExchangeOrder>()
  private readonly activity$ = new Subject<VenueActivity>()
  private readonly queue: DelayQueue
  private readonly scheduler: SchedulerLike
  private readonly rand: () => number
  private readonly jitter: number
  private readonly timeoutMs: number
  private ticker: Subscription | null = null
  private readonly closedIds: string[] = []
  private closedHead = 0
  private orderSeq = 0
  private unacted = 0
  private tradeSeq = 0
  /** Calls made, by outcome; for tests and stats. */
  readonly counts = { calls: 0, timeouts: 0, late: 0, outsideRecvWindow: 0, duplicates: 0, rejects: 0, fills: 0 }

  constructor(private readonly o: SimExchangeOptions) {
    this.scheduler = o.scheduler ?? asyncScheduler
    this.queue = new DelayQueue(this.scheduler)
    this.rand = prng(o.seed ^ 0x5eed)
    this.jitter = o.jitter ?? 0.25
    this.timeoutMs = o.timeoutMs ?? Math.max(1000, 5 * o.latencyMs)
    const { markets, startPrices } = simMarkets(o.symbols, o.seed)
    this.markets = markets
    markets.forEach((m, i) => {
      const path = new PricePath(startPrices[i]!, (o.seed * 7919 + i) >>> 0, o.scenario)
      this.books.set(m.symbol, { market: m, path, quote: this.quoteAt(m, path.price, 0), open: new Set() })
      this.balances.set(m.base, { free: 0, used: 0 })
    })
    this.balances.set('USDT', { free: o.quoteBalance ?? 1e12, used: 0 })
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
    this.queue.clear()
    this.unacted = 0
    this.market$.complete()
    this.orders$.complete()
    this.activity$.complete()
  }

  /** Calls whose response is still on its way. */
  get pending(): number {
    return this.queue.size
  }

  /** The venue's own record of every order it accepted, now (for tests and reconciliation checks). */
  knownOrders(): ExchangeOrder[] {
    return [...this.orders.values()].map((v) => this.snapshot(v, v.trades))
  }

  /** Stops market data only; calls in flight still get their answers. */
  stopMarket(): void {
    this.ticker?.unsubscribe()
    this.ticker = null
  }

  lastQuote(symbol: string): Quote | undefined {
    return this.books.get(symbol)?.quote
  }

  loadMarkets(): Observable<readonly Market[]> {
    return this.call(() => this.markets)
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

  private activity(kind: VenueActivity['kind'], v: VenueOrder, trade: ExchangeTrade | null): void {
    // Snapshots cost only when someone (the venue server) listens.
    if (this.activity$.observed) this.activity$.next({ kind, order: this.snapshot(v, trade === null ? [] : [trade]), trade })
  }

  createOrder(req: OrderRequest): Observable<ExchangeOrder> {
    return this.call(() => this.place(req), true)
  }

  cancelOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.call(() => {
      const v = this.orders.get(clientOrderId)
      if (v === undefined || v.req.symbol !== symbol) throw new FinalExchangeError(`order ${clientOrderId} not found`, 'not_found')
      if (v.status !== 'open') throw new FinalExchangeError(`order ${clientOrderId} is ${v.status}: unknown order sent`, 'rejected')
      this.close(v, 'canceled')
      this.activity('canceled', v, null)
      return this.snapshot(v, v.trades)
    })
  }

  fetchOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.call(() => {
      const v = this.orders.get(clientOrderId)
      if (v === undefined || v.req.symbol !== symbol) throw new FinalExchangeError(`order ${clientOrderId} does not exist`, 'not_found')
      return this.snapshot(v, v.trades)
    })
  }

  fetchOpenOrders(symbol?: string): Observable<readonly ExchangeOrder[]> {
    return this.call(() => {
      const out: ExchangeOrder[] = []
      for (const b of this.books.values()) {
        if (symbol !== undefined && b.market.symbol !== symbol) continue
        for (const v of b.open) out.push(this.snapshot(v, v.trades))
      }
      return out
    })
  }

  fetchOrders(symbol: string, since = 0): Observable<readonly ExchangeOrder[]> {
    return this.call(() => [...this.orders.values()].filter((v) => v.req.symbol === symbol && v.timestamp >= since).map((v) => this.snapshot(v, [])))
  }

  fetchMyTrades(symbol: string, since = 0): Observable<readonly (ExchangeTrade & { readonly orderId: string })[]> {
    return this.call(() => [...this.orders.values()].filter((v) => v.req.symbol === symbol).flatMap((v) => v.trades.filter((t) => t.timestamp >= since).map((t) => ({ ...t, orderId: v.id }))))
  }

  fetchBalance(): Observable<Readonly<Record<string, Balance>>> {
    return this.call(() => {
      const out: Record<string, Balance> = {}
      for (const [asset, b] of this.balances) out[asset] = { free: b.free, used: b.used, total: b.free + b.used }
      return out
    })
  }

  /**
   * One request/response round trip: the venue acts after half the drawn round trip and the answer
   * arrives after the other half. A lost response (timeout fault) still lets the venue act.
   */
  private call<T>(atVenue: () => T, isOrder = false): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.counts.calls++
      this.unacted++
      const lost = (this.o.timeoutRate ?? 0) > 0 && this.rand() < this.o.timeoutRate!
      const late = (this.o.lateRate ?? 0) > 0 && this.rand() < this.o.lateRate!
      const c = new PendingCall(this, subscriber, atVenue, isOrder, this.drawLatency(), lost, this.scheduler.now())
      if (late) this.counts.late++
      this.queue.after(c.rtt / 2 + (late ? (this.o.lateMs ?? 2 * this.timeoutMs) * (0.5 + this.rand()) : 0), c)
      if (lost) {
        this.counts.timeouts++
        this.queue.after(this.timeoutMs, () => c.live && subscriber.error(new RetryableExchangeError(`no response within ${this.timeoutMs} ms`, 'timeout')))
      }
      return c
    })
  }

  /** Requests sent that the venue has not acted on yet (on their way in). */
  get requestsInFlight(): number {
    return this.unacted
  }

  /** @internal PendingCall's step at the venue. */
  _atVenue<T>(c: PendingCall<T>): void {
    this.unacted--
    try {
      if (c.isOrder && this.scheduler.now() - c.sentAt > (this.o.recvWindowMs ?? 10_000)) {
        this.counts.outsideRecvWindow++
        throw new FinalExchangeError('Timestamp for this request is outside of the recvWindow.', 'rejected')
      }
      if (c.isOrder && (this.o.rejectRate ?? 0) > 0 && this.rand() < this.o.rejectRate!) {
        this.counts.rejects++
        throw new FinalExchangeError('order rejected by venue (simulated)', 'rejected')
      }
      c.result = c.atVenue()
    } catch (err) {
      c.error = err
      c.failed = true
    }
    if (!c.lost) this.queue.after(c.rtt / 2, c)
  }

  private drawLatency(): number {
    const mean = this.o.latencyMs
    if (mean <= 0) return 0
    const s = this.jitter
    return mean * Math.exp(s * gaussian(this.rand) - (s * s) / 2)
  }

  private place(req: OrderRequest): ExchangeOrder {
    if (this.orders.has(req.clientOrderId)) {
      this.counts.duplicates++
      throw new FinalExchangeError(`duplicate order sent: ${req.clientOrderId}`, 'duplicate')
    }
    const book = this.books.get(req.symbol)
    if (book === undefined) throw new FinalExchangeError(`invalid symbol ${req.symbol}`, 'invalid')
    const m = book.market
    if (!(req.amount > 0) || !Number.isFinite(req.amount)) throw new FinalExchangeError(`invalid amount ${req.amount}`, 'invalid')
    if (req.type === 'limit' && !(req.price !== undefined && req.price > 0)) throw new FinalExchangeError('limit order needs a positive price', 'invalid')
    const ref = req.type === 'limit' ? req.price! : req.side === 'buy' ? book.quote.ask : book.quote.bid
    if (req.amount * ref < m.minNotional) throw new FinalExchangeError(`notional ${req.amount * ref} below minimum ${m.minNotional}`, 'invalid')

    const base = this.balances.get(m.base)!
    const quote = this.balances.get(m.quote)!
    if (req.side === 'buy') {
      const worst = req.type === 'limit' ? req.price! : this.levelPrice(book, 'buy', LEVELS - 1)
      if (quote.free < req.amount * worst * (1 + m.takerFee)) throw new FinalExchangeError(`insufficient ${m.quote} balance`, 'insufficient_funds')
    } else if (base.free < req.amount - 1e-12) {
      throw new FinalExchangeError(`insufficient ${m.base} balance`, 'insufficient_funds')
    }

    const now = this.scheduler.now()
    const v: VenueOrder = { id: String(++this.orderSeq), req, status: 'open', filled: 0, cost: 0, trades: [], timestamp: now, reserved: 0, queueAhead: 0 }
    this.orders.set(req.clientOrderId, v)
    this.activity('new', v, null)
    this.take(book, v, now)
    if (v.status === 'open') {
      if (req.type === 'market') {
        // Depth beyond the modelled levels: the rest fills at the last level's price.
        this.fill(book, v, this.levelPrice(book, req.side, LEVELS - 1), req.amount - v.filled, 'taker', now)
      } else {
        const rest = req.amount - v.filled
        if (req.side === 'buy') {
          v.reserved = rest * req.price! * (1 + m.makerFee)
          quote.free -= v.reserved
          quote.used += v.reserved
        } else {
          v.reserved = rest
          base.free -= rest
          base.used += rest
        }
        // Joining the touch: everything displayed there is ahead of us; behind the touch, nothing is.
        const q = book.quote
        v.queueAhead = req.side === 'buy' ? (req.price! === q.bid ? q.bidSize : 0) : req.price! === q.ask ? q.askSize : 0
        book.open.add(v)
      }
    }
    return this.snapshot(v, v.trades)
  }

  /** Takes liquidity from the modelled levels, up to the limit price for limit orders. */
  private take(book: Book, v: VenueOrder, now: number): void {
    const { side, type, price } = v.req
    for (let level = 0; level < LEVELS && v.status === 'open'; level++) {
      const p = this.levelPrice(book, side, level)
      if (type === 'limit' && (side === 'buy' ? p > price! : p < price!)) break
      const size = (side === 'buy' ? book.quote.askSize : book.quote.bidSize) * (1 + level)
      this.fill(book, v, p, Math.min(size, v.req.amount - v.filled), 'taker', now)
    }
  }

  private levelPrice(book: Book, side: Side, level: number): number {
    const step = Math.max(book.market.tickSize, book.quote.ask - book.quote.bid)
    return side === 'buy' ? book.quote.ask + level * step : book.quote.bid - level * step
  }

  private fill(book: Book, v: VenueOrder, price: number, amount: number, liquidity: 'maker' | 'taker', now: number): ExchangeTrade | null {
    if (amount <= 1e-12) return null
    const m = book.market
    const notional = price * amount
    const fee = notional * (liquidity === 'maker' ? m.makerFee : m.takerFee)
    const base = this.balances.get(m.base)!
    const quote = this.balances.get(m.quote)!
    if (v.req.side === 'buy') {
      if (v.reserved > 0) {
        const release = Math.min(v.reserved, amount * v.req.price! * (1 + m.makerFee))
        v.reserved -= release
        quote.used -= release
        quote.free += release
      }
      quote.free -= notional + fee
      base.free += amount
    } else {
      if (v.reserved > 0) {
        const release = Math.min(v.reserved, amount)
        v.reserved -= release
        base.used -= release
        base.free += release
      }
      base.free -= amount
      quote.free += notional - fee
    }
    const t: ExchangeTrade = { id: `t${++this.tradeSeq}`, price, amount, fee, takerOrMaker: liquidity, timestamp: now }
    v.trades.push(t)
    v.filled += amount
    v.cost += notional
    this.counts.fills++
    if (v.filled >= v.req.amount - 1e-12) this.close(v, 'closed')
    this.activity('trade', v, t)
    return t
  }

  private close(v: VenueOrder, status: ExchangeOrder['status']): void {
    v.status = status
    this.forgetOldest(v.req.clientOrderId)
    const book = this.books.get(v.req.symbol)!
    book.open.delete(v)
    if (v.reserved > 0) {
      const asset = v.req.side === 'buy' ? book.market.quote : book.market.base
      const b = this.balances.get(asset)!
      b.used -= v.reserved
      b.free += v.reserved
      v.reserved = 0
    }
  }

  private forgetOldest(closedId: string): void {
    this.closedIds.push(closedId)
    const limit = this.o.historyLimit ?? 200_000
    while (this.closedIds.length - this.closedHead > limit) this.orders.delete(this.closedIds[this.closedHead++]!)
    if (this.closedHead > 65_536 && this.closedHead * 2 > this.closedIds.length) {
      this.closedIds.splice(0, this.closedHead)
      this.closedHead = 0
    }
  }

  private snapshot(v: VenueOrder, trades: readonly ExchangeTrade[]): ExchangeOrder {
    return {
      id: v.id,
      clientOrderId: v.req.clientOrderId,
      symbol: v.req.symbol,
      side: v.req.side,
      type: v.req.type,
      amount: v.req.amount,
      price: v.req.price ?? null,
      status: v.status,
      filled: v.filled,
      average: v.filled > 0 ? v.cost / v.filled : null,
      timestamp: v.timestamp,
      trades: trades.slice(),
    }
  }

  private quoteAt(m: Market, price: number, ts: number): Quote {
    const half = Math.max(m.tickSize, (price * (this.o.spreadBps ?? 2)) / 2e4)
    const size = (1000 / price) * (1 + this.rand() * 4)
    return { kind: 'quote', symbol: m.symbol, bid: roundTo(price - half, m.tickSize), ask: roundTo(price + half, m.tickSize), bidSize: size, askSize: size, ts }
  }

  /** One market tick: every symbol moves, prints 1–3 trades, and resting orders fill against them. */
  private tick(): void {
    const now = this.scheduler.now()
    for (const book of this.books.values()) {
      const m = book.market
      const price = book.path.step()
      book.quote = this.quoteAt(m, price, now)
      this.market$.next(book.quote)
      this.market$.next(this.depth(book, now))
      // The market moved onto resting orders: a buy at or above the new ask (a sell at or below the
      // bid) is filled at its own price, as maker — the other side crossed to it.
      if (book.open.size > 0) this.sweepCrossed(book, now)
      const prints = 1 + Math.floor(book.path.uniform() * 3)
      for (let i = 0; i < prints; i++) {
        const side: Side = book.path.uniform() < 0.5 ? 'buy' : 'sell'
        const trade: Trade = {
          kind: 'trade',
          symbol: m.symbol,
          id: `m${++this.tradeSeq}`,
          price: side === 'buy' ? book.quote.ask : book.quote.bid,
          amount: (book.quote.askSize / 2) * book.path.uniform(),
          side,
          ts: now,
        }
        this.market$.next(trade)
        if (book.open.size > 0) this.matchResting(book, trade, now)
      }
    }
  }

  /** L2 depth around the quote: LEVELS levels a side, sizes growing away from the touch. */
  private depth(book: Book, now: number): MarketEvent {
    const q = book.quote
    const bids: [number, number][] = []
    const asks: [number, number][] = []
    for (let i = 0; i < LEVELS; i++) {
      bids.push([this.levelPrice(book, 'sell', i), q.bidSize * (1 + i)])
      asks.push([this.levelPrice(book, 'buy', i), q.askSize * (1 + i)])
    }
    return { kind: 'book', symbol: book.market.symbol, bids, asks, ts: now }
  }

  /**
   * A print fills resting orders as maker: one through its price fills it up to the printed size; one
   * exactly at its price first eats the queue ahead of it (queue-position model), then fills it.
   */
  private matchResting(book: Book, trade: Trade, now: number): void {
    let left = trade.amount
    for (const v of [...book.open]) {
      if (left <= 0) break
      const p = v.req.price!
      const buy = v.req.side === 'buy'
      if (buy ? !(trade.side === 'sell' && trade.price <= p) : !(trade.side === 'buy' && trade.price >= p)) continue
      let avail = left
      if (trade.price === p) {
        const eaten = Math.min(v.queueAhead, avail)
        v.queueAhead -= eaten
        avail -= eaten
      }
      const amount = Math.min(avail, v.req.amount - v.filled)
      if (amount <= 1e-12) continue
      this.makerFill(book, v, p, amount, now)
      left -= amount
    }
  }

  private sweepCrossed(book: Book, now: number): void {
    const q = book.quote
    for (const v of [...book.open]) {
      const p = v.req.price!
      if (v.req.side === 'buy' ? q.ask <= p : q.bid >= p) this.makerFill(book, v, p, v.req.amount - v.filled, now)
    }
  }

  private makerFill(book: Book, v: VenueOrder, price: number, amount: number, now: number): void {
    const t = this.fill(book, v, price, amount, 'maker', now)
    if (t === null) return
    const update = this.snapshot(v, [t])
    this.queue.after(this.drawLatency() / 2, () => this.orders$.next(update))
  }
}

/** One call in flight: a single object per call (rather than a closure per step) keeps the GC light at 100k calls. */
class PendingCall<T> {
  atVenueDone = false
  live = true
  failed = false
  result: T | undefined = undefined
  error: unknown = undefined

  constructor(
    private readonly venue: SimExchange,
    private readonly subscriber: Subscriber<T>,
    readonly atVenue: () => T,
    readonly isOrder: boolean,
    readonly rtt: number,
    readonly lost: boolean,
    readonly sentAt: number,
  ) {}

  run(): void {
    if (!this.atVenueDone) {
      this.atVenueDone = true
      this.venue._atVenue(this)
      return
    }
    if (!this.live) return
    if (this.failed) this.subscriber.error(this.error)
    else {
      this.subscriber.next(this.result as T)
      this.subscriber.complete()
    }
  }

  /** Teardown: the caller stopped waiting; the venue still acts. */
  unsubscribe(): void {
    this.live = false
  }
}
