import { atTarget } from '../../actors/decide.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'

/**
 * Actors known to be at their pipeline's target, by actor index. A pipeline's run of equal target
 * intents is one generation; each actor holds the generation of the intent it was last handed and
 * the one it was found at target for (-1: none). An equal intent of that generation skips it without
 * touching it: at 100k strategies the actors that need nothing are ~40 % of a signal round, and each
 * costs two cache misses to look at. Any order event of the actor or a new capital weight clears
 * its mark; an order that ends with the actor at target sets it.
 */
export class SettledActors {
  /** Generation of the intent each actor holds (-1: one set outside the fan-out, e.g. the kill switch's). */
  private readonly handed: Int32Array
  /** Generation each actor was found at target for (-1: none). */
  private readonly at: Int32Array

  constructor(
    actors: number,
    /** The lot size `decide` uses for a symbol (0 when unknown). */
    readonly lotOf: (symbol: string) => number,
  ) {
    this.handed = new Int32Array(actors).fill(-1)
    this.at = new Int32Array(actors).fill(-1)
  }

  /** Whether actor `index` was at target for generation `gen` and nothing of it changed since. */
  has(index: number, gen: number): boolean {
    return this.at[index] === gen
  }

  /** Actor `index` was handed an intent of generation `gen`. */
  handedOut(index: number, gen: number): void {
    this.handed[index] = gen
  }

  /**
   * Marks `actor` if it holds its intent's target and has no action in flight; `lot` is the intent
   * symbol's lot. `ending`: its action's last event is being applied (its lane closes right after, and
   * re-decides on this same intent if it holds one that came meanwhile).
   */
  settle(actor: StrategyActor, lot: number, ending = false): void {
    const intent = actor.intent
    if (intent === null || actor.notional !== 0 || (actor.lane !== undefined && !ending)) return
    if (atTarget(actor.state, actor.size * actor.scale, intent, lot)) this.at[actor.index] = this.handed[actor.index]!
  }

  /** Its state or size changed: it is asked again on the next intent. */
  clear(index: number): void {
    this.at[index] = -1
  }

  /** It was handed an intent outside the fan-out: no generation describes it. */
  forget(index: number): void {
    this.at[index] = -1
    this.handed[index] = -1
  }
}
