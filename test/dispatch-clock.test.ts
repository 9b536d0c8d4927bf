import { VirtualAction, VirtualTimeScheduler, type SchedulerLike } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../src/domain/netting.ts'
import { DispatchClock } from '../src/engine/dispatch-clock.ts'
import { Engine } from '../src/engine/engine.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { signalSchedule } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { finishVirtual } from './support/virtual.ts'

/** A scheduler whose time moves on a little with every read, as a wall clock does during a long sweep. */
function creeping(inner: SchedulerLike): SchedulerLike & { reads: number } {
  const s = {
    reads: 0,
    now: () => inner.now() + ++s.reads * 1e-6,
    schedule: inner.schedule.bind(inner) as SchedulerLike['schedule'],
  }
  return s
}

describe('DispatchClock', () => {
  it('holds one time from hold to release, nested holds keep the outer one, and reads the scheduler otherwise', () => {
    const s = creeping(new VirtualTimeScheduler())
    const c = new DispatchClock(s)
    expect(c.now()).not.toBe(c.now())
    c.hold()
    const t = c.now()
    expect(c.now()).toBe(t)
    c.hold()
    expect(c.now()).toBe(t)
    c.release()
    expect(c.now()).toBe(t)
    c.release()
    expect(c.now()).toBeGreaterThan(t)
    expect(c.now()).not.toBe(c.now())
  })

  it("runs work scheduled through it with the time held, a rescheduled action included, on the wrapped scheduler's timers", () => {
    const virtual = new VirtualTimeScheduler()
    const s = creeping(virtual)
    const c = new DispatchClock(s)
    const seen: number[][] = []
    c.schedule<number>(
      function (n = 0) {
        seen.push([c.now(), c.now(), virtual.now()])
        if (n < 2) this.schedule(n + 1, 100)
      },
      50,
      0,
    )
    virtual.flush()
    expect(seen.map((r) => r[2])).toEqual([50, 150, 250])
    for (const [a, b, at] of seen) {
      expect(a).toBe(b)
      expect(Math.floor(a!)).toBe(at)
    }
    // Released after each run.
    expect(c.now()).not.toBe(c.now())
  })

  it('counts as dispatching only while an input holds it, and says so once the outermost input is done', () => {
    const virtual = new VirtualTimeScheduler()
    let done = 0
    const c = new DispatchClock(creeping(virtual), () => done++)
    const inTask: boolean[] = []
    c.schedule(() => {
      inTask.push(c.dispatching)
      c.hold()
      inTask.push(c.dispatching)
      c.release()
    }, 10)
    virtual.flush()
    // A task holds the time but is no dispatch; an input dispatched inside it is one.
    expect(inTask).toEqual([false, true])
    expect(done).toBe(1)
    c.hold()
    c.hold()
    c.release()
    expect(done).toBe(1)
    c.release()
    expect(done).toBe(2)
    expect(c.dispatching).toBe(false)
  })
})

describe('one input, one time', () => {
  for (const netting of [false, true])
    it(`stamps every order a pipeline's intent starts with the same time${netting ? ' (netting children)' : ''}, and folds the reactions once the actions are over`, async () => {
      const virtual = new VirtualTimeScheduler(VirtualAction, 60_000)
      const scheduler = creeping(virtual)
      const sim = new SimExchange({ symbols: 2, seed: 3, latencyMs: 150, tickMs: 1_000, scheduler: virtual }).start()
      const events: StoredEvent[] = []
      const unfolded: number[] = []
      const engine = new Engine({
        exchange: sim,
        markets: sim.markets,
        strategies: expandGrid({ strategy: 'followSignal', symbols: sim.markets.map((m) => m.symbol), count: 600, groups: 3, sizeOf: () => 0.01 }),
        signals: signalSchedule({ groups: 3, everyMs: 10_000, seed: 4, scheduler: virtual }),
        scheduler,
        store: { write: async (batch) => void events.push(...batch) },
        runTag: 'dc',
        ...(netting ? { netting: {} } : {}),
      }).start()
      // Each round's actions are over well before the next one (150 ms venue latency).
      for (let t = 15_000; t < 60_000; t += 10_000) virtual.schedule(() => void unfolded.push(engine.metrics.reaction.unfolded), t)
      virtual.flush()
      await finishVirtual(engine, sim, virtual)
      const submitted = events.flatMap((e) => (e.type === 'OrderSubmitted' ? [e.order] : []))
      expect(submitted.length).toBeGreaterThan(500)
      // Orders of one pipeline's intent share a time: at most one time per group and round.
      const times = new Set(submitted.map((o) => o.createdAt))
      expect(times.size).toBeLessThanOrEqual(3 * 6)
      expect(engine.metrics.reactionSummary().count).toBe(submitted.length)
      expect(unfolded).toEqual([0, 0, 0, 0, 0])
      // The order path's timers and timeouts read the held time too: about one read per order is left
      // (its venue answer, which arrives on a timer of the venue's own), not one per step.
      if (!netting) expect(scheduler.reads).toBeLessThan(1.5 * submitted.length)
      const submittedAt = new Set(events.flatMap((e) => (e.type === 'OrderSubmitted' ? [e.ts] : [])))
      console.log('READS', netting, scheduler.reads, submitted.length, submittedAt.size)
    })
})
