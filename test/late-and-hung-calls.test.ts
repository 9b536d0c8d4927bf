import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { NEVER, type Observable, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { Engine } from '../src/engine/engine.ts'
import type { ExchangeOrder, ExchangePort, OrderRequest } from '../src/exchange/port.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { followers } from './support/followers.ts'
import { finishVirtual } from './support/virtual.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-late-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.each([0.01, 0.05])('requests that reach the venue after the engine gave up on them (late rate %s)', (lateRate) => {
  it('exactly one venue order per client order id, the store equal to the venue, every position equal to its venue trades', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 20 * 60_000)
    const callTimeoutMs = 1_000
    const latencyMs = 100
    // Late calls arrive around the engine's timeout + first look-up + resubmission: both orders of the race happen.
    const sim = new SimExchange({ symbols: 5, seed: 7, latencyMs, timeoutRate: 0.01, lateRate, lateMs: callTimeoutMs + 250 + 2 * latencyMs, tickMs: 1_000, scheduler }).start()
    const dbPath = join(dir, `late-${lateRate}.sqlite`)
    const store = new OrderStore(await openStore(dbPath), 'late')
    await store.migrate()
    const engine = new Engine({
      exchange: sim,
      markets: sim.markets,
      strategies: followers(sim, 500, 20),
      signals: signalSchedule({ groups: 20, everyMs: 5_000, seed: 3, scheduler }),
      scheduler,
      clock: () => scheduler.now(),
      store,
      sinkWindowMs: 200,
      callTimeoutMs,
      runTag: 'late',
    }).start()
    scheduler.maxFrames = 10 * 60_000
    scheduler.flush()
    await finishVirtual(engine, sim, scheduler)
    await store.close()

    expect(sim.counts.late).toBeGreaterThan(lateRate * 1_000)
    // The race happened: resubmissions (or late originals) that the venue refused as duplicates.
    expect(sim.counts.duplicates).toBeGreaterThan(0)
    const venue = sim.knownOrders()
    const d = new BetterSqlite3(dbPath, { readonly: true })
    const stored = new Map((d.prepare("select id, status, filled from orders where status != 'denied'").all() as { id: string; status: string; filled: number }[]).map((r) => [r.id, r]))
    const fills = d.prepare('select strategy_id s, side, amount, trade_id t from fills').all() as { s: string; side: string; amount: number; t: string }[]
    d.close()
    // Every order the venue has is in the store with its fills; none is still "unknown" or open after the drain.
    const statusOf: Record<ExchangeOrder['status'], string[]> = { open: ['new', 'partially_filled'], closed: ['filled'], canceled: ['canceled'], rejected: ['rejected'], expired: ['expired'] }
    for (const v of venue) {
      const s = stored.get(v.clientOrderId)
      expect(s, v.clientOrderId).toBeDefined()
      expect(s!.filled).toBeCloseTo(v.filled, 9)
      expect(statusOf[v.status]).toContain(s!.status)
    }
    // Store orders the venue never had were refused there (rejected), or never reached it.
    const venueIds = new Set(venue.map((v) => v.clientOrderId))
    for (const [id, s] of stored) if (!venueIds.has(id)) expect(s.status, id).toBe('rejected')
    // Each venue trade is one stored fill, and every strategy's position is the net of its venue trades.
    const venueTrades = venue.flatMap((v) =>
      v.trades.map((t) => ({ id: t.id, strategy: engine.actors[parseInt(v.clientOrderId.split('-')[1]!, 36)]!.id, signed: v.side === 'buy' ? t.amount : -t.amount })),
    )
    expect(new Set(fills.map((f) => f.t))).toEqual(new Set(venueTrades.map((t) => t.id)))
    const net = new Map<string, number>()
    for (const t of venueTrades) net.set(t.strategy, (net.get(t.strategy) ?? 0) + t.signed)
    for (const a of engine.actors) expect(a.state.position, a.id).toBeCloseTo(net.get(a.id) ?? 0, 9)
    expect(engine.metrics.unknownOrders).toBe(0)
  })
})

describe('a venue call that hangs forever, and one that throws', () => {
  it("does not touch the other actors' reactions or orders; stop() drains with a warning naming the stuck order", async () => {
    const run = async (faults: boolean) => {
      const scheduler = new VirtualTimeScheduler(VirtualAction, 30 * 60_000)
      const sim = new SimExchange({ symbols: 4, seed: 5, latencyMs: 80, jitter: 0, tickMs: 1_000, scheduler }).start()
      const actorOf = (id: string) => parseInt(id.split('-')[1]!, 36)
      // Actor 3's venue never answers anything; actor 4's adapter throws on every call.
      const venue = new Proxy(sim, {
        get(target, prop, receiver) {
          if (faults && (prop === 'createOrder' || prop === 'fetchOrder' || prop === 'cancelOrder'))
            return (a: OrderRequest | string, symbol?: string): Observable<ExchangeOrder> => {
              const id = typeof a === 'string' ? a : a.clientOrderId
              if (actorOf(id) === 3) return NEVER
              if (actorOf(id) === 4) throw new Error('adapter bug')
              return prop === 'createOrder' ? sim.createOrder(a as OrderRequest) : prop === 'fetchOrder' ? sim.fetchOrder(id, symbol!) : sim.cancelOrder(id, symbol!)
            }
          const v = Reflect.get(target, prop, receiver)
          return typeof v === 'function' ? v.bind(target) : v
        },
      }) as ExchangePort
      const lines: Record<string, unknown>[] = []
      const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) })
      const engine = new Engine({
        exchange: venue,
        markets: sim.markets,
        strategies: followers(sim, 100, 10),
        signals: signalSchedule({ groups: 10, everyMs: 10_000, seed: 9, scheduler }),
        scheduler,
        clock: () => scheduler.now(),
        callTimeoutMs: 2_000,
        logger,
        runTag: 'hang',
      }).start()
      scheduler.maxFrames = 5 * 60_000
      scheduler.flush()
      await finishVirtual(engine, sim, scheduler, 20_000)
      return { engine, lines }
    }
    const clean = await run(false)
    const { engine, lines } = await run(true)
    const others = (e: Engine) => e.actors.filter((a) => a.index !== 3 && a.index !== 4)
    // Everyone else placed exactly the orders they place without the faults, and reacted as fast.
    expect(others(engine).map((a) => a.state.submitted)).toEqual(others(clean.engine).map((a) => a.state.submitted))
    expect(others(engine).map((a) => a.state.position)).toEqual(others(clean.engine).map((a) => a.state.position))
    expect(engine.metrics.reactionSummary().p99).toBe(clean.engine.metrics.reactionSummary().p99)
    // The hung actor: one order, sent once, then unknown and kept busy (never freed while it may be live).
    const hung = engine.actors[3]!
    expect(hung.state.submitted).toBe(1)
    expect(hung.state.order?.status).toBe('unknown')
    expect(engine.metrics.unknownOrders).toBe(1)
    // The throwing one: each attempt a rejected order, and it went on trading (and rejecting).
    const throwing = engine.actors[4]!
    expect(throwing.state.running).toBe(true)
    expect(throwing.state.rejected).toBe(throwing.state.submitted)
    expect(throwing.state.submitted).toBeGreaterThan(1)
    const warn = lines.find((l) => String(l.msg).startsWith('stop:'))
    expect(warn?.msg).toContain(hung.state.order!.id)
    expect(warn?.msg).toContain('unknown')
  })
})
