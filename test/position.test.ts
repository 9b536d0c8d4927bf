import { describe, expect, it } from 'vitest'
import { evolveActor, INITIAL_ACTOR_STATE } from '../actors/actor-state.ts'
import { decide } from '../actors/decide.ts'
import { applyFill, unrealizedPnl } from '../actors/position.ts'
import { target } from '../src/domain/intent.ts'
import type { Market } from '../src/domain/market.ts'
import { newOrder } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'

const flat = { position: 0, avgPrice: 0, realizedPnl: 0 }

describe('average-cost position accounting', () => {
  it('averages entries, realizes on exits, and flips through zero at the fill price', () => {
    const a = applyFill(flat, 'buy', 100, 1)
    const b = applyFill(a, 'buy', 110, 1)
    expect(b).toEqual({ position: 2, avgPrice: 105, realizedPnl: 0 })
    const c = applyFill(b, 'sell', 120, 1)
    expect(c).toEqual({ position: 1, avgPrice: 105, realizedPnl: 15 })
    const d = applyFill(c, 'sell', 90, 3)
    expect(d).toEqual({ position: -2, avgPrice: 90, realizedPnl: 0 })
    const e = applyFill(d, 'buy', 80, 2)
    expect(e).toEqual({ position: 0, avgPrice: 0, realizedPnl: 20 })
    expect(unrealizedPnl(b, 100)).toBe(-10)
    expect(unrealizedPnl(d, 85)).toBe(10)
  })
})

describe('evolveActor', () => {
  it('tracks the in-flight order, the position, fees and outcome counters; never mutates', () => {
    const o = newOrder({ id: 'o1', strategyId: 's', actor: 0, symbol: 'X/USDT', side: 'buy', type: 'market', amount: 2, price: null }, 0)
    const s1 = evolveActor(INITIAL_ACTOR_STATE, { type: 'OrderSubmitted', ts: 0, order: o, fill: null, reason: null })
    expect(s1).toMatchObject({ order: o, orderSeq: 1, submitted: 1, position: 0 })
    const fill = { tradeId: 't1', orderId: 'o1', price: 10, amount: 2, fee: 0.01, liquidity: 'taker' as const, ts: 1 }
    const t = evolveOrder(o, { type: 'OrderFilled', ts: 1, fill })
    const s2 = evolveActor(s1, { type: 'OrderFilled', ts: 1, order: t.order, fill, reason: null })
    expect(s2).toMatchObject({ order: null, position: 2, avgPrice: 10, fees: 0.01, fills: 1, filled: 1 })
    expect(INITIAL_ACTOR_STATE.position).toBe(0)
    expect(Object.isFrozen(INITIAL_ACTOR_STATE)).toBe(true)
    const failed = evolveActor(s2, { type: 'ActorFailed', ts: 2, reason: 'boom' })
    expect(failed).toMatchObject({ running: false, error: 'boom', position: 2 })
  })
})

describe('decide', () => {
  const m: Market = { symbol: 'X/USDT', base: 'X', quote: 'USDT', tickSize: 0.01, lotSize: 0.001, minNotional: 5, makerFee: 0, takerFee: 0 }
  it('orders the difference to the target in whole lots, and nothing below a lot or the minimum notional', () => {
    expect(decide(INITIAL_ACTOR_STATE, 0.5, target('X/USDT', 1, 0), m, 100)).toEqual({ side: 'buy', type: 'market', amount: 0.5, price: null })
    const long = { ...INITIAL_ACTOR_STATE, position: 0.5 }
    expect(decide(long, 0.5, target('X/USDT', 1, 0), m, 100)).toBeNull()
    expect(decide(long, 0.5, target('X/USDT', 0, 0), m, 100)).toEqual({ side: 'sell', type: 'market', amount: 0.5, price: null })
    expect(decide(long, 0.5, target('X/USDT', -1, 0), m, 100)).toMatchObject({ side: 'sell', amount: 1 })
    expect(decide({ ...INITIAL_ACTOR_STATE, position: 0.5004 }, 0.5, target('X/USDT', 1, 0), m, 100)).toBeNull()
    expect(decide(INITIAL_ACTOR_STATE, 0.01, target('X/USDT', 1, 0), m, 100)).toBeNull()
  })
})
