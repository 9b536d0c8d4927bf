import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, validateLimits, type RiskLimits } from '../actors/risk/limits.ts'
import { kindOf, preTradeCheck, type OrderCheck, type RiskView } from '../actors/risk/pre-trade.ts'
import { RiskManager } from '../actors/risk/risk-manager.ts'
import { TokenBucket } from '../actors/risk/token-bucket.ts'
import { INITIAL_ACTOR_STATE } from '../actors/actor-state.ts'
import { allows, strictest, type TradingState } from '../actors/risk/trading-state.ts'
import type { Market } from '../src/domain/market.ts'

const market: Market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, lotSize: 0.001, minNotional: 5, makerFee: 0, takerFee: 0 }
const view = (over: Partial<RiskView> = {}): RiskView => ({
  market,
  lastPrice: 100,
  strategyState: 'ACTIVE',
  symbolState: 'ACTIVE',
  globalState: 'ACTIVE',
  volatilityPaused: false,
  symbolNet: 0,
  grossExposure: 0,
  openOrders: 0,
  ...over,
})
const order = (over: Partial<OrderCheck> = {}): OrderCheck => ({ side: 'buy', type: 'market', amount: 1, price: null, position: 0, avgPrice: 0, freeCapital: 1e9, ...over })
const limits = (over: Partial<RiskLimits> = {}): RiskLimits => ({ ...DEFAULT_LIMITS, ...over })

describe('pre-trade checks', () => {
  it('each limit refuses with its own reason', () => {
    expect(preTradeCheck(order(), view(), limits())).toBeNull()
    expect(preTradeCheck(order({ amount: 2 }), view(), limits({ maxOrderNotional: 150 }))).toBe('max_order_notional')
    expect(preTradeCheck(order({ amount: 2, position: 1 }), view(), limits({ maxStrategyPosition: 250 }))).toBe('max_strategy_position')
    expect(preTradeCheck(order(), view({ symbolNet: 5 }), limits({ maxSymbolPosition: 550 }))).toBe('max_symbol_position')
    expect(preTradeCheck(order(), view({ grossExposure: 1_000 }), limits({ maxGrossExposure: 1_050 }))).toBe('max_gross_exposure')
    expect(preTradeCheck(order(), view({ openOrders: 3 }), limits({ maxOpenOrders: 3 }))).toBe('max_open_orders')
    expect(preTradeCheck(order({ type: 'limit', price: 103 }), view(), limits({ priceBandBps: 200 }))).toBe('price_band')
    expect(preTradeCheck(order({ type: 'limit', price: 101.5 }), view(), limits({ priceBandBps: 200 }))).toBeNull()
    expect(preTradeCheck(order({ amount: 0.0015 }), view(), limits())).toBe('precision')
    expect(preTradeCheck(order({ type: 'limit', price: 100.005 }), view(), limits())).toBe('precision')
    expect(preTradeCheck(order({ amount: 0.04 }), view(), limits())).toBe('min_notional')
    expect(preTradeCheck(order({ freeCapital: 99 }), view(), limits())).toBe('capital')
    expect(preTradeCheck(order(), view({ volatilityPaused: true }), limits())).toBe('volatility_gate')
  })

  it('trading states: REDUCING lets only reducing orders through, HALTED nothing', () => {
    const long = order({ side: 'sell', amount: 1, position: 2, avgPrice: 100 })
    expect(preTradeCheck(order(), view({ globalState: 'REDUCING' }), limits())).toBe('reducing_only')
    expect(preTradeCheck(long, view({ symbolState: 'REDUCING' }), limits())).toBeNull()
    expect(preTradeCheck(long, view({ strategyState: 'HALTED' }), limits())).toBe('halted')
    // Reducing orders pass the exposure limits and the volatility gate: exposure may always shrink.
    expect(preTradeCheck(long, view({ volatilityPaused: true, grossExposure: 1e9 }), limits({ maxGrossExposure: 1, maxStrategyPosition: 1 }))).toBeNull()
  })

  it('classifies orders: reduce lowers |position| without crossing zero', () => {
    expect(kindOf(0, 'buy', 1)).toBe('entry')
    expect(kindOf(2, 'sell', 1)).toBe('reduce')
    expect(kindOf(2, 'sell', 2)).toBe('reduce')
    expect(kindOf(2, 'sell', 3)).toBe('entry')
    expect(kindOf(-2, 'buy', 1)).toBe('reduce')
    expect(kindOf(2, 'buy', 1)).toBe('entry')
    expect(strictest('ACTIVE', 'REDUCING')).toBe('REDUCING')
    expect(strictest('HALTED', 'REDUCING')).toBe('HALTED')
  })

  it('validates limits, naming the bad one', () => {
    expect(() => validateLimits(limits({ maxOrderNotional: 0 }))).toThrow('risk.maxOrderNotional: expected a positive number, got 0')
    expect(() => validateLimits(limits({ breaker: { ...DEFAULT_LIMITS.breaker, maxDrawdown: 2 } }))).toThrow('risk.breaker.maxDrawdown')
    expect(() => validateLimits(limits({ volGate: { ...DEFAULT_LIMITS.volGate, baselineWindow: 10 } }))).toThrow('risk.volGate.baselineWindow')
  })

  it('token buckets refill with time', () => {
    const b = new TokenBucket(2, 2, 0)
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false])
    expect(b.take(499)).toBe(false)
    expect(b.take(500)).toBe(true)
    expect(b.take(10_000)).toBe(true)
    expect(b.take(10_000)).toBe(true)
    expect(b.take(10_000)).toBe(false)
  })
})

