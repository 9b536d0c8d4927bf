import type { StrategyActor } from '../../actors/strategy-actor.ts'
import { Router } from '../../streams/router.ts'
import { signalOf } from '../../streams/signal-schedule.ts'
import type { Intent, StrategyInput } from '../domain/intent.ts'
import type { MarketEvent } from '../domain/market.ts'
import type { SignalRound } from '../domain/signal.ts'
import type { Metrics } from './metrics.ts'
import type { SettledActors } from './settled-actors.ts'
import type { DispatchClock } from './dispatch-clock.ts'
import { onTape } from '../../streams/operators/shared-series.ts'
import type { StrategyInstance, StrategyInstances } from './strategy-instances.ts'

/** Actors read ahead at a time in a fan-out: enough for their cache misses to overlap, few enough to stay in cache until acted on (at most 31: one bit each in a mask). */
const TOUCH_CHUNK = 16

/**
 * Inputs to pipelines to actors: market events routed by symbol and signal rounds by group to the
 * shared pipelines that read them, and each pipeline's intents fanned out to its actors, stamped
 * with when the input was dispatched (for reaction times). `offer` hands an actor with a new
 * intent to its one-in-flight lane (lock mode); await mode acts on intents chunk by chunk instead.
 * With `settled` (lock mode), an intent equal to its pipeline's last one skips the actors already
 * at that target whose state and size have not changed since: `decide` would answer them null again.
 */
export class InputFanout {
  readonly signals = new Router<number, StrategyInput>()
  readonly market = new Router<string, StrategyInput>()
  private originAt = 0
  /** Whether the input being dispatched is a market event (its intents' latency is tick → intent). */
  private fromMarket = false
  /** Read a chunk of actors ahead before acting on them (see `fanOut`); off only to measure what it gains. */
  readAhead = true

  constructor(
    private readonly pipes: StrategyInstances,
    private readonly groups: number,
    private readonly metrics: Metrics,
    private readonly clock: () => number,
    private readonly offer: ((actor: StrategyActor) => void) | null,
    private readonly settled: SettledActors | null = null,
    /** Held while an intent is fanned out: what it starts is stamped with one time. */
    private readonly time: DispatchClock | null = null,
  ) {}

  /** One market event to the pipelines of its symbol. */
  marketEvent(e: MarketEvent): void {
    const n = this.pipes.marketActors.get(e.symbol)
    if (n === undefined) return
    this.originAt = this.clock()
    this.fromMarket = true
    this.metrics.w.evaluations += n
    this.dispatching = e
    onTape(this, this.dispatchMarket)
  }

  private dispatching: MarketEvent | null = null
  /** One market event to its symbol's pipelines, on this engine's tape (shared readings and indicators). */
  private readonly dispatchMarket = (): void => this.market.dispatch(this.dispatching!.symbol, this.dispatching!)

  /** One signal round to every group's pipelines, synchronously; returns when it began. */
  round(r: SignalRound): number {
    const t0 = (this.originAt = this.clock())
    this.fromMarket = false
    this.metrics.w.signals++
    for (let g = 0; g < this.groups; g++) {
      const n = this.pipes.signalActors[g]!
      if (n === 0) continue
      this.metrics.w.evaluations += n
      this.signals.dispatch(g, signalOf(r, g))
    }
    return t0
  }

  /** When the input being dispatched now was dispatched (engine clock). */
  get dispatchedAt(): number {
    return this.originAt
  }

  /** Fans one intent of a shared pipeline out to its actors. */
  deliver(inst: StrategyInstance, intent: Intent): void {
    if (this.fromMarket) this.metrics.tickToIntent.record(this.clock() - this.originAt)
    this.deliverAt(inst, intent, this.originAt)
  }

  /** Fans out an intent caused by an input dispatched at `at` (a worker's answer comes later). */
  deliverAt(inst: StrategyInstance, intent: Intent, at: number): void {
    const time = this.time
    if (time === null) return this.fanOut(inst, intent, at)
    time.hold()
    try {
      this.fanOut(inst, intent, at)
    } finally {
      time.release()
    }
  }

  private fanOut(inst: StrategyInstance, intent: Intent, at: number): void {
    const actors = inst.actors
    const offer = this.offer
    // Only actors that may be acted on are worth reading (lock mode).
    const readAhead = this.readAhead && offer !== null
    // Skipping needs the lanes (lock mode) and is off in the reference behaviour (skipSettled: false).
    const settled = offer === null ? null : this.settled
    let same = false
    let gen = 0
    let lot = 0
    if (settled !== null) {
      // The feed still holds the pipeline's previous intent.
      const last = inst.feed.intent
      same = last !== null && last.kind === 'target' && intent.kind === 'target' && last.weight === intent.weight && last.symbol === intent.symbol
      if (!same) inst.intentGen++
      gen = inst.intentGen
      lot = intent.kind === 'target' ? settled.lotOf(intent.symbol) : 0
    }
    // Every actor of the pipeline holds this intent from now on (each reads it from the shared feed).
    inst.feed.deliver(intent, at)
    const indices = inst.indices
    let skipped = 0
    let touched = 0
    // Chunk by chunk: the chunk's actors are read first (`touch`), so that their cache misses overlap
    // rather than come one after another as each actor is decided on. Each actor's settled mark is
    // looked up once, in that first pass: bit k of `skip` is actor from + k, settled at this intent.
    for (let from = 0; from < actors.length; from += TOUCH_CHUNK) {
      const to = Math.min(from + TOUCH_CHUNK, actors.length)
      let skip = 0
      if (same || readAhead)
        for (let i = from; i < to; i++) {
          if (same && settled!.has(indices[i]!, gen)) skip |= 1 << (i - from)
          else if (readAhead) touched += actors[i]!.touch()
        }
      for (let i = from; i < to; i++) {
        if ((skip >>> (i - from)) & 1) {
          skipped++
          continue
        }
        const actor = actors[i]!
        settled?.handedOut(actor.index, gen)
        if (offer === null || !actor.state.running) continue
        offer(actor)
        // Nothing to do, and nothing will be for this intent until its state or size changes.
        settled?.settle(actor, lot)
      }
    }
    this.touched = touched
    this.metrics.w.settledSkips += skipped
  }

  /** What the last fan-out's `touch` reads added up to (kept only so that they are not dropped as unused). */
  touched = 0

  dispose(): void {
    this.signals.dispose()
    this.market.dispose()
  }
}
