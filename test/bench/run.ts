import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { benchMarkdown, updateReadme } from './readme-tables.ts'

/**
 * `npm run bench`: every scenario in a fresh process (so heaps and JIT state do not leak between
 * them), the actor engine and its hand-written baseline in the same run, figures to a JSON file.
 * The figures go to test/bench/results/latest.json (commit it with the README) and the README's
 * benchmark tables are regenerated from that file.
 * Usage: npm run bench [-- --quick] [-- --out FILE] [-- --no-readme]
 */
const quick = process.argv.includes('--quick')
const outIdx = process.argv.indexOf('--out')
const outFile = outIdx >= 0 ? process.argv[outIdx + 1]! : join('test', 'bench', 'results', quick ? 'quick.json' : 'latest.json')
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
// Node's flags exactly as `npm run demo` starts it (one place to change them: package.json).
const demoScript: string = JSON.parse(readFileSync('package.json', 'utf8')).scripts.demo
const NODE_FLAGS = demoScript.split(/\s+/).filter((w) => w.startsWith('--') && w !== '--import')

type Json = Record<string, any>

function run(file: string, args: (string | number)[] = []): Json {
  const t0 = performance.now()
  const r = spawnSync(tsx, [...NODE_FLAGS, join('test', 'bench', file), ...args.map(String)], { encoding: 'utf8', maxBuffer: 64 << 20 })
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '))
  if (r.status !== 0 || line === undefined) {
    process.stderr.write(r.stdout + r.stderr)
    throw new Error(`bench ${file} ${args.join(' ')} failed (exit ${r.status})`)
  }
  const result = JSON.parse(line.slice(6)) as Json
  process.stderr.write(`  ${file} ${args.join(' ')}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  return result
}

const sizes = quick ? [10_000] : [10_000, 50_000, 100_000]
// --only signalSweep: re-measure that part alone, keeping the rest of the results file.
const onlyIdx = process.argv.indexOf('--only')
const only = onlyIdx >= 0 ? process.argv[onlyIdx + 1]! : null
// Percentiles of a sweep are over rounds: at least 30 of them.
const rounds = quick ? 5 : 30
// The path users run and its hand-written loops get rounds at seed 000's cadence (every 10 s) after a
// minute of warm-up: idle time between rounds is when V8 works on its heap, so back-to-back rounds
// measure a different program. --quick: back to back.
const paced = quick ? [] : ['--every-ms', 10_000, '--warmup', 6]
const results: Json = { date: new Date().toISOString(), quick, node: process.version, cpus: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), nodeFlags: NODE_FLAGS }

process.stderr.write('shoal bench\n')
// A part re-run on its own keeps the file's other parts with the date, node and flags they ran with;
// the part's own go to `reruns` (the tables say which figures are from when).
if (only !== null) {
  const old = JSON.parse(readFileSync(outFile, 'utf8'))
  Object.assign(results, { ...old, reruns: { ...old.reruns, [only]: { date: results.date, node: results.node, nodeFlags: NODE_FLAGS } } })
}
const want = (part: string) => only === null || only === part
if (want('reducer')) results.reducer = run('reducer.ts')
if (want('heapLifecycle')) results.heapLifecycle = run('heap-lifecycle.ts', ['--actors', quick ? 20_000 : 100_000])
if (want('marketTick')) results.marketTick = run('market-tick.ts', ['--ticks', quick ? 1_000 : 3_000])
if (want('signalSweep'))
  results.signalSweep = sizes.map((n) => {
    const shipped = run('shipped-path.ts', ['--actors', n, '--latency', 200, '--rounds', rounds, ...paced])
    // The stripped engine stays back to back (its own figure, not one of the targets).
    const actor = run('signal-sweep.ts', ['--actors', n, '--latency', 200, '--rounds', rounds])
    const loop = run('loop-baseline.ts', ['--actors', n, '--latency', 200, '--rounds', rounds, ...paced])
    const netted = run('shipped-path.ts', ['--actors', n, '--latency', 200, '--rounds', rounds, '--netting', 1, ...paced])
    const nettedLoop = run('loop-baseline.ts', ['--actors', n, '--latency', 200, '--rounds', rounds, '--netting', 1, ...paced])
    const r2 = (a: number, b: number) => +(a / b).toFixed(2)
    return {
      actors: n,
      shipped,
      actor,
      loop,
      ratioSweepP50: r2(actor.sweepMs.p50, loop.sweepMs.p50),
      ratioReactionP99: r2(actor.reactionMs.p99, loop.reactionMs.p99),
      shippedOverLoopReactionP99: r2(shipped.reactionMs.p99, loop.reactionMs.p99),
      shippedOverStrippedReactionP99: r2(shipped.reactionMs.p99, actor.reactionMs.p99),
      shippedOverLoopSweepP50: r2(shipped.sweepMs.p50, loop.sweepMs.p50),
      netted,
      nettedLoop,
      nettedOverLoopReactionP99: r2(netted.reactionMs.p99, nettedLoop.reactionMs.p99),
      nettedOverLoopSweepP50: r2(netted.sweepMs.p50, nettedLoop.sweepMs.p50),
    }
  })
// Issue 14: the shipped path with the dashboard serving an open page vs without, interleaved A B A B in one run.
if (want('dashboard'))
  results.dashboard = (quick ? [10_000] : [10_000, 100_000]).map((n) => {
    const args = ['--actors', n, '--latency', 200, '--rounds', rounds]
    const runs = [0, 1, 0, 1].map((page) => ({ page, r: run('shipped-path.ts', [...args, '--page', page]) }))
    const p99 = (page: number) => runs.filter((x) => x.page === page).map((x) => x.r.reactionMs.p99 as number)
    const mean = (xs: number[]) => +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3)
    const without = p99(0)
    const withPage = p99(1)
    return { actors: n, withoutP99: without, withPageP99: withPage, ratio: +(mean(withPage) / mean(without)).toFixed(3), page: runs.filter((x) => x.page === 1).map((x) => x.r.page) }
  })
if (want('lockVsAwait')) {
  const lock0 = run('signal-sweep.ts', ['--actors', 5_000, '--latency', 0, '--rounds', rounds])
  const lock200 = run('signal-sweep.ts', ['--actors', 5_000, '--latency', 200, '--rounds', rounds])
  const await200 = run('signal-sweep.ts', ['--actors', 5_000, '--latency', 200, '--rounds', quick ? 2 : 5, '--await'])
  results.lockVsAwait = {
    actors: 5_000,
    lock0,
    lock200,
    await200,
    lockLatencyRatioP99: +(lock200.sweepMs.p99 / lock0.sweepMs.p99).toFixed(2),
    awaitOverLockP99: +(await200.sweepMs.p99 / lock200.sweepMs.p99).toFixed(1),
  }
}
// One account of the local venue with Binance's own limits: 10k strategies, one round, with and without netting.
if (want('rateLimited'))
  results.rateLimited = {
    perStrategy: run('rate-limited-venue.ts', ['--actors', quick ? 2_000 : 10_000, '--netting', 0, '--deadline-s', quick ? 20 : 60]),
    netting: run('rate-limited-venue.ts', ['--actors', quick ? 2_000 : 10_000, '--netting', 1, '--deadline-s', quick ? 20 : 60]),
  }
// Issue 13's grid backtest on the real candles, with a hand loop, and what one strategy per run would cost.
if (want('backtestGrid'))
  results.backtestGrid = {
    summary: run('backtest-grid.ts', quick ? ['--fasts', 10, '--slows', 10] : []),
    trades: run('backtest-grid.ts', [...(quick ? ['--fasts', 10, '--slows', 10] : []), '--persist', 1]),
    oneAtATime: run('backtest-one-at-a-time.ts', ['--samples', quick ? 2 : 6]),
  }
// Seed 001: which way of saving every order event keeps the engine responsive.
const steadyS = quick ? 3 : 10
if (want('seed001'))
  results.seed001 = {
    noop: run('store-seed001.ts', ['--writer', 'noop', '--steady-s', steadyS]),
    perRowSeed: run('store-seed001.ts', ['--writer', 'per-row', '--steady-s', steadyS, '--burst', 5_000]),
    perRowWal: run('store-seed001.ts', ['--writer', 'per-row-wal', '--steady-s', steadyS]),
    sinkSqliteMain: run('store-seed001.ts', ['--writer', 'sink-sqlite-main', '--steady-s', steadyS]),
    sinkSqlite: run('store-seed001.ts', ['--writer', 'sink-sqlite', '--steady-s', steadyS]),
    sinkPg: run('store-seed001.ts', ['--writer', 'sink-pg', '--steady-s', steadyS]),
  }
// Issue 16 (seed 002's claim judged on total cost): every algorithm over seeds × scenarios, paired with market orders.
if (want('executionCost')) results.executionCost = run('execution-cost.ts', ['--seeds', quick ? 3 : 10, '--minutes', quick ? 5 : 10, '--actors', quick ? 500 : 1_000])
if (want('executionReplay')) results.executionReplay = run('execution-replay.ts', ['--windows', quick ? 3 : 10])
// Issue 15: heavy pipelines beside 10,000 followers, in-thread vs a worker; then the transport and the allocator.
if (want('heavyWorkers')) {
  const seconds = quick ? 15 : 60
  const one = (heavy: string, workers: number) => run('heavy-workers.ts', ['--heavy', heavy, '--workers', workers, '--seconds', seconds])
  results.heavyWorkers = { baseline: one('0', 0), shared0: one('shared', 0), shared1: one('shared', 1), distinct0: one('distinct', 0), distinct1: one('distinct', 1) }
}
if (want('workerTransport')) results.workerTransport = run('worker-transport.ts')
if (want('allocatorBacktest')) results.allocatorBacktest = run('allocator-backtest.ts')
// The superseded single-seed comparison is no longer measured.
delete results.execution
if (want('seed001')) results.seed001.sinkOverPerRowSeed = +(results.seed001.sinkSqlite.burst.eventsPerSec / results.seed001.perRowSeed.burst.eventsPerSec).toFixed(1)
mkdirSync(dirname(outFile), { recursive: true })
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`)
process.stdout.write(`${benchMarkdown(results)}\n`)
if (!quick && outIdx < 0 && !process.argv.includes('--no-readme')) {
  updateReadme('README.md', results)
  process.stdout.write('README.md benchmark tables regenerated\n')
}
process.stdout.write(`\nfigures written to ${outFile}\n`)
