import BetterSqlite3 from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { sqliteInsertText } from './bulk-insert.ts'
import { decodeEvents } from './event-encoding.ts'
import { eventRows } from './event-rows.ts'
import { ALLOCATIONS, BLOCKS, EXECUTIONS, FILLS, joinRows, ORDER_EVENTS, ORDERS, type TableSpec, valuesOf } from './tables.ts'

/**
 * The SQLite writer thread: takes encoded batches and writes each in one transaction with cached
 * multi-row prepared statements — the same rows (event-rows.ts) and the same table specs as
 * OrderStore's kysely path: every event in order_events, the latest state of each order upserted,
 * fills insert-or-ignore.
 */
interface WriteMessage {
  readonly id: number
  readonly runId: string
  readonly seqStart: number
  /** false: orders and fills only, no order_events rows. */
  readonly eventLog: boolean
  /** The encoded events (see event-encoding): their numbers, and their strings as JSON. */
  readonly nums: Float64Array
  readonly strs: string
}

const db = new BetterSqlite3((workerData as { path: string }).path)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.pragma('busy_timeout = 5000')
// Checkpoint the WAL every ~40 MB instead of ~4 MB: fewer stalls inside write transactions.
db.pragma('wal_autocheckpoint = 10000')

// Rows per multi-row statement: 250 × 17 columns stays far under SQLite's 32,766 parameters.
const ROWS = 250

const cache = new Map<string, BetterSqlite3.Statement>()
function statement(s: TableSpec, n: number): BetterSqlite3.Statement {
  const key = `${s.name}:${n}`
  let st = cache.get(key)
  if (st === undefined) {
    st = db.prepare(sqliteInsertText(s, n))
    cache.set(key, st)
  }
  return st
}

/** Positional values (spec column order), ROWS rows per statement. */
function insertValues(s: TableSpec, values: unknown[]): void {
  const width = s.columns.length
  const rows = values.length / width
  let r = 0
  for (; r + ROWS <= rows; r += ROWS) statement(s, ROWS).run(values.slice(r * width, (r + ROWS) * width))
  if (r < rows) statement(s, rows - r).run(values.slice(r * width))
}

function insertRows(s: TableSpec, rows: readonly object[]): void {
  const values: unknown[] = []
  for (const row of rows) valuesOf(s, row as Record<string, unknown>, values)
  insertValues(s, values)
}

const write = db.transaction((m: WriteMessage) => {
  const rows = eventRows(decodeEvents(m.nums, JSON.parse(m.strs) as (string | null)[]), m.runId, m.seqStart, m.eventLog)
  insertRows(ORDER_EVENTS, rows.events)
  insertRows(ORDERS, rows.orders)
  insertRows(FILLS, rows.fills)
  insertRows(BLOCKS, rows.blocks)
  insertRows(ALLOCATIONS, rows.allocations)
  return { orders: rows.orders.length, fills: rows.fills.length }
})

const writeExecutions = db.transaction((values: unknown[]) => insertValues(EXECUTIONS, values))

parentPort!.on('message', (m: WriteMessage | { id: number; executions: { nums: Float64Array<ArrayBuffer>; strs: string } } | 'close') => {
  if (m === 'close') {
    db.close()
    parentPort!.close()
    return
  }
  try {
    if ('executions' in m) {
      writeExecutions(joinRows(EXECUTIONS, { nums: m.executions.nums, strs: JSON.parse(m.executions.strs) as (string | null)[] }))
      parentPort!.postMessage({ id: m.id, ok: true, orders: 0, fills: 0 })
      return
    }
    const r = write(m)
    parentPort!.postMessage({ id: m.id, ok: true, ...r })
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) })
  }
})
