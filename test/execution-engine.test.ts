import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_ALGO_OPTIONS, type AlgoName } from '../actors/algos/algo.ts'
import { Engine } from '../src/engine/engine.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { executionCosts } from '../src/report/execution-costs.ts'
import { openStore } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { followers } from './support/followers.ts'
import { finishVirtual } from './support/virtual.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-exec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let runs = 0
async function run(algo: AlgoName) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 6 * 60_000)
  const sim = new SimExchange({ symbols: 5, seed: 12, latencyMs: 40, tickMs: 250, scheduler }).start()
  const path = join(dir, `${algo}-${++runs}.sqlite`)
  const store = new OrderStore(await openStore(path), algo)
  await store.migrate()
  await store.startRun({}, 0)
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: followers(sim, 300, 20, 100),
    signals: signalSchedule({ groups: 20, everyMs: 20_000, seed: 4, scheduler }),
    scheduler,
    clock: () => scheduler.now(),
    store,
    execution: { algo, options: { ...DEFAULT_ALGO_OPTIONS, maxWorkMs: 8_000 } },
    runTag: algo,
  }).start()
  scheduler.flush()
  await finishVirtual(engine, sim, scheduler, 60_000, 120_000)
  await store.writeExecutions(engine.execution!.drain())
  await store.close()
  return { engine, sim, path }
}

describe('chase-limit execution through the engine (virtual time, SQLite)', () => {
  it('keeps at most one live order per strategy, fills what it reports, and stores every execution', async () => {
    const { engine, sim, path } = await run('chase')
    const s = engine.execution!.summary()
    expect(s.works).toBeGreaterThan(500)
    expect(s.amendments).toBeGreaterThan(0)
    expect(s.makerShare).toBeGreaterThan(0.3)
    expect(s.fillRate).toBeGreaterThan(0.9)
    const d = new BetterSqlite3(path, { readonly: true })
    // One live order per strategy at any moment: a replacement only after the previous is final.
    const overlaps = d
      .prepare('select count(*) n from orders a join orders b on a.strategy_id = b.strategy_id and a.id <> b.id and a.created_at <= b.created_at and b.created_at < a.closed_at')
      .get() as { n: number }
    expect(overlaps.n).toBe(0)
    expect((d.prepare("select count(*) n from orders where status not in ('filled','canceled','rejected','expired')").get() as { n: number }).n).toBe(0)
    const bad = d
      .prepare('select o.id from orders o left join (select order_id, sum(amount) s from fills group by order_id) f on f.order_id = o.id where abs(o.filled - coalesce(f.s, 0)) > 1e-9')
      .all()
    expect(bad).toEqual([])
    const ex = d.prepare('select count(*) n, sum(filled) f, sum(maker_amount) m, sum(amendments) a from executions').get() as { n: number; f: number; m: number; a: number }
    expect(ex.n).toBe(s.works)
    expect(ex.a).toBe(s.amendments)
    expect(ex.m / ex.f).toBeCloseTo(s.makerShare, 2)
    // Every actor's position equals the net of its fills, and the venue agrees on every order.
    const net = new Map(
      (d.prepare("select strategy_id id, sum(case side when 'buy' then amount else -amount end) n from fills group by strategy_id").all() as { id: string; n: number }[]).map((r) => [r.id, r.n]),
    )
    for (const a of engine.actors) expect(a.state.position).toBeCloseTo(net.get(a.id) ?? 0, 9)
    const stored = new Map((d.prepare('select id, filled from orders').all() as { id: string; filled: number }[]).map((r) => [r.id, r.filled]))
    for (const v of sim.knownOrders()) expect(stored.get(v.clientOrderId)).toBeCloseTo(v.filled, 9)
    d.close()
  })

  it('market orders are all taker; chase pays less in fees on the same signals', async () => {
    const market = (await run('market')).engine.execution!.summary()
    const chase = (await run('chase')).engine.execution!.summary()
    expect(market.makerShare).toBe(0)
    expect(market.fillRate).toBe(1)
    expect(chase.fees).toBeLessThan(market.fees * 0.9)
  })

  it('adaptive chase: stores total cost per work, and `shoal report --executions` recomputes the summary from the rows', async () => {
    const { engine, path } = await run('adaptive')
    const s = engine.execution!.summary()
    expect(s.works).toBeGreaterThan(500)
    expect(s.makerShare).toBeGreaterThan(0.2)
    // Cost = slippage + fees, on every work with fills.
    expect(s.costBps.avg).toBeCloseTo(s.slippageBps.avg + s.feesBps, 1)
    const d = new BetterSqlite3(path, { readonly: true })
    const rows = d.prepare('select side, arrival_mid, avg_price, filled, requested, fees, slippage_bps, cost_bps, end_mid, opportunity_bps from executions').all() as Record<
      string,
      number | string | null
    >[]
    expect(rows).toHaveLength(s.works)
    for (const r of rows) {
      if (r.avg_price === null) expect(r.cost_bps).toBeNull()
      else expect(r.cost_bps as number).toBeCloseTo((r.slippage_bps as number) + ((r.fees as number) / ((r.avg_price as number) * (r.filled as number))) * 1e4, 9)
      expect(r.end_mid).not.toBeNull()
      if ((r.filled as number) >= (r.requested as number)) expect(r.opportunity_bps).toBeNull()
    }
    d.close()
    const conn = await openStore(path)
    const [row] = await executionCosts(conn.db)
    await conn.db.destroy()
    expect(row).toMatchObject({ algo: 'adaptive', symbol: '*', works: s.works })
    expect(row!.costAvg).toBeCloseTo(s.costBps.avg, 2)
    expect(row!.slippageAvg).toBeCloseTo(s.slippageBps.avg, 2)
    expect(row!.makerShare).toBeCloseTo(s.makerShare, 2)
  })
})
