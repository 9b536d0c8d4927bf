import BetterSqlite3 from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { STRIDE } from './event-encoding.ts'

/**
 * The SQLite writer thread: takes encoded batches and writes each in one transaction with cached
 * multi-row prepared statements (the same rows OrderStore writes through kysely: every event in
 * order_events, the latest state of each order upserted, fills insert-or-ignore).
 */
interface WriteMessage {
  readonly id: number
  readonly runId: string
  readonly seqStart: number
  /** The encoded events (see event-encoding), as JSON. */
  readonly json: string
}

const db = new BetterSqlite3((workerData as { path: string }).path)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.pragma('busy_timeout = 5000')
// Checkpoint the WAL every ~40 MB instead of ~4 MB: fewer stalls inside write transactions.
db.pragma('wal_autocheckpoint = 10000')

// Rows per multi-row statement: 250 × 17 columns stays far under SQLite's 32,766 parameters.
const ROWS = 250
const EVENT_COLS = '(run_id, seq, order_id, strategy_id, type, ts, data)'
const ORDER_COLS = '(id, run_id, exchange_id, strategy_id, symbol, side, type, amount, price, status, filled, avg_price, fee, reason, created_at, closed_at, updated_at)'
const FILL_COLS = '(trade_id, run_id, order_id, strategy_id, symbol, side, price, amount, fee, liquidity, ts)'
const UPSERT = ` on conflict(id) do update set exchange_id = excluded.exchange_id, status = excluded.status, filled = excluded.filled,
  avg_price = excluded.avg_price, fee = excluded.fee, reason = excluded.reason, closed_at = excluded.closed_at, updated_at = excluded.updated_at`

const cache = new Map<string, BetterSqlite3.Statement>()
function statement(table: string, cols: string, n: number, width: number, tail: string): BetterSqlite3.Statement {
  const key = `${table}:${n}`
  let s = cache.get(key)
  if (s === undefined) {
    const one = `(${new Array(width).fill('?').join(',')})`
    s = db.prepare(`insert into ${table} ${cols} values ${new Array(n).fill(one).join(',')}${tail}`)
    cache.set(key, s)
  }
  return s
}

function insertAll(table: string, cols: string, width: number, tail: string, values: unknown[]): void {
  const rows = values.length / width
  let r = 0
  for (; r + ROWS <= rows; r += ROWS) statement(table, cols, ROWS, width, tail).run(values.slice(r * width, (r + ROWS) * width))
  if (r < rows) statement(table, cols, rows - r, width, tail).run(values.slice(r * width))
}

const write = db.transaction((m: WriteMessage) => {
  const v = JSON.parse(m.json) as unknown[]
  const n = v.length / STRIDE
  const events: unknown[] = []
  const fills: unknown[] = []
  const latest = new Map<string, number>()
  let seq = m.seqStart
  for (let e = 0; e < n; e++) {
    const i = e * STRIDE
    const fill = v[i + 17] === null ? null : { tradeId: v[i + 17], orderId: v[i + 2], price: v[i + 18], amount: v[i + 19], fee: v[i + 20], liquidity: v[i + 21], ts: v[i + 22] }
    const data = JSON.stringify({ status: v[i + 9], filled: v[i + 10], avgPrice: v[i + 11], fee: v[i + 12], exchangeId: v[i + 16], fill, reason: v[i + 23] })
    events.push(m.runId, ++seq, v[i + 2], v[i + 3], v[i], v[i + 1], data)
    latest.set(v[i + 2] as string, i)
    if (fill !== null) fills.push(v[i + 17], m.runId, v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 18], v[i + 19], v[i + 20], v[i + 21], v[i + 22])
  }
  const orders: unknown[] = []
  for (const i of latest.values()) {
    orders.push(v[i + 2], m.runId, v[i + 16], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8], v[i + 9], v[i + 10], v[i + 11], v[i + 12], v[i + 13], v[i + 14], v[i + 15], v[i + 1])
  }
  insertAll('order_events', EVENT_COLS, 7, '', events)
  insertAll('orders', ORDER_COLS, 17, UPSERT, orders)
  insertAll('fills', FILL_COLS, 11, ' on conflict(symbol, trade_id) do nothing', fills)
  return { orders: latest.size, fills: fills.length / 11 }
})

const EXEC_COLS = '(run_id, seq, strategy_id, symbol, algo, side, requested, filled, arrival_mid, avg_price, slippage_bps, maker_amount, taker_amount, fees, time_to_fill_ms, amendments, ts)'
const writeExecutions = db.transaction((rows: unknown[]) => insertAll('executions', EXEC_COLS, 17, '', rows))

parentPort!.on('message', (m: WriteMessage | { id: number; executions: string } | 'close') => {
  if (m === 'close') {
    db.close()
    parentPort!.close()
    return
  }
  try {
    if ('executions' in m) {
      writeExecutions(JSON.parse(m.executions) as unknown[])
      parentPort!.postMessage({ id: m.id, ok: true, orders: 0, fills: 0 })
      return
    }
    const r = write(m)
    parentPort!.postMessage({ id: m.id, ok: true, ...r })
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) })
  }
})
