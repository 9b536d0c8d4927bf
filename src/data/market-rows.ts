import type { Side } from '../domain/market.ts'
import { ConfigError } from '../domain/errors.ts'

/** One OHLCV bar as recorded: `ts` is the bar's **open** time (UTC epoch ms), as ccxt and Binance give it. */
export interface Candle {
  readonly ts: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

/** One recorded trade print. `side` is the taker's side when known. */
export interface Print {
  readonly ts: number
  readonly id: string
  readonly side: Side | null
  readonly price: number
  readonly amount: number
}

export const CANDLE_FORMATS = ['ohlcv-json', 'binance-klines-csv', 'ohlcv-csv'] as const
export const TRADE_FORMATS = ['trades-json', 'ccxt-trades-json', 'trades-csv'] as const
export type CandleFormat = (typeof CANDLE_FORMATS)[number]
export type TradeFormat = (typeof TRADE_FORMATS)[number]
export type DataFormat = CandleFormat | TradeFormat
export const DATA_FORMATS: readonly DataFormat[] = [...CANDLE_FORMATS, ...TRADE_FORMATS]

export const isCandleFormat = (f: DataFormat): f is CandleFormat => (CANDLE_FORMATS as readonly string[]).includes(f)

/** A data file that cannot be read as what it claims to be: names the file, the row (1-based) and the problem. */
export class DataError extends ConfigError {
  constructor(
    readonly file: string,
    readonly row: number | null,
    readonly problem: string,
  ) {
    super(row === null ? file : `${file}: row ${row}`, problem)
  }
}

/**
 * Epoch time in ms from what files hold: ms, seconds, µs (Binance's spot files since 2025) or ns by
 * magnitude, or an ISO 8601 string. NaN when it is none of them.
 */
export function toEpochMs(v: unknown): number {
  if (typeof v === 'string') {
    const t = v.trim()
    if (t === '') return Number.NaN
    if (/^-?\d+(\.\d+)?$/.test(t)) return toEpochMs(Number(t))
    // ISO without a zone is UTC in recorded data, not the machine's local time.
    return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) || !t.includes('T') ? t : `${t}Z`)
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return Number.NaN
  const a = Math.abs(v)
  if (a >= 1e17) return Math.floor(v / 1e6)
  if (a >= 1e14) return Math.floor(v / 1e3)
  if (a < 1e11) return Math.round(v * 1e3)
  return v
}

/** A finite number from a JSON value or a CSV field; NaN otherwise. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '') return Number(v)
  return Number.NaN
}
