import { FinalExchangeError, RetryableExchangeError } from '../../domain/errors.ts'
import type { Market } from '../../domain/market.ts'
import type { Balance, ExchangeOrder, ExchangeTrade } from '../port.ts'

/** The parts of ccxt's unified shapes we read (ccxt's own types stay out of the port). */
export interface CcxtOrderLike {
  id: string
  clientOrderId?: string
  symbol: string
  side?: string
  type?: string
  amount?: number
  price?: number
  status?: string
  filled?: number
  average?: number
  timestamp?: number
  trades?: CcxtTradeLike[]
  info?: unknown
}
export interface CcxtTradeLike {
  id?: string
  price: number
  amount: number
  timestamp?: number
  takerOrMaker?: string
  fee?: { cost?: number; currency?: string }
}
export interface CcxtMarketLike {
  symbol: string
  base: string
  quote: string
  spot?: boolean
  active?: boolean
  precision: { amount?: number; price?: number }
  limits: { cost?: { min?: number } }
  maker?: number
  taker?: number
}

const STATUS: Record<string, ExchangeOrder['status']> = { open: 'open', closed: 'closed', canceled: 'canceled', cancelled: 'canceled', expired: 'expired', rejected: 'rejected' }

/** A ccxt unified trade of ours; its fee is taken in quote currency. */
export function toExchangeTrade(t: CcxtTradeLike, fallbackId: string, fallbackTs = 0): ExchangeTrade {
  return {
    id: t.id ?? fallbackId,
    price: t.price,
    amount: t.amount,
    fee: t.fee?.cost ?? 0,
    takerOrMaker: t.takerOrMaker === 'maker' ? 'maker' : 'taker',
    timestamp: t.timestamp ?? fallbackTs,
  }
}

/** A ccxt unified order as the port's ExchangeOrder. */
export function toExchangeOrder(o: CcxtOrderLike, fallbackClientId = ''): ExchangeOrder {
  const trades: ExchangeTrade[] = (o.trades ?? []).map((t, i) => toExchangeTrade(t, `${o.id}-${i}`, o.timestamp ?? 0))
  return {
    id: String(o.id),
    clientOrderId: o.clientOrderId ?? fallbackClientId,
    symbol: o.symbol,
    side: o.side === 'sell' ? 'sell' : 'buy',
    type: o.type === 'limit' ? 'limit' : 'market',
    amount: o.amount ?? 0,
    price: o.type === 'limit' ? (o.price ?? null) : null,
    status: STATUS[o.status ?? 'open'] ?? 'open',
    filled: o.filled ?? 0,
    average: o.average ?? null,
    timestamp: o.timestamp ?? 0,
    trades,
  }
}

export function toMarket(m: CcxtMarketLike): Market {
  return {
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    tickSize: m.precision.price ?? 1e-8,
    lotSize: m.precision.amount ?? 1e-8,
    minNotional: m.limits.cost?.min ?? 0,
    makerFee: m.maker ?? 0.001,
    takerFee: m.taker ?? 0.001,
  }
}

export function toBalances(b: Record<string, unknown>): Record<string, Balance> {
  const out: Record<string, Balance> = {}
  const free = (b.free ?? {}) as Record<string, number>
  const used = (b.used ?? {}) as Record<string, number>
  for (const asset of Object.keys(free)) out[asset] = { free: free[asset] ?? 0, used: used[asset] ?? 0, total: (free[asset] ?? 0) + (used[asset] ?? 0) }
  return out
}

/**
 * ccxt's error classes onto ours: an outcome we cannot know (network, timeout, rate limit, venue
 * unavailable) is retryable; anything the venue decided is final, with a code the execution uses.
 * Matched by class name along the prototype chain, so ccxt's own types stay out of the port.
 */
export function toExchangeError(err: unknown): Error {
  if (!(err instanceof Error)) return new FinalExchangeError(String(err), 'rejected')
  const names = new Set<string>()
  for (let p = Object.getPrototypeOf(err); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) names.add(p.constructor.name)
  const has = (n: string) => names.has(n)
  const msg = err.message
  if (has('RateLimitExceeded') || has('DDoSProtection')) return new RetryableExchangeError(msg, 'rate_limit', { cause: err })
  if (has('RequestTimeout')) return new RetryableExchangeError(msg, 'timeout', { cause: err })
  if (has('NetworkError')) return new RetryableExchangeError(msg, 'network', { cause: err })
  if (has('OrderNotFound')) return new FinalExchangeError(msg, 'not_found', { cause: err })
  if (/Duplicate order sent/i.test(msg)) return new FinalExchangeError(msg, 'duplicate', { cause: err })
  if (has('InsufficientFunds')) return new FinalExchangeError(msg, 'insufficient_funds', { cause: err })
  if (has('InvalidOrder') || has('BadRequest') || has('BadSymbol') || has('ArgumentsRequired')) return new FinalExchangeError(msg, 'invalid', { cause: err })
  return new FinalExchangeError(msg, 'rejected', { cause: err })
}
