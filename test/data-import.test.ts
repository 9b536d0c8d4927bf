import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectData } from '../src/data/inspect-data.ts'
import { openRows } from '../src/data/read-rows.ts'
import { symbolHint } from '../src/data/symbol-hint.ts'

const DATA = join(import.meta.dirname, '../../shared/data')
const dir = mkdtempSync(join(tmpdir(), 'shoal-data-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
const rowsOf = async (f: string) => {
  const d = await openRows(f)
  const out: unknown[] = []
  for await (const r of d.rows) out.push(r)
  return { format: d.format, rows: out }
}

describe('the recorded samples', () => {
  it('reads every sample in ../shared/data with its format, span, timeframe and gaps', async () => {
    const eth = await inspectData(join(DATA, 'candles/ETH_BTC-5m.json'))
    expect(eth).toMatchObject({ format: 'ohlcv-json', symbolHint: 'ETH/BTC', rows: 5760, timeframe: '5m', gaps: 0, from: '2018-01-10T04:55:00.000Z' })
    const unit = await inspectData(join(DATA, 'candles/UNITTEST_BTC-1m.json'))
    expect(unit).toMatchObject({ rows: 13_681, timeframe: '1m', gaps: 538 })
    expect(unit.missingBars).toBeGreaterThanOrEqual(538)
    const trades = await inspectData(join(DATA, 'trades/XRP_ETH-trades.json.gz'))
    expect(trades).toMatchObject({ format: 'trades-json', kind: 'trades', symbolHint: 'XRP/ETH', rows: 12_477 })
    expect(trades.buys + trades.sells).toBe(12_477)
    const klines = await inspectData(join(DATA, 'klines/ADABTC-1m-2021-11-27.csv'))
    expect(klines).toMatchObject({ format: 'binance-klines-csv', symbolHint: 'ADA/BTC', rows: 10, timeframe: '1m', from: '2021-11-27T00:00:00.000Z' })
    for (const f of ['ETC', 'LTC', 'ADA', 'XMR', 'DASH']) expect((await inspectData(join(DATA, `candles/${f}_BTC-5m.json`))).timeframe).toBe('5m')
  })

  it('takes symbols from the usual file names', () => {
    expect(symbolHint('ETH_BTC-5m.json')).toBe('ETH/BTC')
    expect(symbolHint('BTCUSDT-1h-2024-01.csv.gz')).toBe('BTC/USDT')
    expect(symbolHint('data.csv')).toBe(null)
  })
})

describe('other formats, detected from content', () => {
  it('CSV with a header (ISO times, other columns ignored), gzipped too', async () => {
    const csv = 'date,open,high,low,close,volume,extra\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10,x\n2024-01-01T00:01:00Z,1.5,2,1,1.8,0,y\n'
    const r = await rowsOf(file('a.csv.gz', gzipSync(csv)))
    expect(r.format).toBe('ohlcv-csv')
    expect(r.rows).toEqual([
      { ts: Date.UTC(2024, 0, 1), open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
      { ts: Date.UTC(2024, 0, 1, 0, 1), open: 1.5, high: 2, low: 1, close: 1.8, volume: 0 },
    ])
    expect((await inspectData(file('b.csv', csv))).zeroVolumeBars).toBe(1)
  })

  it('trades as ccxt objects, as CSV with a header, and Binance kline times in microseconds', async () => {
    const ccxt = [
      { id: '1', timestamp: 1_700_000_000_000, datetime: 'x', symbol: 'A/B', side: 'buy', price: 2, amount: 3, cost: 6 },
      { id: '2', timestamp: 1_700_000_000_500, side: 'sell', price: 2.1, amount: 1 },
    ]
    const a = await rowsOf(file('t.json', JSON.stringify(ccxt)))
    expect(a.format).toBe('ccxt-trades-json')
    expect(a.rows).toEqual([
      { ts: 1_700_000_000_000, id: '1', side: 'buy', price: 2, amount: 3 },
      { ts: 1_700_000_000_500, id: '2', side: 'sell', price: 2.1, amount: 1 },
    ])
    const b = await rowsOf(file('t.csv', 'timestamp,price,amount,side\n1700000000000,2,3,buy\n1700000000001,2.5,1,\n'))
    expect(b.format).toBe('trades-csv')
    expect(b.rows[1]).toEqual({ ts: 1_700_000_000_001, id: '', side: null, price: 2.5, amount: 1 })
    const c = await rowsOf(file('k.csv', '1735689600000000,1,2,0.5,1.5,10,1735689659999999,15,3,5,7,0\n'))
    expect(c.format).toBe('binance-klines-csv')
    expect((c.rows[0] as { ts: number }).ts).toBe(Date.UTC(2025, 0, 1))
  })
})

describe('bad rows are errors naming the file, the row and the problem', () => {
  const bad = async (name: string, text: string) => {
    const f = file(name, text)
    try {
      await rowsOf(f)
    } catch (e) {
      return (e as Error).message
    }
    return 'no error'
  }
  it('names each problem', async () => {
    expect(await bad('nan.json', '[[1700000000000,1,2,0.5,1.5,10],[1700000060000,1,"x",0.5,1.5,10]]')).toMatch(/nan\.json: row 2: high is not a number/)
    expect(await bad('neg.json', '[[1700000000000,1,2,0.5,-1.5,10]]')).toMatch(/neg\.json: row 1: close -1\.5 is not a positive price/)
    expect(await bad('back.csv', 'timestamp,open,high,low,close,volume\n1700000060000,1,2,0.5,1.5,1\n1700000000000,1,2,0.5,1.5,1\n')).toMatch(/back\.csv: row 3: the timestamp goes backwards/)
    expect(await bad('dup.json', '[[1700000000000,1,2,0.5,1.5,10],[1700000000000,1,2,0.5,1.5,10]]')).toMatch(/dup\.json: row 2: duplicate bar/)
    expect(await bad('cut.json', '[[1700000000000,1,2,0.5,1.5,10],[17000000')).toMatch(/cut\.json: row 2: the JSON array is cut off/)
    expect(await bad('dupt.json', '[[1700000000000,"7",null,"buy",1,1,1],[1700000000000,"7",null,"buy",1,1,1]]')).toMatch(/dupt\.json: row 2: duplicate trade id 7/)
    expect(await bad('side.csv', 'timestamp,price,amount,side\n1700000000000,1,1,long\n')).toMatch(/side\.csv: row 2: side 'long' is neither buy nor sell/)
    expect(await bad('hdr.csv', 'when,what\n1,2\n')).toMatch(/hdr\.csv: row 1: CSV header names neither candles/)
    expect(await bad('empty.json', '')).toMatch(/empty\.json: empty file/)
  })
})
