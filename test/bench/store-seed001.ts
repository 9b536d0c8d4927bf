import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncScheduler } from 'rxjs'
import { newOrder, type Fill, type OrderEvent } from '../../src/domain/order.ts'
import { evolveOrder } from '../../src/domain/order-state.ts'
import { EventPersistence, type EventStore } from '../../src/engine/event-persistence.ts'
import { LatencyHistogram } from '../../src/engine/latency-histogram.ts'
import { openStore } from '../../src/store/database.ts'
import { OrderStore } from '../../src/store/order-store.ts'
import { SqliteWorkerStore } from '../../src/store/sqlite-worker-store.ts'
import { startCluster } from '../setup/pg-cluster.ts'
import { emit, round, sleep } from './util.ts'

/**
 * Seed 001's question, measured: which way of saving every order event keeps the strategies
 * responsive? Writers: none, a commit per event (as in the seed), and the bufferTime sink on SQLite
 * and on PostgreSQL. Loads: 100 assets × 20 events/s (steady), and a burst of 200,000 events.
 * Usage: store-seed001.ts --writer noop|per-row|per-row-wal|sink-sqlite|sink-sqlite-main|sink-pg [--pg URL] [--steady-s 10] [--burst 200000]
 */
const argv = process.argv
const opt = (k: string, d: string) => (argv.includes(`--${k}`) ? argv[argv.indexOf(`--${k}`) + 1]! : d)
const writer = opt('writer', 'sink-sqlite')
const steadySec = Number(opt('steady-s', '10'))
const burst = Number(opt('burst', '200000'))
const dir = mkdtempSync(join(tmpdir(), 'shoal-seed001-'))

/** Order events as the engine emits them: a submission, then a fill, for orders on 100 assets. */
function* orderEvents(): Generator<OrderEvent> {
  for (let k = 0; ; k++) {
    const ts = Date.now()
    const o = newOrder({ id: `e${k}`, strategyId: `s${k % 5000}`, actor: k % 5000, symbol: `A${k % 100}/USDT`, side: k % 2 ? 'sell' : 'buy', type: 'market', amount: 1, price: null }, ts)
    yield { type: 'OrderSubmitted', ts, order: o, fill: null, reason: null }
    const fill: Fill = { tradeId: `t${k}`, orderId: o.id, price: 100 + (k % 7), amount: 1, fee: 0.05, liquidity: 'taker', ts }
    yield { type: 'OrderFilled', ts, order: evolveOrder(o, { type: 'OrderFilled', ts, fill }).order, fill, reason: null }
  }
}

interface Writer {
  accept(e: OrderEvent): void
  /** Events committed so far. */
  written(): number
  durable: LatencyHistogram
  close(): Promise<void>
}

/**
 * A commit per event, synchronously, as the seed's SqliteConsumer does — but doing the same work as
 * the sink: the real schema (migrated), and per event the event row, the order's upsert and its fill,
 * in one transaction. With SQLite's defaults (rollback journal, synchronous=FULL) as in the seed, or
 * with WAL + synchronous=NORMAL, the fastest per-row setting.
 */
async function perRowWriter(wal: boolean): Promise<Writer> {
  const path = join(dir, `per-row-${wal ? 'wal' : 'seed'}.sqlite`)
  const schema = new OrderStore(await openStore(path), 'seed001')
  await schema.migrate()
  await schema.startRun({ writer }, Date.now())
  await schema.close()
  const db = new BetterSqlite3(path)
  if (wal) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
  } else {
    db.pragma('journal_mode = DELETE')
    db.pragma('synchronous = FULL')
  }
  const event = db.prepare('insert into order_events (run_id, seq, order_id, strategy_id, type, ts, data) values (?, ?, ?, ?, ?, ?, ?)')
  const order = db.prepare(`insert into orders (id, run_id, exchange_id, strategy_id, symbol, side, type, amount, price, status, filled, avg_price, fee, reason, created_at, closed_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(id) do update set exchange_id = excluded.exchange_id, status = excluded.status,
    filled = excluded.filled, avg_price = excluded.avg_price, fee = excluded.fee, reason = excluded.reason, closed_at = excluded.closed_at, updated_at = excluded.updated_at`)
  const fill = db.prepare(
    'insert into fills (trade_id, run_id, order_id, strategy_id, symbol, side, price, amount, fee, liquidity, ts) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(symbol, trade_id) do nothing',
  )
  let n = 0
  const one = db.transaction((e: OrderEvent) => {
    const o = e.order
    const f = e.fill
    event.run(
      'seed001',
      n + 1,
      o.id,
      o.strategyId,
      e.type,
      e.ts,
      JSON.stringify({ status: o.status, filled: o.filled, avgPrice: o.avgPrice, fee: o.fee, exchangeId: o.exchangeId, fill: f, reason: e.reason }),
    )
    order.run(o.id, 'seed001', o.exchangeId, o.strategyId, o.symbol, o.side, o.type, o.amount, o.price, o.status, o.filled, o.avgPrice, o.fee, o.reason, o.createdAt, o.closedAt, e.ts)
    if (f !== null) fill.run(f.tradeId, 'seed001', o.id, o.strategyId, o.symbol, o.side, f.price, f.amount, f.fee, f.liquidity, f.ts)
  })
  const durable = new LatencyHistogram()
  return {
    accept(e) {
      const t0 = performance.now()
      one(e)
      n++
      durable.record(performance.now() - t0)
    },
    written: () => n,
    durable,
    close: async () => void db.close(),
  }
}

