import { LatencyHistogram } from '../../src/engine/latency-histogram.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import type { ExchangeOrder } from '../../src/exchange/port.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import { followSpecs } from './sweep-harness.ts'
import { arg, emit, round, sleep } from './util.ts'

/**
 * The same strategy logic as the actors (follow the group's signal; one call in flight per
 * strategy; a call while busy is skipped) in a hand-written loop over plain objects, against the
 * same simulator: the yardstick for the actor engine's overhead.
 */
const actors = arg('actors', 10_000)
const latencyMs = arg('latency', 200)
const rounds = arg('rounds', 6)
const groups = 100
const sim = new SimExchange({ symbols: 20, seed: 1, latencyMs, tickMs: 1_000 })
const specs = followSpecs(sim, actors, groups)

interface Plain {
  position: number
  busy: boolean
  seq: number
  readonly size: number
  readonly group: number
  readonly symbol: string
  readonly index: number
}
const book: Plain[] = specs.map((s, i) => ({ position: 0, busy: false, seq: 0, size: s.size, group: s.group, symbol: s.symbol, index: i }))
let inFlight = 0
const reaction = new LatencyHistogram()
const sweep = new LatencyHistogram()

function onAnswer(p: Plain, r: ExchangeOrder): void {
  p.position += r.side === 'buy' ? r.filled : -r.filled
  p.busy = false
  inFlight--
}

function runRound(n: number): void {
  const r = signalRound({ groups, everyMs: 1, seed: 1 }, n, Date.now())
  const t0 = performance.now()
  for (let i = 0; i < book.length; i++) {
    const p = book[i]!
    const v = r.values[p.group]
    if (v === 0 || p.busy) continue
    const target = v === 1 ? p.size : 0
    if (target === p.position) continue
    const delta = target - p.position
    p.busy = true
    inFlight++
    reaction.record(performance.now() - t0)
    sim
      .createOrder({ clientOrderId: `L-${p.index.toString(36)}-${(++p.seq).toString(36)}`, symbol: p.symbol, side: delta > 0 ? 'buy' : 'sell', type: 'market', amount: Math.abs(delta) })
      .subscribe({ next: (a) => onAnswer(p, a), error: () => ((p.busy = false), inFlight--) })
  }
  sweep.record(performance.now() - t0)
}

async function roundAndWait(n: number): Promise<void> {
  runRound(n)
  await sleep(1)
  while (inFlight > 0 || sim.pending > 0) await sleep(5)
}

for (let i = 1; i <= 3; i++) await roundAndWait(i)
reaction.reset()
sweep.reset()
for (let i = 4; i < 4 + rounds; i++) await roundAndWait(i)
const rx = reaction.summary()
const sw = sweep.summary()
emit({
  scenario: 'loop-baseline',
  actors,
  latencyMs,
  rounds,
  actingShare: round(rx.count / (rounds * actors)),
  reactionMs: { p50: round(rx.p50), p99: round(rx.p99), max: round(rx.max) },
  sweepMs: { p50: round(sw.p50), p99: round(sw.p99), max: round(sw.max) },
  nsPerActor: round((sw.p50 * 1e6) / actors, 0),
})
sim.stop()
process.exit(0)
