import type { Worker } from 'node:worker_threads'
import { moduleWorker } from '../util/module-worker.ts'
import { isDeskEvent, type StoredEvent } from '../domain/netting.ts'
import type { StoreConnection } from './database.ts'
import { encodeEvents } from './event-encoding.ts'
import type { ExecutionReport } from '../domain/execution-report.ts'
import { OrderStore, type WriteResult } from './order-store.ts'
import { EXECUTIONS, splitRows } from './tables.ts'

interface Reply {
  readonly id: number
  readonly ok: boolean
  readonly orders?: number
  readonly fills?: number
  readonly message?: string
}

/**
 * OrderStore for a SQLite file whose batch writes run on a worker thread: better-sqlite3 is
 * synchronous, and on the main thread a 5,000-event batch blocked the event loop ~100 ms (seed-001
 * benchmark: 56k events/s, lag p99 105 ms). Here the main thread only encodes the batch.
 * Migrations, runs and positions stay on the main thread's kysely connection (rare, small).
 */
export class SqliteWorkerStore extends OrderStore {
  private readonly worker: Worker
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()
  private nextId = 0
  private dead: Error | null = null

  constructor(conn: StoreConnection, runId: string, path: string) {
    super(conn, runId)
    this.worker = moduleWorker(import.meta.url, 'sqlite-writer.worker', { path })
    this.worker.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id)
      this.waiting.delete(r.id)
      w?.resolve(r)
    })
    const fail = (err: Error) => {
      this.dead = new Error(`SQLite writer thread stopped: ${err.message}`, { cause: err })
      for (const w of this.waiting.values()) w.reject(this.dead)
      this.waiting.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', (code) => code !== 0 && fail(new Error(`exit code ${code}`)))
  }

  override async write(batch: readonly StoredEvent[]): Promise<WriteResult> {
    if (this.dead) throw this.dead
    const id = ++this.nextId
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      // The numbers' buffer is transferred; the strings cross as one JSON text (one copy: as an
      // array they cost ~3x more to clone here).
      const { nums, strs } = encodeEvents(batch)
      this.worker.postMessage({ id, runId: this.runId, seqStart: this.seq, eventLog: this.eventLog, nums, strs: JSON.stringify(strs) }, [nums.buffer])
    })
    if (!reply.ok) throw new Error(`SQLite write failed: ${reply.message}`)
    // As in OrderStore: sequence numbers advance only once the batch is committed.
    let created = 0
    let desk = 0
    for (const e of batch) {
      if (e.type === 'OrderSubmitted') created++
      else if (isDeskEvent(e)) desk++
    }
    this.committed(batch.length - desk, desk, created, reply.orders!, reply.fills!)
    return { orders: reply.orders!, fills: reply.fills! }
  }

  /** Execution rows go through the writer thread too: 100k per signal round would stall the main thread. */
  override async writeExecutions(reports: readonly ExecutionReport[]): Promise<void> {
    if (reports.length === 0) return
    if (this.dead) throw this.dead
    const { nums, strs } = splitRows(EXECUTIONS, this.executionRows(reports))
    const id = ++this.nextId
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.worker.postMessage({ id, executions: { nums, strs: JSON.stringify(strs) } }, [nums.buffer])
    })
    if (!reply.ok) throw new Error(`SQLite write failed: ${reply.message}`)
  }

  override async close(): Promise<void> {
    if (!this.dead) {
      const exited = new Promise((r) => this.worker.once('exit', r))
      this.worker.postMessage('close')
      await exited
    }
    await super.close()
  }
}

/** The store for `spec`: SQLite files get the worker-thread writer, PostgreSQL the kysely one. */
export async function createOrderStore(conn: StoreConnection, runId: string): Promise<OrderStore> {
  return conn.dialect === 'sqlite' ? new SqliteWorkerStore(conn, runId, conn.target) : new OrderStore(conn, runId)
}
