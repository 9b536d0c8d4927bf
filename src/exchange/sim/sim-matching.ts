import type { Trade } from '../../domain/market.ts'
import type { TradeIds } from './trade-ids.ts'
import { FinalExchangeError } from '../../domain/errors.ts'
import type { ExchangeOrder, ExchangeTrade, OrderRequest } from '../port.ts'
import type { SimAccount } from './sim-account.ts'
import { LEVELS, type SimMarketData, type SymbolMarket } from './sim-market-data.ts'
import { snapshot, type SimOrder } from './sim-order.ts'
import { RecentKeys } from '../../util/recent-keys.ts'

/** What matching tells the rest of the simulator as it happens. */
export interface MatchingEvents {
  /** An order was accepted, traded or canceled (`trade` set on 'trade'). */
  activity(kind: 'new' | 'trade' | 'canceled', v: SimOrder, trade: ExchangeTrade | null): void
  /** A resting order filled as maker: the owner learns of it by an order update. */
  makerFill(v: SimOrder, trade: ExchangeTrade): void
}

/**
 * The simulator's matching engine: orders by client order id (closed ones forgotten oldest first,
 * as venues archive), resting orders per symbol, takers walking the modelled levels, and resting
 * orders filled by prints (queue-position model) or by the market moving through them.
 */
export class SimMatching {
  private readonly orders = new Map<string, SimOrder>()
  private readonly open = new Map<string, Set<SimOrder>>()
  /** Closed orders in closing order: the oldest are forgotten past the history limit. */
  private readonly closedIds: RecentKeys<string>
  private readonly forget = (id: string): void => void this.orders.delete(id)
  private orderSeq = 0
  fills = 0

  constructor(
    private readonly data: SimMarketData,
    private readonly account: SimAccount,
    private readonly events: MatchingEvents,
    private readonly tradeSeq: TradeIds,
    /** Closed orders remembered for look-ups and duplicate checks. */
    historyLimit = 200_000,
  ) {
    this.closedIds = new RecentKeys(historyLimit)
    for (const m of data.markets) this.open.set(m.symbol, new Set())
  }

  get(clientOrderId: string): SimOrder | undefined {
    return this.orders.get(clientOrderId)
  }

  /** Every order remembered (open ones always). */
  all(): IterableIterator<SimOrder> {
    return this.orders.values()
  }

  resting(symbol: string): ReadonlySet<SimOrder> {
    return this.open.get(symbol) ?? new Set()
  }

  /** Validates, takes what the book offers, and rests a limit order's remainder; refusals are final errors. */
  place(req: OrderRequest, now: number): SimOrder {
    if (this.orders.has(req.clientOrderId)) throw new FinalExchangeError(`duplicate order sent: ${req.clientOrderId}`, 'duplicate')
    const s = this.data.get(req.symbol)
    if (s === undefined) throw new FinalExchangeError(`invalid symbol ${req.symbol}`, 'invalid')
    const m = s.market
    if (!(req.amount > 0) || !Number.isFinite(req.amount)) throw new FinalExchangeError(`invalid amount ${req.amount}`, 'invalid')
    if (req.type === 'limit' && !(req.price !== undefined && req.price > 0)) throw new FinalExchangeError('limit order needs a positive price', 'invalid')
    const ref = req.type === 'limit' ? req.price! : req.side === 'buy' ? s.quote.ask : s.quote.bid
    if (req.amount * ref < m.minNotional) throw new FinalExchangeError(`notional ${req.amount * ref} below minimum ${m.minNotional}`, 'invalid')
    this.account.checkFunds(m, req.side, req.amount, req.side === 'buy' && req.type !== 'limit' ? this.data.levelPrice(s, 'buy', LEVELS - 1) : (req.price ?? 0))

    const v: SimOrder = { id: String(++this.orderSeq), req, status: 'open', filled: 0, cost: 0, trades: [], timestamp: now, reserved: 0, queueAhead: 0 }
    this.orders.set(req.clientOrderId, v)
    this.events.activity('new', v, null)
    this.take(s, v, now)
    if (v.status !== 'open') return v
    if (req.type === 'market') {
      // Depth beyond the modelled levels: the rest fills at the last level's price.
      this.fill(s, v, this.data.levelPrice(s, req.side, LEVELS - 1), req.amount - v.filled, 'taker', now)
      return v
    }
    this.account.reserve(m, v)
    // Joining the touch: everything displayed there is ahead of us; behind the touch, nothing is.
    const q = s.quote
    v.queueAhead = req.side === 'buy' ? (req.price! === q.bid ? q.bidSize : 0) : req.price! === q.ask ? q.askSize : 0
    this.open.get(req.symbol)!.add(v)
    return v
  }

