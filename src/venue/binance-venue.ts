import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { firstValueFrom } from 'rxjs'
import { WebSocketServer } from 'ws'
import { FinalExchangeError } from '../domain/errors.ts'
import type { Market } from '../domain/market.ts'
import type { ExchangeOrder, OrderRequest } from '../exchange/port.ts'
import type { SimExchange } from '../exchange/sim/sim-exchange.ts'
import { BinanceError, checkSigned, INVALID_KEY, type VenueCredentials } from './binance-auth.ts'
import { BINANCE_LIMITS, BinanceRateLimits, type RateLimitOptions } from './binance-rate-limits.ts'
import { MarketStreams } from './binance-market-streams.ts'
import { binanceStatus, binanceSymbol, depthSnapshot, num, numericId, ticker24h } from './binance-messages.ts'
import { WsApi } from './binance-ws-api.ts'
import { MessageFaults, type MessageFaultOptions } from './message-faults.ts'

export interface BinanceVenueOptions {
  readonly sim: SimExchange
  readonly credentials: VenueCredentials
  /** How far a signed request's timestamp may be from the venue's clock (Binance: recvWindow, default 5 s). */
  readonly recvWindowMs?: number
  /** Faults on pushed websocket messages (user data, and market data unless `faultMarketData` is false). */
  readonly faults?: MessageFaultOptions
  readonly faultMarketData?: boolean
  /** Binance's request and order limits (default on, at Binance's values); null turns them off. */
  readonly limits?: RateLimitOptions | null
}

const decimals = (step: number) => Math.max(0, -Math.floor(Math.log10(step)))

/**
 * The simulator behind the subset of Binance's spot REST API that ccxt's `binance` class uses: point
 * ccxt's `urls.api` at `http://127.0.0.1:PORT/api/v3` and a plain ccxt script trades here. Signed
 * endpoints check the HMAC-SHA256 signature of the exact query (or form body) against the key pair;
 * errors come back as Binance's `{ code, msg }` with its codes, so ccxt raises its usual classes.
 * The venue's state lives in its own process, so it outlives a crashed engine.
 */
export class BinanceVenue {
  private server: Server | null = null
  private readonly bySymbol = new Map<string, Market>()
  private readonly recvWindowMs: number
  private readonly wss = new WebSocketServer({ noServer: true })
  readonly faults: MessageFaults
  readonly streams: MarketStreams
  readonly wsApi: WsApi
  /** Present while the venue enforces rate limits. */
  readonly limits: BinanceRateLimits | null

  constructor(private readonly o: BinanceVenueOptions) {
    for (const m of o.sim.markets) this.bySymbol.set(binanceSymbol(m.symbol), m)
    this.recvWindowMs = o.recvWindowMs ?? 5_000
    this.faults = new MessageFaults(o.faults)
    const faulty = this.faults.active ? this.faults : null
    this.streams = new MarketStreams(o.sim, o.faultMarketData === false ? null : faulty)
    this.wsApi = new WsApi(o.sim, this.bySymbol, o.credentials, this.recvWindowMs, faulty)
    this.limits = o.limits === null ? null : new BinanceRateLimits(o.limits ?? BINANCE_LIMITS)
  }

  /** Open HTTP connections (a client that died leaves none once the kernel has closed its sockets). */
  connections(): Promise<number> {
    const server = this.server
    return server === null ? Promise.resolve(0) : new Promise((resolve) => server.getConnections((_err, n) => resolve(n)))
  }

