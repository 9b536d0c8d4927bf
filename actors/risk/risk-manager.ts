import type { Logger } from 'pino'
import type { Market, Side } from '../../src/domain/market.ts'
import type { ActorState } from '../actor-state.ts'
import { DrawdownBreaker } from './circuit-breaker.ts'
import { validateLimits, type RiskLimits } from './limits.ts'
import { kindOf, onGrid, preTradeCheck, type DenyReason, type OrderCheck, type RiskView } from './pre-trade.ts'
import { StrategyBuckets } from './strategy-buckets.ts'
import { TokenBucket } from './token-bucket.ts'
import { strictest, type TradingState } from './trading-state.ts'
import { VolatilityGate } from './volatility-gate.ts'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
const EMPTY_VIEW: Omit<RiskView, 'market'> = {
  lastPrice: 0,
  strategyState: 'ACTIVE',
  symbolState: 'ACTIVE',
  globalState: 'ACTIVE',
  volatilityPaused: false,
  symbolNet: 0,
  grossExposure: 0,
  openOrders: 0,
}

/** A change of trading state: what tripped (or resumed), where, and the state it set. */
export interface RiskTrip {
  readonly ts: number
  /** 'global', 'symbol:BTC/USDT' or 'strategy:<id>'. */
  readonly scope: string
  readonly reason: string
  readonly state: TradingState
}

/** What the risk manager keeps of one symbol: all an order check reads of it, behind one look-up. */
interface SymbolRisk {
  readonly market: Market | undefined
  /** Last trade price (the mid before the first trade); NaN: none yet. */
  last: number
  /** What an operator set on the symbol (ACTIVE: nothing). */
  state: TradingState
  gate: VolatilityGate | null
  /** Net position of all strategies in the symbol. */
  net: number
}

/** What the risk manager needs to know of an actor. */
export interface RiskSubject {
  readonly index: number
  readonly id: string
  readonly symbol: string
  readonly state: ActorState
  /** Capital weight: multiplies the sub-ledger capital (1 without an allocator). */
  readonly scale?: number
}

/** One strategy's ledger figures, marked to market. */
export interface LedgerFigures {
  readonly capital: number
  readonly markPrice: number
  readonly equity: number
  readonly unrealizedPnl: number
  readonly freeCapital: number
  /** Highest equity seen at an evaluation, and how far below it equity is now (fraction). */
  readonly peakEquity: number
  readonly drawdown: number
}

/** The account across all strategies. */
export interface PortfolioFigures {
  readonly equity: number
  readonly peakEquity: number
  readonly drawdown: number
  readonly grossExposure: number
  readonly netBySymbol: Readonly<Record<string, number>>
  readonly realizedPnl: number
  readonly unrealizedPnl: number
  readonly fees: number
}

/**
 * The risk engine between decide and execute: pre-trade checks, order-rate limits, trading states
 * per strategy, symbol and globally, the drawdown circuit breaker, the volatility gate and the kill
 * switch. Denials are returned as reasons (the engine turns them into `OrderDenied` events), never
 * thrown. Time comes from the caller.
 */
export class RiskManager {
  /** The global state the breaker and the kill switch set; an operator's is kept apart (`operatorGlobal`). */
  private machine: TradingState = 'ACTIVE'
  private operatorGlobal: TradingState = 'ACTIVE'
  /** States an operator set per strategy (by actor index): a breaker's cool-down never lifts them. */
  private readonly operatorStrategy = new Map<number, TradingState>()
  private readonly strategyState = new Map<number, { state: TradingState; until: number; peak: number }>()
  private readonly buckets: StrategyBuckets | null
  private readonly globalBucket: TokenBucket
  private readonly breaker: DrawdownBreaker
  private readonly symbols = new Map<string, SymbolRisk>()
  private gross = 0
  private readonly facts: Mutable<OrderCheck> = { side: 'buy', type: 'market', amount: 0, price: null, position: 0, avgPrice: 0, freeCapital: 0 }
  private view: Mutable<RiskView> | null = null
  private killed = false
  /** Peak equity per strategy by actor index (NaN: none yet), updated at every evaluation: each sub-ledger's curve. */
  private peaks: Float64Array = new Float64Array(0)
  /** evaluate's numbering of symbols, and each actor's symbol slot + 1 by actor index (0: not yet known). */
  private readonly evalSymbols: string[] = []
  private readonly evalSlot = new Map<string, number>()
  private slotOf: Int32Array = new Int32Array(0)
  private portfolioNow: PortfolioFigures = { equity: 0, peakEquity: 0, drawdown: 0, grossExposure: 0, netBySymbol: {}, realizedPnl: 0, unrealizedPnl: 0, fees: 0 }
  readonly trips: RiskTrip[] = []
  readonly deniedByReason: Partial<Record<DenyReason, number>> = {}
  denied = 0
  readonly limits: RiskLimits

