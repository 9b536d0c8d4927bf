import { Subject } from 'rxjs'
import { Engine } from '../../src/engine/engine.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import { followSpecs } from './sweep-harness.ts'
import { arg, emit, heapUsed, round } from './util.ts'

/**
 * Heap per idle actor, start-up and bulk teardown at 100k actors; a naive shared Subject with one
 * subscription per strategy, torn down one by one, in the same run for comparison.
 */
const n = arg('actors', 100_000)
const sim = new SimExchange({ symbols: 20, seed: 1, latencyMs: 100 })
const shared = followSpecs(sim, n, 100)
const distinct: StrategySpec[] = []
for (let i = 0; i < n / 5; i++)
  distinct.push({ id: `mr-${i}`, strategy: 'meanReversion', params: { window: 10 + (i % 200), z: 1 + Math.floor(i / 200) * 0.01 }, symbol: shared[i % 20]!.symbol, group: 0, size: 1 })

async function measure(specs: StrategySpec[]) {
  const base = heapUsed()
  const t0 = performance.now()
  const engine = new Engine({ exchange: sim, markets: sim.markets, strategies: specs, signals: new Subject(), runTag: 'h' }).start()
  const startMs = performance.now() - t0
  const bytes = (heapUsed() - base) / specs.length
  const t1 = performance.now()
  await engine.stop(0)
  const stopMs = performance.now() - t1
  return { actors: specs.length, pipelines: engine.pipelines, bytesPerActor: round(bytes, 0), startMs: round(startMs, 1), teardownMs: round(stopMs, 1) }
}

const sharedResult = await measure(shared)
const distinctResult = await measure(distinct)

// Naive: one Subject, a filter+scan subscription per strategy, unsubscribed one by one.
const { filter, scan } = await import('rxjs')
const base = heapUsed()
const subject = new Subject<number>()
const t0 = performance.now()
const subs = shared.map((s, i) =>
  subject
    .pipe(
      filter((g) => g === s.group),
      scan((a) => a + i, 0),
    )
    .subscribe(),
)
const naiveStartMs = performance.now() - t0
const naiveBytes = (heapUsed() - base) / subs.length
const t1 = performance.now()
for (const s of subs) s.unsubscribe()
const naiveTeardownMs = performance.now() - t1

emit({
  scenario: 'heap-lifecycle',
  shared: sharedResult,
  distinct: distinctResult,
  naiveSubject: { actors: subs.length, bytesPerActor: round(naiveBytes, 0), startMs: round(naiveStartMs, 1), teardownMs: round(naiveTeardownMs, 1) },
})
sim.stop()
process.exit(0)
