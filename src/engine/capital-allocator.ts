import type { SchedulerLike, Subscription } from 'rxjs'
import type { ActorState } from '../../actors/actor-state.ts'
import { hedgeUpdate, renormalise, type HedgeOptions } from '../../actors/allocator/hedge-weights.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import { periodic } from '../../streams/periodic.ts'

export interface AllocatorOptions extends HedgeOptions {
  readonly kind: 'hedge'
  /** How long after an entry its outcome is taken (or at the exit, if sooner). */
  readonly horizonMs: number
  /** How often due outcomes are taken and the weights renormalised (scheduler time). */
  readonly everyMs?: number
}

export const DEFAULT_ALLOCATOR: AllocatorOptions = { kind: 'hedge', horizonMs: 300_000, eta: 10, floor: 0.1, cap: 10 }

/** One weight as stored: the time series of `allocator_weights`. */
export interface WeightRow {
  readonly strategyId: string
  readonly ts: number
  readonly weight: number
  readonly updates: number
}

/**
 * Online capital re-weighting (seed 002's feedback loop). When a strategy opens a position, its
 * outcome — the change of its equity marked to market, as a return on the notional it held — is
 * taken `horizonMs` later, or at the exit if sooner, and fed to Hedge: its weight is multiplied by
 * exp(eta × return), then all weights are renormalised within [floor, cap] so they sum to the
 * number of strategies (total capital unchanged). A weight scales the strategy's size and
 * sub-ledger capital for new entries only: it is applied to an actor while it is flat, so an open
 * position is never resized. Time is the scheduler's: a replay computes what a live run did.
 */
export class CapitalAllocator {
  readonly weights: Float64Array
  /** Equity at entry (NaN: no outcome pending), the largest notional held since, and the entry's number. */
  private readonly entryEquity: Float64Array
  private readonly entryNotional: Float64Array
  private readonly entrySeq: Float64Array
  private readonly updatesOf: Uint32Array
  /** Entries in time order (one horizon for all, so a FIFO is due-ordered). */
  private dueActor: number[] = []
  private dueAt: number[] = []
  private dueSeq: number[] = []
  private dueHead = 0
  private seq = 0
  private dirty = false
  /** Weights changed, or a strategy went flat, since the weights were last handed to the actors. */
  private reapply = false
  private sub: Subscription | null = null
  /** Weights as last persisted, to store only what moved. */
  private readonly stored: Float64Array
  updates = 0
  private cached: { version: number; top: number; summary: AllocatorSummary } | null = null
  /** Bumped whenever a weight changes (an update, a renormalisation). */
  private version = 0
  /** Outcomes taken at the horizon (the rest at exits). */
  atHorizon = 0

  constructor(
    private readonly actors: readonly StrategyActor[],
    readonly o: AllocatorOptions,
    private readonly scheduler: SchedulerLike,
    private readonly priceOf: (symbol: string) => number | undefined,
    /** An actor's capital weight changed (its size with it). */
    private readonly onRescaled: (actor: StrategyActor) => void = () => {},
  ) {
    const n = actors.length
    this.weights = new Float64Array(n).fill(1)
    this.stored = new Float64Array(n).fill(1)
    this.entryEquity = new Float64Array(n).fill(Number.NaN)
    this.entryNotional = new Float64Array(n)
    this.entrySeq = new Float64Array(n)
    this.updatesOf = new Uint32Array(n)
  }

  start(): void {
    this.sub ??= periodic(this.o.everyMs ?? 1_000, this.scheduler).subscribe(() => this.step())
  }

  stop(): void {
    this.sub?.unsubscribe()
    this.sub = null
  }

  /** A fill of `actor`: an entry starts an outcome; an exit (or a flip) takes it now. */
  onFill(actor: StrategyActor, before: ActorState, after: ActorState): void {
    const i = actor.index
    const flat = before.position === 0
    const closed = after.position === 0
    const flipped = !flat && !closed && Math.sign(before.position) !== Math.sign(after.position)
    if (!flat && !Number.isNaN(this.entryEquity[i]!)) {
      const held = Math.abs(after.position) * after.avgPrice
      if (!closed && !flipped && held > this.entryNotional[i]!) this.entryNotional[i] = held
      if (closed || flipped) this.outcome(i, after, this.priceOf(actor.symbol))
    }
    if (closed && !flat) this.reapply = true
    if ((flat && !closed) || flipped) {
      // Equity just before the entry (flat: realized − fees); the entry's fee counts against it.
      this.entryEquity[i] = flat ? before.realizedPnl - before.fees : equityOf(after, this.priceOf(actor.symbol))
      this.entryNotional[i] = Math.abs(after.position) * after.avgPrice
      this.entrySeq[i] = ++this.seq
      this.dueActor.push(i)
      this.dueAt.push(this.scheduler.now() + this.o.horizonMs)
      this.dueSeq.push(this.seq)
    }
  }

