import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, type RiskLimits } from '../actors/risk/limits.ts'
import { RiskManager } from '../actors/risk/risk-manager.ts'
import type { SignalRound } from '../src/domain/signal.ts'
import { Engine } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import type { Scenario } from '../src/exchange/sim/price-path.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { signalRound, signalSchedule } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { finishVirtual } from './support/virtual.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-risk-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function rig(name: string, scenario: Scenario, limits: Partial<RiskLimits>, minutes: number, signals?: Subject<SignalRound>) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, minutes * 60_000)
  const sim = new SimExchange({ symbols: 5, seed: 21, latencyMs: 50, scenario, tickMs: 250, scheduler }).start()
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
  const risk = new RiskManager({ ...DEFAULT_LIMITS, capitalPerStrategy: 60, ...limits }, sim.markets, 0)
  const store = new OrderStore(await openStore(join(dir, `${name}.sqlite`)), name)
  await store.migrate()
  await store.startRun({}, 0)
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: expandGrid({ strategy: 'followSignal', symbols, count: 500, groups: 10, sizeOf }),
    signals: signals ?? signalSchedule({ groups: 10, everyMs: 5_000, seed: 8, pEnter: 0.6, pExit: 0.2, scheduler }),
    scheduler,
    clock: () => scheduler.now(),
    store,
    risk,
    riskEveryMs: 1_000,
    runTag: name,
  }).start()
  const finish = async () => {
    await finishVirtual(engine, sim, scheduler, 10_000)
    await store.close()
  }
  return { scheduler, sim, engine, risk, finish, db: join(dir, `${name}.sqlite`) }
}

describe('circuit breaker in a crash (virtual time, SQLite)', () => {
  it('trips within one stats window of the drawdown crossing, and no entry reaches the venue after', async () => {
    const maxDrawdown = 0.03
    const { scheduler, engine, risk, finish, db } = await rig('crash', 'crash', { breaker: { maxDrawdown, windowMs: 120_000, action: 'REDUCING', cooldownMs: 3_600_000, perStrategy: false } }, 4)
    // An independent observer: portfolio equity every 100 ms, drawdown from the rolling peak.
    const samples: { ts: number; dd: number }[] = []
    const peak: { ts: number; eq: number }[] = []
    scheduler.schedule(function (this: { schedule(s?: unknown, d?: number): void }) {
      const now = scheduler.now()
      const eq = engine.actors.reduce((a, x) => a + risk.ledger(x).equity, 0)
      peak.push({ ts: now, eq })
      while (peak[0]!.ts < now - 120_000) peak.shift()
      const top = Math.max(...peak.map((p) => p.eq))
      samples.push({ ts: now, dd: (top - eq) / top })
      this.schedule(undefined, 100)
    }, 100)
    scheduler.flush()
    await finish()

    const trip = risk.trips.find((t) => t.scope === 'global' && t.state === 'REDUCING')
    expect(trip, JSON.stringify(risk.trips)).toBeDefined()
    const crossed = samples.find((x) => x.dd > maxDrawdown)!
    expect(crossed).toBeDefined()
    expect(trip!.ts - crossed.ts).toBeLessThanOrEqual(3_000) // one stats window
    expect(trip!.ts - crossed.ts).toBeGreaterThanOrEqual(-1_000)

    const d = new BetterSqlite3(db, { readonly: true })
    // Long-only followers: every buy is an entry. None may leave for the venue after the trip.
    const late = d.prepare("select count(*) n from orders where side = 'buy' and created_at > ? and (reason is null or reason not like 'risk:%')").get(trip!.ts) as { n: number }
    expect(late.n).toBe(0)
    const denied = d.prepare("select count(*) n from orders where created_at > ? and reason = 'risk: reducing_only'").get(trip!.ts) as { n: number }
    expect(denied.n).toBeGreaterThan(0)
    expect((d.prepare("select count(*) n from order_events where type = 'OrderDenied'").get() as { n: number }).n).toBe(risk.denied)
    // A denial is its own status, never confused with a venue rejection.
    expect((d.prepare("select count(*) n from orders where status = 'denied'").get() as { n: number }).n).toBe(risk.denied)
    expect((d.prepare("select count(*) n from orders where status = 'rejected' and reason like 'risk:%'").get() as { n: number }).n).toBe(0)
    const exits = d.prepare("select count(*) n from orders where side = 'sell' and created_at > ? and status = 'filled'").get(trip!.ts) as { n: number }
    expect(exits.n).toBeGreaterThan(0) // exits still pass while REDUCING
    d.close()
    expect(risk.summary().deniedByReason.reducing_only).toBe(denied.n)

    // Ledgers: the portfolio is the sum of the sub-ledgers, each marked to the last price.
    const p = risk.portfolio()
    const sum = engine.actors.reduce((a, x) => a + risk.ledger(x).equity, 0)
    expect(p.equity).toBeCloseTo(sum, 3)
    expect(p.drawdown).toBeGreaterThan(maxDrawdown)
    expect(p.peakEquity).toBeGreaterThan(p.equity)
    expect(p.realizedPnl + p.unrealizedPnl - p.fees).toBeCloseTo(sum - 500 * 60, 3)
    const worst = engine.actors.map((x) => risk.ledger(x)).filter((l) => l.drawdown > 0)
    expect(worst.length).toBeGreaterThan(0)
    expect(worst.every((l) => l.peakEquity >= l.equity)).toBe(true)
  })
})

