import { catchError, defer, from, map, Subject, switchMap, throwError, type Observable } from 'rxjs'
import { RateLimitedError, RetryableExchangeError } from '../../domain/errors.ts'
import type { Market, MarketEvent } from '../../domain/market.ts'
import type { Balance, ExchangeOrder, ExchangePort, ExchangeTrade, OrderRequest } from '../port.ts'
import { toBalances, toExchangeError, toExchangeOrder, toExchangeTrade, toMarket, type CcxtMarketLike, type CcxtOrderLike, type CcxtTradeLike } from './ccxt-mapper.ts'
import { OrderFeed } from './order-feed.ts'
import { SendGate } from './send-gate.ts'
import { WatchLoop } from './watch-loop.ts'

type CcxtBook = { bids: [number, number][]; asks: [number, number][]; timestamp?: number }
type CcxtPublicTrade = { id?: string; price: number; amount: number; side?: string; timestamp?: number }

/** What the adapter calls on a ccxt exchange instance (ccxt's unified API; the watch* ones are ccxt.pro's). */
export interface CcxtLike {
  readonly id: string
  readonly has?: Record<string, unknown>
  loadMarkets(): Promise<Record<string, CcxtMarketLike>>
  createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Promise<CcxtOrderLike>
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>
  fetchOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>
  fetchOpenOrders(symbol?: string): Promise<CcxtOrderLike[]>
  fetchOrders(symbol?: string, since?: number): Promise<CcxtOrderLike[]>
  fetchMyTrades(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<(CcxtTradeLike & { order?: string })[]>
  fetchOrderTrades?(id: string, symbol?: string, since?: number): Promise<(CcxtTradeLike & { order?: string })[]>
  fetchBalance(): Promise<Record<string, unknown>>
  fetchTicker(symbol: string): Promise<{ bid?: number; ask?: number; bidVolume?: number; askVolume?: number; timestamp?: number }>
  watchOrders?(): Promise<CcxtOrderLike[]>
  watchMyTrades?(): Promise<(CcxtTradeLike & { order?: string })[]>
  watchOrderBook?(symbol: string, limit?: number): Promise<CcxtBook>
  watchTrades?(symbol: string): Promise<CcxtPublicTrade[]>
  close?(): Promise<unknown>
}

export interface CcxtExchangeOptions {
  /**
   * `ws`: order updates and market data from ccxt.pro's watch* streams (the default when the instance
   * has them); `poll`: both read over REST every `pollMs`.
   */
  readonly streams?: 'ws' | 'poll'
  /** REST period: the poll in `poll` mode; the audit while a stream is down in `ws` mode. */
  readonly pollMs?: number
  /** How often, with streams up, open orders are audited against the venue's (catches lost messages). */
  readonly auditMs?: number
  /** How long a filled amount may run ahead of the trades received before they are read over REST. */
  readonly gapMs?: number
  /** Symbols whose market data `watchMarket` carries. */
  readonly symbols?: readonly string[]
  /** Longest new orders wait for a reconnect's audit (default 3 s). */
  readonly gateMaxMs?: number
  /** Order-book levels a side passed on as `book` events. */
  readonly depth?: number
  readonly log?: { warn(o: object, msg: string): void; info(o: object, msg: string): void }
}

/** Stream health and repair counts, for stats, the summary and tests. */
export interface CcxtStreamHealth {
  readonly streams: 'ws' | 'poll'
  readonly userStream: 'starting' | 'up' | 'down' | 'stopped' | 'polled'
  /** Times a stream went down (user data and market data). */
  readonly disconnects: number
  /** Times the user-data stream came back, each followed by an audit before new orders. */
  readonly reconnects: number
  readonly audits: number
  readonly repaired: number
  readonly gaps: number
  readonly late: number
  /** New orders the venue refused for its rate limits (429/418). */
  readonly rateLimited: number
}

/**
 * Any ccxt exchange behind the exchange port: the same code trades on Binance and on the local
 * Binance-compatible venue. Construct the ccxt instance with its retries off for orders (ccxt does
 * not retry by default; we resolve unknown outcomes by client order id) and its rate limiter on.
 *
 * With ccxt.pro, our orders and trades come from `watchOrders`/`watchMyTrades` and market data from
 * `watchOrderBook`/`watchTrades`, each in a loop that reconnects and resubscribes (an order book
 * fetches a fresh snapshot). Pushed messages can be lost, repeated or reordered, so they pass through
 * an `OrderFeed`, which audits open orders against the venue every `auditMs`, every `pollMs` while the
 * user stream is down, and at once when it comes back — new orders wait for that audit.
 */
export class CcxtExchange implements ExchangePort {
  readonly id: string
  readonly mode: 'ws' | 'poll'
  private readonly market$ = new Subject<MarketEvent>()
  private readonly feed: OrderFeed
  private readonly loops: WatchLoop<unknown>[] = []
  private timers: NodeJS.Timeout[] = []
  private started = false
  private stopped = false
  /** While set, new orders wait: a reconnect's audit is running. */
  private gate: Promise<void> | null = null
  private disconnects = 0
  private reconnects = 0
  private userLoops: WatchLoop<unknown>[] = []

