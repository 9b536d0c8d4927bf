import { defer, retry, timer, type SchedulerLike, type Subscription } from 'rxjs'
import type { Logger } from 'pino'
import type { StoredEvent } from '../domain/netting.ts'
import { Inlet } from '../../streams/inlet.ts'
import { orderSink } from '../../streams/order-sink.ts'
import { LatencyHistogram } from './latency-histogram.ts'

/** Where order events go: one call per batch, one transaction per call. */
export interface EventStore {
  write(batch: readonly StoredEvent[]): Promise<unknown>
}

export interface PersistenceOptions {
  readonly store: EventStore
  readonly scheduler: SchedulerLike
  /** High-resolution clock, ms. */
  readonly clock: () => number
  readonly windowMs?: number
  readonly maxBatch?: number
  /** Unwritten events beyond which new entries are halted (exits still pass). */
  readonly maxQueued?: number
  /** First retry delay after a failed write; doubles up to `maxRetryDelayMs`. */
  readonly retryDelayMs?: number
  readonly maxRetryDelayMs?: number
  readonly logger?: Logger
}

/**
 * Carries accepted order events to the store without stalling anyone: the `orderSink` batches
 * them, a failed batch is retried with back-off for as long as it takes, and until it is written
 * every event stays in an in-memory queue (nothing accepted is dropped). When the queue passes
 * `maxQueued`, `entriesHalted` turns on so the engine stops opening positions; it turns off again
 * once the queue is back under half the bound. If the store is still failing at shutdown, the
 * events not yet written are handed back to the caller (`unwritten`) to be saved elsewhere.
 */
export class EventPersistence {
  private readonly events$ = new Inlet<StoredEvent>()
  /** Accepted events; slots before `head` are written and already let go (null). */
  private readonly queue: (StoredEvent | null)[] = []
  private readonly acceptedAt: number[] = []
  private head = 0
  private sub: Subscription | null = null
  private done: Promise<void> = Promise.resolve()
  private halted = false
  private failingSince: number | null = null
  private readonly maxQueued: number
  /** Accepted event → committed to the store, ms: the current stats window, and earlier windows. */
  readonly durable = new LatencyHistogram()
  readonly durableTotal = new LatencyHistogram()
  readonly counts = { accepted: 0, written: 0, batches: 0, failedWrites: 0, halts: 0, maxQueued: 0, maxLagMs: 0 }
  /** The last write error, while writes are failing. */
  lastError: unknown = null

  constructor(private readonly o: PersistenceOptions) {
    this.maxQueued = o.maxQueued ?? 1_000_000
  }

  start(): this {
    const { store, scheduler } = this.o
    const base = this.o.retryDelayMs ?? 100
    const cap = this.o.maxRetryDelayMs ?? 5_000
    this.done = new Promise((resolve) => {
      this.sub = this.events$
        .pipe(
          orderSink({
            windowMs: this.o.windowMs ?? 250,
            maxBatch: this.o.maxBatch ?? 5_000,
            scheduler,
            // A full batch is emitted inside the sweep that filled it: it is handed to the store (and
            // encoded) after that sweep, never within it.
            write: (batch) =>
              defer(() => Promise.resolve().then(() => store.write(batch))).pipe(
                retry({
                  delay: (err, attempt) => {
                    this.onWriteFailed(err, attempt, batch.length)
                    return timer(Math.min(cap, base * 2 ** (attempt - 1)), scheduler)
                  },
                }),
              ),
          }),
        )
        .subscribe({ next: (n) => this.onWritten(n), complete: () => resolve(), error: () => resolve() })
    })
    return this
  }

  /** Takes one event; it is written in a later batch. */
  accept(e: StoredEvent): void {
    this.queue.push(e)
    this.acceptedAt.push(this.o.clock())
    this.counts.accepted++
    const q = this.queued
    if (q > this.counts.maxQueued) this.counts.maxQueued = q
    if (!this.halted && q >= this.maxQueued) {
      this.halted = true
      this.counts.halts++
      this.o.logger?.error({ queued: q, bound: this.maxQueued }, 'order store is behind: new entries halted until writes catch up (exits still allowed)')
    }
    this.events$.next(e)
  }

  /** Events accepted but not yet written. */
  get queued(): number {
    return this.queue.length - this.head
  }

  /** Age of the oldest event not yet written, ms (0 when none); the largest seen is kept in counts. */
  lagMs(): number {
    const lag = this.queued === 0 ? 0 : this.o.clock() - this.acceptedAt[this.head]!
    if (lag > this.counts.maxLagMs) this.counts.maxLagMs = lag
    return lag
  }

  /** True while the queue is past its bound: the engine must not open new positions. */
  get entriesHalted(): boolean {
    return this.halted
  }

  get failing(): boolean {
    return this.failingSince !== null
  }

  /**
   * Flushes everything accepted. Resolves true once written; false if the store is still failing
   * after `timeoutMs`, in which case `unwritten()` has what is left.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    this.events$.complete()
    const ok = await Promise.race([this.done.then(() => this.queued === 0), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())])
    if (!ok) this.sub?.unsubscribe()
    return ok
  }

  /** Accepted → committed over the whole run. */
  durableSummary() {
    const h = new LatencyHistogram()
    h.add(this.durableTotal)
    h.add(this.durable)
    return h.summary()
  }

  /** Events accepted and not written, oldest first. */
  unwritten(): StoredEvent[] {
    return this.queue.slice(this.head) as StoredEvent[]
  }

  private onWritten(n: number): void {
    const now = this.o.clock()
    const q = this.queue
    for (let i = this.head, end = this.head + n; i < end; i++) {
      this.durable.record(now - this.acceptedAt[i]!)
      // Written: the event (and the order it carries) is no longer ours to keep. Held until the
      // next compaction, a round's events lived on into later rounds and were promoted to V8's
      // old generation — 39k orders retained at 10k strategies, a mark-compact every few rounds.
      q[i] = null
    }
    this.head += n
    this.counts.written += n
    this.counts.batches++
    if (this.head === q.length) {
      q.length = 0
      this.acceptedAt.length = 0
      this.head = 0
    } else if (this.head >= 4_096 && this.head * 2 >= q.length) {
      q.splice(0, this.head)
      this.acceptedAt.splice(0, this.head)
      this.head = 0
    }
    if (this.failingSince !== null) {
      this.o.logger?.warn({ failedForMs: Math.round(now - this.failingSince), queued: this.queued }, 'order store writes succeed again')
      this.failingSince = null
      this.lastError = null
    }
    if (this.halted && this.queued <= this.maxQueued / 2) {
      this.halted = false
      this.o.logger?.warn({ queued: this.queued }, 'order store caught up: entries resume')
    }
  }

  private onWriteFailed(err: unknown, attempt: number, size: number): void {
    this.counts.failedWrites++
    this.lastError = err
    if (this.failingSince === null) this.failingSince = this.o.clock()
    // Loud, but not a line per retry: the first failure, then every 10th.
    if (attempt === 1 || attempt % 10 === 0) {
      this.o.logger?.error({ err, attempt, batch: size, queued: this.queued }, 'order store write failed: retrying, events kept in memory')
    }
  }
}
