import { BinanceError } from './binance-auth.ts'

/** Binance spot's limits (exchangeInfo.rateLimits); any can be overridden, 0 turns one off. */
export interface RateLimitOptions {
  /** REQUEST_WEIGHT per minute, per client IP (Binance: 6,000). */
  readonly weightPerMinute: number
  /** ORDERS per 10 seconds, per account (Binance: 100). */
  readonly ordersPer10s: number
  /** ORDERS per day, per account (Binance: 200,000). */
  readonly ordersPerDay: number
  /** RAW_REQUESTS per 5 minutes, per client IP (Binance: 61,000). */
  readonly rawPer5m: number
  /** Requests refused with 429 within one window after which an IP is banned (418). */
  readonly banAfter: number
  /** How long a ban lasts (Binance: from 2 minutes, growing for repeat offenders). */
  readonly banMs: number
}

export const BINANCE_LIMITS: RateLimitOptions = { weightPerMinute: 6_000, ordersPer10s: 100, ordersPerDay: 200_000, rawPer5m: 61_000, banAfter: 50, banMs: 120_000 }

/**
 * Request weights of the endpoints the venue serves, as Binance publishes them (spot API). The
 * margin, futures and wallet endpoints it answers for ccxt's market loading count under their own
 * APIs' limits at Binance, so they weigh nothing here.
 */
export function weightOf(route: string, p: Record<string, string>): number {
  switch (route) {
    case 'GET /api/v3/ping':
    case 'GET /api/v3/time':
    case 'POST /api/v3/order':
    case 'DELETE /api/v3/order':
      return 1
    case 'GET /api/v3/exchangeInfo':
    case 'GET /api/v3/account':
    case 'GET /api/v3/allOrders':
      return 20
    case 'GET /api/v3/myTrades':
      return p.orderId ? 5 : 20
    case 'GET /api/v3/order':
      return 4
    case 'GET /api/v3/openOrders':
      return p.symbol ? 6 : 80
    case 'GET /api/v3/ticker/24hr':
      return p.symbol ? 2 : 80
    case 'GET /api/v3/ticker/bookTicker':
      return p.symbol ? 2 : 4
    case 'GET /api/v3/depth': {
      const limit = Number(p.limit ?? 100)
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250
    }
    default:
      return route.includes(' /api/v3/') ? 1 : 0
  }
}

/** A fixed window, as Binance counts: it resets at each multiple of its length since the epoch. */
class Window {
  private start = 0
  count = 0
  constructor(readonly ms: number) {}

  at(now: number): this {
    const start = now - (now % this.ms)
    if (start !== this.start) {
      this.start = start
      this.count = 0
    }
    return this
  }

  /** Seconds until the window resets (Retry-After). */
  retryAfterS(now: number): number {
    return Math.max(1, Math.ceil((this.start + this.ms - now) / 1000))
  }
}

interface ClientState {
  readonly weight: Window
  readonly raw: Window
  refused: number
  refusedWindow: number
  bannedUntil: number
}

/** What a request left in the counters: the headers Binance sends back. */
export type LimitHeaders = Record<string, string>

/**
 * Binance's spot limits on the local venue: request weight per minute and raw requests per 5
 * minutes per client IP, orders per 10 s and per day per account. A request over a limit gets 429
 * with Binance's code (-1003 weight, -1015 orders) and Retry-After; an IP that keeps going after
 * being told gets 418 and a ban. Every answer carries X-MBX-USED-WEIGHT-1M, and order requests
 * X-MBX-ORDER-COUNT-10S / -1D.
 */
export class BinanceRateLimits {
  private readonly clients = new Map<string, ClientState>()
  private readonly orders10s: Window
  private readonly ordersDay = new Window(86_400_000)
  /** Answers refused, by code, for logs and tests. */
  readonly counts = { limited: 0, banned: 0, weight: 0, orders: 0, raw: 0 }

  constructor(
    readonly o: RateLimitOptions = BINANCE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.orders10s = new Window(10_000)
  }

