import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { OrderEvent } from '../src/domain/order.ts'
import type { SignalRound } from '../src/domain/signal.ts'
import { Engine } from '../src/engine/engine.ts'
import { sizeForNotional } from '../src/engine/sizing.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { signalRound } from '../streams/signal-schedule.ts'
import { expandGrid } from '../streams/strategies/grid.ts'
import { until } from './support/wait.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-durable-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A real store that fails every write while `down` is set, like a locked or full database. */
class FaultyStore {
  down = false
  attempts = 0
  constructor(readonly inner: OrderStore) {}
  write(batch: readonly OrderEvent[]) {
    this.attempts++
    if (this.down) return Promise.reject(new Error('SQLITE_FULL: database or disk is full (injected)'))
    return this.inner.write(batch)
  }
}

async function rig(name: string, maxQueuedEvents: number) {
  const sim = new SimExchange({ symbols: 4, seed: 9, latencyMs: 5 })
  const symbols = sim.markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 50, sim.lastQuote(s)!.ask)
  const inner = new OrderStore(await openStore(join(dir, `${name}.sqlite`)), name)
  await inner.migrate()
  await inner.startRun({}, 0)
  const store = new FaultyStore(inner)
  const rounds$ = new Subject<SignalRound>()
  const engine = new Engine({
    exchange: sim,
    markets: sim.markets,
    strategies: expandGrid({ strategy: 'followSignal', symbols, count: 200, groups: 1, sizeOf }),
    signals: rounds$,
    store,
    sinkWindowMs: 20,
    storeRetryMs: 20,
    maxQueuedEvents,
    runTag: name,
  }).start()
  let n = 0
  const round = async (value: 1 | -1) => {
    const r = signalRound({ groups: 1, everyMs: 1, seed: 1 }, ++n, Date.now())
    r.values.fill(value)
    rounds$.next(r)
    await until(() => engine.metrics.inFlight === 0, "the round's actions to finish")
  }
  const count = async (t: 'order_events' | 'orders' | 'fills') =>
    Number(
      (
        await inner.conn.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return { sim, engine, store, inner, round, count }
}

describe('order store faults', () => {
  it('keeps every event through an outage, halts new entries past the bound, lets exits through, and resumes', async () => {
    const { engine, store, round, count, sim, inner } = await rig('outage', 500)
    await round(1) // 200 entries, 600 events, written
    await until(() => engine.persistedEvents === 600, 'the entries to be written')
    expect(engine.persistedEvents).toBe(engine.acceptedEvents)

    store.down = true
    await round(-1) // 200 exits go through even while the store is down: 600 more events queue
    const p = engine.persistence!
    await until(() => p.failing, 'the sink to notice the outage')
    expect(p.failing).toBe(true)
    expect(p.queued).toBe(600)
    expect(p.entriesHalted).toBe(true)
    expect(engine.actors.every((a) => a.state.position === 0)).toBe(true)

    await round(1) // entries refused while halted
    expect(engine.metrics.totals().haltedEntries).toBe(200)
    expect(engine.actors.every((a) => a.state.position === 0)).toBe(true)

    store.down = false
    await until(() => p.queued === 0, 'the sink to catch up')
    expect(p.entriesHalted).toBe(false)
    expect(p.counts.failedWrites).toBeGreaterThan(0)

    await round(1) // entries again
    expect(engine.actors.every((a) => a.state.position > 0)).toBe(true)
    const { unwritten } = await engine.stop(1_000, 5_000)
    expect(unwritten).toEqual([])
    expect(await count('order_events')).toBe(engine.acceptedEvents)
    expect(await count('orders')).toBe(600)
    expect(await count('fills')).toBe(engine.metrics.totals().fills)
    sim.stop()
    await inner.close()
  })

  it('hands back every unwritten event when the store is still down at stop', async () => {
    const { engine, store, round, count, sim, inner } = await rig('down-at-stop', 1_000_000)
    await round(1)
    await until(() => engine.persistedEvents === engine.acceptedEvents, 'the entries to be written')
    const written = engine.persistedEvents
    store.down = true
    await round(-1)
    const { unwritten } = await engine.stop(1_000, 300)
    expect(unwritten.length).toBe(engine.acceptedEvents - written)
    expect(unwritten.length).toBe(600)
    expect(new Set((unwritten as OrderEvent[]).map((e) => `${e.order.id}:${e.type}:${e.fill?.tradeId ?? ''}`)).size).toBe(600)
    expect(await count('order_events')).toBe(written)
    sim.stop()
    await inner.close()
  })
})
