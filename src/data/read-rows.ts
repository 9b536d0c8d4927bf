import type { Side } from '../domain/market.ts'
import { csvHeader, delimiterOf, splitCsv } from './csv-rows.ts'
import { detectFormat } from './detect-format.ts'
import { jsonElements } from './json-elements.ts'
import { type Candle, DataError, type DataFormat, isCandleFormat, type Print, toEpochMs, toNumber } from './market-rows.ts'
import { textLines } from './text-stream.ts'

/** A data file opened for streaming: its format, and its rows one at a time, checked. */
export type DataRows =
  | { readonly kind: 'candles'; readonly format: DataFormat; readonly rows: AsyncGenerator<Candle> }
  | { readonly kind: 'trades'; readonly format: DataFormat; readonly rows: AsyncGenerator<Print> }

/** Opens `file` (format detected from content unless `format` is given). Rows are read lazily. */
export async function openRows(file: string, format?: string): Promise<DataRows> {
  const f = await detectFormat(file, format)
  if (isCandleFormat(f)) return { kind: 'candles', format: f, rows: checkCandles(file, rawCandles(file, f)) }
  return { kind: 'trades', format: f, rows: checkPrints(file, rawPrints(file, f)) }
}

type Raw<T> = AsyncGenerator<{ v: T; row: number }>

async function* rawCandles(file: string, f: DataFormat): Raw<Candle> {
  if (f === 'ohlcv-json') {
    for await (const { value, row } of jsonElements(file)) {
      if (!Array.isArray(value) || value.length < 6) throw new DataError(file, row, `expected [timestamp, open, high, low, close, volume], got ${JSON.stringify(value)?.slice(0, 80)}`)
      yield { v: candle(value[0], value[1], value[2], value[3], value[4], value[5]), row }
    }
    return
  }
  for await (const { at, n } of csvRecords(file, ['timestamp', 'open', 'high', 'low', 'close'], f === 'binance-klines-csv' ? BINANCE_KLINE_COLUMNS : PLAIN_OHLCV_COLUMNS))
    yield { v: candle(at('timestamp'), at('open'), at('high'), at('low'), at('close'), at('volume') ?? '0'), row: n }
}

/**
 * The records of a CSV file with its column meanings: from its header (which must name `need`),
 * or `headerless` when the first line is data. `at(k)` reads column `k` of the current record.
 */
async function* csvRecords(file: string, need: readonly string[], headerless: ReadonlyMap<string, number> | null): AsyncGenerator<{ at: (k: string) => string | undefined; n: number }> {
  let cols: ReadonlyMap<string, number> | null = null
  let width = 0
  let delimiter = ','
  let cells: string[] = []
  const at = (k: string) => {
    const i = cols!.get(k)
    return i === undefined ? undefined : cells[i]
  }
  for await (const { line, n } of textLines(file)) {
    if (line.trim() === '') continue
    if (cols === null) {
      delimiter = delimiterOf(line)
      const first = splitCsv(line, delimiter)
      if (headerless === null || !Number.isFinite(Number(first[0]))) {
        cols = csvHeader(first)
        for (const k of need) if (!cols.has(k)) throw new DataError(file, n, `the header has no '${k}' column`)
        width = Math.max(...cols.values()) + 1
        continue
      }
      cols = headerless
      width = Math.max(...cols.values()) + 1
    }
    cells = splitCsv(line, delimiter)
    if (cells.length < width) throw new DataError(file, n, `${cells.length} columns, expected at least ${width}`)
    yield { at, n }
  }
}

const PLAIN_OHLCV_COLUMNS = new Map(['timestamp', 'open', 'high', 'low', 'close', 'volume'].map((k, i) => [k, i]))
const BINANCE_KLINE_COLUMNS = new Map(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'close_time'].map((k, i) => [k, i]))

const candle = (ts: unknown, o: unknown, h: unknown, l: unknown, c: unknown, v: unknown): Candle => ({
  ts: toEpochMs(ts),
  open: toNumber(o),
  high: toNumber(h),
  low: toNumber(l),
  close: toNumber(c),
  volume: toNumber(v),
})

