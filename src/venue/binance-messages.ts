import type { Market, Quote, Trade } from '../domain/market.ts'
import type { ExchangeOrder } from '../exchange/port.ts'
import type { VenueActivity } from '../exchange/sim/sim-exchange.ts'

/** Binance's shapes for what the venue pushes and answers, built from the simulator's. Pure. */

export const binanceSymbol = (symbol: string) => symbol.replace('/', '')
export const num = (x: number | null | undefined) => (x === null || x === undefined ? '0' : String(x))
/** Venue ids are strings in the simulator ('t17', 'm4'); Binance's are numbers from one sequence. */
export const numericId = (id: string) => Number(id.replace(/\D/g, ''))

export type Level = readonly [number, number]

/** Per-symbol state the streams and REST share, so that a depth snapshot and its diffs agree. */
export interface SymbolState {
  readonly market: Market
  /** Increases with every book change; a depth snapshot's `lastUpdateId`. */
  updateId: number
  bids: readonly Level[]
  asks: readonly Level[]
  quote: Quote | null
  /** Rolling figures since the venue started (the simulator has no 24-hour history). */
  open: number
  high: number
  low: number
  last: number
  lastQty: number
  volume: number
  quoteVolume: number
  count: number
  firstTradeId: number
  lastTradeId: number
  openTime: number
}

export const binanceStatus = (o: ExchangeOrder) =>
  o.status === 'open' ? (o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW') : o.status === 'closed' ? 'FILLED' : o.status === 'canceled' ? 'CANCELED' : o.status === 'expired' ? 'EXPIRED' : 'REJECTED'

/**
 * A user-data `executionReport`. On a cancel Binance puts the cancel request's id in `c` and the
 * order's own in `C`; `cancelId` stands for the former.
 */
export function executionReport(e: VenueActivity, m: Market, now: number, cancelId: string): Record<string, unknown> {
  const o = e.order
  const t = e.trade
  const cost = (o.average ?? 0) * o.filled
  return {
    e: 'executionReport',
    E: now,
    s: binanceSymbol(o.symbol),
    c: e.kind === 'canceled' ? cancelId : o.clientOrderId,
    S: o.side.toUpperCase(),
    o: o.type.toUpperCase(),
    f: 'GTC',
    q: num(o.amount),
    p: num(o.price ?? 0),
    P: '0',
    F: '0',
    g: -1,
    C: e.kind === 'canceled' ? o.clientOrderId : '',
    x: e.kind === 'new' ? 'NEW' : e.kind === 'trade' ? 'TRADE' : 'CANCELED',
    X: binanceStatus(o),
    r: 'NONE',
    i: Number(o.id),
    l: num(t?.amount ?? 0),
    z: num(o.filled),
    L: num(t?.price ?? 0),
    n: num(t?.fee ?? 0),
    N: t === null ? null : m.quote,
    T: t?.timestamp ?? now,
    t: t === null ? -1 : numericId(t.id),
    I: 0,
    w: o.status === 'open',
    m: t?.takerOrMaker === 'maker',
    M: false,
    O: o.timestamp,
    Z: num(cost),
    Y: num(t === null ? 0 : t.price * t.amount),
    Q: '0',
    W: o.timestamp,
    V: 'NONE',
  }
}

export function tradeEvent(t: Trade, now: number): Record<string, unknown> {
  // `m`: the buyer was the maker, i.e. the aggressor sold.
  return { e: 'trade', E: now, s: binanceSymbol(t.symbol), t: numericId(t.id), p: num(t.price), q: num(t.amount), T: t.ts, m: t.side === 'sell', M: true }
}

export function aggTradeEvent(t: Trade, now: number): Record<string, unknown> {
  const id = numericId(t.id)
  return { e: 'aggTrade', E: now, s: binanceSymbol(t.symbol), a: id, p: num(t.price), q: num(t.amount), f: id, l: id, T: t.ts, m: t.side === 'sell', M: true }
}

export function bookTickerEvent(s: SymbolState): Record<string, unknown> {
  const q = s.quote!
  return { u: s.updateId, s: binanceSymbol(s.market.symbol), b: num(q.bid), B: num(q.bidSize), a: num(q.ask), A: num(q.askSize) }
}

const levels = (ls: readonly Level[], limit: number) => ls.slice(0, limit).map(([p, q]) => [num(p), num(q)])

export function depthSnapshot(s: SymbolState, limit: number): { lastUpdateId: number; bids: string[][]; asks: string[][] } {
  return { lastUpdateId: s.updateId, bids: levels(s.bids, limit), asks: levels(s.asks, limit) }
}

/** Levels whose size changed between two books, with "0" for a level that went away (Binance's diff depth). */
export function levelChanges(before: readonly Level[], after: readonly Level[]): string[][] {
  const now = new Map(after.map(([p, q]) => [p, q]))
  const out: string[][] = []
  for (const [p] of before) if (!now.has(p)) out.push([num(p), '0'])
  const was = new Map(before.map(([p, q]) => [p, q]))
  for (const [p, q] of after) if (was.get(p) !== q) out.push([num(p), num(q)])
  return out
}

export function depthUpdateEvent(s: SymbolState, firstId: number, bids: string[][], asks: string[][], now: number): Record<string, unknown> {
  return { e: 'depthUpdate', E: now, s: binanceSymbol(s.market.symbol), U: firstId, u: s.updateId, b: bids, a: asks }
}

export function ticker24h(s: SymbolState, now: number): Record<string, string | number> {
  const q = s.quote
  const change = s.last - s.open
  return {
    symbol: binanceSymbol(s.market.symbol),
    priceChange: num(change),
    priceChangePercent: num(s.open > 0 ? (100 * change) / s.open : 0),
    weightedAvgPrice: num(s.volume > 0 ? s.quoteVolume / s.volume : s.last),
    prevClosePrice: num(s.open),
    lastPrice: num(s.last),
    lastQty: num(s.lastQty),
    bidPrice: num(q?.bid),
    bidQty: num(q?.bidSize),
    askPrice: num(q?.ask),
    askQty: num(q?.askSize),
    openPrice: num(s.open),
    highPrice: num(s.high),
    lowPrice: num(s.low),
    volume: num(s.volume),
    quoteVolume: num(s.quoteVolume),
    openTime: s.openTime,
    closeTime: now,
    firstId: s.firstTradeId,
    lastId: s.lastTradeId,
    count: s.count,
  }
}

/** The `24hrTicker` stream event: the REST ticker's figures under Binance's one-letter keys. */
export function tickerEvent(s: SymbolState, now: number): Record<string, unknown> {
  const t = ticker24h(s, now)
  return {
    e: '24hrTicker',
    E: now,
    s: t.symbol,
    p: t.priceChange,
    P: t.priceChangePercent,
    w: t.weightedAvgPrice,
    x: t.prevClosePrice,
    c: t.lastPrice,
    Q: t.lastQty,
    b: t.bidPrice,
    B: t.bidQty,
    a: t.askPrice,
    A: t.askQty,
    o: t.openPrice,
    h: t.highPrice,
    l: t.lowPrice,
    v: t.volume,
    q: t.quoteVolume,
    O: t.openTime,
    C: t.closeTime,
    F: t.firstId,
    L: t.lastId,
    n: t.count,
  }
}

export function miniTickerEvent(s: SymbolState, now: number): Record<string, unknown> {
  return { e: '24hrMiniTicker', E: now, s: binanceSymbol(s.market.symbol), c: num(s.last), o: num(s.open), h: num(s.high), l: num(s.low), v: num(s.volume), q: num(s.quoteVolume) }
}
