import type { Observable, SchedulerLike } from 'rxjs'
import type { Market, Quote, Side } from '../../src/domain/market.ts'
import type { Order, OrderEvent, OrderType } from '../../src/domain/order.ts'
import type { OrderActionContext } from '../order-action.ts'

import type { AlgoName, ExecutionReport } from '../../src/domain/execution-report.ts'

export type { AlgoName, ExecutionReport } from '../../src/domain/execution-report.ts'
export const ALGO_NAMES: readonly AlgoName[] = ['market', 'limit', 'chase', 'adaptive', 'peg']

export interface AlgoOptions {
  /** chase: re-price once the best has moved this many ticks from our price. */
  readonly repriceTicks: number
  /** limit / chase / peg: how long to work the order before the fallback. */
  readonly maxWorkMs: number
  /** chase: stop chasing once the far side is this far against us from the arrival mid (bps). */
  readonly maxSlippageBps: number
  /** When time or slippage runs out: send the rest as a market order, or cancel and give up. */
  readonly fallback: 'market' | 'cancel'
  /** peg: distance from the reference in ticks, on the passive side. */
  readonly pegOffsetTicks: number
  /** peg: hold the offset from the best bid/ask on our side, or from the mid. */
  readonly pegTo: 'best' | 'mid'
  /** adaptive: how far into the spread to rest, 0 = join our touch, 1 = one tick short of the far touch. */
  readonly insideShare?: number
  /** adaptive: take the rest once our touch has moved this far against us since arrival (bps). */
  readonly cutBps?: number
  /** adaptive: take when the symbol's recent drift against us, over this horizon, exceeds what resting saves (ms; 0 = off). */
  readonly trendHorizonMs?: number
  /** adaptive: … and the drift is this many standard errors from zero (noise is not a trend). */
  readonly trendZ?: number
  /** adaptive: take when the book leans this much to our side ((ours − far) / both, 0 … 1), i.e. the far touch is about to go. */
  readonly imbalanceTake?: number
  /** adaptive: take when the mid's volatility over one second is this many times what resting saves (0 = off). */
  readonly volTake?: number
  /** adaptive: re-price to follow the touch when it moves away (a chase); off, the order waits for the market to come back. */
  readonly followTouch?: boolean
}

export const DEFAULT_ALGO_OPTIONS: AlgoOptions = { repriceTicks: 1, maxWorkMs: 10_000, maxSlippageBps: 25, fallback: 'market', pegOffsetTicks: 0, pegTo: 'best' }

/** Mid price of a book. */
export const midOf = (q: Quote): number => (q.bid + q.ask) / 2
/** Our side's best price: the bid for a buyer, the ask for a seller. */
export const touchOf = (side: Side, q: Quote): number => (side === 'buy' ? q.bid : q.ask)
/** The other side's best price: what taking pays. */
export const farOf = (side: Side, q: Quote): number => (side === 'buy' ? q.ask : q.bid)

/** How a symbol's mid has been moving lately. */
export interface MidMotion {
  readonly driftBpsPerS: number
  /** Standard error of the drift estimate. */
  readonly driftErrBpsPerS: number
  readonly volBpsPerSqrtS: number
}

/** One piece of work for an algorithm: an actor wants `amount` more (or less) of `symbol`. */
export interface AlgoJob {
  readonly strategyId: string
  readonly side: Side
  readonly amount: number
  readonly market: Market
  /** The book when the intent arrived. */
  readonly arrival: Quote
  /** The actor's next order (deterministic client order id). */
  newOrder(type: OrderType, amount: number, price: number | null): Order
  /** The risk gate for one proposed order: null passes, else the reason it was refused (already recorded). */
  check(order: Order): string | null
}

export interface AlgoContext {
  readonly exec: OrderActionContext
  /** Top of book of a symbol, hot. */
  readonly quotes: (symbol: string) => Observable<Quote>
  /** The latest top of book of a symbol, if any (the mid at the end of a work values its unfilled rest). */
  readonly book?: (symbol: string) => Quote | undefined
  /** The symbol's recent mid drift (bps per second, positive = rising) and volatility (bps per √second), if known. */
  readonly trend?: (symbol: string) => MidMotion | undefined
  readonly scheduler: SchedulerLike
  readonly options: AlgoOptions
  readonly onReport?: (r: ExecutionReport) => void
  /** True once the engine is shutting down: work in progress places no new order. */
  readonly stopping?: () => boolean
}

/** An execution algorithm: the whole working of one order, as one observable of order events. */
export type ExecutionAlgo = (ctx: AlgoContext, job: AlgoJob) => Observable<OrderEvent>