  constructor(
    limits: RiskLimits,
    markets: readonly Market[],
    now: number,
    private readonly log?: Logger,
  ) {
    this.limits = validateLimits(limits)
    for (const m of markets) this.symbols.set(m.symbol, { market: m, last: Number.NaN, state: 'ACTIVE', gate: null, net: 0 })
    this.buckets = Number.isFinite(this.limits.strategyOrdersPerSec) ? new StrategyBuckets(this.limits.strategyOrdersPerSec, this.limits.strategyOrderBurst) : null
    this.globalBucket = new TokenBucket(limits.globalOrdersPerSec, limits.globalOrderBurst, now)
    this.breaker = new DrawdownBreaker(limits.breaker)
  }

  /** Whether the breaker has a base: equity is meaningless without finite capital per strategy. */
  get breakerEnabled(): boolean {
    return Number.isFinite(this.limits.capitalPerStrategy)
  }

  /** The global trading state: the strictest of the breaker's / kill switch's and the operator's. */
  get globalState(): TradingState {
    return strictest(this.machine, this.operatorGlobal)
  }

  /** The state that applies to `a`: the strictest of its own (breaker or operator), its symbol's and the global one. */
  stateOf(a: RiskSubject | { readonly index: number; readonly symbol: string }): { strategy: TradingState; symbol: TradingState; global: TradingState } {
    return { strategy: this.strategyTradingState(a.index), symbol: this.symbolStateOf(a.symbol), global: this.globalState }
  }

  /** The stricter of the strategy's breaker and what the operator set for it. */
  private strategyTradingState(index: number): TradingState {
    const breaker = this.strategyState.get(index)?.state ?? 'ACTIVE'
    const operator = this.operatorStrategy.get(index)
    return operator === undefined ? breaker : strictest(breaker, operator)
  }

  ledger(a: RiskSubject): LedgerFigures {
    const s = a.state
    const capital = this.limits.capitalPerStrategy
    const markPrice = this.lastOf(a.symbol) ?? s.avgPrice
    const unrealizedPnl = s.position * (markPrice - s.avgPrice)
    const equity = capital + s.realizedPnl - s.fees + unrealizedPnl
    const peak = a.index < this.peaks.length ? this.peaks[a.index]! : Number.NaN
    const peakEquity = Number.isNaN(peak) ? equity : Math.max(peak, equity)
    return {
      capital,
      markPrice,
      equity,
      unrealizedPnl,
      freeCapital: capital * (a.scale ?? 1) + s.realizedPnl - s.fees - Math.abs(s.position) * s.avgPrice,
      peakEquity,
      drawdown: peakEquity > 0 && Number.isFinite(peakEquity) ? (peakEquity - equity) / peakEquity : 0,
    }
  }

  /** Quote left in `a`'s sub-ledger (as in `ledger`, without building the rest of it: this runs for every order). */
  private freeCapital(a: RiskSubject): number {
    const s = a.state
    return this.limits.capitalPerStrategy * (a.scale ?? 1) + s.realizedPnl - s.fees - Math.abs(s.position) * s.avgPrice
  }

