import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openRows } from '../src/data/read-rows.ts'
import { BarBuilder } from '../src/record/bar-builder.ts'
import { Recorder, type RecordSource } from '../src/record/recorder.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-rec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('BarBuilder', () => {
  it('closes a bar when a later minute trades; late trades are counted, not folded in', () => {
    const b = new BarBuilder()
    expect(b.add(60_000, 10, 1)).toBeNull()
    expect(b.add(61_000, 12, 2)).toBeNull()
    expect(b.add(119_999, 9, 1)).toBeNull()
    expect(b.add(180_000, 11, 1)).toEqual({ ts: 60_000, open: 10, high: 12, low: 9, close: 9, volume: 4 })
    expect(b.add(170_000, 50, 1)).toBeNull()
    expect(b.late).toBe(1)
  })
})

describe('Recorder', () => {
  it('writes trades, bars and quotes the importers read; logs outages and holes in trade ids; drops repeats', async () => {
    const T = Date.UTC(2024, 0, 1, 10, 59, 30)
    // Each call of watchTrades returns the next batch; the second call fails once (a cut connection).
    const batches: (Error | { id: string; timestamp: number; side: string; price: number; amount: number }[])[] = [
      [{ id: '1', timestamp: T, side: 'buy', price: 100, amount: 1 }],
      new Error('connection closed'),
      [
        { id: '1', timestamp: T, side: 'buy', price: 100, amount: 1 },
        { id: '2', timestamp: T + 20_000, side: 'sell', price: 101, amount: 2 },
        { id: '5', timestamp: T + 40_000, side: 'buy', price: 99, amount: 1 },
      ],
      [{ id: '6', timestamp: T + 95_000, side: 'buy', price: 98, amount: 1 }],
    ]
    let call = 0
    let quoteCalls = 0
    let release: () => void = () => {}
    const done = new Promise<void>((r) => (release = r))
    const source: RecordSource = {
      watchTrades: async () => {
        const b = batches[call++]
        if (b === undefined) {
          release()
          return new Promise(() => {})
        }
        if (b instanceof Error) throw b
        return b
      },
      watchOrderBook: async () => {
        if (quoteCalls++ > 2) return new Promise(() => {})
        return { bids: [[99.5, 3]], asks: [[100.5, quoteCalls === 2 ? 4 : 2]], timestamp: T + quoteCalls }
      },
    }
    let clock = T
    const r = new Recorder({ symbols: ['ETH/BTC'], dir, rotateMs: 60_000, now: () => (clock += 1_000) }).start(source)
    await done
    const { files } = await r.stop()
    // Bars of 10:59 and 11:00 closed (the 11:01 one is still open); three distinct tops of book.
    expect(r.counts).toMatchObject({ trades: 4, duplicates: 1, bars: 2, quotes: 3, reconnects: 1 })
    const gaps = readFileSync(join(dir, 'gaps.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(gaps.map((g) => g.kind).sort()).toEqual(['outage', 'trade-ids'])
    expect(gaps.find((g) => g.kind === 'trade-ids')).toMatchObject({ fromId: 3, toId: 4, missing: 2 })
    // Rotated by the minute: trade files of 10:59, 11:00 and 11:01.
    const tradeFiles = readdirSync(dir)
      .filter((f) => f.includes('-trades-'))
      .sort()
    expect(tradeFiles).toEqual(['ETH_BTC-trades-2024-01-01T105900Z.csv', 'ETH_BTC-trades-2024-01-01T110000Z.csv', 'ETH_BTC-trades-2024-01-01T110100Z.csv'])
    expect(files.length).toBe(3 + 2 + 1)
    const rows: unknown[] = []
    const d = await openRows(join(dir, tradeFiles[1]!))
    for await (const x of d.rows) rows.push(x)
    expect(d.format).toBe('trades-csv')
    expect(rows).toEqual([{ ts: T + 40_000, id: '5', side: 'buy', price: 99, amount: 1 }])
    const bars = readdirSync(dir)
      .filter((f) => f.includes('-1m-'))
      .sort()
    const b = await openRows(join(dir, bars[0]!))
    const bar: unknown[] = []
    for await (const x of b.rows) bar.push(x)
    expect(bar).toEqual([{ ts: Date.UTC(2024, 0, 1, 10, 59), open: 100, high: 101, low: 100, close: 101, volume: 3 }])
  })
})
