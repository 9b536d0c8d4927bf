import { Subject } from 'rxjs'
import { FinalExchangeError } from '../../domain/errors.ts'
import type { ExchangeOrder, ExchangeTrade } from '../port.ts'

/** The REST look-ups an audit needs (the adapter's, already mapped). */
export interface AuditSource {
  fetchOpenOrders(symbol: string): Promise<readonly ExchangeOrder[]>
  fetchOrder(clientOrderId: string, symbol: string): Promise<ExchangeOrder>
  /** Trades of one venue order (`since`: its creation time). */
  fetchOrderTrades(orderId: string, symbol: string, since: number): Promise<readonly ExchangeTrade[]>
  /** Every order of ours on `symbol` since `since`, and our trades there with their venue order ids (one request each). */
  fetchOrders?(symbol: string, since: number): Promise<readonly ExchangeOrder[]>
  fetchTrades?(symbol: string, since: number): Promise<readonly (ExchangeTrade & { readonly orderId: string })[]>
}

/** Binance's allOrders and myTrades answer at most 500 rows by default: a full page may be cut short. */
const PAGE = 500

interface Tracked {
  readonly clientOrderId: string
  readonly symbol: string
  id: string
  /** The latest order state the venue reported (its trades are kept apart). */
  last: ExchangeOrder
  readonly trades: Map<string, ExchangeTrade>
  filledByTrades: number
  sentTrades: number
  sentStatus: ExchangeOrder['status'] | null
  /** When we first knew of it: an audit only judges orders known before its snapshot was asked for. */
  readonly since: number
  gapTimer: NodeJS.Timeout | null
}

export interface OrderFeedCounts {
  /** Reports handed on. */
  reports: number
  /** Reports whose filled amount ran ahead of the trades received: a trade message was lost or late. */
  gaps: number
  audits: number
  /** Orders an audit (or a gap) had to read over REST because the stream had not told their state. */
  repaired: number
  /** Messages about orders already final. */
  late: number
}

const FINAL = new Set<ExchangeOrder['status']>(['closed', 'canceled', 'rejected', 'expired'])
const RANK: Record<ExchangeOrder['status'], number> = { open: 0, closed: 1, canceled: 1, rejected: 1, expired: 1 }

/**
 * Turns a venue's pushed order and trade messages — which may be lost, repeated, reordered, or
 * interrupted by a reconnect — into order reports the engine can trust: each report carries every
 * trade known for its order, and a final state is never passed on before the trades that make up its
 * filled amount (a canceled order with a missing fill would otherwise lose the fill for good). A gap
 * is closed over REST after `gapMs`; `audit()` compares every order still open here with the venue's
 * open orders and reads those that moved without telling us. Orders are matched by client order id.
 */
export class OrderFeed {
  readonly reports$ = new Subject<ExchangeOrder>()
  readonly counts: OrderFeedCounts = { reports: 0, gaps: 0, audits: 0, repaired: 0, late: 0 }
  private readonly open = new Map<string, Tracked>()
  private readonly byId = new Map<string, string>()
  /** Trades whose order we have not seen yet, by venue order id. */
  private readonly early = new Map<string, ExchangeTrade[]>()
  /** Orders passed on as final (client id → venue id), oldest first, so late messages about them are ignored. */
  private readonly finished = new Map<string, string>()
  private auditing: Promise<void> | null = null

  constructor(
    private readonly source: AuditSource,
    private readonly o: { readonly gapMs?: number; readonly finishedKept?: number; readonly now?: () => number; readonly onError?: (err: unknown, what: string) => void } = {},
  ) {}

  /** Orders this feed still follows. */
  get size(): number {
    return this.open.size
  }

  /** An order state from anywhere (a push, an audit), with whatever trades it carries. */
  order(r: ExchangeOrder): void {
    const t = this.merge(r)
    if (t !== null) this.flush(t)
  }