  constructor(
    private readonly ex: CcxtLike,
    private readonly o: CcxtExchangeOptions = {},
  ) {
    this.id = ex.id
    // ccxt's base class defines every watch* (throwing NotSupported): `has` says which are real.
    const canWatch = this.can('watchOrders') && this.can('watchMyTrades')
    this.mode = o.streams ?? (canWatch ? 'ws' : 'poll')
    if (this.mode === 'ws' && !canWatch) throw new Error(`ccxt exchange '${ex.id}' has no watchOrders/watchMyTrades: use streams 'poll' or ccxt.pro`)
    this.feed = new OrderFeed(
      {
        fetchOpenOrders: (symbol) => this.rest(() => ex.fetchOpenOrders(symbol)).then((os) => os.map((x) => toExchangeOrder(x))),
        fetchOrder: (cid, symbol) => this.rest(() => ex.fetchOrder('', symbol, { clientOrderId: cid })).then((x) => toExchangeOrder(x, cid)),
        fetchOrderTrades: (orderId, symbol, since) => this.orderTrades(orderId, symbol, since),
        fetchOrders: (symbol, since) => this.rest(() => ex.fetchOrders(symbol, since)).then((os) => os.map((x) => toExchangeOrder(x))),
        fetchTrades: (symbol, since) => this.rest(() => ex.fetchMyTrades(symbol, since)).then((ts) => ts.map((t, i) => ({ ...toExchangeTrade(t, `${t.order}-${i}`), orderId: String(t.order ?? '') }))),
      },
      { gapMs: o.gapMs, onError: (err, what) => o.log?.warn({ err: String(err) }, `${what} failed; tried again at the next audit`) },
    )
  }

  private can(method: 'watchOrders' | 'watchMyTrades' | 'watchOrderBook' | 'watchTrades'): boolean {
    const has = this.ex.has?.[method]
    return typeof this.ex[method] === 'function' && (has === true || has === 'emulated')
  }

  /**
   * A refused new order: a 429/418 means the venue did not take it (the outcome is known), so it is a
   * RateLimitedError carrying the venue's Retry-After, which holds further orders back until then.
   */
  private orderError(err: unknown): Error {
    const e = toExchangeError(err)
    if (!(e instanceof RetryableExchangeError && e.code === 'rate_limit')) return e
    const h = (this.ex as { last_response_headers?: Record<string, string> }).last_response_headers ?? {}
    const after = Number(h['Retry-After'] ?? h['retry-after'] ?? 1)
    const ms = (Number.isFinite(after) && after > 0 ? after : 1) * 1000
    this.rateLimitedUntil = Math.max(this.rateLimitedUntil, Date.now() + ms)
    this.rateLimited++
    return new RateLimitedError(e.message, ms, { cause: err })
  }

  /** New orders the venue refused for its rate limits. */
  rateLimited = 0
  private rateLimitedUntil = 0

  private call<T>(f: () => Promise<T>): Observable<T> {
    return defer(f).pipe(catchError((err: unknown) => throwError(() => toExchangeError(err))))
  }