describe('risk properties (fast-check)', () => {
  const stateArb = fc.constantFrom<TradingState>('ACTIVE', 'REDUCING', 'HALTED')
  const limitsArb = fc.record({
    maxOrderNotional: fc.double({ min: 1, max: 2_000, noNaN: true }),
    maxStrategyPosition: fc.double({ min: 1, max: 5_000, noNaN: true }),
    maxSymbolPosition: fc.double({ min: 1, max: 10_000, noNaN: true }),
    maxGrossExposure: fc.double({ min: 1, max: 50_000, noNaN: true }),
    maxOpenOrders: fc.integer({ min: 1, max: 50 }),
    priceBandBps: fc.double({ min: 1, max: 1_000, noNaN: true }),
  })
  const orderArb = fc.record({
    side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
    type: fc.constantFrom<'market' | 'limit'>('market', 'limit'),
    lots: fc.integer({ min: 1, max: 30_000 }),
    ticks: fc.integer({ min: 9_000, max: 11_000 }),
    positionLots: fc.integer({ min: -20_000, max: 20_000 }),
    freeCapital: fc.double({ min: 0, max: 10_000, noNaN: true }),
  })
  const viewArb = fc.record({
    strategyState: stateArb,
    symbolState: stateArb,
    globalState: stateArb,
    volatilityPaused: fc.boolean(),
    symbolNet: fc.double({ min: -100, max: 100, noNaN: true }),
    grossExposure: fc.double({ min: 0, max: 60_000, noNaN: true }),
    openOrders: fc.integer({ min: 0, max: 60 }),
  })

  it('never lets an order through that breaks a limit, and never an entry while REDUCING or HALTED', () => {
    fc.assert(
      fc.property(orderArb, viewArb, limitsArb, (a, v, l) => {
        const o = order({
          side: a.side,
          type: a.type,
          amount: a.lots / 1000,
          price: a.type === 'limit' ? a.ticks / 100 : null,
          position: a.positionLots / 1000,
          avgPrice: 100,
          freeCapital: a.freeCapital,
        })
        const rv = view(v)
        const lim = limits(l)
        if (preTradeCheck(o, rv, lim) !== null) return
        const kind = kindOf(o.position, o.side, o.amount)
        const state = strictest(strictest(rv.strategyState, rv.symbolState), rv.globalState)
        expect(allows(state, kind)).toBe(true)
        expect(state === 'HALTED').toBe(false)
        if (state === 'REDUCING') expect(kind).toBe('reduce')
        const price = o.price ?? rv.lastPrice
        expect(o.amount * price).toBeGreaterThanOrEqual(market.minNotional)
        expect(rv.openOrders).toBeLessThan(lim.maxOpenOrders)
        if (o.price !== null) expect(Math.abs(o.price - rv.lastPrice) / rv.lastPrice).toBeLessThanOrEqual(lim.priceBandBps / 1e4 + 1e-12)
        if (kind === 'entry') {
          const after = o.position + (o.side === 'buy' ? o.amount : -o.amount)
          expect(rv.volatilityPaused).toBe(false)
          expect(o.amount * price).toBeLessThanOrEqual(lim.maxOrderNotional)
          expect(Math.abs(after) * price).toBeLessThanOrEqual(lim.maxStrategyPosition + 1e-9)
          expect(rv.grossExposure + (Math.abs(after) - Math.abs(o.position)) * price).toBeLessThanOrEqual(lim.maxGrossExposure + 1e-9)
        }
      }),
      { numRuns: 5_000, seed: 42 },
    )
  })

  it('always lets cancels through, in every state', () => {
    fc.assert(fc.property(stateArb, (s) => allows(s, 'cancel')))
  })

  it('never blocks a reducing order on exposure limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 100 }), viewArb, limitsArb, (posLots, pct, v, l) => {
        const position = posLots / 1000
        const amount = Math.max(0.001, Math.floor(((position * pct) / 100) * 1000) / 1000)
        const r = preTradeCheck(
          order({ side: 'sell', amount, position, avgPrice: 100, freeCapital: 0 }),
          view({ ...v, strategyState: 'ACTIVE', symbolState: 'REDUCING', globalState: 'ACTIVE', openOrders: 0 }),
          limits({ ...l, maxOpenOrders: 100, priceBandBps: 1e6 }),
        )
        expect([null, 'min_notional']).toContain(r)
      }),
      { numRuns: 2_000, seed: 7 },
    )
  })
})

