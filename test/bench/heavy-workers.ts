import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import { demoConfig, demoSession, demoStrategies } from '../../src/cli/demo.ts'
import { openExchange } from '../../src/cli/open-exchange.ts'
import { sessionEngine } from '../../src/cli/session.ts'
import type { SignalRound } from '../../src/domain/signal.ts'
import { LagMonitor } from '../../src/engine/stats.ts'
import { openStore } from '../../src/store/database.ts'
import { createOrderStore } from '../../src/store/sqlite-worker-store.ts'
import { ArForecast } from '../../streams/operators/ar-forecast.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import { expandGrid, type StrategySpec } from '../../streams/strategies/grid.ts'
import { arg, emit, gc, percentile, round, sleep } from './util.ts'

/**
 * Issue 15's benchmark: 400 pipelines of the heavy strategy (an AR fit refitted at every sample,
 * ≈0.5 ms each) on 20 symbols at 4 samples/s (the simulator's 250 ms tick), beside 10,000 signal
 * followers on the shipped path (store, risk gate, market execution, 200 ms venue). Measured over
 * `--seconds` after the fits are warm: the main thread's event-loop lag, tick → intent latency, and
 * the followers' reaction to a signal round every `--every-ms` (seed 000's 10 s).
 * --workers 0|1; --heavy 0 (followers only) | shared (20 thresholds on one fit per symbol) |
 * distinct (20 different fits per symbol). The heavy strategies decide but do not trade (their size
 * is under one lot), so the reaction figures are the followers' alone.
 */
const workers = arg('workers', 0)
const heavyIdx = process.argv.indexOf('--heavy')
const heavy = heavyIdx >= 0 ? process.argv[heavyIdx + 1]! : 'shared'
const followers = arg('followers', 10_000)
const seconds = arg('seconds', 60)
// A round to the followers every 5 s (seed 000 has 10 s): a dozen rounds for their reaction p99.
const everyMs = arg('every-ms', 5_000)
const SYMBOLS = 20

// Fits of ≈0.5 ms: 20 (window, lags) pairs for `distinct`, the middle one for `shared`.
const WINDOWS = [290, 295, 300, 305, 310]
const LAGS = [38, 39, 40, 41]
const THRESHOLDS = Array.from({ length: 20 }, (_, i) => round(0.1 * (i + 1), 1))

/** The fit's cost per update on this machine, measured here (median of 200 after warm-up). */
function fitMs(window: number, lags: number): number {
  const f = new ArForecast(window, lags)
  let x = 1
  let p = 100
  const step = () => f.add((p *= 1 + ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.002))
  for (let i = 0; i < window + lags + 50; i++) step()
  const t: number[] = []
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now()
    step()
    t.push(performance.now() - t0)
  }
  return t.sort((a, b) => a - b)[100]!
}