  /** The account as of the last evaluation. */
  portfolio(): PortfolioFigures {
    return this.portfolioNow
  }

  /**
   * Checks one order of `a`; null to let it through (and spend a rate token), or why not. A netting
   * `child` never reaches the venue itself: it skips the venue minimum and the account's order rate,
   * which its block is checked against (`checkBlock`).
   */
  check(a: RiskSubject, o: { side: Side; type: 'market' | 'limit'; amount: number; price: number | null }, now: number, openOrders: number, child = false): DenyReason | null {
    const sym = this.symbols.get(a.symbol)
    const market = sym?.market
    // Never pass what cannot be checked: an order with no reference price could breach any limit.
    if (market === undefined) return this.deny('unknown_symbol')
    const lastPrice = sym!.last
    if (Number.isNaN(lastPrice)) return this.deny('no_price')
    // One order-facts and one view object for every check, refilled: preTradeCheck is pure and keeps
    // neither, and three fresh objects per order were ~300 bytes of each order's sweep allocation.
    const f = this.facts
    f.side = o.side
    f.type = o.type
    f.amount = o.amount
    f.price = o.price
    f.position = a.state.position
    f.avgPrice = a.state.avgPrice
    f.freeCapital = this.freeCapital(a)
    const v = (this.view ??= { ...EMPTY_VIEW, market })
    v.market = market
    v.lastPrice = lastPrice
    v.strategyState = this.strategyTradingState(a.index)
    v.symbolState = sym!.state
    v.globalState = this.globalState
    v.volatilityPaused = sym!.gate?.paused ?? false
    v.symbolNet = sym!.net
    v.grossExposure = this.gross
    v.openOrders = openOrders
    const reason = preTradeCheck(f, v, this.limits, child)
    if (reason !== null) return this.deny(reason)
    // Rate limits last, and both buckets must have a token before either is spent.
    const buckets = this.buckets
    if (buckets !== null && !buckets.peek(a.index, now)) return this.deny('rate_limit_strategy')
    if (!child && !this.globalBucket.take(now)) return this.deny('rate_limit_global')
    buckets?.take(a.index, now)
    return null
  }

  /**
   * The account-level check of a netting block's venue order: a known, priced symbol, not halted,
   * on the grid, at least the venue minimum, within the order notional and price band, and a token
   * of the account's order rate. Strategy limits were checked on each child.
   */
  checkBlock(symbol: string, o: { side: Side; type: 'market' | 'limit'; amount: number; price: number | null }, now: number): DenyReason | null {
    const sym = this.symbols.get(symbol)
    const m = sym?.market
    if (m === undefined) return this.deny('unknown_symbol')
    const last = sym!.last
    if (Number.isNaN(last)) return this.deny('no_price')
    const state = this.globalState === 'HALTED' || sym!.state === 'HALTED'
    if (state) return this.deny('halted')
    if (!(o.amount > 0) || !onGrid(o.amount, m.lotSize) || (o.price !== null && !onGrid(o.price, m.tickSize))) return this.deny('precision')
    const price = o.price ?? last
    const notional = o.amount * price
    if (notional < m.minNotional) return this.deny('min_notional')
    if (notional > this.limits.maxOrderNotional) return this.deny('max_order_notional')
    if (o.price !== null && Math.abs(o.price - last) / last > this.limits.priceBandBps / 1e4) return this.deny('price_band')
    if (!this.globalBucket.take(now)) return this.deny('rate_limit_global')
    return null
  }

  private deny(reason: DenyReason): DenyReason {
    this.denied++
    this.deniedByReason[reason] = (this.deniedByReason[reason] ?? 0) + 1
    return reason
  }

  /** A trade on the tape: last price and the symbol's volatility gate. */
  onTrade(symbol: string, price: number, now: number): void {
    const sym = this.symbolRisk(symbol)
    sym.last = price
    const g = (sym.gate ??= new VolatilityGate(this.limits.volGate))
    if (g.update(price)) {
      const state: TradingState = g.paused ? 'REDUCING' : 'ACTIVE'
      this.trip(now, `symbol:${symbol}`, g.paused ? `volatility ${g.ratio.toFixed(1)}x baseline > ${this.limits.volGate.k}x` : 'volatility back to normal', state)
    }
  }

