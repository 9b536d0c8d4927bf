import { getHeapSnapshot } from 'node:v8'
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { DEFAULT_ALGO_OPTIONS } from '../../actors/algos/algo.ts'
import type { SignalRound } from '../../src/domain/signal.ts'
import { Engine } from '../../src/engine/engine.ts'
import { sizeForNotional } from '../../src/engine/sizing.ts'
import { withCallTimeout } from '../../src/exchange/call-timeout.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import { expandGrid } from '../../streams/strategies/grid.ts'

/**
 * Prints how many JS closures the heap holds with a round's actions in flight, against the same
 * engine just before the round: market execution (or the netting desk with `netting` as argument)
 * over the simulator behind the engine's call deadline, in virtual time. Run in its own process: a heap snapshot of a test runner
 * would be mostly the runner.
 */
const netting = process.argv.includes('netting')
const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY)
const sim = new SimExchange({ symbols: 5, seed: 3, latencyMs: 1_000, jitter: 0, tickMs: 1_000, scheduler, rejectRate: 0, timeoutRate: 0 }).start()
const symbols = sim.markets.map((m) => m.symbol)
const sizeOf = (s: string) => sizeForNotional(sim.markets.find((m) => m.symbol === s)!, 100, sim.lastQuote(s)!.ask)
const rounds$ = new Subject<SignalRound>()
const engine = new Engine({
  exchange: withCallTimeout(sim, 5_000, scheduler),
  markets: sim.markets,
  strategies: expandGrid({ strategy: 'followSignal', symbols, count: 2_000, groups: 20, sizeOf }),
  signals: rounds$,
  scheduler,
  clock: () => scheduler.now(),
  execution: { algo: 'market', options: DEFAULT_ALGO_OPTIONS },
  ...(netting ? { netting: {} } : {}),
}).start()

async function closures(): Promise<number> {
  let json = ''
  for await (const chunk of getHeapSnapshot()) json += chunk
  const snap = JSON.parse(json) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] }
  const fields = snap.snapshot.meta.node_fields
  const closure = snap.snapshot.meta.node_types[0].indexOf('closure')
  let n = 0
  for (let i = fields.indexOf('type'); i < snap.nodes.length; i += fields.length) if (snap.nodes[i] === closure) n++
  return n
}

/** Virtual time runs to `t` (the scheduler's clock stands still between actions, so a no-op marks `t`). */
const advance = (t: number) => {
  scheduler.schedule(() => {}, t - scheduler.now())
  scheduler.maxFrames = t
  scheduler.flush()
}
const round = (n: number) => rounds$.next(signalRound({ groups: 20, everyMs: 1, seed: 5 }, n, scheduler.now()))
// Two full rounds first: every path has run once and the actors hold positions.
for (let n = 1; n <= 2; n++) {
  round(n)
  advance(n * 10_000)
}
const before = await closures()
// Half a round trip into the third: every action sent, none answered.
round(3)
advance(20_400)
const inFlight = engine.metrics.inFlight
const during = await closures()
console.log(JSON.stringify({ inFlight, before, during }))
process.exit(0)
