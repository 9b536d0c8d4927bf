import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { firstValueFrom } from 'rxjs'
import { ConfigError } from '../domain/errors.ts'
import type { Market } from '../domain/market.ts'
import { CcxtExchange, type CcxtLike } from '../exchange/ccxt/ccxt-exchange.ts'
import type { ExchangePort } from '../exchange/port.ts'
import { SimExchange, type SimExchangeOptions } from '../exchange/sim/sim-exchange.ts'
import { pointCcxtAt, SPOT_ONLY_OPTIONS } from '../venue/ccxt-local.ts'

/** Where a session trades: the in-process simulator, or a ccxt exchange (credentials from the environment). */
export type ExchangeSpec =
  | { readonly kind: 'sim'; readonly options: Omit<SimExchangeOptions, 'scheduler'> }
  | {
      readonly kind: 'ccxt'
      readonly id: string
      readonly baseUrl?: string
      readonly symbols: 'all' | readonly string[]
      readonly pollMs: number
      /** ws (default): ccxt.pro streams; poll: REST only. */
      readonly streams?: 'ws' | 'poll'
      readonly auditMs?: number
      readonly rateLimitMs?: number
      readonly options?: Record<string, unknown>
    }

export interface OpenExchange {
  readonly port: ExchangePort
  readonly markets: readonly Market[]
  /** A price to size positions by at start-up (the ask). */
  priceOf(symbol: string): number
  /** How long an answer about an order typically takes (the simulated round trip, or ccxt's REST poll period): a stop waits 20 × this for actions in flight. */
  readonly answerMs: number
  readonly record: Record<string, unknown>
  /** The venue outlives us (a real or standalone one): reconcile with it and carry positions over at start. */
  readonly persistent: boolean
  /** A persistent venue's account, without secrets (exchange id, base URL, a hash of the API key): a run resumes the last run on the same account. */
  readonly account: string | null
  /** The venue's advertised order limits (Binance's exchangeInfo ORDERS entries), when it publishes them. */
  readonly orderLimits: readonly { readonly limit: number; readonly intervalMs: number }[]
  /** Stream health and repairs, for the summary (ccxt venues). */
  health?(): unknown
  stop(): Promise<void> | void
}

/**
 * The mean delay of the simulator's late calls: past the engine's timeout, its first look-up (250 ms
 * back-off) and a round trip, so the look-up says "not found" and the resubmission races the original.
 */
export const lateMsFor = (callTimeoutMs: number, latencyMs: number): number => callTimeoutMs + 250 + 2 * latencyMs

/** SHOAL_<ID>_API_KEY and SHOAL_<ID>_SECRET, e.g. SHOAL_BINANCE_API_KEY. */
export const credentialVars = (id: string) => ({ key: `SHOAL_${id.toUpperCase()}_API_KEY`, secret: `SHOAL_${id.toUpperCase()}_SECRET` })