  /** A quote before any trade: its mid is the reference price until the first trade prints. */
  onQuote(symbol: string, mid: number): void {
    const sym = this.symbolRisk(symbol)
    if (Number.isNaN(sym.last) && Number.isFinite(mid) && mid > 0) sym.last = mid
  }

  /** A position carried over at start-up. */
  onRestore(symbol: string, position: number): void {
    this.symbolRisk(symbol).net += position
  }

  /** One of our fills: keeps net per symbol and gross exposure current between evaluations. */
  onFill(symbol: string, side: Side, amount: number, price: number, positionBefore: number): void {
    const signed = side === 'buy' ? amount : -amount
    this.symbolRisk(symbol).net += signed
    this.gross += (Math.abs(positionBefore + signed) - Math.abs(positionBefore)) * price
  }

  /**
   * Periodic evaluation over all strategies: re-marks gross exposure, runs the global breaker on
   * portfolio equity and, when enabled, each strategy's breaker on its own equity; ends cool-downs.
   * Returns true when the global state changed.
   */
  evaluate(now: number, actors: readonly RiskSubject[]): boolean {
    let gross = 0
    let equity = 0
    let realized = 0
    let unrealized = 0
    let fees = 0
    const perStrategy = this.limits.breaker.perStrategy && this.breakerEnabled
    const capital = this.breakerEnabled ? this.limits.capitalPerStrategy : 0
    // This walks every strategy each second, so per actor it does no hashing: each actor's symbol
    // slot is remembered by actor index, marks and nets are arrays by slot, peaks by actor index.
    const marks = this.evalSymbols.map((sym) => this.lastOf(sym) ?? Number.NaN)
    let heldBySlot: Float64Array = new Float64Array(Math.max(64, this.evalSymbols.length))
    let peaks = this.peaks
    if (peaks.length < actors.length) peaks = this.growPeaks(actors.length)
    let slots = this.slotOf
    for (let k = 0; k < actors.length; k++) {
      const a = actors[k]!
      const s = a.state
      if (s.fills === 0) {
        equity += capital
        continue
      }
      const i = a.index
      if (i >= peaks.length) peaks = this.growPeaks(i + 1)
      if (i >= slots.length) slots = this.growSlots(i + 1)
      let slot = slots[i]! - 1
      // (The symbol check is a pointer comparison: it keeps another actor list with the same indexes right.)
      if (slot < 0 || this.evalSymbols[slot] !== a.symbol) {
        slot = this.symbolSlot(a.symbol)
        slots[i] = slot + 1
        if (slot >= marks.length) marks.push(this.lastOf(a.symbol) ?? Number.NaN)
      }
      if (slot >= heldBySlot.length) {
        const grown = new Float64Array(heldBySlot.length * 2)
        grown.set(heldBySlot)
        heldBySlot = grown
      }
      const mark = marks[slot]!
      const last = Number.isNaN(mark) ? s.avgPrice : mark
      const u = s.position * (last - s.avgPrice)
      gross += Math.abs(s.position) * last
      realized += s.realizedPnl
      unrealized += u
      fees += s.fees
      heldBySlot[slot] += s.position
      const eq = capital + s.realizedPnl - s.fees + u
      equity += eq
      const peak = peaks[i]!
      if (!(eq <= peak)) peaks[i] = eq
      if (perStrategy) this.strategyBreaker(a, eq, now)
    }
    const net: Record<string, number> = {}
    for (let slot = 0; slot < this.evalSymbols.length; slot++) if (heldBySlot[slot] !== 0) net[this.evalSymbols[slot]!] = heldBySlot[slot]!
    this.gross = gross
    const peakEquity = Math.max(this.portfolioNow.peakEquity, equity)
    this.portfolioNow = {
      equity,
      peakEquity,
      drawdown: peakEquity > 0 ? (peakEquity - equity) / peakEquity : 0,
      grossExposure: gross,
      netBySymbol: net,
      realizedPnl: realized,
      unrealizedPnl: unrealized,
      fees,
    }
    const before = this.globalState
    if (this.killed) {
      if (gross === 0 && this.machine !== 'HALTED') {
        this.machine = 'HALTED'
        this.trip(now, 'global', 'kill switch: flat', 'HALTED')
      }
      return before !== this.globalState
    }
    if (!this.breakerEnabled) return false
    const wasTripped = this.breaker.state !== 'ACTIVE'
    if (this.breaker.update(now, equity)) {
      this.machine = this.breaker.state
      this.trip(now, 'global', `drawdown ${(this.breaker.lastDrawdown * 100).toFixed(2)} % from peak within ${this.limits.breaker.windowMs / 1000} s`, this.machine)
    } else if (wasTripped && this.breaker.state === 'ACTIVE') {
      this.machine = 'ACTIVE'
      this.trip(now, 'global', 'breaker cool-down over', 'ACTIVE')
    }
    return before !== this.globalState
  }