  private async rest<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f()
    } catch (err) {
      throw toExchangeError(err)
    }
  }

  private async orderTrades(orderId: string, symbol: string, since: number): Promise<readonly ExchangeTrade[]> {
    const ts =
      this.ex.fetchOrderTrades !== undefined && this.ex.has?.fetchOrderTrades
        ? await this.rest(() => this.ex.fetchOrderTrades!(orderId, symbol, since))
        : await this.rest(() => this.ex.fetchMyTrades(symbol, since))
    return ts.filter((t) => String(t.order ?? orderId) === orderId).map((t, i) => toExchangeTrade(t, `${orderId}-${i}`))
  }

  health(): CcxtStreamHealth {
    const user = this.mode === 'poll' ? 'polled' : (this.userLoops[0]?.state ?? 'starting')
    const c = this.feed.counts
    return {
      streams: this.mode,
      userStream: user,
      disconnects: this.disconnects,
      reconnects: this.reconnects,
      audits: c.audits,
      repaired: c.repaired,
      gaps: c.gaps,
      late: c.late,
      rateLimited: this.rateLimited,
    }
  }

  loadMarkets(): Observable<readonly Market[]> {
    return this.call(() => this.ex.loadMarkets()).pipe(
      map((ms) =>
        Object.values(ms)
          .filter((m) => m.spot !== false && m.active !== false)
          .map(toMarket),
      ),
    )
  }

  createOrder(req: OrderRequest): Observable<ExchangeOrder> {
    const send = () =>
      this.sends
        .run(() => this.ex.createOrder(req.symbol, req.type, req.side, req.amount, req.price, { clientOrderId: req.clientOrderId }))
        .pipe(
          catchError((err: unknown) => throwError(() => (err instanceof RateLimitedError ? err : this.orderError(err)))),
          map((o) => {
            const r = toExchangeOrder(o, req.clientOrderId)
            this.feed.acknowledged(r)
            return r
          }),
        )
    // After a reconnect, nothing new goes out before the audit has caught up with the venue.
    return defer(() => (this.gate === null ? send() : from(this.gate).pipe(switchMap(send))))
  }

  /**
   * New orders go to ccxt a few at a time; one that waits its turn while the venue's Retry-After runs
   * is refused here, never sent (it would only be refused again, and count towards a ban).
   */
  private readonly sends = new SendGate(8, () => {
    const wait = this.rateLimitedUntil - Date.now()
    return wait > 0 ? new RateLimitedError(`rate limited by the venue for another ${Math.ceil(wait)} ms`, wait) : null
  })

  cancelOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.call(() => this.ex.cancelOrder('', symbol, { clientOrderId }).then((o) => this.withTrades(toExchangeOrder(o, clientOrderId))))
  }

  fetchOrder(clientOrderId: string, symbol: string): Observable<ExchangeOrder> {
    return this.call(() => this.ex.fetchOrder('', symbol, { clientOrderId }).then((o) => this.withTrades(toExchangeOrder(o, clientOrderId))))
  }

  /**
   * A cancel's or a look-up's answer carries the filled amount but not the trades (Binance's do
   * not): add those the streams brought, and read the rest, so that a final answer never goes to the
   * engine short of its fills.
   */
  private async withTrades(r: ExchangeOrder): Promise<ExchangeOrder> {
    const known = new Map<string, ExchangeTrade>()
    for (const t of [...r.trades, ...this.feed.tradesOf(r.clientOrderId)]) known.set(t.id, t)
    let sum = 0
    for (const t of known.values()) sum += t.amount
    if (r.filled > sum + 1e-9 * Math.max(1, r.amount)) {
      this.feed.counts.repaired++
      for (const t of await this.orderTrades(r.id, r.symbol, r.timestamp)) known.set(t.id, t)
    }
    const out = { ...r, trades: [...known.values()] }
    this.feed.acknowledged(out)
    return out
  }

  fetchOpenOrders(symbol?: string): Observable<readonly ExchangeOrder[]> {
    return this.call(() => this.ex.fetchOpenOrders(symbol)).pipe(map((os) => os.map((o) => toExchangeOrder(o))))
  }

  fetchOrders(symbol: string, since?: number): Observable<readonly ExchangeOrder[]> {
    return this.call(() => this.ex.fetchOrders(symbol, since)).pipe(map((os) => os.map((o) => toExchangeOrder(o))))
  }

  fetchMyTrades(symbol: string, since?: number): Observable<readonly (ExchangeTrade & { readonly orderId: string })[]> {
    return this.call(() => this.ex.fetchMyTrades(symbol, since)).pipe(map((ts) => ts.map((t, i) => ({ ...toExchangeTrade(t, `${t.order}-${i}`), orderId: String(t.order ?? '') }))))
  }

  fetchBalance(): Observable<Readonly<Record<string, Balance>>> {
    return this.call(() => this.ex.fetchBalance()).pipe(map(toBalances))
  }

  /** Every later change of our orders, as reports carrying all their trades known so far. */
  watchOrders(): Observable<ExchangeOrder> {
    this.start()
    return this.feed.reports$.asObservable()
  }

  watchMarket(): Observable<MarketEvent> {
    this.start()
    return this.market$.asObservable()
  }

  /** Stops streams and timers and closes ccxt's websocket connections. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const l of this.loops) l.stop()
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    this.feed.stop()
    this.market$.complete()
    await this.ex.close?.().catch(() => undefined)
  }

  private start(): void {
    if (this.started || this.stopped) return
    this.started = true
    const every = (ms: number, f: () => Promise<void>) => {
      let busy = false
      const t = setInterval(() => {
        if (busy) return
        busy = true
        f().finally(() => (busy = false))
      }, ms)
      t.unref?.()
      this.timers.push(t)
    }
    const pollMs = this.o.pollMs ?? 1_000
    if (this.mode === 'poll') {
      every(pollMs, () => this.feed.audit())
      if ((this.o.symbols ?? []).length > 0) every(pollMs, () => this.pollQuotes())
      return
    }
    this.startUserStreams()
    // With the user stream down, the audit is what keeps orders moving: run it at the REST pace then.
    let last = 0
    const auditMs = this.o.auditMs ?? 10_000
    every(Math.min(pollMs, auditMs), async () => {
      const down = this.userLoops.some((l) => l.state === 'down')
      if (!down && Date.now() - last < auditMs) return
      last = Date.now()
      await this.feed.audit()
    })
    this.startMarketStreams()
  }

  private startUserStreams(): void {
    const ex = this.ex
    const events = (name: string) => ({
      onDown: (err: unknown, retryInMs: number) => {
        this.disconnects++
        this.o.log?.warn({ stream: name, err: String(err), retryInMs }, 'stream down; reconnecting')
      },
      onUp: () => {
        this.reconnects++
        this.o.log?.info({ stream: name }, 'stream back; auditing open orders before new ones')
        this.reconcileNow()
      },
    })
    const orders = new WatchLoop(
      'orders',
      () => ex.watchOrders!(),
      (os) => {
        for (const o of os) this.feed.order(toExchangeOrder(o))
      },
      events('orders'),
    )
    const trades = new WatchLoop(
      'myTrades',
      () => ex.watchMyTrades!(),
      (ts) => {
        for (const t of ts) if (t.order !== undefined) this.feed.trade(String(t.order), toExchangeTrade(t, `${t.order}-${t.timestamp}`))
      },
      events('myTrades'),
    )
    this.userLoops = [orders, trades] as WatchLoop<unknown>[]
    for (const l of this.userLoops) this.loops.push(l.start())
  }

  /** Audits at once and holds new orders until done (after a reconnect). */
  private reconcileNow(): void {
    const audit = this.feed.audit()
    // Bounded: a venue slow to answer must not stop all trading; the periodic audit carries on.
    const gate = Promise.race([audit, new Promise((r) => setTimeout(r, this.o.gateMaxMs ?? 3_000).unref?.())]).then(
      () => undefined,
      () => undefined,
    )
    this.gate = gate
    void gate.then(() => {
      if (this.gate === gate) this.gate = null
    })
  }

  private startMarketStreams(): void {
    const ex = this.ex
    const depth = this.o.depth ?? 5
    const quiet = { onDown: () => void this.disconnects++ }
    for (const symbol of this.o.symbols ?? []) {
      if (this.can('watchOrderBook')) {
        this.loops.push(
          new WatchLoop(
            `book ${symbol}`,
            () => ex.watchOrderBook!(symbol, depth),
            (b) => {
              const bid = b.bids[0]
              const ask = b.asks[0]
              if (bid === undefined || ask === undefined) return
              const ts = b.timestamp ?? Date.now()
              this.market$.next({ kind: 'book', symbol, bids: b.bids.slice(0, depth).map(([p, q]) => [p, q] as const), asks: b.asks.slice(0, depth).map(([p, q]) => [p, q] as const), ts })
              this.market$.next({ kind: 'quote', symbol, bid: bid[0], ask: ask[0], bidSize: bid[1], askSize: ask[1], ts })
            },
            quiet,
          ).start() as WatchLoop<unknown>,
        )
      }
      if (this.can('watchTrades')) {
        this.loops.push(
          new WatchLoop(
            `trades ${symbol}`,
            () => ex.watchTrades!(symbol),
            (ts) => {
              for (const t of ts)
                this.market$.next({ kind: 'trade', symbol, id: String(t.id ?? ''), price: t.price, amount: t.amount, side: t.side === 'sell' ? 'sell' : 'buy', ts: t.timestamp ?? Date.now() })
            },
            quiet,
          ).start() as WatchLoop<unknown>,
        )
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
