import type { LatencyHistogram } from './latency-histogram.ts'

/** Orders counted before the clock is read again within one hold: bounds how late a sample can be. */
const BATCH = 512

/**
 * Reaction times (input dispatched → order handed to the venue) without a clock read per order.
 * While an input is dispatched — one pipeline's intent fanned out to up to 100k actors — orders for
 * the same input are counted, and the clock is read once when the dispatch ends or every BATCH
 * orders: each of them is recorded with that reading, at most one batch of work after it was handed
 * over (so the figure errs late, never early). Anywhere else (an action restarted when another ends,
 * inside a timer task) each order is recorded at once.
 */
export class ReactionTally {
  private at = Number.NaN
  private count = 0

  constructor(
    /** The engine clock (ms). */
    private readonly clock: () => number,
    private readonly into: LatencyHistogram,
    /** Whether an input is being dispatched now (the dispatch's end calls `settle`). */
    private readonly dispatching: () => boolean,
  ) {}

  /** An order handed to the venue for an input dispatched at `at` (engine clock). */
  handed(at: number): void {
    if (!this.dispatching()) return this.into.record(this.clock() - at)
    if (this.count > 0 && (at !== this.at || this.count === BATCH)) this.settle()
    this.at = at
    this.count++
  }

  /** Records what was counted, at one clock reading. */
  settle(): void {
    if (this.count === 0) return
    this.into.recordMany(this.clock() - this.at, this.count)
    this.count = 0
  }
}
