import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { newOrder, type Fill, type OrderEvent } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'
import type { ExecutionReport } from '../src/domain/execution-report.ts'
import { candles, parseInterval } from '../src/report/candles.ts'
import { executionCosts } from '../src/report/execution-costs.ts'
import { strategyReport } from '../src/report/strategy-report.ts'
import { openStore, type StoreConnection } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { prng } from '../src/util/random.ts'
import { newPgDatabase } from './support/pg.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-report-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const DIALECTS: Record<string, () => Promise<StoreConnection>> = {
  sqlite: () => openStore(join(dir, `r${++n}.sqlite`)),
  postgres: async () => openStore(await newPgDatabase('shoal_report')),
}

/** Random trading of a few strategies: market orders, 1–3 fills each, at wandering prices. */
function randomHistory(seed: number): OrderEvent[] {
  const rand = prng(seed)
  const out: OrderEvent[] = []
  let ts = 0
  let price = 100
  let k = 0
  for (let s = 0; s < 6; s++) {
    let pos = 0
    for (let i = 0; i < 30; i++) {
      const side = pos > 0 && rand() < 0.6 ? 'sell' : 'buy'
      const amount = side === 'sell' ? pos : 1 + Math.floor(rand() * 3)
      pos += side === 'buy' ? amount : -amount
      let o = newOrder({ id: `o${k++}`, strategyId: `s${s}`, actor: s, symbol: s % 2 ? 'ETH/USDT' : 'BTC/USDT', side, type: 'market', amount, price: null }, (ts += 1_000))
      out.push({ type: 'OrderSubmitted', ts, order: o, fill: null, reason: null })
      const parts = amount === 1 ? [1] : [amount - 1, 1]
      for (const [j, a] of parts.entries()) {
        price *= 1 + (rand() - 0.5) * 0.02
        const fill: Fill = { tradeId: `${o.id}-${j}`, orderId: o.id, price, amount: a, fee: price * a * 0.0005, liquidity: 'taker', ts: (ts += 7_000) }
        o = evolveOrder(o, { type: 'OrderFilled', ts, fill }).order
        out.push({ type: 'OrderFilled', ts, order: o, fill, reason: null })
      }
    }
  }
  return out
}

/** The test's own recomputation: average cost, round trips, fees, straight from the fills. */
function recompute(events: OrderEvent[]) {
  const by = new Map<string, { pos: number; avg: number; pnl: number; fees: number; fills: number; trips: number; wins: number; tripStart: number; orders: Set<string> }>()
  for (const e of events) {
    const s = by.get(e.order.strategyId) ?? { pos: 0, avg: 0, pnl: 0, fees: 0, fills: 0, trips: 0, wins: 0, tripStart: 0, orders: new Set<string>() }
    by.set(e.order.strategyId, s)
    s.orders.add(e.order.id)
    if (e.fill === null) continue
    const q = e.order.side === 'buy' ? e.fill.amount : -e.fill.amount
    const before = s.pos
    if (s.pos === 0 || Math.sign(s.pos) === Math.sign(q)) {
      s.avg = (s.avg * Math.abs(s.pos) + e.fill.price * Math.abs(q)) / Math.abs(s.pos + q)
      s.pos += q
    } else {
      const closed = Math.min(Math.abs(s.pos), Math.abs(q))
      s.pnl += (e.fill.price - s.avg) * closed * Math.sign(s.pos)
      s.pos += q
      if (Math.abs(s.pos) < 1e-12) s.pos = 0
      if (Math.sign(s.pos) !== Math.sign(before) && s.pos !== 0) s.avg = e.fill.price
      if (s.pos === 0 || Math.sign(s.pos) !== Math.sign(before)) {
        s.trips++
        if (s.pnl - s.tripStart > 0) s.wins++
        s.tripStart = s.pnl
      }
    }
    s.fees += e.fill.fee
    s.fills++
  }
  return by
}

