import { VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { Engine } from '../src/engine/engine.ts'
import { QuietCollector } from '../src/engine/quiet-collector.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { followers } from './support/followers.ts'
import { finishVirtual } from './support/virtual.ts'

function rig(minActions = 3) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity)
  let busy = false
  const collected: number[] = []
  let actions = 0
  const q = new QuietCollector({ collect: () => collected.push(scheduler.now()), scheduler, busy: () => busy, started: () => actions, minActions })
  const started = (n: number) => {
    actions += n
  }
  return { scheduler, q, collected, started, setBusy: (b: boolean) => (busy = b) }
}

describe('QuietCollector', () => {
  it('collects once, on the next turn, after a burst of at least minActions has ended', () => {
    const r = rig()
    r.started(3)
    r.q.quiet()
    r.q.quiet() // a second quiet moment before the first collection ran: still one collection
    expect(r.collected).toEqual([]) // never inside the call that made the engine quiet
    r.scheduler.flush()
    expect(r.collected).toHaveLength(1)
    expect(r.q.count).toBe(1)
    // The burst was collected: quiet again with no new actions does nothing.
    r.q.quiet()
    r.scheduler.flush()
    expect(r.collected).toHaveLength(1)
  })

  it('leaves a trickle of actions to V8', () => {
    const r = rig()
    r.started(2)
    r.q.quiet()
    r.scheduler.flush()
    expect(r.collected).toHaveLength(0)
    r.started(1)
    r.q.quiet()
    r.scheduler.flush()
    expect(r.collected).toHaveLength(1)
  })

  it('skips a quiet moment that is over by the time it would collect, and keeps the burst for the next one', () => {
    const r = rig()
    r.started(5)
    r.q.quiet()
    r.setBusy(true) // a new round began before the collection's turn
    r.scheduler.flush()
    expect(r.collected).toHaveLength(0)
    r.setBusy(false)
    r.q.quiet()
    r.scheduler.flush()
    expect(r.collected).toHaveLength(1)
  })

  it('does nothing once stopped, even with a collection pending', () => {
    const r = rig()
    r.started(5)
    r.q.quiet()
    r.q.stop()
    r.q.quiet()
    r.scheduler.flush()
    expect(r.collected).toHaveLength(0)
  })
})

describe('an engine with collectWhenQuiet (virtual time: 3,000 followers, a signal round every 10 s for 2 minutes)', () => {
  async function run(collect: boolean) {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 120_000)
    const sim = new SimExchange({ symbols: 5, seed: 3, latencyMs: 150, tickMs: 1_000, scheduler }).start()
    const calls: { at: number; inFlight: number; submitted: number }[] = []
    const engine: Engine = new Engine({
      exchange: sim,
      markets: sim.markets,
      strategies: followers(sim, 3_000, 20),
      signals: signalSchedule({ groups: 20, everyMs: 10_000, seed: 9, scheduler }),
      scheduler,
      runTag: 'q',
      ...(collect ? { collectWhenQuiet: () => calls.push({ at: scheduler.now(), inFlight: engine.metrics.inFlight, submitted: engine.metrics.totals().submitted }) } : {}),
    }).start()
    scheduler.flush()
    await finishVirtual(engine, sim, scheduler)
    return { engine, calls }
  }

  it('collects after the rounds whose orders have all ended, never while one is in flight', async () => {
    const { engine, calls } = await run(true)
    const t = engine.metrics.totals()
    expect(t.signals).toBe(12)
    // ~40 % of 3,000 act on a round once positions have mixed: most rounds are bursts of ≥ 1,000.
    expect(calls.length).toBeGreaterThanOrEqual(6)
    expect(calls.length).toBeLessThanOrEqual(t.signals)
    expect(engine.quiet?.count).toBe(calls.length)
    for (const c of calls) expect(c.inFlight).toBe(0)
    // Each collection follows at least minActions (1,000) new orders.
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.submitted - calls[i - 1]!.submitted).toBeGreaterThanOrEqual(1_000)
    // One collection per round at most: they are ≥ one signal period apart.
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(9_000)
  })

  it('has no collector when none is given', async () => {
    const { engine } = await run(false)
    expect(engine.quiet).toBeNull()
    expect(engine.metrics.totals().submitted).toBeGreaterThan(6_000)
  })
})