  /** Starts listening on 127.0.0.1 (REST and websockets on one port); resolves with the port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((req, res) => void this.handle(req, res))
      // Websockets: the WebSocket API on /ws-api/v3, market streams on /ws… and /stream…
      server.on('upgrade', (req, socket, head) => {
        const path = new URL(req.url ?? '/', 'ws://venue').pathname
        const to = path === '/ws-api/v3' ? 'api' : path === '/ws' || path.startsWith('/ws/') || path.startsWith('/stream') ? 'streams' : null
        if (to === null) {
          socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
          return
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => (to === 'api' ? this.wsApi.accept(ws) : this.streams.accept(ws, req)))
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        this.server = server
        resolve((server.address() as AddressInfo).port)
      })
    })
  }

  close(): Promise<void> {
    this.faults.stop()
    this.streams.close()
    this.wsApi.close()
    this.wss.close()
    this.server?.closeAllConnections()
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** Cuts every websocket connection at once, as a network outage would (no close frames). */
  dropConnections(): number {
    let n = 0
    for (const ws of this.wss.clients) {
      ws.terminate()
      n++
    }
    return n
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let headers: Record<string, string> = {}
    try {
      const url = new URL(req.url ?? '/', 'http://venue')
      const body = await readBody(req)
      const raw = req.method === 'POST' || (req.method === 'PUT' && body) ? body : url.search.slice(1)
      const params = Object.fromEntries(new URLSearchParams(raw))
      const route = `${req.method} ${url.pathname}`
      if (this.limits !== null) headers = this.limits.admit(req.socket.remoteAddress ?? 'unknown', route, params)
      const result = await this.route(route, params, raw, req)
      send(res, 200, result, headers)
    } catch (err) {
      if (err instanceof BinanceError) send(res, err.status, { code: err.code, msg: err.message }, { ...headers, ...err.headers })
      else send(res, 500, { code: -1000, msg: err instanceof Error ? err.message : String(err) }, headers)
    }
  }

