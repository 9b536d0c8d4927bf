import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, type RiskLimits } from '../actors/risk/limits'
import { RiskManager } from '../actors/risk/risk-manager'
import type { SignalRound } from '../src/domain/signal'
import { Engine } from '../src/engine/engine'
import { sizeForNotional } from '../src/engine/sizing'
import type { Scenario } from '../src/exchange/sim/price-path'
import { SimExchange } from '../src/exchange/sim/sim-exchange'
import { openStore } from '../src/store/database'
import { OrderStore } from '../src/store/order-store'
import { signalRound, signalSchedule } from '../streams/signal-schedule'
import { expandGrid } from '../streams/strategies/grid'

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
    const stopped = engine.stop(10_000)
    sim.stopMarket()
    scheduler.maxFrames = scheduler.now() + 60_000
    scheduler.flush()
    await stopped
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
