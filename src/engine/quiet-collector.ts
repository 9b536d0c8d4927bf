import type { SchedulerLike, Subscription } from 'rxjs'

export interface QuietCollectorOptions {
  /** The collection to run: a young-generation GC (V8's, when Node runs with --expose-gc). */
  readonly collect: () => void
  readonly scheduler: SchedulerLike
  /** Whether actions are in flight now (a collection then waits for the next quiet moment). */
  readonly busy: () => boolean
  /** Actions started so far, a running count (the engine's submitted orders). */
  readonly started: () => number
  /** Actions started since the last collection below which quiet moments are left to V8 (a trickle of orders). */
  readonly minActions?: number
}

/**
 * Collects the young generation when a burst of actions has ended, so that the next signal round
 * starts on an empty nursery. A round at 10k strategies allocates ~45 MB (every order's objects,
 * events and venue calls); left to V8, the scavenge falls inside a later sweep about every other
 * round and copies everything that round has in flight (15–50 ms). After the burst almost nothing
 * of it is alive, so the same scavenge costs a few milliseconds in time nobody is waiting on.
 */
export class QuietCollector {
  /** `started()` at the last collection. */
  private collectedAt = 0
  private pending: Subscription | null = null
  private stopped = false
  /** Collections run. */
  count = 0

  constructor(private readonly o: QuietCollectorOptions) {}

  /** No action is in flight any more: collect on the next turn of the loop, if the burst was big enough and it is still quiet then. */
  quiet(): void {
    if (this.stopped || this.pending !== null || this.o.started() - this.collectedAt < (this.o.minActions ?? 1_000)) return
    this.pending = this.o.scheduler.schedule(() => {
      this.pending = null
      if (this.o.busy()) return
      this.collectedAt = this.o.started()
      this.count++
      this.o.collect()
    })
  }

  stop(): void {
    this.stopped = true
    this.pending?.unsubscribe()
    this.pending = null
  }
}

/** V8's young-generation collection if this process exposes it (`node --expose-gc`), else null. */
export function exposedMinorGc(): (() => void) | null {
  const gc = (globalThis as { gc?: (o?: { type: 'minor' }) => void }).gc
  return typeof gc === 'function' ? () => gc({ type: 'minor' }) : null
}