async function sinkWriter(store: EventStore, closeStore: () => Promise<void>): Promise<Writer> {
  const p = new EventPersistence({ store, scheduler: asyncScheduler, clock: () => performance.now(), windowMs: 100, maxBatch: 5_000 }).start()
  return { accept: (e) => p.accept(e), written: () => p.counts.written, durable: p.durable, close: async () => (await p.flush(60_000), await closeStore()) }
}

async function makeWriter(): Promise<Writer> {
  if (writer === 'per-row') return await perRowWriter(false)
  if (writer === 'per-row-wal') return await perRowWriter(true)
  if (writer === 'noop') {
    let n = 0
    return sinkWriter({ write: async (b) => void (n += b.length) }, async () => {})
  }
  let spec = join(dir, 'sink.sqlite')
  let stopCluster = async () => {}
  if (writer === 'sink-pg') {
    const given = opt('pg', process.env.SHOAL_PG_URL ?? '')
    if (given !== '') spec = given
    else {
      const cluster = await startCluster()
      spec = cluster.url
      stopCluster = async () => cluster.stop()
    }
  }
  const conn = await openStore(spec)
  // sink-sqlite: the default (writer thread); sink-sqlite-main: kysely on the main thread, for comparison.
  const store = writer === 'sink-sqlite' ? new SqliteWorkerStore(conn, 'seed001', spec) : new OrderStore(conn, 'seed001')
  await store.migrate()
  await store.startRun({ writer }, Date.now())
  return sinkWriter(store, async () => (await store.close(), await stopCluster()))
}

async function phase(name: string, w: Writer, drive: (accept: (e: OrderEvent) => void) => Promise<number>) {
  const lag = monitorEventLoopDelay({ resolution: 1 })
  w.durable.reset()
  const before = w.written()
  const gen = orderEvents()
  lag.enable()
  const t0 = performance.now()
  const offered = await drive((e) => w.accept(e))
  // The load is over when everything offered is durable.
  while (w.written() - before < offered) await sleep(2)
  const sec = (performance.now() - t0) / 1000
  lag.disable()
  void gen
  const d = w.durable.summary()
  return {
    phase: name,
    events: offered,
    seconds: round(sec, 3),
    eventsPerSec: Math.round(offered / sec),
    lagMs: { p99: round(lag.percentile(99) / 1e6, 2), max: round(lag.max / 1e6, 2) },
    durableMs: { p50: round(d.p50, 2), p99: round(d.p99, 2) },
  }
}

const w = await makeWriter()
const events = orderEvents()
// Steady: 100 assets × 20 events/s = 2,000 events/s, delivered every 10 ms.
const steady = await phase('steady 100 assets x 20/s', w, async (accept) => {
  const ticks = steadySec * 100
  const start = performance.now()
  for (let i = 0; i < ticks; i++) {
    for (let k = 0; k < 20; k++) accept(events.next().value!)
    const next = start + (i + 1) * 10
    await sleep(Math.max(0, next - performance.now()))
  }
  return ticks * 20
})
// Burst: 200,000 events as fast as the engine could produce them, 1,000 per event-loop turn.
const burstResult = await phase(`burst ${burst}`, w, async (accept) => {
  for (let i = 0; i < burst; i += 1_000) {
    for (let k = 0; k < 1_000; k++) accept(events.next().value!)
    await new Promise((r) => setImmediate(r))
  }
  return burst
})
await w.close()
rmSync(dir, { recursive: true, force: true })
emit({ scenario: 'store-seed001', writer, steady, burst: burstResult })
process.exit(0)
