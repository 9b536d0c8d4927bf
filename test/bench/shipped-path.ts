import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import { demoConfig, demoSession } from '../../src/cli/demo.ts'
import { sessionEngine } from '../../src/cli/session.ts'
import { openExchange } from '../../src/cli/open-exchange.ts'
import type { SignalRound } from '../../src/domain/signal.ts'
import type { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../../src/store/database.ts'
import { createOrderStore } from '../../src/store/sqlite-worker-store.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import WebSocket from 'ws'
import { LagMonitor } from '../../src/engine/stats.ts'
import { startDashboard } from '../../src/http/dashboard-server.ts'
import { LiveSource } from '../../src/http/live-source.ts'
import { shoalRegistry } from '../../src/http/prometheus.ts'
import { arg, flag, emit, gc, pacer, round, sleep } from './util.ts'

/**
 * The path users run: the engine exactly as `npm run demo` builds it (its default flags: SQLite
 * through the writer thread, the risk gate, market execution with its metrics, 1 % rejects and
 * 0.2 % lost answers), signal rounds with seed 000's odds injected by hand, ≥ 30 measured rounds.
 */
const actors = arg('actors', 10_000)
const latencyMs = arg('latency', 200)
const rounds = arg('rounds', 30)
// --netting 1: the same path with the netting desk (demo's --netting).
const netting = flag('netting', false)
// --page 1: with the dashboard serving a page as a browser would load it — its socket open (a
// snapshot a second), the leaderboard fetched every 5 s, /metrics scraped every 5 s.
const withPage = flag('page', false)
// --alternate-read-ahead 1: the fan-out's read-ahead two rounds on, two off, in turn, so that
// both are measured within one run (runs minutes apart on this shared machine differ more).
const alternate = flag('alternate-read-ahead', false)
// --gc-when-quiet 0: the demo's --gc-when-quiet off (V8 alone decides when to collect).
const quietGc = flag('gc-when-quiet', true)
// --every-ms: rounds at the signal schedule's cadence (seed 000: 10 s); 0 = back to back.
const everyMs = arg('every-ms', 0)
// --warmup: rounds run before measuring (JIT, heap sizing).
const warmup = arg('warmup', 3)
// Every flag is read above: a bad one stops the benchmark before it builds anything.
const dir = mkdtempSync(join(tmpdir(), 'shoal-shipped-'))
const db = join(dir, 'shipped.sqlite')
const c = demoConfig(['--strategies', String(actors), '--latency', String(latencyMs), '--db', db, '--gc-when-quiet', quietGc ? 'on' : 'off', ...(netting ? ['--netting'] : [])])
if (c === 'help') throw new Error('unreachable')
const session = demoSession(c)
const venue = await openExchange(session.exchange)
const sim = venue.port as SimExchange
const store = await createOrderStore(await openStore(db), 'bench')
await store.migrate()
await store.startRun({ bench: 'shipped-path' }, Date.now())
const rounds$ = new Subject<SignalRound>()
const { engine, risk, specs } = sessionEngine(session, venue, store, undefined, rounds$)
engine.start()
const page = withPage ? await openPage() : null

async function openPage() {
  const lag = new LagMonitor().start()
  const dashboard = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    source: new LiveSource({ runId: 'bench', command: 'demo', engine, risk, lag, specs, store, symbols: venue.markets.map((m) => m.symbol) }),
    registry: shoalRegistry({ engine, risk, lag }),
  })
  const ws = new WebSocket(`${dashboard.url.replace('http', 'ws')}ws`)
  let ticks = 0
  ws.on('message', () => ticks++)
  await new Promise((r) => ws.once('open', r))
  let fetches = 0
  const poll = setInterval(() => {
    Promise.all([fetch(`${dashboard.url}api/strategies?sort=netPnl&dir=desc&limit=50`).then((r) => r.text()), fetch(`${dashboard.url}metrics`).then((r) => r.text())])
      .then(() => fetches++)
      .catch(() => {})
  }, 5_000)
  return {
    counts: () => ({ ticks, fetches }),
    close: async () => {
      clearInterval(poll)
      ws.close()
      lag.stop()
      await dashboard.close()
    },
  }
}
const groups = c.groups
const unpersisted = () => engine.persistence!.counts.accepted - engine.persistence!.counts.written
const due = pacer(everyMs)
/** Each measured round: whether the read-ahead was on, its sweep (the round is dispatched synchronously) and the orders it submitted. */
const perRound: { readAhead: boolean; sweepMs: number; orders: number }[] = []
let measuring = false
let n = 0
const next = async () => {
  await due()
  n++
  if (alternate) engine.readAhead = n % 4 >= 2
  const submitted = engine.metrics.totals().submitted
  const t0 = performance.now()
  rounds$.next(signalRound({ groups, everyMs: 1, seed: c.seed }, n, Date.now()))
  const sweepMs = performance.now() - t0
  await sleep(1)
  // The round is over once its actions ended and the sink has written what they produced.
  while (engine.metrics.inFlight > 0 || sim.pending > 0 || (engine.desk?.activeBlocks ?? 0) > 0 || unpersisted() > 0) await sleep(5)
  if (measuring) perRound.push({ readAhead: engine.readAhead, sweepMs, orders: engine.metrics.totals().submitted - submitted })
  // What a session's stats timer does every window: execution reports leave memory for the store.
  await store.writeExecutions(engine.execution?.drain() ?? [])
}
for (let i = 0; i < warmup; i++) await next()
engine.metrics.window()
engine.metrics.blockReaction.reset()
engine.metrics.deskFlush.reset()
const totalsBefore = engine.metrics.totals()
const before = totalsBefore.submitted
const venueBefore = sim.counts.calls
const perFlushBefore = engine.desk?.counts.venueOrdersPerFlush.length ?? 0
measuring = true
for (let i = 0; i < rounds; i++) await next()
const w = engine.metrics.window()
const pick = (h: { p50: number; p99: number; max: number; count: number }) => ({ p50: round(h.p50), p99: round(h.p99), max: round(h.max), samples: h.count })
const totalsAfter = engine.metrics.totals()
const sub = totalsAfter.submitted - before
const venueCalls = sim.counts.calls - venueBefore
const venuePerRound = (engine.desk?.counts.venueOrdersPerFlush.slice(perFlushBefore) ?? []).filter((x) => x > 0).sort((a, b) => a - b)
gc()
const heapMB = process.memoryUsage().heapUsed / 1048576
const pageCounts = page?.counts() ?? null

