import { produce } from 'immer'
import { evolveActor, INITIAL_ACTOR_STATE, type ActorState } from '../../actors/actor-state.ts'
import { newOrder, type OrderEvent } from '../../src/domain/order.ts'
import { evolveOrder } from '../../src/domain/order-state.ts'
import { applyFill } from '../../actors/position.ts'
import { emit, round } from './util.ts'

/**
 * Why the actor's reducer copies fields by hand: the same transition (submit, fill, close) through
 * evolveActor and through an immer `produce` recipe, on this machine, in the same run.
 */
const M = 2_000
const R = 200
const order = newOrder({ id: 'o', strategyId: 's', actor: 0, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1, price: null }, 0)
const filledT = evolveOrder(order, { type: 'OrderFilled', ts: 1, fill: { tradeId: 't', orderId: 'o', price: 100, amount: 1, fee: 0.05, liquidity: 'taker', ts: 1 } })
if (!filledT.ok) throw new Error(filledT.reason)
const submitted: OrderEvent = { type: 'OrderSubmitted', ts: 0, order, fill: null, reason: null }
const filled: OrderEvent = {
  type: 'OrderFilled',
  ts: 1,
  order: filledT.order,
  fill: filledT.order.tradeIds.length ? { tradeId: 't', orderId: 'o', price: 100, amount: 1, fee: 0.05, liquidity: 'taker', ts: 1 } : null,
  reason: null,
}

const viaImmer = (s: ActorState, e: OrderEvent): ActorState =>
  produce(s, (d) => {
    if (e.type === 'OrderSubmitted') {
      d.orderSeq++
      d.submitted++
    }
    if (e.fill !== null) {
      const p = applyFill(d, e.order.side, e.fill.price, e.fill.amount)
      d.position = p.position
      d.avgPrice = p.avgPrice
      d.realizedPnl = p.realizedPnl
      d.fees += e.fill.fee
      d.fills++
    }
    if (e.order.status === 'filled') {
      d.order = null
      d.filled++
    } else d.order = e.order as never
  })

function time(f: (s: ActorState, e: OrderEvent) => ActorState): number {
  let best = Infinity
  const states: ActorState[] = new Array(M).fill(INITIAL_ACTOR_STATE)
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now()
    for (let k = 0; k < R; k++) for (let i = 0; i < M; i++) states[i] = f(f(states[i]!, submitted), filled)
    best = Math.min(best, ((performance.now() - t0) * 1e6) / (M * R * 2))
  }
  return best
}

const hand = time(evolveActor)
const immer = time(viaImmer)
emit({ scenario: 'reducer', evolveActorNs: round(hand, 1), immerNs: round(immer, 1), ratio: round(immer / hand, 1) })
