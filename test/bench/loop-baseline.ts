import { LatencyHistogram } from '../../src/engine/latency-histogram.ts'
import { exposedMinorGc } from '../../src/engine/quiet-collector.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import type { ExchangeOrder } from '../../src/exchange/port.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import { followSpecs } from './sweep-harness.ts'
import { arg, flag, emit, pacer, round, sleep } from './util.ts'

/**
 * The same strategy logic as the actors (follow the group's signal; one call in flight per
 * strategy; a call while busy is skipped) in a hand-written loop over plain objects, against the
 * same simulator: the yardstick for the actor engine's overhead.
 */
const actors = arg('actors', 10_000)
const latencyMs = arg('latency', 200)
const rounds = arg('rounds', 6)
// --netting 1: the hand-written counterpart of the netting desk: acting strategies are collected per
// symbol, crossed, and the net sent as one order whose fill is shared out pro rata.
const netting = flag('netting', false)
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

const symbols = sim.markets.map((m) => m.symbol)
const symbolIndex = new Map(symbols.map((s, i) => [s, i]))
const members: Plain[][] = symbols.map(() => [])
const wants: number[][] = symbols.map(() => [])
let blockSeq = 0

/** Netting: one order per symbol for the net; the crossed part and the fill are shared out pro rata, every member done. */
function sendNets(): void {
  for (let s = 0; s < symbols.length; s++) {
    const ms = members[s]!
    if (ms.length === 0) continue
    const ws = wants[s]!
    let net = 0
    for (const w of ws) net += w
    const done = (filled: number) => {
      // Each member gets its want, scaled by how much of the net side filled (crossed parts in full).
      const ratio = net === 0 ? 1 : Math.abs(filled / net)
      for (let k = 0; k < ms.length; k++) {
        const w = ws[k]!
        const sameSideAsNet = Math.sign(w) === Math.sign(net)
        ms[k]!.position += sameSideAsNet ? w * ratio : w
        ms[k]!.busy = false
        inFlight--
      }
    }
    members[s] = []
    wants[s] = []
    if (Math.abs(net) < 1e-12) done(0)
    else
      sim
        .createOrder({ clientOrderId: `L-N${s}-${++blockSeq}`, symbol: symbols[s]!, side: net > 0 ? 'buy' : 'sell', type: 'market', amount: Math.abs(net) })
        .subscribe({ next: (a) => done(a.filled), error: () => done(0) })
  }
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
    if (netting) {
      const s = symbolIndex.get(p.symbol)!
      members[s]!.push(p)
      wants[s]!.push(delta)
      continue
    }
    sim
      .createOrder({ clientOrderId: `L-${p.index.toString(36)}-${(++p.seq).toString(36)}`, symbol: p.symbol, side: delta > 0 ? 'buy' : 'sell', type: 'market', amount: Math.abs(delta) })
      .subscribe({ next: (a) => onAnswer(p, a), error: () => ((p.busy = false), inFlight--) })
  }
  if (netting) sendNets()
  sweep.record(performance.now() - t0)
}

// The same young-generation collection the engine runs once a burst has ended (QuietCollector).
const quietGc = flag('gc-when-quiet', true) ? exposedMinorGc() : null

// --every-ms: rounds at the signal schedule's cadence (0 = back to back).
const everyMs = arg('every-ms', 0)
const due = pacer(everyMs)

async function roundAndWait(n: number): Promise<void> {
  await due()
  runRound(n)
  await sleep(1)
  while (inFlight > 0 || sim.pending > 0) await sleep(5)
  quietGc?.()
}

// --warmup: rounds run before measuring (JIT, heap sizing).
const warmup = arg('warmup', 3)
for (let i = 1; i <= warmup; i++) await roundAndWait(i)
reaction.reset()
sweep.reset()
for (let i = warmup + 1; i <= warmup + rounds; i++) await roundAndWait(i)
const rx = reaction.summary()
const sw = sweep.summary()
emit({
  scenario: 'loop-baseline',
  netting,
  actors,
  latencyMs,
  everyMs,
  warmup,
  rounds,
  actingShare: round(rx.count / (rounds * actors)),
  reactionMs: { p50: round(rx.p50), p99: round(rx.p99), max: round(rx.max) },
  sweepMs: { p50: round(sw.p50), p99: round(sw.p99), max: round(sw.max) },
  nsPerActor: round((sw.p50 * 1e6) / actors, 0),
})
sim.stop()
process.exit(0)