  /** The evaluation's slot of `symbol` (symbols are numbered as evaluations first meet them). */
  private symbolSlot(symbol: string): number {
    let slot = this.evalSlot.get(symbol)
    if (slot === undefined) {
      slot = this.evalSymbols.length
      this.evalSymbols.push(symbol)
      this.evalSlot.set(symbol, slot)
    }
    return slot
  }

  private growSlots(n: number): Int32Array {
    const next = new Int32Array(Math.max(n, this.slotOf.length * 2))
    next.set(this.slotOf)
    this.slotOf = next
    return next
  }

  /** Room for peaks of actor indexes below `n` (new slots NaN: no peak yet). */
  private growPeaks(n: number): Float64Array {
    const next = new Float64Array(Math.max(n, this.peaks.length * 2)).fill(Number.NaN)
    next.set(this.peaks)
    this.peaks = next
    return next
  }

  private strategyBreaker(a: RiskSubject, equity: number, now: number): void {
    let s = this.strategyState.get(a.index)
    if (s === undefined) {
      if (a.state.fills === 0) return
      this.strategyState.set(a.index, (s = { state: 'ACTIVE', until: -Infinity, peak: equity }))
    }
    if (s.state !== 'ACTIVE') {
      if (now < s.until) return
      s.state = 'ACTIVE'
      s.peak = equity
      this.trip(now, `strategy:${a.id}`, 'breaker cool-down over', 'ACTIVE')
    }
    if (equity > s.peak) s.peak = equity
    const dd = s.peak > 0 ? (s.peak - equity) / s.peak : 0
    if (dd > this.limits.breaker.maxDrawdown) {
      s.state = this.limits.breaker.action
      s.until = now + this.limits.breaker.cooldownMs
      this.trip(now, `strategy:${a.id}`, `drawdown ${(dd * 100).toFixed(2)} % from peak`, s.state)
    }
  }

  /** The kill switch: no entries from now; once flat, everything halts. The engine flattens. */
  kill(now: number, reason: string): void {
    if (this.killed) return
    this.killed = true
    this.machine = 'REDUCING'
    this.trip(now, 'global', `kill switch: ${reason}`, 'REDUCING')
  }

  get isKilled(): boolean {
    return this.killed
  }

  /** Operator reset of one scope ('global', 'symbol:X', 'strategy:<id>' by actor index) or all. */
  reset(now: number, equity?: number): void {
    this.resetBreaker(now, equity)
    this.operatorGlobal = 'ACTIVE'
    this.operatorStrategy.clear()
    for (const sym of this.symbols.values()) sym.state = 'ACTIVE'
    this.strategyState.clear()
  }