  /** exchangeInfo.rateLimits, as Binance advertises them (only the limits in force). */
  advertised(): { rateLimitType: string; interval: string; intervalNum: number; limit: number }[] {
    const out = []
    if (this.o.weightPerMinute > 0) out.push({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: this.o.weightPerMinute })
    if (this.o.ordersPer10s > 0) out.push({ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: this.o.ordersPer10s })
    if (this.o.ordersPerDay > 0) out.push({ rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: this.o.ordersPerDay })
    if (this.o.rawPer5m > 0) out.push({ rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: this.o.rawPer5m })
    return out
  }

  /**
   * Counts one request of `ip` (and, for a new order, of the account) and refuses it when over a
   * limit. Returns the headers for the answer; throws a BinanceError (429/418) with them attached.
   */
  admit(ip: string, route: string, params: Record<string, string>): LimitHeaders {
    const now = this.now()
    const c = this.client(ip)
    if (c.bannedUntil > now) {
      this.counts.banned++
      throw limited(
        418,
        -1003,
        `Way too much request weight used; IP banned until ${c.bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
        Math.ceil((c.bannedUntil - now) / 1000),
        {},
      )
    }
    const weight = c.weight.at(now)
    const raw = c.raw.at(now)
    weight.count += weightOf(route, params)
    raw.count++
    const headers: LimitHeaders = { 'X-MBX-USED-WEIGHT-1M': String(weight.count) }
    const o = this.o
    if (o.weightPerMinute > 0 && weight.count > o.weightPerMinute) {
      this.counts.weight++
      throw this.refuse(
        c,
        now,
        limited(
          429,
          -1003,
          `Too much request weight used; current limit is ${o.weightPerMinute} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
          weight.retryAfterS(now),
          headers,
        ),
      )
    }
    if (o.rawPer5m > 0 && raw.count > o.rawPer5m) {
      this.counts.raw++
      throw this.refuse(c, now, limited(429, -1003, `Too many requests; current limit is ${o.rawPer5m} requests per 5 MINUTE.`, raw.retryAfterS(now), headers))
    }
    if (route !== 'POST /api/v3/order') return headers
    const s10 = this.orders10s.at(now)
    const day = this.ordersDay.at(now)
    if ((o.ordersPer10s > 0 && s10.count >= o.ordersPer10s) || (o.ordersPerDay > 0 && day.count >= o.ordersPerDay)) {
      this.counts.orders++
      const perDay = o.ordersPerDay > 0 && day.count >= o.ordersPerDay
      headers['X-MBX-ORDER-COUNT-10S'] = String(s10.count)
      headers['X-MBX-ORDER-COUNT-1D'] = String(day.count)
      throw this.refuse(
        c,
        now,
        limited(
          429,
          -1015,
          `Too many new orders; current limit is ${perDay ? `${o.ordersPerDay} orders per DAY` : `${o.ordersPer10s} orders per TEN_SECONDS`}.`,
          (perDay ? day : s10).retryAfterS(now),
          headers,
        ),
      )
    }
    s10.count++
    day.count++
    headers['X-MBX-ORDER-COUNT-10S'] = String(s10.count)
    headers['X-MBX-ORDER-COUNT-1D'] = String(day.count)
    return headers
  }

  private client(ip: string): ClientState {
    let c = this.clients.get(ip)
    if (c === undefined) this.clients.set(ip, (c = { weight: new Window(60_000), raw: new Window(300_000), refused: 0, refusedWindow: 0, bannedUntil: 0 }))
    return c
  }

  /** A refusal; the client that keeps going after `banAfter` of them in a minute is banned. */
  private refuse(c: ClientState, now: number, err: BinanceError): BinanceError {
    this.counts.limited++
    const minute = now - (now % 60_000)
    if (c.refusedWindow !== minute) {
      c.refusedWindow = minute
      c.refused = 0
    }
    if (++c.refused > this.o.banAfter && this.o.banAfter > 0) c.bannedUntil = now + this.o.banMs
    return err
  }
}

function limited(status: 429 | 418, code: number, msg: string, retryAfterS: number, headers: LimitHeaders): BinanceError {
  const e = new BinanceError(status, code, msg)
  e.headers = { ...headers, 'Retry-After': String(retryAfterS) }
  return e
}
