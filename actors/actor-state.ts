import { isFinal, type Order, type OrderEvent } from '../src/domain/order.ts'
import { applyFill } from './position.ts'

/** A strategy actor's state. Immutable; changed only by `evolveActor`. */
export interface ActorState {
  readonly running: boolean
  readonly position: number
  readonly avgPrice: number
  /** Realized PnL in quote currency, before fees. */
  readonly realizedPnl: number
  /** Fees paid, in quote currency. */
  readonly fees: number
  /** The order in flight (at most one), or null. */
  readonly order: Order | null
  /** Orders created so far; the next client order id uses orderSeq + 1. */
  readonly orderSeq: number
  readonly submitted: number
  readonly filled: number
  readonly canceled: number
  readonly rejected: number
  /** Orders the risk gate refused. */
  readonly denied: number
  readonly fills: number
  /** Why the actor stopped, if it failed. */
  readonly error: string | null
}

export type ActorEvent =
  | OrderEvent
  | { readonly type: 'ActorFailed'; readonly ts: number; readonly reason: string }
  /** Figures carried over from the store at start-up (a restart after a stop or a crash). */
  | { readonly type: 'ActorRestored'; readonly ts: number; readonly position: number; readonly avgPrice: number; readonly realizedPnl: number; readonly fees: number }

/** Every actor starts from this one shared object: an idle actor costs no state of its own. */
export const INITIAL_ACTOR_STATE: ActorState = Object.freeze({
  running: true,
  position: 0,
  avgPrice: 0,
  realizedPnl: 0,
  fees: 0,
  order: null,
  orderSeq: 0,
  submitted: 0,
  filled: 0,
  canceled: 0,
  rejected: 0,
  denied: 0,
  fills: 0,
  error: null,
})

type Draft = { -readonly [K in keyof ActorState]: ActorState[K] }

// Field by field: ~20x faster than spread or immer on V8 here; the actor path runs 100k times a sweep.
const copy = (s: ActorState): Draft => ({
  running: s.running,
  position: s.position,
  avgPrice: s.avgPrice,
  realizedPnl: s.realizedPnl,
  fees: s.fees,
  order: s.order,
  orderSeq: s.orderSeq,
  submitted: s.submitted,
  filled: s.filled,
  canceled: s.canceled,
  rejected: s.rejected,
  denied: s.denied,
  fills: s.fills,
  error: s.error,
})

/**
 * The actor's transition: pure, `(state, event) → state`. Order events move the in-flight order,
 * fills move position and PnL, final states clear the in-flight slot and count the outcome.
 */
export function evolveActor(s: ActorState, e: ActorEvent): ActorState {
  if (e.type === 'ActorFailed') {
    const n = copy(s)
    n.running = false
    n.error = e.reason
    return n
  }
  if (e.type === 'ActorRestored') {
    const n = copy(s)
    n.position = e.position
    n.avgPrice = e.avgPrice
    n.realizedPnl = e.realizedPnl
    n.fees = e.fees
    return n
  }
  const n = copy(s)
  const o = e.order
  if (e.type === 'OrderDenied') {
    // Never left: uses up a client order id, changes nothing else.
    n.orderSeq = s.orderSeq + 1
    n.denied = s.denied + 1
    return n
  }
  if (e.type === 'OrderSubmitted') {
    n.orderSeq = s.orderSeq + 1
    n.submitted = s.submitted + 1
  }
  if (e.fill !== null) {
    const f = e.fill
    const p = applyFill(s, o.side, f.price, f.amount)
    n.position = p.position
    n.avgPrice = p.avgPrice
    n.realizedPnl = p.realizedPnl
    n.fees = s.fees + f.fee
    n.fills = s.fills + 1
  }
  if (isFinal(o.status)) {
    n.order = null
    if (o.status === 'filled') n.filled = s.filled + 1
    else if (o.status === 'rejected') n.rejected = s.rejected + 1
    else if (o.status === 'denied') n.denied = s.denied + 1
    else n.canceled = s.canceled + 1
  } else {
    n.order = o
  }
  return n
}
