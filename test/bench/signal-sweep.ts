import { LatencyHistogram } from '../../src/engine/latency-histogram.ts'
import { sweepRig } from './sweep-harness.ts'
import { arg, emit, round } from './util.ts'

/**
 * Signal round → every actor, ~40 % acting, venue latency as given: reaction (signal emitted →
 * exchange call issued) and sweep time, after warm-up rounds that mix positions.
 */
const actors = arg('actors', 10_000)
const latencyMs = arg('latency', 200)
const rounds = arg('rounds', 6)
const mode = process.argv.includes('--await') ? 'await' : 'lock'
const rig = sweepRig({ actors, latencyMs, mode, chunkSize: arg('chunk', 250) })
rig.engine.start()
for (let i = 0; i < 3; i++) await rig.round()
rig.engine.metrics.window()
const acting: number[] = []
const sweep = new LatencyHistogram()
for (let i = 0; i < rounds; i++) {
  const before = rig.engine.metrics.totals().submitted
  await rig.round()
  acting.push(rig.engine.metrics.totals().submitted - before)
}
const w = rig.engine.metrics.window()
sweep.add(rig.engine.metrics.sweepTotal)
emit({
  scenario: 'signal-sweep',
  mode,
  actors,
  latencyMs,
  rounds,
  actingShare: round(acting.reduce((a, b) => a + b, 0) / (rounds * actors)),
  reactionMs: { p50: round(w.reactionMs.p50), p99: round(w.reactionMs.p99), max: round(w.reactionMs.max) },
  sweepMs: { p50: round(w.sweepMs.p50), p99: round(w.sweepMs.p99), max: round(w.sweepMs.max) },
  nsPerActor: round((w.sweepMs.p50 * 1e6) / actors, 0),
  heapMB: round(process.memoryUsage().heapUsed / 1048576, 1),
})
await rig.engine.stop(5_000)
rig.sim.stop()
process.exit(0)