async function* rawPrints(file: string, f: DataFormat): Raw<Print> {
  if (f === 'trades-json') {
    for await (const { value, row } of jsonElements(file)) {
      if (!Array.isArray(value) || value.length < 6) throw new DataError(file, row, `expected [timestamp, id, type, side, price, amount, cost], got ${JSON.stringify(value)?.slice(0, 80)}`)
      yield { v: print(file, row, value[0], value[1], value[3], value[4], value[5]), row }
    }
    return
  }
  if (f === 'ccxt-trades-json') {
    for await (const { value, row } of jsonElements(file)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DataError(file, row, `expected a trade object (ccxt fetchTrades), got ${JSON.stringify(value)?.slice(0, 80)}`)
      const t = value as Record<string, unknown>
      yield { v: print(file, row, t.timestamp ?? t.datetime, t.id, t.side, t.price, t.amount), row }
    }
    return
  }
  for await (const { at, n } of csvRecords(file, ['timestamp', 'price', 'amount'], null)) {
    // Binance's trade files say who was maker instead of the taker's side.
    const maker = at('is_buyer_maker')
    const side = at('side') ?? (maker === undefined ? undefined : /^true$/i.test(maker) ? 'sell' : 'buy')
    yield { v: print(file, n, at('timestamp'), at('id') ?? null, side, at('price'), at('amount')), row: n }
  }
}

function print(file: string, row: number, ts: unknown, id: unknown, side: unknown, price: unknown, amount: unknown): Print {
  let s: Side | null = null
  if (typeof side === 'string' && side.trim() !== '') {
    const x = side.trim().toLowerCase()
    if (x !== 'buy' && x !== 'sell') throw new DataError(file, row, `side '${side}' is neither buy nor sell`)
    s = x
  }
  return { ts: toEpochMs(ts), id: id === null || id === undefined || id === '' ? '' : String(id), side: s, price: toNumber(price), amount: toNumber(amount) }
}

/** Every candle checked: numbers finite, prices positive, volume not negative, timestamps strictly rising. */
async function* checkCandles(file: string, rows: Raw<Candle>): AsyncGenerator<Candle> {
  let last = Number.NEGATIVE_INFINITY
  for await (const { v, row } of rows) {
    if (!Number.isFinite(v.ts)) throw new DataError(file, row, 'the timestamp is not a time')
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (!Number.isFinite(v[k])) throw new DataError(file, row, `${k} is not a number`)
      if (k === 'volume' ? v[k] < 0 : v[k] <= 0) throw new DataError(file, row, `${k} ${v[k]} is ${k === 'volume' ? 'negative' : 'not a positive price'}`)
    }
    if (v.ts === last) throw new DataError(file, row, `duplicate bar at ${new Date(v.ts).toISOString()}`)
    if (v.ts < last) throw new DataError(file, row, `the timestamp goes backwards (${new Date(v.ts).toISOString()} after ${new Date(last).toISOString()})`)
    last = v.ts
    yield v
  }
}

/** Every print checked: price and amount positive, timestamps never going back, no trade twice. */
async function* checkPrints(file: string, rows: Raw<Print>): AsyncGenerator<Print> {
  let last = Number.NEGATIVE_INFINITY
  // Duplicates are the same trade again: same time and id (or same everything without ids).
  let sameTs = new Set<string>()
  for await (const { v, row } of rows) {
    if (!Number.isFinite(v.ts)) throw new DataError(file, row, 'the timestamp is not a time')
    if (!Number.isFinite(v.price)) throw new DataError(file, row, 'price is not a number')
    if (!Number.isFinite(v.amount)) throw new DataError(file, row, 'amount is not a number')
    if (v.price <= 0) throw new DataError(file, row, `price ${v.price} is not a positive price`)
    if (v.amount <= 0) throw new DataError(file, row, `amount ${v.amount} is not positive`)
    if (v.ts < last) throw new DataError(file, row, `the timestamp goes backwards (${new Date(v.ts).toISOString()} after ${new Date(last).toISOString()})`)
    if (v.ts !== last) sameTs = new Set()
    const key = v.id !== '' ? v.id : `${v.price}|${v.amount}|${v.side}`
    if (v.id !== '' && sameTs.has(key)) throw new DataError(file, row, `duplicate trade id ${v.id}`)
    sameTs.add(key)
    last = v.ts
    yield v
  }
}