  /** Trades known for an order still followed here. */
  tradesOf(clientOrderId: string): readonly ExchangeTrade[] {
    const t = this.open.get(clientOrderId)
    return t === undefined ? [] : [...t.trades.values()]
  }

  /**
   * The venue's answer to our own request, which the caller receives directly: it is recorded, and
   * passed on only if pushes told more than it (an answer that is final already needs no report).
   */
  acknowledged(r: ExchangeOrder): void {
    const t = this.merge(r)
    if (t === null) return
    if (t.last === r && t.trades.size === r.trades.length && t.filledByTrades >= r.filled - eps(t)) {
      // Nothing beyond the answer itself: the caller has it all.
      t.sentTrades = t.trades.size
      t.sentStatus = r.status
      if (FINAL.has(r.status)) this.drop(t)
    } else this.flush(t)
  }

  private merge(r: ExchangeOrder): Tracked | null {
    if (!r.clientOrderId) return null
    if (this.finished.has(r.clientOrderId)) {
      this.counts.late++
      return null
    }
    let t = this.open.get(r.clientOrderId)
    if (t === undefined) {
      t = { clientOrderId: r.clientOrderId, symbol: r.symbol, id: r.id, last: r, trades: new Map(), filledByTrades: 0, sentTrades: 0, sentStatus: null, since: this.now(), gapTimer: null }
      this.open.set(r.clientOrderId, t)
    } else if (RANK[r.status] > RANK[t.last.status] || (RANK[r.status] === RANK[t.last.status] && r.filled >= t.last.filled)) {
      // Reordered messages: a state never goes back (final over open, more filled over less).
      t.last = r
    }
    if (r.id && t.id !== r.id) t.id = r.id
    if (t.id) {
      this.byId.set(t.id, t.clientOrderId)
      const waiting = this.early.get(t.id)
      if (waiting !== undefined) {
        this.early.delete(t.id)
        for (const x of waiting) this.addTrade(t, x)
      }
    }
    for (const x of r.trades) this.addTrade(t, x)
    return t
  }

  /** One of our trades, with its venue order id. */
  trade(orderId: string, x: ExchangeTrade): void {
    const cid = this.byId.get(orderId)
    const t = cid === undefined ? undefined : this.open.get(cid)
    if (t === undefined) {
      if (cid !== undefined && this.finished.has(cid)) {
        this.counts.late++
        return
      }
      const list = this.early.get(orderId) ?? []
      if (list.length === 0) this.early.set(orderId, list)
      if (!list.some((y) => y.id === x.id)) list.push(x)
      if (this.early.size > 10_000) this.early.delete(this.early.keys().next().value as string)
      return
    }
    this.addTrade(t, x)
    this.flush(t)
  }

  /**
   * Compares every order followed here (and known before this call) with the venue's open orders,
   * one request per symbol, and reads over REST those that closed or filled unseen. Concurrent
   * calls share one audit.
   */
  audit(): Promise<void> {
    this.auditing ??= this.runAudit().finally(() => (this.auditing = null))
    return this.auditing
  }

  stop(): void {
    for (const t of this.open.values()) if (t.gapTimer !== null) clearTimeout(t.gapTimer)
    this.reports$.complete()
  }