  /** Operator reset of the account's breaker and the kill switch (not of states an operator set by hand). */
  resetBreaker(now: number, equity?: number): void {
    this.killed = false
    this.machine = 'ACTIVE'
    this.breaker.reset(now, equity ?? this.portfolioNow.equity)
    this.trip(now, 'global', 'operator reset', this.globalState)
  }

  /** Operator reset of one strategy's breaker (its cool-down ends now, its peak restarts from here). */
  resetStrategyBreaker(a: { readonly index: number; readonly id: string }, now: number): void {
    this.strategyState.delete(a.index)
    if (a.index < this.peaks.length) this.peaks[a.index] = Number.NaN
    this.trip(now, `strategy:${a.id}`, 'operator reset of its breaker', this.operatorStrategy.get(a.index) ?? 'ACTIVE')
  }

  /** Sets the global state by hand (an operator halting or reducing everything); the breaker's own state still applies on top. */
  setGlobalState(state: TradingState, now: number, reason: string): void {
    this.operatorGlobal = state
    this.trip(now, 'global', reason, this.globalState)
  }

  /** Sets one strategy's state by hand (by actor index); ACTIVE lifts only what an operator set. */
  setStrategyState(a: { readonly index: number; readonly id: string }, state: TradingState, now: number, reason: string): void {
    if (state === 'ACTIVE') this.operatorStrategy.delete(a.index)
    else this.operatorStrategy.set(a.index, state)
    this.trip(now, `strategy:${a.id}`, reason, state)
  }

  /** Symbols and strategies (by actor index) not ACTIVE now, for dashboards. */
  restricted(): { symbols: Record<string, TradingState>; strategies: Map<number, TradingState> } {
    const strategies = new Map<number, TradingState>()
    for (const [i, s] of this.strategyState) if (s.state !== 'ACTIVE') strategies.set(i, s.state)
    for (const [i, s] of this.operatorStrategy) strategies.set(i, strictest(strategies.get(i) ?? 'ACTIVE', s))
    const symbols: Record<string, TradingState> = {}
    for (const [symbol, sym] of this.symbols) if (sym.state !== 'ACTIVE') symbols[symbol] = sym.state
    return { symbols, strategies }
  }

  /** The state an operator set on `symbol` (ACTIVE when none). */
  symbolStateOf(symbol: string): TradingState {
    return this.symbols.get(symbol)?.state ?? 'ACTIVE'
  }

  /** The symbol's record, made on first sight (a symbol outside the markets has no market: its orders are refused). */
  private symbolRisk(symbol: string): SymbolRisk {
    let sym = this.symbols.get(symbol)
    if (sym === undefined) this.symbols.set(symbol, (sym = { market: undefined, last: Number.NaN, state: 'ACTIVE', gate: null, net: 0 }))
    return sym
  }

  /** Last price of `symbol`, if any was seen. */
  private lastOf(symbol: string): number | undefined {
    const last = this.symbols.get(symbol)?.last
    return last === undefined || Number.isNaN(last) ? undefined : last
  }

  /** Sets a symbol's state by hand (an operator pausing one market). */
  setSymbolState(symbol: string, state: TradingState, now: number, reason: string): void {
    this.symbolRisk(symbol).state = state
    this.trip(now, `symbol:${symbol}`, reason, state)
  }

  private trip(ts: number, scope: string, reason: string, state: TradingState): void {
    const t: RiskTrip = { ts, scope, reason, state }
    this.trips.push(t)
    if (state === 'ACTIVE') this.log?.warn(t, 'trading resumes')
    else this.log?.error(t, 'risk: trading restricted')
  }

  summary(): { denied: number; deniedByReason: Partial<Record<DenyReason, number>>; trips: RiskTrip[]; state: TradingState; portfolio: PortfolioFigures } {
    return { denied: this.denied, deniedByReason: { ...this.deniedByReason }, trips: [...this.trips], state: this.globalState, portfolio: this.portfolioNow }
  }

  /** Reduce or entry, for an order of `a` (for callers that need the classification). */
  static kind(a: RiskSubject, side: Side, amount: number) {
    return kindOf(a.state.position, side, amount)
  }
}