/**
 * The read-ahead on against off within this run: each side's sweep median and its sweep time per
 * order submitted (rounds differ in size), and in how many neighbouring on/off rounds it was faster per order.
 */
function readAheadAB() {
  const side = (on: boolean) => {
    const rs = perRound.filter((x) => x.readAhead === on)
    const sorted = rs.map((x) => x.sweepMs).sort((a, b) => a - b)
    const ms = rs.reduce((a, x) => a + x.sweepMs, 0)
    const orders = rs.reduce((a, x) => a + x.orders, 0)
    return { rounds: rs.length, sweepP50Ms: round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0), nsPerOrder: orders > 0 ? round((ms * 1e6) / orders, 0) : null }
  }
  const perOrder = (x: (typeof perRound)[number]) => x.sweepMs / Math.max(1, x.orders)
  let pairs = 0
  let onFaster = 0
  for (let i = 0; i + 1 < perRound.length; i++) {
    const [a, b] = [perRound[i]!, perRound[i + 1]!]
    if (a.readAhead === b.readAhead) continue
    pairs++
    const [on, off] = a.readAhead ? [a, b] : [b, a]
    if (perOrder(on) < perOrder(off)) onFaster++
  }
  return { on: side(true), off: side(false), neighbourPairs: pairs, onFasterInPairs: onFaster }
}
await page?.close()
await engine.stop(10_000, 30_000)
emit({
  scenario: 'shipped-path',
  netting,
  gcWhenQuiet: quietGc,
  quietCollections: engine.quiet?.count ?? 0,
  page: pageCounts,
  actors,
  latencyMs,
  rounds,
  everyMs,
  warmup,
  pipelines: engine.pipelines,
  actingShare: round(sub / (rounds * actors)),
  reactionMs: { p50: round(w.reactionMs.p50), p99: round(w.reactionMs.p99), max: round(w.reactionMs.max), samples: w.reactionMs.count },
  sweepMs: { p50: round(w.sweepMs.p50), p99: round(w.sweepMs.p99), max: round(w.sweepMs.max), samples: w.sweepMs.count },
  nsPerActor: round((w.sweepMs.p50 * 1e6) / actors, 0),
  ordersPerRound: Math.round(sub / rounds),
  venueCallsPerRound: Math.round(venueCalls / rounds),
  // Orders the risk gate refused, and deliveries skipped as already at target (an equal intent), per round.
  deniedPerRound: Math.round((totalsAfter.denied - totalsBefore.denied) / rounds),
  settledSkipsPerRound: Math.round((totalsAfter.settledSkips - totalsBefore.settledSkips) / rounds),
  // Netting: input dispatched → each block's venue order sent (what the venue sees of a round).
  blockReactionMs: netting ? pick(engine.metrics.blockReaction.summary()) : null,
  // Netting: each flush of the desk after a sweep (nets, blocks, the children's records, crosses).
  flushMs: netting ? pick(engine.metrics.deskFlush.summary()) : null,
  venueOrdersPerRound: netting ? { p50: venuePerRound[Math.floor((venuePerRound.length - 1) / 2)] ?? 0, max: venuePerRound.at(-1) ?? 0 } : null,
  persistedEvents: engine.persistedEvents,
  unpersistedEvents: unpersisted(),
  // After a forced GC: what the engine keeps, not the garbage of the last round.
  heapMB: round(heapMB, 1),
  // Every measured round's sweep (ms), in order: for comparing runs round by round (the same seed rounds).
  roundSweepMs: perRound.map((x) => round(x.sweepMs)),
  readAheadAB: alternate ? readAheadAB() : null,
})
await store.close()
await venue.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