export async function openExchange(v: ExchangeSpec, env: NodeJS.ProcessEnv = process.env, log?: Logger): Promise<OpenExchange> {
  if (v.kind === 'sim') {
    const sim = new SimExchange(v.options).start()
    return {
      port: sim,
      markets: sim.markets,
      priceOf: (s) => sim.lastQuote(s)!.ask,
      answerMs: v.options.latencyMs,
      record: { exchange: 'sim', seed: v.options.seed, symbols: v.options.symbols },
      persistent: false,
      account: null,
      orderLimits: [],
      stop: () => sim.stop(),
    }
  }
  const ccxt = (await import('ccxt')).default as unknown as Record<string, new (o: Record<string, unknown>) => CcxtLike & { urls: { api: unknown }; loadHttpProxyAgent?(): Promise<unknown> }> & {
    pro: Record<string, unknown>
  }
  const streams = v.streams ?? 'ws'
  const Ctor = (streams === 'ws' ? ccxt.pro[v.id] : ccxt[v.id]) as (typeof ccxt)[string] | undefined
  if (typeof Ctor !== 'function')
    throw new ConfigError(
      streams === 'ws' ? 'exchange.streams' : 'exchange.id',
      streams === 'ws' && typeof ccxt[v.id] === 'function' ? `ccxt has no websocket (pro) class for '${v.id}': set streams: poll` : `ccxt has no exchange '${v.id}'`,
    )
  const vars = credentialVars(v.id)
  const apiKey = env[vars.key]
  const secret = env[vars.secret]
  if (!apiKey || !secret) throw new ConfigError(vars.key, `required with ${vars.secret}: the ${v.id} key pair comes only from the environment`)
  // ccxt's own retries stay off for orders (unknown outcomes are resolved by client order id); its rate limiter stays on.
  const ex = new Ctor({
    apiKey,
    secret,
    enableRateLimit: true,
    ...(v.rateLimitMs === undefined ? {} : { rateLimit: v.rateLimitMs }),
    options: { ...(v.id === 'binance' ? SPOT_ONLY_OPTIONS : {}), ...v.options },
  })
  if (v.baseUrl !== undefined) {
    pointCcxtAt(ex, v.baseUrl)
    // ccxt asks for an http agent before it opens plain ws:// (a local venue has no TLS).
    if (v.baseUrl.startsWith('http://')) await ex.loadHttpProxyAgent?.()
  }
  const all = await firstValueFrom(new CcxtExchange(ex, { streams: 'poll' }).loadMarkets())
  const markets = v.symbols === 'all' ? all : all.filter((m) => (v.symbols as readonly string[]).includes(m.symbol))
  const port = new CcxtExchange(ex, { streams, pollMs: v.pollMs, auditMs: v.auditMs, symbols: markets.map((m) => m.symbol), log })
  const orderLimits = await advertisedOrderLimits(ex as unknown as { publicGetExchangeInfo?: () => Promise<unknown> }, log)
  const prices = new Map<string, number>()
  for (const m of markets) {
    const t = await ex.fetchTicker(m.symbol)
    prices.set(m.symbol, t.ask ?? t.bid ?? 0)
  }
  return {
    port,
    markets,
    priceOf: (s) => prices.get(s)!,
    answerMs: v.pollMs,
    record: { exchange: v.id, baseUrl: v.baseUrl, symbols: markets.length, streams },
    persistent: true,
    orderLimits,
    account: `${v.id}:${v.baseUrl ?? 'default'}:${createHash('sha256').update(apiKey).digest('hex').slice(0, 12)}`,
    health: () => port.health(),
    stop: () => port.stop(),
  }
}

const INTERVAL_MS: Record<string, number> = { SECOND: 1_000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 }

/** Binance-style `exchangeInfo.rateLimits` ORDERS entries, read once at start; none when the venue does not publish them. */
async function advertisedOrderLimits(ex: { publicGetExchangeInfo?: () => Promise<unknown> }, log?: Logger): Promise<{ limit: number; intervalMs: number }[]> {
  if (typeof ex.publicGetExchangeInfo !== 'function') return []
  try {
    const info = (await ex.publicGetExchangeInfo()) as { rateLimits?: { rateLimitType?: string; interval?: string; intervalNum?: number; limit?: number }[] }
    return (info.rateLimits ?? [])
      .filter((r) => r.rateLimitType === 'ORDERS' && INTERVAL_MS[r.interval ?? ''] !== undefined && Number(r.limit) > 0)
      .map((r) => ({ limit: Number(r.limit), intervalMs: INTERVAL_MS[r.interval!]! * Number(r.intervalNum ?? 1) }))
  } catch (err) {
    log?.warn({ err: String(err) }, "could not read the venue's rate limits")
    return []
  }
}

/**
 * The account order rate that keeps within every advertised ORDERS limit, as a token bucket: a burst
 * of half the smallest limit, and a rate at which burst + rate × interval stays within each limit —
 * so no fixed window of the venue ever sees more than its limit. Null when nothing is advertised.
 */
export function orderRateWithin(limits: readonly { limit: number; intervalMs: number }[]): { perSec: number; burst: number } | null {
  if (limits.length === 0) return null
  let burst = Infinity
  for (const l of limits) burst = Math.min(burst, Math.max(1, Math.floor(l.limit / 2)))
  let perSec = Infinity
  for (const l of limits) perSec = Math.min(perSec, Math.max(0, l.limit - burst) / (l.intervalMs / 1000))
  return { perSec, burst }
}
