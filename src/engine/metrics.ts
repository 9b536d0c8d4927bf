import { LatencyHistogram } from './latency-histogram.ts'

/** Counters that are reported per stats window and in total. */
export interface Counters {
  evaluations: number
  signals: number
  droppedWhileBusy: number
  submitted: number
  filled: number
  canceled: number
  rejected: number
  fills: number
  skipped: number
  failedActors: number
  /** Entries refused because the store is behind. */
  haltedEntries: number
  /** Orders refused by the risk gate. */
  denied: number
  /** Actors an intent equal to their pipeline's last one skipped: at that target already, nothing changed since. */
  settledSkips: number
}

const zero = (): Counters => ({
  evaluations: 0,
  signals: 0,
  droppedWhileBusy: 0,
  submitted: 0,
  filled: 0,
  canceled: 0,
  rejected: 0,
  fills: 0,
  skipped: 0,
  failedActors: 0,
  haltedEntries: 0,
  denied: 0,
  settledSkips: 0,
})

/** The engine's live figures: counters and latency histograms, per window and for the whole run. */
export class Metrics {
  /** The current window's counters; `window()` rolls them into the totals. */
  w: Counters = zero()
  readonly total: Counters = zero()
  /** Signal emitted → exchange call issued, ms. */
  readonly reaction = new LatencyHistogram()
  /** One signal round delivered to every actor, ms. */
  readonly sweep = new LatencyHistogram()
  readonly reactionTotal = new LatencyHistogram()
  readonly sweepTotal = new LatencyHistogram()
  /** Netting: input dispatched → the block's first venue order sent, once per block (from its earliest child's input), whole run. */
  readonly blockReaction = new LatencyHistogram()
  /** Netting: one flush of the desk (nets, blocks sent, the children's records, crosses), ms. */
  readonly deskFlush = new LatencyHistogram()
  /** Market event dispatched → a pipeline's intent delivered to its actors (in this thread, or back from a worker). */
  readonly tickToIntent = new LatencyHistogram()
  inFlight = 0
  positionsOpen = 0
  /** Orders now in the `unknown` state. */
  unknownOrders = 0

  /** Actors stopped by their own fault, whole run. */
  get failedActors(): number {
    return this.total.failedActors + this.w.failedActors
  }

  /** Closes the current window: returns its counters and latency figures, then starts a new one. */
  window(): { counters: Counters; reactionMs: ReturnType<LatencyHistogram['summary']>; sweepMs: ReturnType<LatencyHistogram['summary']> } {
    const counters = this.w
    for (const k of Object.keys(counters) as (keyof Counters)[]) this.total[k] += counters[k]
    const out = { counters, reactionMs: this.reaction.summary(), sweepMs: this.sweep.summary() }
    this.reactionTotal.add(this.reaction)
    this.sweepTotal.add(this.sweep)
    this.reaction.reset()
    this.sweep.reset()
    this.w = zero()
    return out
  }

  /** Puts every histogram's pending samples in: when no action is in flight, not inside the next sweep. */
  fold(): void {
    for (const h of [this.reaction, this.sweep, this.blockReaction, this.deskFlush, this.tickToIntent]) h.fold()
  }

  /** Totals including the open window. */
  totals(): Counters {
    const t = { ...this.total }
    for (const k of Object.keys(t) as (keyof Counters)[]) t[k] += this.w[k]
    return t
  }

  reactionSummary(): ReturnType<LatencyHistogram['summary']> {
    const h = new LatencyHistogram()
    h.add(this.reactionTotal)
    h.add(this.reaction)
    return h.summary()
  }

  sweepSummary(): ReturnType<LatencyHistogram['summary']> {
    const h = new LatencyHistogram()
    h.add(this.sweepTotal)
    h.add(this.sweep)
    return h.summary()
  }
}
