import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

/**
 * `npm run bench`: every scenario in a fresh process (so heaps and JIT state do not leak between
 * them), the actor engine and its hand-written baseline in the same run, figures to a JSON file.
 * Usage: npm run bench [-- --quick] [-- --out FILE]
 */
const quick = process.argv.includes('--quick')
const outIdx = process.argv.indexOf('--out')
const outFile = outIdx >= 0 ? process.argv[outIdx + 1]! : 'bench-results.json'
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=64']

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
const rounds = quick ? 3 : 6
const results: Json = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), nodeFlags: NODE_FLAGS }

process.stderr.write('shoal bench\n')
results.reducer = run('reducer.ts')
results.heapLifecycle = run('heap-lifecycle.ts', ['--actors', quick ? 20_000 : 100_000])
results.marketTick = run('market-tick.ts', ['--ticks', quick ? 1_000 : 3_000])
results.signalSweep = sizes.map((n) => {
  const actor = run('signal-sweep.ts', ['--actors', n, '--latency', 200, '--rounds', rounds])
  const loop = run('loop-baseline.ts', ['--actors', n, '--latency', 200, '--rounds', rounds])
  return { actors: n, actor, loop, ratioSweepP50: +(actor.sweepMs.p50 / loop.sweepMs.p50).toFixed(2), ratioReactionP99: +(actor.reactionMs.p99 / loop.reactionMs.p99).toFixed(2) }
})
const lock0 = run('signal-sweep.ts', ['--actors', 5_000, '--latency', 0, '--rounds', rounds])
const lock200 = run('signal-sweep.ts', ['--actors', 5_000, '--latency', 200, '--rounds', rounds])
const await200 = run('signal-sweep.ts', ['--actors', 5_000, '--latency', 200, '--rounds', quick ? 2 : 3, '--await'])
results.lockVsAwait = {
  actors: 5_000,
  lock0,
  lock200,
  await200,
  lockLatencyRatioP99: +(lock200.sweepMs.p99 / lock0.sweepMs.p99).toFixed(2),
  awaitOverLockP99: +(await200.sweepMs.p99 / lock200.sweepMs.p99).toFixed(1),
}
// Seed 001: which way of saving every order event keeps the engine responsive.
const steadyS = quick ? 3 : 10
results.seed001 = {
  noop: run('store-seed001.ts', ['--writer', 'noop', '--steady-s', steadyS]),
  perRowSeed: run('store-seed001.ts', ['--writer', 'per-row', '--steady-s', steadyS, '--burst', 5_000]),
  perRowWal: run('store-seed001.ts', ['--writer', 'per-row-wal', '--steady-s', steadyS]),
  sinkSqliteMain: run('store-seed001.ts', ['--writer', 'sink-sqlite-main', '--steady-s', steadyS]),
  sinkSqlite: run('store-seed001.ts', ['--writer', 'sink-sqlite', '--steady-s', steadyS]),
  sinkPg: run('store-seed001.ts', ['--writer', 'sink-pg', '--steady-s', steadyS]),
}
// Seed 002: market vs limit vs chase vs peg on the same seed and signals (virtual time).
results.execution = run('execution.ts', ['--minutes', quick ? 5 : 20, '--actors', 1_000])
results.seed001.sinkOverPerRowSeed = +(results.seed001.sinkSqlite.burst.eventsPerSec / results.seed001.perRowSeed.burst.eventsPerSec).toFixed(1)
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n')

