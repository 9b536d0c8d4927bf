import type { Intent } from '../src/domain/intent.ts'
import type { Market, Side } from '../src/domain/market.ts'
import type { OrderType } from '../src/domain/order.ts'
import { floorTo, roundTo } from '../src/util/numbers.ts'
import type { ActorState } from './actor-state.ts'

/** What an actor decided to send: one order, already on the market's lot and tick grid. */
export interface OrderCommand {
  readonly side: Side
  readonly type: OrderType
  readonly amount: number
  readonly price: number | null
}

/**
 * The actor's decision, pure (a decider's `decide`, beside `evolveActor`): what order, if any,
 * moves `state` toward `intent`. Nothing while the actor is stopped or has its one order in flight.
 * A target becomes a market order for the difference between the wanted and the current position,
 * in whole lots; nothing when that is under one lot or under the market's minimum notional at
 * `refPrice`. An explicit order is put on the lot and tick grid. `heldWeight`: the weight a position
 * sized by notional was entered for (that position is kept while the target stays the same).
 */
export function decide(state: ActorState, size: number, intent: Intent, market: Market | undefined, refPrice: number | undefined, heldWeight = Number.NaN): OrderCommand | null {
  if (!state.running || state.order !== null) return null
  // Sized by quote notional: a position entered for this weight is held, not resized as the price moves.
  if (intent.kind === 'target' && intent.weight === heldWeight && state.position !== 0 && Math.sign(state.position) === Math.sign(intent.weight)) return null
  const lot = market?.lotSize ?? 0
  if (intent.kind === 'order') {
    const amount = lot > 0 ? roundTo(intent.amount, lot) : intent.amount
    const price = intent.price === undefined ? null : market !== undefined ? roundTo(intent.price, market.tickSize) : intent.price
    return amount > 0 ? { side: intent.side, type: intent.type, amount, price } : null
  }
  const delta = intent.weight * size - state.position
  const amount = tradable(delta, lot)
  if (amount === 0) return null
  if (market !== undefined && refPrice !== undefined && amount * refPrice < market.minNotional) return null
  return { side: delta > 0 ? 'buy' : 'sell', type: 'market', amount, price: null }
}

/**
 * Base amount of a full position worth `notional` quote at `price`, in whole lots (rounded down):
 * floor(notional / price / lot) × lot; 0 without a price.
 */
export function sizeAtPrice(notional: number, price: number | undefined, lot: number): number {
  if (price === undefined || !(price > 0)) return 0
  return lot > 0 ? floorTo(notional / price, lot) : notional / price
}

/** Whether `command` would leave the actor with a larger |position| (an entry, not an exit). */
export const increasesExposure = (state: ActorState, c: Pick<OrderCommand, 'side' | 'amount'>): boolean =>
  Math.abs(state.position + (c.side === 'buy' ? c.amount : -c.amount)) > Math.abs(state.position) + 1e-12

/**
 * Whether `state` already holds `intent`'s target within a lot: `decide` answers null for it at any
 * price, and keeps answering null until the state, the size or the intent changes — so an actor in
 * this state need not be asked again about an equal intent. False for explicit orders, for a stopped
 * actor and for one with an order in flight. `size` as `decide` gets it, for an actor sized in base units.
 */
export function atTarget(state: ActorState, size: number, intent: Intent, lot: number): boolean {
  if (intent.kind !== 'target' || !state.running || state.order !== null) return false
  return tradable(intent.weight * size - state.position, lot) === 0
}

/** |delta| in whole lots (rounded down), or 0 when that is under one lot: what a target can trade. */
function tradable(delta: number, lot: number): number {
  const amount = lot > 0 ? floorTo(Math.abs(delta), lot) : Math.abs(delta)
  return amount <= 0 || amount < lot ? 0 : amount
}