  /** Cancels an open order; a missing or finished one is a final error, as venues answer. */
  cancel(clientOrderId: string, symbol: string): SimOrder {
    const v = this.orders.get(clientOrderId)
    if (v === undefined || v.req.symbol !== symbol) throw new FinalExchangeError(`order ${clientOrderId} not found`, 'not_found')
    if (v.status !== 'open') throw new FinalExchangeError(`order ${clientOrderId} is ${v.status}: unknown order sent`, 'rejected')
    this.close(v, 'canceled')
    this.events.activity('canceled', v, null)
    return v
  }

  /**
   * A print fills resting orders as maker: one through its price fills it up to the printed size; one
   * exactly at its price first eats the queue ahead of it, then fills it.
   */
  matchPrint(s: SymbolMarket, trade: Trade, now: number): void {
    const open = this.open.get(s.market.symbol)!
    if (open.size === 0) return
    let left = trade.amount
    for (const v of [...open]) {
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
      this.makerFill(s, v, p, amount, now)
      left -= amount
    }
  }

  /** The market moved onto resting orders: a buy at or above the new ask (a sell at or below the bid) fills at its own price, as maker. */
  sweepCrossed(s: SymbolMarket, now: number): void {
    const open = this.open.get(s.market.symbol)!
    if (open.size === 0) return
    const q = s.quote
    for (const v of [...open]) {
      const p = v.req.price!
      if (v.req.side === 'buy' ? q.ask <= p : q.bid >= p) this.makerFill(s, v, p, v.req.amount - v.filled, now)
    }
  }

  /** Takes liquidity from the modelled levels, up to the limit price for limit orders. */
  private take(s: SymbolMarket, v: SimOrder, now: number): void {
    const { side, type, price } = v.req
    for (let level = 0; level < LEVELS && v.status === 'open'; level++) {
      const p = this.data.levelPrice(s, side, level)
      if (type === 'limit' && (side === 'buy' ? p > price! : p < price!)) break
      this.fill(s, v, p, Math.min(this.data.levelSize(s, side, level), v.req.amount - v.filled), 'taker', now)
    }
  }

  private makerFill(s: SymbolMarket, v: SimOrder, price: number, amount: number, now: number): void {
    const t = this.fill(s, v, price, amount, 'maker', now)
    if (t !== null) this.events.makerFill(v, t)
  }

  private fill(s: SymbolMarket, v: SimOrder, price: number, amount: number, liquidity: 'maker' | 'taker', now: number): ExchangeTrade | null {
    if (amount <= 1e-12) return null
    const fee = this.account.settle(s.market, v, price, amount, liquidity)
    const t: ExchangeTrade = { id: `t${this.tradeSeq.next(s.market.symbol)}`, price, amount, fee, takerOrMaker: liquidity, timestamp: now }
    v.trades.push(t)
    v.filled += amount
    v.cost += price * amount
    this.fills++
    if (v.filled >= v.req.amount - 1e-12) this.close(v, 'closed')
    this.events.activity('trade', v, t)
    return t
  }

  private close(v: SimOrder, status: ExchangeOrder['status']): void {
    v.status = status
    this.closedIds.add(v.req.clientOrderId, this.forget)
    this.open.get(v.req.symbol)!.delete(v)
    this.account.release(this.data.get(v.req.symbol)!.market, v)
  }
}

export { snapshot }
