import type { IncomingMessage } from 'node:http'
import type { Subscription } from 'rxjs'
import type { WebSocket } from 'ws'
import type { MarketEvent } from '../domain/market.ts'
import type { SimExchange } from '../exchange/sim/sim-exchange.ts'
import {
  aggTradeEvent,
  binanceSymbol,
  bookTickerEvent,
  depthSnapshot,
  depthUpdateEvent,
  levelChanges,
  miniTickerEvent,
  numericId,
  tickerEvent,
  tradeEvent,
  type SymbolState,
} from './binance-messages.ts'
import type { MessageFaults } from './message-faults.ts'

/** `btcusdt@trade`, `ethusdt@depth@100ms`, `bnbusdt@depth5`, … — the stream names Binance's spot streams take. */
const STREAM = /^([a-z0-9]+)@(trade|aggTrade|bookTicker|ticker|miniTicker|depth(?:5|10|20)?)(?:@(?:100|1000)ms)?$/

interface Connection {
  readonly socket: WebSocket
  /** `/stream` connections get `{ stream, data }` envelopes; `/ws` ones the bare event. */
  readonly combined: boolean
  readonly streams: Set<string>
}

/**
 * Binance's spot market streams over the simulator's market data: `SUBSCRIBE`/`UNSUBSCRIBE`/
 * `LIST_SUBSCRIPTIONS` on `/ws` (and `/ws/<stream>`, `/stream?streams=a/b`), pushing trade,
 * aggTrade, bookTicker, ticker, miniTicker, diff depth (`depthUpdate` with U/u update ids that
 * continue the REST snapshot's `lastUpdateId`) and partial depth. It also keeps the per-symbol state
 * REST answers from, so that a snapshot and the diffs after it agree, as ccxt's order-book sync needs.
 */
export class MarketStreams {
  readonly states = new Map<string, SymbolState>()
  private readonly subscribers = new Map<string, Set<Connection>>()
  private readonly lastTicker = new Map<string, number>()
  private readonly sub: Subscription
  readonly connections = new Set<Connection>()

  constructor(
    sim: SimExchange,
    private readonly faults: MessageFaults | null,
  ) {
    const now = Date.now()
    for (const m of sim.markets) {
      const q = sim.lastQuote(m.symbol)!
      const mid = (q.bid + q.ask) / 2
      this.states.set(binanceSymbol(m.symbol), {
        market: m,
        updateId: 1,
        bids: [[q.bid, q.bidSize]],
        asks: [[q.ask, q.askSize]],
        quote: q,
        open: mid,
        high: mid,
        low: mid,
        last: mid,
        lastQty: 0,
        volume: 0,
        quoteVolume: 0,
        count: 0,
        firstTradeId: 0,
        lastTradeId: 0,
        openTime: now,
      })
    }
    this.sub = sim.watchMarket().subscribe((e) => this.onMarket(e))
  }

  state(symbol: string): SymbolState | undefined {
    return this.states.get(symbol)
  }

