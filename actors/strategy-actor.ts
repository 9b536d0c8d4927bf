import type { Intent } from '../src/domain/intent.ts'
import type { Order } from '../src/domain/order.ts'
import type { OrderCommand } from './decide.ts'
import { INITIAL_ACTOR_STATE, evolveActor, type ActorEvent, type ActorState } from './actor-state.ts'

/**
 * The latest intent of a pipeline, shared by every actor it feeds: a fan-out writes it once, not
 * into each of up to 100k actors (each such write of a new object into an old one costs the
 * collector a remembered slot, and the actor a cache miss). `seq` counts deliveries.
 */
export class IntentFeed {
  intent: Intent | null = null
  /** When the input behind `intent` was dispatched (engine clock). */
  at = 0
  seq = 0

  /** A new intent for every actor of the pipeline. */
  deliver(intent: Intent, at: number): void {
    this.intent = intent
    this.at = at
    this.seq++
  }
}

/**
 * The per-strategy runtime: identity plus the current immutable state. Kept small on purpose
 * (100k of them live in one process): no subscriptions of its own — it is fed by its strategy
 * instance and its one in-flight action lives in the engine's `exhaustLatestBy`.
 */
export class StrategyActor {
  state: ActorState = INITIAL_ACTOR_STATE
  /** Its pipeline's latest intent (null: not fed by a pipeline). */
  feed: IntentFeed | null = null
  /**
   * An intent set on this actor alone (the kill switch's, or null once await mode has acted on it),
   * until its feed delivers again (`seq`: the feed's count when it was set). Rare, so one object then.
   */
  private own: { readonly intent: Intent | null; readonly at: number; readonly seq: number } | null = null
  /** What the order path prepared for `intent` just before acting on it (made once, used once): the order, or the algorithm's command. */
  next: Order | OrderCommand | null = null
  /** The engine's one-in-flight lane for this actor while an action runs (see exhaustLatestBy's slots). */
  lane: object | undefined = undefined
  /** Sized by notional: the target weight its position was entered for (NaN: none). */
  heldWeight = Number.NaN
  /** Capital weight (a multiple of the equal share) for its next entry: scales its size and sub-ledger capital (the allocator sets it while flat). */
  scale = 1

  constructor(
    readonly index: number,
    readonly id: string,
    readonly symbol: string,
    readonly group: number,
    /** Base amount of a full position (weight 1). */
    readonly size: number,
    /** Quote notional of a full position, sized at each order's price (replays); 0: `size` is fixed. */
    readonly notional = 0,
  ) {}

  /** Its own intent while its feed has not delivered since that was set, else its feed. */
  private get current(): { readonly intent: Intent | null; readonly at: number } | null {
    const o = this.own
    return o !== null && (this.feed === null || this.feed.seq === o.seq) ? o : this.feed
  }

  /** The latest intent for this actor: its own one if set since its feed last delivered, else its feed's. */
  get intent(): Intent | null {
    return this.current?.intent ?? null
  }

  set intent(intent: Intent | null) {
    this.own = { intent, at: this.intentAt, seq: this.feed?.seq ?? 0 }
  }

  /** When the input behind `intent` was dispatched (engine clock). */
  get intentAt(): number {
    return this.current?.at ?? 0
  }

  set intentAt(at: number) {
    this.own = { intent: this.intent, at, seq: this.feed?.seq ?? 0 }
  }

  /**
   * Reads what deciding on this actor and acting on it read (its state's figures, its size, capital
   * weight and held weight) and returns a number made of them, which the caller keeps so the reads are
   * not dropped. Why: at 100k actors each of these sits in a heap object of its own, and a fan-out that
   * reads them one actor at a time waits out one cache miss after another; reading a chunk of actors
   * this way first lets the CPU fetch the whole chunk at once, as no read depends on another.
   */
  touch(): number {
    const s = this.state
    return s.position + s.avgPrice + s.realizedPnl + s.fees + s.orderSeq + this.size * this.scale + this.heldWeight + this.notional
  }

  /** Applies one event through the pure reducer. */
  apply(e: ActorEvent): ActorState {
    this.state = evolveActor(this.state, e)
    return this.state
  }
}