  private async route(route: string, p: Record<string, string>, raw: string, req: IncomingMessage): Promise<unknown> {
    const sim = this.o.sim
    switch (route) {
      case 'GET /api/v3/ping':
        return {}
      case 'GET /api/v3/time':
        return { serverTime: Date.now() }
      case 'GET /api/v3/exchangeInfo':
        return this.exchangeInfo()
      case 'GET /api/v3/ticker/bookTicker':
        return this.bookTicker(this.market(p.symbol))
      case 'GET /api/v3/ticker/24hr':
        return this.ticker24h(this.market(p.symbol))
      case 'GET /api/v3/depth': {
        const m = this.market(p.symbol)
        return depthSnapshot(this.streams.state(binanceSymbol(m.symbol))!, Math.min(Number(p.limit ?? 100), 5000))
      }
      // What ccxt's default market loading asks besides spot: this venue lists no futures, options or delivery contracts.
      case 'GET /fapi/v1/exchangeInfo':
      case 'GET /dapi/v1/exchangeInfo':
        return { timezone: 'UTC', serverTime: Date.now(), rateLimits: [], exchangeFilters: [], assets: [], symbols: [] }
    }
    this.authenticate(raw, req)
    switch (route) {
      // An account without margin: no cross or isolated margin pairs.
      case 'GET /sapi/v1/margin/allPairs':
      case 'GET /sapi/v1/margin/isolated/allPairs':
        return []
      case 'GET /sapi/v1/capital/config/getall': {
        const b = await firstValueFrom(sim.fetchBalance())
        // Every asset the venue holds, tradable, with no deposit or withdrawal networks.
        return Object.entries(b).map(([coin, x]) => ({
          coin,
          name: coin,
          depositAllEnable: false,
          withdrawAllEnable: false,
          free: num(x.free),
          locked: num(x.used),
          freeze: '0',
          withdrawing: '0',
          ipoing: '0',
          ipoable: '0',
          storage: '0',
          isLegalMoney: false,
          trading: true,
          networkList: [],
        }))
      }
      case 'GET /api/v3/account': {
        const b = await firstValueFrom(sim.fetchBalance())
        return {
          makerCommission: 2,
          takerCommission: 5,
          canTrade: true,
          canWithdraw: false,
          canDeposit: false,
          accountType: 'SPOT',
          updateTime: Date.now(),
          balances: Object.entries(b).map(([asset, x]) => ({ asset, free: num(x.free), locked: num(x.used) })),
          permissions: ['SPOT'],
        }
      }
      case 'POST /api/v3/order': {
        const m = this.market(p.symbol)
        const type = String(p.type ?? '').toLowerCase()
        if (type !== 'market' && type !== 'limit') throw new BinanceError(400, -1116, 'Invalid orderType.')
        if (!p.quantity) throw new BinanceError(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.")
        const req: OrderRequest = {
          clientOrderId: p.newClientOrderId ?? `venue-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
          symbol: m.symbol,
          side: p.side === 'SELL' ? 'sell' : 'buy',
          type,
          amount: Number(p.quantity),
          ...(type === 'limit' ? { price: Number(p.price) } : {}),
        }
        const o = await this.venueCall(() => firstValueFrom(sim.createOrder(req)))
        return this.order(o, true)
      }
      case 'DELETE /api/v3/order': {
        const m = this.market(p.symbol)
        const id = this.clientId(p, 'origClientOrderId')
        const o = await this.venueCall(() => firstValueFrom(sim.cancelOrder(id, m.symbol)), -2011, 'Unknown order sent.')
        return this.order(o, false)
      }
      case 'GET /api/v3/order': {
        const m = this.market(p.symbol)
        const o = await this.venueCall(() => firstValueFrom(sim.fetchOrder(this.clientId(p, 'origClientOrderId'), m.symbol)), -2013, 'Order does not exist.')
        return this.order(o, false)
      }
      case 'GET /api/v3/openOrders': {
        const m = p.symbol ? this.market(p.symbol) : undefined
        const list = await firstValueFrom(sim.fetchOpenOrders(m?.symbol))
        return list.map((o) => this.order(o, false))
      }
      case 'GET /api/v3/allOrders': {
        const m = this.market(p.symbol)
        const list = await firstValueFrom(sim.fetchOrders(m.symbol, Number(p.startTime ?? 0)))
        return list.map((o) => this.order(o, false))
      }
      case 'GET /api/v3/myTrades': {
        const m = this.market(p.symbol)
        const since = Number(p.startTime ?? 0)
        const orders = sim.knownOrders().filter((o) => o.symbol === m.symbol && (p.orderId === undefined || o.id === p.orderId))
        return orders.flatMap((o) =>
          o.trades
            .filter((t) => t.timestamp >= since)
            .map((t) => ({
              symbol: binanceSymbol(o.symbol),
              id: numericId(t.id),
              orderId: Number(o.id),
              orderListId: -1,
              price: num(t.price),
              qty: num(t.amount),
              quoteQty: num(t.price * t.amount),
              commission: num(t.fee),
              commissionAsset: m.quote,
              time: t.timestamp,
              isBuyer: o.side === 'buy',
              isMaker: t.takerOrMaker === 'maker',
              isBestMatch: true,
            })),
        )
      }
    }
    throw new BinanceError(404, -1000, `unknown endpoint ${route}`)
  }

  /** Checks the API key header and the HMAC-SHA256 signature of the query, as Binance does. */
  private authenticate(raw: string, req: IncomingMessage): void {
    const key = req.headers['x-mbx-apikey']
    if (key !== this.o.credentials.apiKey) throw INVALID_KEY()
    const at = raw.lastIndexOf('&signature=')
    const payload = at < 0 ? raw : raw.slice(0, at)
    const signature = at < 0 ? undefined : raw.slice(at + '&signature='.length)
    checkSigned(this.o.credentials, key, payload, signature, new URLSearchParams(payload).get('timestamp'), this.recvWindowMs)
  }

  private clientId(p: Record<string, string>, key: string): string {
    const id = p[key]
    if (id) return id
    // By orderId: find the client id the venue knows it under.
    const o = p.orderId ? this.o.sim.knownOrders().find((x) => x.id === p.orderId) : undefined
    if (o === undefined) throw new BinanceError(400, -2013, 'Order does not exist.')
    return o.clientOrderId
  }

  private async venueCall(call: () => Promise<ExchangeOrder>, notFoundCode = -2013, notFoundMsg = 'Order does not exist.'): Promise<ExchangeOrder> {
    try {
      return await call()
    } catch (err) {
      if (!(err instanceof FinalExchangeError)) throw err
      switch (err.code) {
        case 'duplicate':
          throw new BinanceError(400, -2010, 'Duplicate order sent.')
        case 'insufficient_funds':
          throw new BinanceError(400, -2010, 'Account has insufficient balance for requested action.')
        case 'not_found':
          throw new BinanceError(400, notFoundCode, notFoundMsg)
        case 'rejected':
          throw new BinanceError(400, notFoundCode === -2011 ? -2011 : -2010, notFoundCode === -2011 ? 'Unknown order sent.' : err.message)
        default:
          throw new BinanceError(400, -1013, `Filter failure: ${err.message}`)
      }
    }
  }

  private market(symbol: string | undefined): Market {
    const m = symbol === undefined ? undefined : this.bySymbol.get(symbol)
    if (m === undefined) throw new BinanceError(400, -1121, 'Invalid symbol.')
    return m
  }

  private exchangeInfo() {
    return {
      timezone: 'UTC',
      serverTime: Date.now(),
      rateLimits: this.limits?.advertised() ?? [],
      exchangeFilters: [],
      symbols: [...this.bySymbol].map(([s, m]) => ({
        symbol: s,
        status: 'TRADING',
        baseAsset: m.base,
        baseAssetPrecision: 8,
        quoteAsset: m.quote,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        baseCommissionPrecision: 8,
        quoteCommissionPrecision: 8,
        orderTypes: ['LIMIT', 'MARKET'],
        icebergAllowed: false,
        ocoAllowed: false,
        quoteOrderQtyMarketAllowed: false,
        allowTrailingStop: false,
        cancelReplaceAllowed: false,
        isSpotTradingAllowed: true,
        isMarginTradingAllowed: false,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: num(m.tickSize), maxPrice: '10000000', tickSize: m.tickSize.toFixed(decimals(m.tickSize)) },
          { filterType: 'LOT_SIZE', minQty: num(m.lotSize), maxQty: '9000000', stepSize: m.lotSize.toFixed(decimals(m.lotSize)) },
          { filterType: 'NOTIONAL', minNotional: num(m.minNotional), applyMinToMarket: true, maxNotional: '9000000', applyMaxToMarket: false, avgPriceMins: 5 },
        ],
        permissions: ['SPOT'],
        permissionSets: [['SPOT']],
        defaultSelfTradePreventionMode: 'NONE',
        allowedSelfTradePreventionModes: ['NONE'],
      })),
    }
  }

  private bookTicker(m: Market) {
    const q = this.o.sim.lastQuote(m.symbol)!
    return { symbol: binanceSymbol(m.symbol), bidPrice: num(q.bid), bidQty: num(q.bidSize), askPrice: num(q.ask), askQty: num(q.askSize) }
  }

  private ticker24h(m: Market) {
    return ticker24h(this.streams.state(binanceSymbol(m.symbol))!, Date.now())
  }

  /** A venue order in Binance's shape; `full` adds the fills, as the FULL response type does. */
  private order(o: ExchangeOrder, full: boolean) {
    const status = binanceStatus(o)
    const base = {
      symbol: binanceSymbol(o.symbol),
      orderId: Number(o.id),
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      transactTime: o.timestamp,
      time: o.timestamp,
      updateTime: Date.now(),
      price: num(o.price ?? 0),
      origQty: num(o.amount),
      executedQty: num(o.filled),
      cummulativeQuoteQty: num((o.average ?? 0) * o.filled),
      status,
      timeInForce: 'GTC',
      type: o.type.toUpperCase(),
      side: o.side.toUpperCase(),
      workingTime: o.timestamp,
      selfTradePreventionMode: 'NONE',
    }
    if (!full) return { ...base, isWorking: o.status === 'open', origQuoteOrderQty: '0' }
    const quote = this.bySymbol.get(binanceSymbol(o.symbol))!.quote
    return { ...base, fills: o.trades.map((t) => ({ price: num(t.price), qty: num(t.amount), commission: num(t.fee), commissionAsset: quote, tradeId: numericId(t.id) })) }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (s += c))
    req.on('end', () => resolve(s))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