  /** Takes a websocket whose upgrade path starts with `/ws` or `/stream`. */
  accept(socket: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'ws://venue')
    const combined = url.pathname.startsWith('/stream')
    const c: Connection = { socket, combined, streams: new Set() }
    this.connections.add(c)
    // A stream in the path (`/ws/btcusdt@trade`) or the query (`/stream?streams=a/b`) is subscribed at once.
    const initial = combined ? (url.searchParams.get('streams') ?? '').split('/') : [url.pathname.split('/')[2] ?? '']
    for (const s of initial) if (this.valid(s)) this.add(c, s)
    socket.on('message', (data) => this.onRequest(c, data.toString()))
    socket.on('close', () => this.drop(c))
    socket.on('error', () => this.drop(c))
  }

  close(): void {
    this.sub.unsubscribe()
    for (const c of this.connections) c.socket.terminate()
    this.connections.clear()
    this.subscribers.clear()
  }

  private onRequest(c: Connection, text: string): void {
    let msg: { method?: unknown; params?: unknown; id?: unknown }
    try {
      msg = JSON.parse(text)
    } catch {
      return reply(c, { error: { code: 3, msg: 'Invalid JSON: expected a request object' } })
    }
    const id = msg.id ?? null
    const params = Array.isArray(msg.params) ? (msg.params as unknown[]) : []
    switch (msg.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const bad = params.find((s) => typeof s !== 'string' || !this.valid(s))
        if (bad !== undefined || params.length === 0) return reply(c, { error: { code: 2, msg: `Invalid request: unknown stream '${String(bad ?? '')}'` }, id })
        for (const s of params as string[]) msg.method === 'SUBSCRIBE' ? this.add(c, s) : this.remove(c, s)
        return reply(c, { result: null, id })
      }
      case 'LIST_SUBSCRIPTIONS':
        return reply(c, { result: [...c.streams], id })
      case 'SET_PROPERTY':
        return reply(c, { result: null, id })
      case 'GET_PROPERTY':
        return reply(c, { result: c.combined, id })
      default:
        return reply(c, { error: { code: 2, msg: `Invalid request: unknown method '${String(msg.method)}'` }, id })
    }
  }

  private valid(stream: string): boolean {
    const m = STREAM.exec(stream)
    return m !== null && this.states.has(m[1]!.toUpperCase())
  }

  private add(c: Connection, stream: string): void {
    c.streams.add(stream)
    let set = this.subscribers.get(stream)
    if (set === undefined) this.subscribers.set(stream, (set = new Set()))
    set.add(c)
  }

  private remove(c: Connection, stream: string): void {
    c.streams.delete(stream)
    const set = this.subscribers.get(stream)
    set?.delete(c)
    if (set?.size === 0) this.subscribers.delete(stream)
  }

  private drop(c: Connection): void {
    for (const s of [...c.streams]) this.remove(c, s)
    this.connections.delete(c)
  }

  private onMarket(e: MarketEvent): void {
    const key = binanceSymbol(e.symbol)
    const s = this.states.get(key)
    if (s === undefined) return
    const lower = key.toLowerCase()
    const now = Date.now()
    if (e.kind === 'quote') {
      s.quote = e
      this.push(`${lower}@bookTicker`, () => bookTickerEvent(s))
      if (now - (this.lastTicker.get(key) ?? 0) >= 1000) {
        this.lastTicker.set(key, now)
        this.push(`${lower}@ticker`, () => tickerEvent(s, now))
        this.push(`${lower}@miniTicker`, () => miniTickerEvent(s, now))
      }
    } else if (e.kind === 'book') {
      const bids = levelChanges(s.bids, e.bids)
      const asks = levelChanges(s.asks, e.asks)
      s.bids = e.bids
      s.asks = e.asks
      if (bids.length === 0 && asks.length === 0) return
      const first = ++s.updateId
      for (const rate of ['', '@100ms', '@1000ms']) this.push(`${lower}@depth${rate}`, () => depthUpdateEvent(s, first, bids, asks, now))
      for (const n of [5, 10, 20]) for (const rate of ['', '@100ms', '@1000ms']) this.push(`${lower}@depth${n}${rate}`, () => depthSnapshot(s, n))
    } else if (e.kind === 'trade') {
      const id = numericId(e.id)
      if (s.count === 0) s.firstTradeId = id
      s.lastTradeId = id
      s.count++
      s.last = e.price
      s.lastQty = e.amount
      s.high = Math.max(s.high, e.price)
      s.low = Math.min(s.low, e.price)
      s.volume += e.amount
      s.quoteVolume += e.amount * e.price
      this.push(`${lower}@trade`, () => tradeEvent(e, now))
      this.push(`${lower}@aggTrade`, () => aggTradeEvent(e, now))
    }
  }

  /** Builds the event only if someone listens; one JSON text per envelope kind. */
  private push(stream: string, build: () => Record<string, unknown>): void {
    const set = this.subscribers.get(stream)
    if (set === undefined) return
    const data = build()
    let bare: string | undefined
    let wrapped: string | undefined
    for (const c of set) {
      const text = c.combined ? (wrapped ??= JSON.stringify({ stream, data })) : (bare ??= JSON.stringify(data))
      if (this.faults === null) c.socket.readyState === c.socket.OPEN && c.socket.send(text)
      else this.faults.send(c.socket, text)
    }
  }
}

function reply(c: Connection, body: unknown): void {
  if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify(body))
}