  /** Takes the outcome of actor `i`'s entry from its state now. */
  private outcome(i: number, s: ActorState, mark: number | undefined): void {
    const e0 = this.entryEquity[i]!
    const notional = this.entryNotional[i]!
    this.entryEquity[i] = Number.NaN
    if (!(notional > 0)) return
    const ret = (equityOf(s, mark) - e0) / notional
    this.weights[i] = hedgeUpdate(this.weights[i]!, ret, this.o.eta)
    this.updatesOf[i]!++
    this.updates++
    this.version++
    this.dirty = true
  }

  /** Takes the outcomes that came due, renormalises, and gives flat actors their new weight. @internal (tests call it) */
  step(): void {
    const now = this.scheduler.now()
    while (this.dueHead < this.dueAt.length && this.dueAt[this.dueHead]! <= now) {
      const i = this.dueActor[this.dueHead]!
      // A stale entry: its position closed (outcome taken) or was re-entered since.
      if (this.entrySeq[i] === this.dueSeq[this.dueHead] && !Number.isNaN(this.entryEquity[i]!)) {
        const a = this.actors[i]!
        this.atHorizon++
        this.outcome(i, a.state, this.priceOf(a.symbol))
      }
      this.dueHead++
    }
    if (this.dueHead > 4096 && this.dueHead * 2 > this.dueAt.length) {
      this.dueActor = this.dueActor.slice(this.dueHead)
      this.dueAt = this.dueAt.slice(this.dueHead)
      this.dueSeq = this.dueSeq.slice(this.dueHead)
      this.dueHead = 0
    }
    if (this.dirty) {
      this.dirty = false
      renormalise(this.weights, this.o.floor, this.o.cap)
      this.version++
      this.reapply = true
    }
    if (!this.reapply) return
    this.reapply = false
    // New entries only: a weight reaches an actor while it holds nothing and has nothing in flight.
    const w = this.weights
    for (let i = 0; i < this.actors.length; i++) {
      const a = this.actors[i]!
      if (a.state.position !== 0 || a.scale === w[i]) continue
      if (a.state.order === null) {
        a.scale = w[i]!
        this.onRescaled(a)
      }
      // Flat with an order in flight: try again at the next step.
      else this.reapply = true
    }
  }

  /** Weights that moved by more than 0.1 % since last taken (all of them with `all`), as rows to store. */
  changes(ts: number, all = false): WeightRow[] {
    const out: WeightRow[] = []
    const w = this.weights
    for (let i = 0; i < w.length; i++) {
      if (!all && Math.abs(w[i]! - this.stored[i]!) <= 1e-3 * this.stored[i]!) continue
      this.stored[i] = w[i]!
      out.push({ strategyId: this.actors[i]!.id, ts, weight: w[i]!, updates: this.updatesOf[i]! })
    }
    return out
  }

  summary(top = 10): AllocatorSummary {
    // The dashboard asks every second: sort 100k weights only when they changed.
    const c = this.cached
    if (c !== null && c.version === this.version && c.top === top) return c.summary
    const sorted = Float64Array.from(this.weights).sort()
    const n = sorted.length
    const order = [...this.weights.keys()].sort((a, b) => this.weights[b]! - this.weights[a]! || a - b).slice(0, top)
    const summary: AllocatorSummary = {
      updates: this.updates,
      atHorizon: this.atHorizon,
      weights: { min: r4(sorted[0] ?? 1), p50: r4(n === 0 ? 1 : sorted[Math.floor((n - 1) / 2)]!), max: r4(sorted[n - 1] ?? 1) },
      top: order.map((i) => ({ strategyId: this.actors[i]!.id, weight: r4(this.weights[i]!), updates: this.updatesOf[i]! })),
    }
    this.cached = { version: this.version, top, summary }
    return summary
  }
}

export interface AllocatorSummary {
  readonly updates: number
  readonly atHorizon: number
  readonly weights: { readonly min: number; readonly p50: number; readonly max: number }
  readonly top: readonly { readonly strategyId: string; readonly weight: number; readonly updates: number }[]
}

/** Realized − fees + the open position marked at `mark` (its entry price without one). */
const equityOf = (s: ActorState, mark: number | undefined): number => s.realizedPnl - s.fees + (s.position === 0 ? 0 : s.position * ((mark ?? s.avgPrice) - s.avgPrice))

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000
