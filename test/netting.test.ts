import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NettingOptions } from '../actors/netting/netting-desk.ts'
import { DEFAULT_LIMITS, type RiskLimits } from '../actors/risk/limits.ts'
import { RiskManager } from '../actors/risk/risk-manager.ts'
import { Engine } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import { SimExchange, type SimExchangeOptions } from '../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { finishVirtual } from './support/virtual.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-netting-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A virtual-time run of `strategies` signal followers on the simulator; with a store when `db` is given. */
async function run(o: {
  strategies: number
  symbols: number
  minutes: number
  netting?: Partial<NettingOptions>
  sim: Partial<SimExchangeOptions>
  db?: string
  notional?: number
  limits?: Partial<RiskLimits>
  probe?: (engine: Engine, scheduler: VirtualTimeScheduler) => void
}) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, o.minutes * 60_000)
  const sim = new SimExchange({ symbols: o.symbols, seed: 3, latencyMs: 100, tickMs: 3_333, scheduler, ...o.sim }).start()
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, o.notional ?? 40, sim.lastQuote(s)!.ask)
  const store = o.db === undefined ? undefined : new OrderStore(await openStore(o.db), 'net')
  await store?.migrate()
  await store?.startRun({}, 0)
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: expandGrid({ strategy: 'followSignal', symbols, count: o.strategies, groups: 50, sizeOf }),
    signals: signalSchedule({ groups: 50, everyMs: 10_000, seed: 9, scheduler }),
    scheduler,
    store,
    sinkWindowMs: 500,
    netting: o.netting,
    runTag: 'nt',
    ...(o.limits === undefined ? {} : { risk: new RiskManager({ ...DEFAULT_LIMITS, ...o.limits }, sim.markets, 0) }),
  }).start()
  o.probe?.(engine, scheduler)
  scheduler.flush()
  const { unwritten } = await finishVirtual(engine, sim, scheduler)
  await store?.close()
  return { engine, sim, unwritten }
}

describe('netting: 10,000 strategies, 3 simulated minutes, the store checked row by row', () => {
  const db = join(dir, 'netting.sqlite')
  let r: Awaited<ReturnType<typeof run>>
  beforeAll(async () => {
    r = await run({ strategies: 10_000, symbols: 8, minutes: 3, netting: {}, sim: { rejectRate: 0.01 }, db })
  }, 120_000)
  const q = <T>(sql: string): T[] => {
    const d = new BetterSqlite3(db, { readonly: true })
    try {
      return d.prepare(sql).all() as T[]
    } finally {
      d.close()
    }
  }

  it('sent a few block orders per round for thousands of child orders, and stored every event', () => {
    const c = r.engine.desk!.counts
    expect(r.unwritten).toEqual([])
    expect(c.childOrders).toBeGreaterThan(20_000)
    // 18 rounds × 8 symbols at most, one venue order per block with market execution.
    expect(c.venueOrders).toBe(c.blocks)
    expect(c.blocks).toBeLessThanOrEqual(18 * 8)
    expect(c.crosses).toBeGreaterThan(0)
    // The venue knows all but the ones it rejected on arrival.
    const rejected = q<{ n: number }>("select count(*) n from blocks where status = 'rejected'")[0]!.n
    expect(r.sim.knownOrders().length).toBe(c.venueOrders - rejected)
    expect(q<{ n: number }>('select count(*) n from orders')[0]!.n).toBe(c.childOrders)
    expect(q<{ n: number }>("select count(*) n from orders where status not in ('filled', 'canceled', 'rejected')")[0]!.n).toBe(0)
    // Desk records share the batches but take no event sequence numbers: the log is numbered 1…N without gaps.
    expect(q<{ n: number; m: number }>('select count(*) n, max(seq) m from order_events').map((x) => x.m - x.n)).toEqual([0])
  })

  it("each block's allocations plus the house's equal its filled amount, and its row matches the venue's order", () => {
    const blocks = q<{ id: string; filled: number; allocated: number | null; status: string }>(
      'select b.id, b.filled, b.status, (select sum(amount) from allocations a where a.block_id = b.id) allocated from blocks b',
    )
    expect(blocks.length).toBe(r.engine.desk!.counts.blocks)
    const venue = new Map(r.sim.knownOrders().map((o) => [o.clientOrderId, o]))
    for (const b of blocks) {
      expect(b.allocated ?? 0, b.id).toBeCloseTo(b.filled, 9)
      expect(venue.get(b.id)?.filled ?? 0, b.id).toBeCloseTo(b.filled, 9)
    }
    expect(blocks.filter((b) => b.status === 'rejected').length).toBeGreaterThan(0)
  })

  it("each internal cross's buy and sell allocations are equal", () => {
    const crosses = q<{ cross_id: string; buy: number; sell: number }>(
      "select cross_id, sum(case when side = 'buy' then amount else 0 end) buy, sum(case when side = 'sell' then amount else 0 end) sell from allocations where kind = 'internal' group by cross_id",
    )
    expect(crosses.length).toBe(r.engine.desk!.counts.crosses)
    for (const c of crosses) expect(c.buy, c.cross_id).toBeCloseTo(c.sell, 9)
  })

  it("every strategy's position is the net of its fills, which are its allocations", () => {
    const fills = new Map(q<{ s: string; n: number }>("select strategy_id s, sum(case when side = 'buy' then amount else -amount end) n from fills group by strategy_id").map((x) => [x.s, x.n]))
    const allocs = new Map(
      q<{ s: string; n: number }>("select strategy_id s, sum(case when side = 'buy' then amount else -amount end) n from allocations where kind != 'house' group by strategy_id").map((x) => [
        x.s,
        x.n,
      ]),
    )
    let open = 0
    for (const a of r.engine.actors) {
      expect(fills.get(a.id) ?? 0, a.id).toBeCloseTo(a.state.position, 9)
      expect(allocs.get(a.id) ?? 0, a.id).toBeCloseTo(a.state.position, 9)
      if (a.state.position !== 0) open++
    }
    expect(open).toBeGreaterThan(1_000)
  })

  it("the venue's net position per symbol is the strategies' positions plus the house's", () => {
    const venue = new Map<string, number>()
    for (const o of r.sim.knownOrders()) venue.set(o.symbol, (venue.get(o.symbol) ?? 0) + (o.side === 'buy' ? o.filled : -o.filled))
    const house = new Map(
      q<{ symbol: string; n: number }>("select symbol, sum(case when side = 'buy' then amount else -amount end) n from allocations where kind = 'house' group by symbol").map((x) => [x.symbol, x.n]),
    )
    const strategies = new Map<string, number>()
    for (const a of r.engine.actors) strategies.set(a.symbol, (strategies.get(a.symbol) ?? 0) + a.state.position)
    for (const m of r.sim.markets) expect(venue.get(m.symbol) ?? 0, m.symbol).toBeCloseTo((strategies.get(m.symbol) ?? 0) + (house.get(m.symbol) ?? 0), 9)
  })

  it('no two child orders of one strategy overlap in time', () => {
    const rows = q<{ strategy_id: string; created_at: number; closed_at: number }>('select strategy_id, created_at, closed_at from orders order by strategy_id, created_at, closed_at')
    let overlaps = 0
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!
      const b = rows[i]!
      if (a.strategy_id === b.strategy_id && b.created_at < a.closed_at) overlaps++
    }
    expect(overlaps).toBe(0)
  })
})