describe('RiskManager without a reference price', () => {
  const subject = { index: 0, id: 's0', symbol: 'BTC/USDT', state: INITIAL_ACTOR_STATE }
  const o = { side: 'buy' as const, type: 'market' as const, amount: 1, price: null }

  it('denies with no_price (and takes no rate token) until a trade or a quote gives it one', () => {
    const risk = new RiskManager(limits({ globalOrdersPerSec: 1, globalOrderBurst: 1 }), [market], 0)
    expect(risk.check(subject, o, 0, 0)).toBe('no_price')
    expect(risk.check(subject, o, 0, 0)).toBe('no_price')
    expect(risk.deniedByReason).toEqual({ no_price: 2 })
    risk.onQuote('BTC/USDT', 100)
    // The one token of the global bucket is still there: the denials spent none.
    expect(risk.check(subject, o, 0, 0)).toBeNull()
    expect(risk.check(subject, o, 0, 0)).toBe('rate_limit_global')
  })

  it('denies a symbol it has no market for', () => {
    const risk = new RiskManager(limits(), [market], 0)
    expect(risk.check({ ...subject, symbol: 'DOGE/USDT' }, o, 0, 0)).toBe('unknown_symbol')
  })
})

describe('RiskManager order rates', () => {
  const o = { side: 'buy' as const, type: 'market' as const, amount: 1, price: null }
  const subject = (index: number) => ({ index, id: `s${index}`, symbol: 'BTC/USDT', state: INITIAL_ACTOR_STATE })

  it("each strategy has its own bucket: a burst, then one order per 1/rate seconds; one strategy's orders never spend another's", () => {
    const risk = new RiskManager(limits({ strategyOrdersPerSec: 2, strategyOrderBurst: 2 }), [market], 0)
    risk.onTrade('BTC/USDT', 100, 0)
    const a = subject(0)
    const b = subject(70_000)
    expect([risk.check(a, o, 0, 0), risk.check(a, o, 0, 0), risk.check(a, o, 0, 0)]).toEqual([null, null, 'rate_limit_strategy'])
    // A strategy far along the index range starts with its own full bucket.
    expect([risk.check(b, o, 100, 0), risk.check(b, o, 100, 0), risk.check(b, o, 100, 0)]).toEqual([null, null, 'rate_limit_strategy'])
    // 2 per second: one token back after 500 ms, not before.
    expect(risk.check(a, o, 499, 0)).toBe('rate_limit_strategy')
    expect(risk.check(a, o, 500, 0)).toBeNull()
    expect(risk.check(a, o, 500, 0)).toBe('rate_limit_strategy')
    // Saved up to the burst only, however long it waited.
    expect([risk.check(b, o, 60_000, 0), risk.check(b, o, 60_000, 0), risk.check(b, o, 60_000, 0)]).toEqual([null, null, 'rate_limit_strategy'])
    expect(risk.deniedByReason).toEqual({ rate_limit_strategy: 5 })
  })

  it("an order the account's rate refuses spends none of the strategy's tokens; a netting child skips the account's rate", () => {
    const risk = new RiskManager(limits({ strategyOrdersPerSec: 1, strategyOrderBurst: 1, globalOrdersPerSec: 1, globalOrderBurst: 1 }), [market], 0)
    risk.onTrade('BTC/USDT', 100, 0)
    expect(risk.check(subject(1), o, 0, 0)).toBeNull()
    expect(risk.check(subject(2), o, 0, 0)).toBe('rate_limit_global')
    // Strategy 2's token is still there: as a child (no account token needed) it passes, once.
    expect(risk.check(subject(2), o, 0, 0, true)).toBeNull()
    expect(risk.check(subject(2), o, 0, 0, true)).toBe('rate_limit_strategy')
  })
})
