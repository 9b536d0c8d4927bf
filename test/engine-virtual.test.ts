import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../src/engine/engine.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { openStore } from '../src/store/database.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { finishVirtual } from './support/virtual.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'

const MINUTES = 5
const dir = mkdtempSync(join(tmpdir(), 'shoal-virtual-'))
const dbPath = join(dir, 'run.sqlite')

let engine: Engine
let sim: SimExchange

beforeAll(async () => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, MINUTES * 60_000)
  sim = new SimExchange({ symbols: 10, seed: 11, latencyMs: 120, rejectRate: 0.02, timeoutRate: 0.02, timeoutMs: 1_000, tickMs: 1_000, scheduler }).start()
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
  const store = new OrderStore(await openStore(dbPath), 'vt')
  await store.migrate()
  const strategies = [
    ...expandGrid({ strategy: 'followSignal', symbols, count: 1_600, groups: 40, sizeOf }),
    ...expandGrid({ strategy: 'smaCross', params: { fast: [3, 5], slow: [8, 13] }, symbols, count: 200, sizeOf, offset: 1_600 }),
    ...expandGrid({ strategy: 'meanReversion', params: { window: [10, 20], z: [1, 1.5] }, symbols, count: 200, sizeOf, offset: 1_800 }),
  ]
  engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies,
    signals: signalSchedule({ groups: 40, everyMs: 10_000, seed: 5, scheduler }),
    scheduler,
    store,
    sinkWindowMs: 500,
    retryDelayMs: 200,
    runTag: 'vt',
  }).start()
  scheduler.flush()
  await finishVirtual(engine, sim, scheduler)
  await store.close()
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('2,000 actors, 5 simulated minutes, 120 ms venue latency, 2 % rejects and 2 % lost responses', () => {
  const db = () => new BetterSqlite3(dbPath, { readonly: true })

  it('traded, and persisted every order event', () => {
    const t = engine.metrics.totals()
    expect(engine.actors).toHaveLength(2_000)
    expect(t.signals).toBe(MINUTES * 6)
    expect(t.submitted).toBeGreaterThan(10_000)
    expect(t.rejected).toBeGreaterThan(0)
    expect(sim.counts.timeouts).toBeGreaterThan(0)
    const d = db()
    const { n } = d.prepare('select count(*) n from orders').get() as { n: number }
    expect(n).toBe(t.submitted)
    const open = d.prepare("select count(*) n from orders where closed_at is null or status not in ('filled','canceled','rejected','expired')").get() as { n: number }
    expect(open.n).toBe(0)
    d.close()
  })

  it('never has two orders of one strategy in flight at once', () => {
    const d = db()
    const overlaps = d
      .prepare(
        `select count(*) n from orders a join orders b
           on a.strategy_id = b.strategy_id and a.id <> b.id
          and a.created_at <= b.created_at and b.created_at < a.closed_at`,
      )
      .get() as { n: number }
    expect(overlaps.n).toBe(0)
    d.close()
  })

  it("sums each order's fills to its filled amount", () => {
    const d = db()
    const bad = d
      .prepare(
        `select o.id, o.filled, coalesce(f.s, 0) s from orders o
           left join (select order_id, sum(amount) s from fills group by order_id) f on f.order_id = o.id
          where abs(o.filled - coalesce(f.s, 0)) > 1e-9`,
      )
      .all()
    expect(bad).toEqual([])
    const filled = d.prepare("select count(*) n from orders where status = 'filled'").get() as { n: number }
    expect(filled.n).toBe(engine.metrics.totals().filled)
    d.close()
  })

  it("keeps each actor's position equal to the net of its fills", () => {
    const d = db()
    const rows = d.prepare("select strategy_id id, sum(case side when 'buy' then amount else -amount end) net from fills group by strategy_id").all() as { id: string; net: number }[]
    const net = new Map(rows.map((r) => [r.id, r.net]))
    let traded = 0
    for (const a of engine.actors) {
      expect(a.state.position).toBeCloseTo(net.get(a.id) ?? 0, 9)
      if (net.has(a.id)) traded++
    }
    expect(traded).toBeGreaterThan(1_800)
    d.close()
  })

  it('agrees with the venue: every order it knows is in the store with the same fills, none twice', () => {
    const d = db()
    const stored = new Map((d.prepare('select id, status, filled from orders').all() as { id: string; status: string; filled: number }[]).map((r) => [r.id, r]))
    const venue = sim.knownOrders()
    expect(venue.length).toBeGreaterThan(0)
    for (const v of venue) {
      const s = stored.get(v.clientOrderId)
      expect(s, v.clientOrderId).toBeDefined()
      expect(s!.filled).toBeCloseTo(v.filled, 9)
    }
    d.close()
  })
})