describe('netting and the open-orders limit', () => {
  it('counts children handed to the desk but not yet recorded as orders in flight; a refused child is stored as its own order', async () => {
    let most = 0
    const db = join(dir, 'open-orders.sqlite')
    const r = await run({
      strategies: 400,
      symbols: 4,
      minutes: 1,
      netting: {},
      sim: {},
      db,
      limits: { maxOpenOrders: 50 },
      // Orders in flight as the engine counts them, every 5 virtual ms (a block's answer takes 100 ms).
      probe: (engine, scheduler) => {
        const look = () => {
          most = Math.max(most, engine.metrics.inFlight)
          if (scheduler.now() < 55_000) scheduler.schedule(look, 5)
        }
        scheduler.schedule(look, 0)
      },
    })
    const t = r.engine.metrics.totals()
    expect(t.submitted).toBeGreaterThan(100)
    expect(t.denied).toBeGreaterThan(0)
    expect(most).toBe(50)
    // Every child and every refusal is an order of its strategy under its own next id: none collide.
    const d = new BetterSqlite3(db, { readonly: true })
    try {
      const rows = d.prepare("select status, count(*) n, count(distinct id) ids from orders group by status = 'denied'").all() as { status: string; n: number; ids: number }[]
      expect(rows.map((x) => [x.status === 'denied', x.n, x.ids])).toEqual([
        [false, t.submitted, t.submitted],
        [true, t.denied, t.denied],
      ])
      const denied = d.prepare("select id, strategy_id, reason from orders where status = 'denied' limit 1").get() as { id: string; strategy_id: string; reason: string }
      expect(denied.reason).toBe('risk: max_open_orders')
      expect(d.prepare('select count(*) n from orders where id in (select id from orders group by id having count(*) > 1)').get()).toEqual({ n: 0 })
    } finally {
      d.close()
    }
  }, 60_000)
})

describe('netting changes nothing a strategy gets when the venue is fair', () => {
  it('with zero spread, zero fees and equal latency, netting on and off give every strategy the same position and realized PnL', async () => {
    const sim: Partial<SimExchangeOptions> = { spreadBps: 0, fees: { maker: 0, taker: 0 }, jitter: 0, levelNotional: 1e12, rejectRate: 0, timeoutRate: 0 }
    const off = await run({ strategies: 1_000, symbols: 4, minutes: 2, sim })
    const on = await run({ strategies: 1_000, symbols: 4, minutes: 2, sim, netting: {} })
    expect(on.engine.desk!.counts.crosses).toBeGreaterThan(0)
    expect(on.sim.knownOrders().length).toBeLessThan(off.sim.knownOrders().length / 10)
    let traded = 0
    for (let i = 0; i < off.engine.actors.length; i++) {
      const a = off.engine.actors[i]!.state
      const b = on.engine.actors[i]!.state
      expect(b.position, `actor ${i}`).toBeCloseTo(a.position, 9)
      expect(b.realizedPnl, `actor ${i}`).toBeCloseTo(a.realizedPnl, 9)
      if (a.fills > 0) traded++
    }
    expect(traded).toBeGreaterThan(900)
  }, 120_000)
})