const f = (x: number, d = 2) => x.toFixed(d)
const rows: string[][] = [['figure', 'shoal', 'hand-written / naive', 'ratio', 'target']]
for (const s of results.signalSweep as Json[]) {
  rows.push([`${s.actors / 1000}k actors, 200 ms venue: reaction p50 / p99 ms`, `${f(s.actor.reactionMs.p50)} / ${f(s.actor.reactionMs.p99)}`, `${f(s.loop.reactionMs.p50)} / ${f(s.loop.reactionMs.p99)}`, f(s.ratioReactionP99), s.actors === 100_000 ? 'p99 <= 25' : ''])
  rows.push([`${s.actors / 1000}k actors: sweep p50 ms (acting ${Math.round(s.actor.actingShare * 100)} %)`, f(s.actor.sweepMs.p50), f(s.loop.sweepMs.p50), f(s.ratioSweepP50), 'ratio <= 3'])
}
const mt = results.marketTick
rows.push([`tick -> ${mt.actors} actors of one symbol, p50 / p99 ms`, `${f(mt.engineMs.p50, 3)} / ${f(mt.engineMs.p99, 3)}`, `${f(mt.loopMs.p50, 3)} / ${f(mt.loopMs.p99, 3)}`, f(mt.ratioP50), 'p99 <= 0.5'])
const hl = results.heapLifecycle
rows.push([`heap per idle actor, shared pipelines (${hl.shared.actors / 1000}k)`, `${hl.shared.bytesPerActor} B`, `${hl.naiveSubject.bytesPerActor} B`, '', '<= 1.5 KB'])
rows.push([`heap per idle actor, distinct pipelines (${hl.distinct.actors / 1000}k)`, `${hl.distinct.bytesPerActor} B`, '', '', ''])
rows.push([`start-up / teardown of ${hl.shared.actors / 1000}k actors, ms`, `${f(hl.shared.startMs, 0)} / ${f(hl.shared.teardownMs, 1)}`, `${f(hl.naiveSubject.startMs, 0)} / ${f(hl.naiveSubject.teardownMs, 0)}`, '', '<= 1000 each'])
const lv = results.lockVsAwait
rows.push(['5k actors: lock sweep p99 ms at 0 / 200 ms latency', `${f(lv.lock0.sweepMs.p99)} / ${f(lv.lock200.sweepMs.p99)}`, '', f(lv.lockLatencyRatioP99), '<= 1.2'])
rows.push(['5k actors, 200 ms: await sweep p99 ms vs lock', f(lv.await200.sweepMs.p99, 0), f(lv.lock200.sweepMs.p99), f(lv.awaitOverLockP99, 0) + 'x', '>= 10x'])
rows.push(['actor reducer ns/event: hand-written vs immer', f(results.reducer.evolveActorNs, 1), f(results.reducer.immerNs, 0), f(results.reducer.ratio, 0) + 'x', ''])
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
for (const r of rows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + '\n')
const sd = results.seed001
const srows: string[][] = [['writer (seed 001)', 'steady ev/s', 'lag p99/max ms', 'durable p50/p99 ms', 'burst ev/s', 'lag p99/max ms', 'durable p50/p99 ms']]
for (const [name, r] of [['no-op', sd.noop], ['commit per event (seed: rollback journal, FULL)', sd.perRowSeed], ['commit per event (WAL, NORMAL)', sd.perRowWal], ['bufferTime sink, SQLite on the main thread', sd.sinkSqliteMain], ['bufferTime sink, SQLite writer thread (default)', sd.sinkSqlite], ['bufferTime sink, PostgreSQL', sd.sinkPg]] as [string, Json][]) {
  srows.push([name, String(r.steady.eventsPerSec), `${r.steady.lagMs.p99} / ${r.steady.lagMs.max}`, `${r.steady.durableMs.p50} / ${r.steady.durableMs.p99}`, `${r.burst.eventsPerSec} (${r.burst.events})`, `${r.burst.lagMs.p99} / ${r.burst.lagMs.max}`, `${r.burst.durableMs.p50} / ${r.burst.durableMs.p99}`])
}
const sw = srows[0]!.map((_, i) => Math.max(...srows.map((r) => r[i]!.length)))
process.stdout.write('\n')
for (const r of srows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(sw[i]!) : c.padStart(sw[i]!))).join('  ') + '\n')
process.stdout.write(`SQLite sink burst throughput / seed-style per-row commit: ${sd.sinkOverPerRowSeed}x\n`)
const ex = results.execution.results as Record<string, Json>
const erows: string[][] = [['execution (seed 002)', 'slippage bps avg / p50 / p95', 'maker share', 'fees', 'fill rate', 'time to fill p50 / p95 ms', 'amendments']]
for (const [k, v] of Object.entries(ex)) erows.push([k, `${v.slippageBps.avg} / ${v.slippageBps.p50} / ${v.slippageBps.p95}`, String(v.makerShare), String(v.fees), String(v.fillRate), `${v.timeToFillMs.p50} / ${v.timeToFillMs.p95}`, String(v.amendments)])
const ew = erows[0]!.map((_, i) => Math.max(...erows.map((r) => r[i]!.length)))
process.stdout.write('\n')
for (const r of erows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(ew[i]!) : c.padStart(ew[i]!))).join('  ') + '\n')
process.stdout.write(`\nfigures written to ${outFile}\n`)