  private async runAudit(): Promise<void> {
    this.counts.audits++
    const asked = this.now()
    const bySymbol = new Map<string, Tracked[]>()
    for (const t of this.open.values()) if (t.since <= asked) (bySymbol.get(t.symbol) ?? bySymbol.set(t.symbol, []).get(t.symbol)!).push(t)
    await Promise.all(
      [...bySymbol].map(async ([symbol, mine]) => {
        let open: readonly ExchangeOrder[]
        try {
          open = await this.source.fetchOpenOrders(symbol)
        } catch (err) {
          this.o.onError?.(err, `audit of ${symbol}`)
          return
        }
        const venue = new Map(open.map((v) => [v.clientOrderId, v]))
        const stale = mine.filter((t) => {
          const v = venue.get(t.clientOrderId)
          return this.open.has(t.clientOrderId) && (v === undefined || v.filled > t.filledByTrades + eps(t))
        })
        if (stale.length === 0) return
        // Several at once: two requests for the symbol rather than two per order (a rate limiter
        // would otherwise queue new orders behind a long audit).
        const src = this.source
        if (stale.length > 1 && src.fetchOrders !== undefined && src.fetchTrades !== undefined) {
          const since = Math.min(...stale.map((t) => t.last.timestamp || t.since))
          try {
            const [orders, trades] = await Promise.all([src.fetchOrders(symbol, since), src.fetchTrades(symbol, since)])
            if (orders.length < PAGE && trades.length < PAGE) {
              const byCid = new Map(orders.map((v) => [v.clientOrderId, v]))
              const byOrder = new Map<string, ExchangeTrade[]>()
              for (const x of trades) (byOrder.get(x.orderId) ?? byOrder.set(x.orderId, []).get(x.orderId)!).push(x)
              for (const t of stale) {
                const v = byCid.get(t.clientOrderId)
                if (v === undefined || !this.open.has(t.clientOrderId)) continue
                this.counts.repaired++
                this.order({ ...v, trades: byOrder.get(v.id) ?? [] })
              }
            }
          } catch (err) {
            this.o.onError?.(err, `audit of ${symbol}`)
          }
        }
        // Still behind (a single order, a full page, an order missing from the page): one by one.
        for (const t of stale) {
          if (!this.open.has(t.clientOrderId)) continue
          const v = venue.get(t.clientOrderId)
          if (v === undefined || v.filled > t.filledByTrades + eps(t)) await this.repair(t)
        }
      }),
    )
  }

  /** Reads one order and its trades over REST and passes on what the stream missed. */
  private async repair(t: Tracked): Promise<void> {
    try {
      const v = await this.source.fetchOrder(t.clientOrderId, t.symbol)
      const trades = v.filled > 0 ? await this.source.fetchOrderTrades(v.id, t.symbol, v.timestamp) : []
      this.counts.repaired++
      this.order({ ...v, trades })
    } catch (err) {
      if (err instanceof FinalExchangeError && err.code === 'not_found') {
        // The venue does not know it (archived, or never reached): nothing more will come.
        this.drop(t)
      }
      this.o.onError?.(err, `repair of ${t.clientOrderId}`)
    }
  }

  private addTrade(t: Tracked, x: ExchangeTrade): void {
    if (t.trades.has(x.id)) return
    t.trades.set(x.id, x)
    t.filledByTrades += x.amount
  }

  private flush(t: Tracked): void {
    const covered = t.filledByTrades >= t.last.filled - eps(t)
    const status = covered ? t.last.status : 'open'
    if (!covered && t.gapTimer === null) {
      this.counts.gaps++
      t.gapTimer = setTimeout(() => {
        t.gapTimer = null
        if (this.open.get(t.clientOrderId) === t && t.filledByTrades < t.last.filled - eps(t)) void this.repair(t)
      }, this.o.gapMs ?? 250)
      t.gapTimer.unref?.()
    }
    if (t.trades.size === t.sentTrades && status === t.sentStatus) return
    t.sentTrades = t.trades.size
    t.sentStatus = status
    this.counts.reports++
    this.reports$.next({ ...t.last, status, trades: [...t.trades.values()] })
    if (FINAL.has(status)) this.drop(t)
  }

  private drop(t: Tracked): void {
    if (t.gapTimer !== null) clearTimeout(t.gapTimer)
    this.open.delete(t.clientOrderId)
    this.finished.set(t.clientOrderId, t.id)
    if (this.finished.size > (this.o.finishedKept ?? 100_000)) {
      const [cid, id] = this.finished.entries().next().value as [string, string]
      this.finished.delete(cid)
      if (this.byId.get(id) === cid) this.byId.delete(id)
    }
  }

  private now(): number {
    return this.o.now?.() ?? Date.now()
  }
}

const eps = (t: Tracked) => 1e-9 * Math.max(1, t.last.amount)