describe('kill switch', () => {
  it('flattens every position, refuses entries, and halts once flat', async () => {
    const rounds = new Subject<SignalRound>()
    const { scheduler, engine, risk, finish } = await rig('kill', 'calm', {}, 10, rounds)
    const round = (n: number, v: 1 | -1) => {
      const r = signalRound({ groups: 10, everyMs: 1, seed: 1 }, n, scheduler.now())
      r.values.fill(v)
      rounds.next(r)
    }
    scheduler.schedule(() => round(1, 1), 2_000)
    scheduler.schedule(() => engine.kill('test'), 10_000)
    scheduler.schedule(() => round(2, 1), 20_000)
    scheduler.maxFrames = 30_000
    scheduler.flush()
    expect(engine.actors.every((a) => a.state.position === 0)).toBe(true)
    expect(risk.globalState).toBe('HALTED')
    expect(risk.trips.map((t) => `${t.scope}:${t.state}`)).toEqual(['global:REDUCING', 'global:HALTED'])
    expect(risk.deniedByReason.halted).toBe(500)
    expect(engine.actors.every((a) => a.state.submitted === 2 && a.state.denied === 1)).toBe(true)
    await finish()
  })
})

describe('risk properties end to end (fast-check)', () => {
  it('under random limits and signals, no order that reaches the venue breaks a limit', async () => {
    const fc = (await import('fast-check')).default
    const seen = { venueOrders: 0, deniedByLimit: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxOrderNotional: fc.double({ min: 20, max: 200, noNaN: true }),
          maxStrategyPosition: fc.double({ min: 20, max: 200, noNaN: true }),
          maxGrossExposure: fc.double({ min: 500, max: 20_000, noNaN: true }),
          pEnter: fc.double({ min: 0.1, max: 0.8, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          const scheduler = new VirtualTimeScheduler(VirtualAction, 60_000)
          const sim = new SimExchange({ symbols: 3, seed: p.seed, latencyMs: 30, tickMs: 250, scenario: 'volatile', scheduler }).start()
          const symbols = sim.markets.map((m) => m.symbol)
          const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 60, sim.lastQuote(s)!.ask)
          const risk = new RiskManager(
            { ...DEFAULT_LIMITS, capitalPerStrategy: 1e9, maxOrderNotional: p.maxOrderNotional, maxStrategyPosition: p.maxStrategyPosition, maxGrossExposure: p.maxGrossExposure },
            sim.markets,
            0,
          )
          const engine = new Engine({
            exchange: sim,
            markets: sim.markets,
            strategies: expandGrid({ strategy: 'followSignal', symbols, count: 90, groups: 3, sizeOf }),
            signals: signalSchedule({ groups: 3, everyMs: 2_000, seed: p.seed, pEnter: p.pEnter, pExit: 1 - p.pEnter - 0.05, scheduler }),
            scheduler,
            clock: () => scheduler.now(),
            risk,
            runTag: 'p',
          }).start()
          scheduler.flush()
          await finishVirtual(engine, sim, scheduler, 5_000, 30_000)
          // Every order the venue knows passed the gate: entries within the per-order limit.
          const byStrategy = new Map(engine.actors.map((a) => [a.id, a]))
          for (const o of sim.knownOrders()) {
            const notional = o.amount * (o.average ?? 0)
            const entry = o.side === 'buy'
            if (entry) expect(notional).toBeLessThanOrEqual(p.maxOrderNotional * 1.02) // fill vs last-trade price
          }
          for (const a of byStrategy.values()) expect(Math.abs(a.state.position) * a.state.avgPrice).toBeLessThanOrEqual(p.maxStrategyPosition * 1.02)
          seen.venueOrders += sim.knownOrders().length
          seen.deniedByLimit += (risk.deniedByReason.max_order_notional ?? 0) + (risk.deniedByReason.max_strategy_position ?? 0) + (risk.deniedByReason.max_gross_exposure ?? 0)
        },
      ),
      { numRuns: 12, seed: 3 },
    )
    // Not vacuous: orders did reach the venue, and the limits did refuse some.
    expect(seen.venueOrders).toBeGreaterThan(100)
    expect(seen.deniedByLimit).toBeGreaterThan(100)
  })
})