for (const [dialect, open] of Object.entries(DIALECTS)) {
  describe(`report on ${dialect}`, () => {
    it('per-strategy figures equal a recomputation from the fills', async () => {
      const store = new OrderStore(await open(), 'rep')
      await store.migrate()
      await store.startRun({}, 0)
      const events = randomHistory(17)
      await store.write(events)
      const report = await strategyReport(store.conn.db)
      const expected = recompute(events)
      expect(report.map((r) => r.strategyId)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5'])
      for (const r of report) {
        const e = expected.get(r.strategyId)!
        expect(r.orders).toBe(e.orders.size)
        expect(r.fills).toBe(e.fills)
        expect(r.position).toBeCloseTo(e.pos, 9)
        expect(r.realizedPnl).toBeCloseTo(e.pnl, 6)
        expect(r.fees).toBeCloseTo(e.fees, 9)
        expect(r.netPnl).toBeCloseTo(e.pnl - e.fees, 6)
        expect(r.roundTrips).toBe(e.trips)
        expect(r.winRate).toBeCloseTo(e.wins / e.trips, 12)
      }
      expect(report.some((r) => r.roundTrips > 3)).toBe(true)
      expect(await strategyReport(store.conn.db, { strategyId: 's3' })).toEqual([report[3]])
      expect(await strategyReport(store.conn.db, { runId: 'other' })).toEqual([])
      await store.close()
    })

    it('candles: open / high / low / close / volume per time bucket', async () => {
      const store = new OrderStore(await open(), 'c')
      await store.migrate()
      await store.startRun({}, 0)
      const mk = (id: string, ts: number, price: number, amount: number): OrderEvent[] => {
        const o = newOrder({ id, strategyId: 's', actor: 0, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount, price: null }, ts)
        const fill: Fill = { tradeId: `t-${id}`, orderId: id, price, amount, fee: 0, liquidity: 'taker', ts }
        return [{ type: 'OrderFilled', ts, order: evolveOrder(o, { type: 'OrderFilled', ts, fill }).order, fill, reason: null }]
      }
      await store.write([...mk('a', 60_000, 10, 1), ...mk('b', 60_500, 12, 2), ...mk('c', 119_999, 9, 1), ...mk('d', 120_000, 11, 3), ...mk('e', 240_001, 5, 1)])
      expect(await candles(store.conn.db, 'BTC/USDT', parseInterval('1m'))).toEqual([
        { ts: 60_000, open: 10, high: 12, low: 9, close: 9, volume: 4, trades: 3 },
        { ts: 120_000, open: 11, high: 11, low: 11, close: 11, volume: 3, trades: 1 },
        { ts: 240_000, open: 5, high: 5, low: 5, close: 5, volume: 1, trades: 1 },
      ])
      expect(await candles(store.conn.db, 'BTC/USDT', parseInterval('2m'))).toMatchObject([{ ts: 0, open: 10, close: 9, volume: 4 }, { ts: 120_000, volume: 3 }, { ts: 240_000 }])
      expect(await candles(store.conn.db, 'ETH/USDT', 60_000)).toEqual([])
      await store.close()
    })

    it('executions: total cost, opportunity and shortfall per algorithm and symbol, from the stored rows', async () => {
      const store = new OrderStore(await open(), 'x')
      await store.migrate()
      await store.startRun({}, 0)
      const w = (symbol: string, side: 'buy' | 'sell', filled: number, avgPrice: number | null, fees: number, endMid: number): ExecutionReport => ({
        algo: 'adaptive',
        symbol,
        side,
        requested: 2,
        filled,
        arrivalMid: 100,
        endMid,
        avgPrice,
        makerAmount: filled,
        takerAmount: 0,
        fees,
        timeToFillMs: filled > 0 ? 100 : null,
        amendments: 0,
      })
      await store.writeExecutions([
        w('BTC/USDT', 'buy', 2, 100.05, 0.04002, 100), // +5 slippage +2 fees = 7
        w('BTC/USDT', 'sell', 2, 100.05, 0.04002, 100), // −5 + 2 = −3
        w('ETH/USDT', 'buy', 1, 100, 0.02, 100.3), // 0 + 2 = 2; half left while the mid ran 30 bps away
      ])
      await store.writeExecutions([{ ...w('ETH/USDT', 'buy', 2, 100.05, 0.04002, 100), algo: 'market' }])
      const rows = await executionCosts(store.conn.db, { bySymbol: true })
      expect(rows.map((r) => [r.algo, r.symbol, r.works])).toEqual([
        ['adaptive', 'BTC/USDT', 2],
        ['adaptive', 'ETH/USDT', 1],
        ['market', 'ETH/USDT', 1],
      ])
      expect(rows[0]!.costAvg).toBeCloseTo(2, 3)
      expect(rows[0]!.costP95).toBeCloseTo(7, 3)
      expect(rows[1]).toMatchObject({ fillRate: 0.5, unfilledWorks: 1, costAvg: 2, opportunityAvg: 30, shortfallAvg: 16 })
      const all = await executionCosts(store.conn.db, { runId: 'x' })
      expect(all.map((r) => [r.algo, r.works])).toEqual([
        ['adaptive', 3],
        ['market', 1],
      ])
      expect(await executionCosts(store.conn.db, { runId: 'nobody' })).toEqual([])
      await store.close()
    })
  })
}

describe('parseInterval', () => {
  it('reads s, m, h, d and names the flag otherwise', () => {
    expect([parseInterval('30s'), parseInterval('1m'), parseInterval('4h'), parseInterval('1d')]).toEqual([30_000, 60_000, 14_400_000, 86_400_000])
    expect(() => parseInterval('1x')).toThrow("--interval: expected a duration like 30s, 1m, 15m, 4h or 1d, got '1x'")
    expect(() => parseInterval('0m')).toThrow('--interval')
  })
})