const dir = mkdtempSync(join(tmpdir(), 'shoal-heavy-'))
const db = join(dir, 'heavy.sqlite')
const c = demoConfig(['--strategies', String(followers), '--latency', '200', '--db', db, '--symbols', String(SYMBOLS), '--tick-ms', '250', '--workers', String(workers)])
if (c === 'help') throw new Error('unreachable')
const session = {
  ...demoSession(c),
  strategies: (markets: Parameters<typeof demoStrategies>[1], priceOf: (s: string) => number): StrategySpec[] => {
    const symbols = markets.map((m) => m.symbol)
    const base = demoStrategies(c, markets, priceOf)
    if (heavy === '0') return base
    const params = heavy === 'distinct' ? { window: WINDOWS, lags: LAGS, thresholdBps: 1, sampleMs: 250 } : { window: 300, lags: 40, thresholdBps: THRESHOLDS, sampleMs: 250 }
    // Under one lot: they decide (and their intents are measured) but send nothing.
    const tiny = (s: string) => markets.find((m) => m.symbol === s)!.lotSize / 10
    return [...base, ...expandGrid({ strategy: 'arForecast', params, symbols, sizeOf: tiny, offset: base.length })]
  },
}
const venue = await openExchange(session.exchange)
const store = await createOrderStore(await openStore(db), 'bench')
await store.migrate()
await store.startRun({ bench: 'heavy-workers' }, Date.now())
const rounds$ = new Subject<SignalRound>()
const { engine, specs } = sessionEngine(session, venue, store, undefined, rounds$)
const lag = new LagMonitor().start()
// Tick → intent from when the simulator made the tick (its events carry that wall-clock time): this
// counts the time an event waits behind other symbols' fits on the main thread, which the engine's
// own figure (from the event's dispatch) cannot see.
const fromTick: number[] = []
let measuring = false
const inputs = (engine as unknown as { inputs: { deliverAt: (inst: { def: { name: string } }, intent: { ts: number }, at: number) => void } }).inputs
const deliverAt = inputs.deliverAt.bind(inputs)
inputs.deliverAt = (inst, intent, at) => {
  if (measuring && inst.def.name === 'arForecast') fromTick.push(Date.now() - intent.ts)
  deliverAt(inst, intent, at)
}
engine.start()
await engine.ready()
const heavyCount = specs.length - followers
// Warm-up: until the fits emit (window + lags samples at 4/s), plus a few seconds.
const warm0 = performance.now()
if (heavyCount > 0) while (engine.metrics.tickToIntent.count < heavyCount / 4 && performance.now() - warm0 < 180_000) await sleep(250)
await sleep(3_000)
const warmSec = (performance.now() - warm0) / 1000
engine.metrics.window()
engine.metrics.tickToIntent.reset()
engine.workers?.tickToIntent.reset()
lag.windowP99()
const busy0 = engine.workers?.counts.busyMs ?? 0
measuring = true
let n = 0
const t0 = performance.now()
const round$ = () => rounds$.next(signalRound({ groups: c.groups, everyMs: 1, seed: c.seed }, ++n, Date.now()))
round$()
const timer = setInterval(round$, everyMs)
while (performance.now() - t0 < seconds * 1000) await sleep(250)
clearInterval(timer)
measuring = false
const loopLagP99 = lag.windowP99()
const wallSec = (performance.now() - t0) / 1000
const w = engine.metrics.window()
const tti = engine.metrics.tickToIntent.summary()
const workerBusy = engine.workers === null ? null : round((engine.workers.counts.busyMs - busy0) / (wallSec * 1000), 3)
gc()
const heapMB = process.memoryUsage().heapUsed / 1048576
await engine.stop(10_000, 30_000)
lag.stop()
emit({
  scenario: 'heavy-workers',
  workers,
  heavy,
  followers,
  heavyPipelines: heavyCount,
  pipelines: engine.pipelines,
  fitMsPerUpdate: heavy === '0' ? null : round(fitMs(300, 40), 3),
  warmSec: round(warmSec, 1),
  seconds: round(wallSec, 1),
  rounds: n,
  everyMs,
  // The main thread's event-loop delay over the measured span (perf_hooks, 10 ms resolution).
  loopLagMs: { p99: round(loopLagP99) },
  // The engine's figure: from the event's dispatch.
  tickToIntentMs: { p50: round(tti.p50), p99: round(tti.p99), max: round(tti.max), samples: tti.count },
  // From the tick's making (ms resolution): includes waiting behind other symbols' work.
  fromTickMs: { p50: percentile(fromTick, 50), p99: percentile(fromTick, 99), max: Math.max(0, ...fromTick), samples: fromTick.length },
  reactionMs: { p50: round(w.reactionMs.p50), p99: round(w.reactionMs.p99), max: round(w.reactionMs.max), samples: w.reactionMs.count },
  sweepMs: { p50: round(w.sweepMs.p50), p99: round(w.sweepMs.p99) },
  workerBusyShare: workerBusy,
  workers_: engine.workers?.summary() ?? null,
  unpersistedEvents: engine.persistence!.counts.accepted - engine.persistence!.counts.written,
  heapMB: round(heapMB, 1),
})
await store.close()
await venue.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
