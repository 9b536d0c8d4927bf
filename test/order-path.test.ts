import { EMPTY, NEVER, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { evolveActor, INITIAL_ACTOR_STATE, type ActorEvent, type ActorState } from '../actors/actor-state.ts'
import { decide, type OrderCommand } from '../actors/decide.ts'
import { OrderFactory } from '../actors/order-factory.ts'
import { OrderGate } from '../actors/order-gate.ts'
import { OrderPath } from '../actors/order-path.ts'
import { DEFAULT_LIMITS } from '../actors/risk/limits.ts'
import { RiskManager } from '../actors/risk/risk-manager.ts'
import { StrategyActor } from '../actors/strategy-actor.ts'
import { target, type Intent } from '../src/domain/intent.ts'
import type { Market } from '../src/domain/market.ts'
import { newOrder, type OrderEvent } from '../src/domain/order.ts'
import type { ExchangePort } from '../src/exchange/port.ts'
import type { OrderActionContext } from '../actors/order-action.ts'
import { OrderUpdateHub } from '../streams/order-update-hub.ts'
import type { OrderReport } from '../streams/track-order.ts'

const m: Market = { symbol: 'X/USDT', base: 'X', quote: 'USDT', tickSize: 0.01, lotSize: 0.001, minNotional: 5, makerFee: 0, takerFee: 0.001 }

/** Given past events, when an intent arrives, then this command (a decider's test, Emmett-style). */
const given = (events: ActorEvent[]) => ({
  when: (intent: Intent, size = 0.5, price = 100) => ({
    // biome-ignore lint/suspicious/noThenProperty: Given/When/Then, never awaited
    then: (expected: OrderCommand | null) => {
      const state = events.reduce<ActorState>(evolveActor, INITIAL_ACTOR_STATE)
      expect(decide(state, size, intent, m, price)).toEqual(expected)
    },
  }),
})
const order = (id: string, side: 'buy' | 'sell', amount: number) => newOrder({ id, strategyId: 's', actor: 0, symbol: 'X/USDT', side, type: 'market', amount, price: null }, 0)
const submitted = (id: string, side: 'buy' | 'sell', amount: number): ActorEvent => ({ type: 'OrderSubmitted', ts: 0, order: order(id, side, amount), fill: null, reason: null })
const filled = (id: string, side: 'buy' | 'sell', amount: number, price = 100): ActorEvent => ({
  type: 'OrderFilled',
  ts: 1,
  order: { ...order(id, side, amount), status: 'filled', filled: amount, avgPrice: price, closedAt: 1 },
  fill: { tradeId: `t-${id}`, orderId: id, price, amount, fee: 0, liquidity: 'taker', ts: 1 },
  reason: null,
})

describe('decide (given events, when an intent, then a command)', () => {
  it('given nothing, when long, then buy the full size', () =>
    given([])
      .when(target('X/USDT', 1, 0))
      .then({ side: 'buy', type: 'market', amount: 0.5, price: null }))
  it('given a filled entry, when long again, then nothing', () =>
    given([submitted('a', 'buy', 0.5), filled('a', 'buy', 0.5)])
      .when(target('X/USDT', 1, 0))
      .then(null))
  it('given a filled entry, when flat, then sell it all', () =>
    given([submitted('a', 'buy', 0.5), filled('a', 'buy', 0.5)])
      .when(target('X/USDT', 0, 0))
      .then({ side: 'sell', type: 'market', amount: 0.5, price: null }))
  it('given a filled entry, when short, then sell twice the size', () =>
    given([submitted('a', 'buy', 0.5), filled('a', 'buy', 0.5)])
      .when(target('X/USDT', -1, 0))
      .then({ side: 'sell', type: 'market', amount: 1, price: null }))
  it('given an order in flight, when anything, then nothing (one in flight)', () =>
    given([submitted('a', 'buy', 0.5)])
      .when(target('X/USDT', 0, 0))
      .then(null))
  it('given a failed actor, when anything, then nothing', () =>
    given([{ type: 'ActorFailed', ts: 0, reason: 'bug' }])
      .when(target('X/USDT', 1, 0))
      .then(null))
  it('when the difference is under the minimum notional, then nothing', () =>
    given([])
      .when(target('X/USDT', 1, 0), 0.04)
      .then(null))
  it('when an explicit order is off the grid, then it is put on the lot and tick grid', () =>
    given([]).when({ kind: 'order', symbol: 'X/USDT', side: 'buy', type: 'limit', amount: 0.12345, price: 99.987, ts: 0 }).then({ side: 'buy', type: 'limit', amount: 0.123, price: 99.99 }))
})

describe('OrderFactory', () => {
  it('formats client order ids and parses them back, whatever the run tag holds', () => {
    const f = new OrderFactory('demo-mx1')
    const id = f.clientOrderId(12_345, 67)
    expect(id).toBe('demo-mx1-9ix-1v')
    expect(OrderFactory.parse(id)).toEqual({ runTag: 'demo-mx1', actor: 12_345, seq: 67 })
    expect(OrderFactory.parse('x_abc')).toBeNull()
    expect(OrderFactory.parse('web-ORDER-1')).toBeNull()
  })

  it('puts amounts on the lot grid and prices on the tick grid', () => {
    const o = new OrderFactory('t').order({ index: 3, id: 's3' }, 1, 'X/USDT', 'sell', 'limit', 0.30000000000000004, 100.0049, m, 5)
    expect(o).toMatchObject({ id: 't-3-1', strategyId: 's3', actor: 3, amount: 0.3, price: 100, status: 'pending_new', createdAt: 5 })
  })
})

describe('OrderPath: every order passes the one gate', () => {
  const rig = (opts: { algo?: boolean; halted?: boolean } = {}) => {
    const scheduler = new VirtualTimeScheduler(VirtualAction)
    const risk = new RiskManager({ ...DEFAULT_LIMITS, maxOrderNotional: 60 }, [m], 0)
    risk.onTrade('X/USDT', 100, 0)
    const events: OrderEvent[] = []
    const sent: string[] = []
    const exchange = { createOrder: (r: { clientOrderId: string }) => (sent.push(r.clientOrderId), NEVER), cancelOrder: () => EMPTY } as unknown as ExchangePort
    const exec: OrderActionContext = { exchange, orderUpdates: new OrderUpdateHub<OrderReport>(), scheduler, orderTimeoutMs: 1e9, maxAttempts: 1, retryDelayMs: 1 }
    let halted = 0
    const path = new OrderPath({
      markets: new Map([[m.symbol, m]]),
      lastPrice: () => 100,
      lastQuote: () => ({ kind: 'quote', symbol: 'X/USDT', bid: 99.99, ask: 100.01, bidSize: 1, askSize: 1, ts: 0 }),
      factory: new OrderFactory('p'),
      gate: new OrderGate({ risk, now: () => scheduler.now(), openOrders: () => 0, onDenied: (e) => events.push(e) }),
      exec,
      algo: opts.algo
        ? { name: 'limit', ctx: { exec, quotes: () => NEVER, scheduler, options: { repriceTicks: 1, maxWorkMs: 1e9, maxSlippageBps: 25, fallback: 'market', pegOffsetTicks: 0, pegTo: 'best' } } }
        : null,
      scheduler,
      entriesHalted: () => opts.halted === true,
      onHaltedEntry: () => halted++,
      onReaction: () => {},
      onFault: (_a, err) => {
        throw err
      },
    })
    return { path, events, sent, halted: () => halted }
  }
  const actor = (size: number) => {
    const a = new StrategyActor(0, 's0', 'X/USDT', 0, size)
    a.intent = target('X/USDT', 1, 0)
    return a
  }

  it('a plain order over a limit is denied with an OrderDenied event and never sent', () => {
    const { path, events, sent } = rig()
    const a = actor(1) // 1 × 100 = 100 > 60
    expect(path.wanted(a)).toBe(false)
    expect(sent).toEqual([])
    expect(events.map((e) => [e.type, e.order.status, e.reason, e.order.id])).toEqual([['OrderDenied', 'denied', 'risk: max_order_notional', 'p-0-1']])
  })

  it("an algorithm's order over a limit is denied by the same gate", () => {
    const { path, events, sent } = rig({ algo: true })
    const a = actor(1)
    expect(path.wanted(a)).toBe(true) // the algorithm checks each order it makes
    path.act(a).subscribe()
    expect(sent).toEqual([])
    expect(events.map((e) => [e.type, e.reason])).toEqual([['OrderDenied', 'risk: max_order_notional']])
  })

  it('an order within the limits is built once and sent', () => {
    const { path, events, sent } = rig()
    const a = actor(0.5)
    expect(path.wanted(a)).toBe(true)
    path.act(a).subscribe()
    expect(events).toEqual([])
    expect(sent).toEqual(['p-0-1'])
  })

  it('while the store is behind, entries wait (counted) and are neither sent nor recorded', () => {
    const { path, events, sent, halted } = rig({ halted: true })
    expect(path.wanted(actor(0.5))).toBe(false)
    expect([events.length, sent.length, halted()]).toEqual([0, 0, 1])
  })
})
