import type { Intent } from '../src/domain/intent.ts'
import type { Market, Side } from '../src/domain/market.ts'
import type { OrderType } from '../src/domain/order.ts'
import { floorTo } from '../src/util/numbers.ts'
import type { ActorState } from './actor-state.ts'

export interface OrderDecision {
  readonly side: Side
  readonly type: OrderType
  readonly amount: number
  readonly price: number | null
}


/**
 * What order (if any) moves `state` toward `intent`: pure. A target becomes a market order for the
 * difference between the wanted and the current position, in whole lots; nothing when that is
 * under one lot or under the market's minimum notional at `refPrice`.
 */
export function orderFor(state: ActorState, size: number, intent: Intent, market: Market | undefined, refPrice: number | undefined): OrderDecision | null {
  if (intent.kind === 'order') return { side: intent.side, type: intent.type, amount: intent.amount, price: intent.price ?? null }
  const delta = intent.weight * size - state.position
  const lot = market?.lotSize ?? 0
  const amount = lot > 0 ? floorTo(Math.abs(delta), lot) : Math.abs(delta)
  if (amount <= 0 || amount < lot) return null
  if (market !== undefined && refPrice !== undefined && amount * refPrice < market.minNotional) return null
  return { side: delta > 0 ? 'buy' : 'sell', type: 'market', amount, price: null }
}
