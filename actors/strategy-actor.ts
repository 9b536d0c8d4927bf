import type { Intent } from '../src/domain/intent.ts'
import type { Order } from '../src/domain/order.ts'
import type { OrderCommand } from './decide.ts'
import { INITIAL_ACTOR_STATE, evolveActor, type ActorEvent, type ActorState } from './actor-state.ts'

/**
 * The per-strategy runtime: identity plus the current immutable state. Kept small on purpose
 * (100k of them live in one process): no subscriptions of its own — it is fed by its strategy
 * instance and its one in-flight action lives in the engine's `exhaustLatestBy`.
 */
export class StrategyActor {
  state: ActorState = INITIAL_ACTOR_STATE
  /** The latest intent from its strategy, and the clock time its input was dispatched. */
  intent: Intent | null = null
  intentAt = 0
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

  /** Applies one event through the pure reducer. */
  apply(e: ActorEvent): ActorState {
    this.state = evolveActor(this.state, e)
    return this.state
  }
}
