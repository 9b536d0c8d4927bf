import { DataError, DATA_FORMATS, type DataFormat } from './market-rows.ts'
import { headText } from './text-stream.ts'
import { csvHeader, splitCsv, delimiterOf } from './csv-rows.ts'

/**
 * The file's format, from its content (the first 64 KB, decompressed): a JSON array of arrays or of
 * objects, or CSV with or without a header. `given` (a `format:` or `--format`) wins when set.
 */
export async function detectFormat(file: string, given?: string): Promise<DataFormat> {
  if (given !== undefined) {
    if (!(DATA_FORMATS as readonly string[]).includes(given)) throw new DataError(file, null, `unknown format '${given}' (known: ${DATA_FORMATS.join(', ')})`)
    return given as DataFormat
  }
  const head = (await headText(file)).trimStart()
  if (head === '') throw new DataError(file, null, 'empty file')
  if (head.startsWith('[')) return jsonFormat(file, head)
  if (head.startsWith('{')) throw new DataError(file, null, 'a JSON object: expected a JSON array of candles or trades')
  const firstLine = head.split(/\r?\n/, 1)[0]!
  const cells = splitCsv(firstLine, delimiterOf(firstLine))
  if (cells.every((c) => c === '' || Number.isFinite(Number(c)))) {
    if (cells.length >= 12) return 'binance-klines-csv'
    if (cells.length === 6) return 'ohlcv-csv'
    throw new DataError(file, 1, `CSV without a header: ${cells.length} columns, expected 12 (Binance klines) or 6 (timestamp, open, high, low, close, volume)`)
  }
  const header = csvHeader(cells)
  if (header.has('open') && header.has('close')) return header.has('close_time') && !header.has('timestamp') ? 'binance-klines-csv' : 'ohlcv-csv'
  if (header.has('price') && header.has('amount')) return 'trades-csv'
  throw new DataError(file, 1, `CSV header names neither candles (timestamp, open, high, low, close, volume) nor trades (timestamp, price, amount): ${firstLine.slice(0, 120)}`)
}

function jsonFormat(file: string, head: string): DataFormat {
  // The first element is enough: '[[' or '[{' then what the element holds.
  const body = head.slice(1).trimStart()
  if (body.startsWith(']')) throw new DataError(file, null, 'an empty JSON array: no rows')
  if (body.startsWith('{')) {
    const end = body.indexOf('}')
    const first = end === -1 ? body : body.slice(0, end)
    if (/"price"/.test(first) && /"amount"/.test(first)) return 'ccxt-trades-json'
    throw new DataError(file, 1, 'a JSON array of objects without "price" and "amount": expected trades as ccxt fetchTrades returns them')
  }
  if (!body.startsWith('[')) throw new DataError(file, 1, 'expected a JSON array of arrays (candles or trades) or of objects (ccxt trades)')
  const end = body.indexOf(']')
  let first: unknown
  try {
    first = JSON.parse(body.slice(0, end + 1))
  } catch {
    throw new DataError(file, 1, `not valid JSON: ${body.slice(0, 80)}`)
  }
  const a = first as unknown[]
  if (a.length === 6 || (a.length >= 6 && a.slice(0, 6).every((x) => typeof x === 'number' || (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)))))) {
    if (typeof a[3] !== 'string' || !/^(buy|sell)$/i.test(a[3])) return 'ohlcv-json'
  }
  if (a.length >= 6 && (a[3] === null || (typeof a[3] === 'string' && /^(buy|sell)$/i.test(a[3])))) return 'trades-json'
  throw new DataError(file, 1, `a JSON row of ${a.length} values that is neither a candle [ts, o, h, l, c, v] nor a trade [ts, id, type, side, price, amount, cost]`)
}
