import type { Observable, SchedulerLike } from 'rxjs'
import type { Market, Quote, Side } from '../../src/domain/market.ts'
import type { Order, OrderEvent, OrderType } from '../../src/domain/order.ts'
import type { OrderActionContext } from '../order-action.ts'

import type { AlgoName, ExecutionReport } from '../../src/domain/execution-report.ts'

export type { AlgoName, ExecutionReport } from '../../src/domain/execution-report.ts'
export const ALGO_NAMES: readonly AlgoName[] = ['market', 'limit', 'chase', 'peg']

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
}

export const DEFAULT_ALGO_OPTIONS: AlgoOptions = { repriceTicks: 1, maxWorkMs: 10_000, maxSlippageBps: 25, fallback: 'market', pegOffsetTicks: 0, pegTo: 'best' }

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
  readonly scheduler: SchedulerLike
  readonly options: AlgoOptions
  readonly onReport?: (r: ExecutionReport) => void
  /** True once the engine is shutting down: work in progress places no new order. */
  readonly stopping?: () => boolean
}

/** An execution algorithm: the whole working of one order, as one observable of order events. */
export type ExecutionAlgo = (ctx: AlgoContext, job: AlgoJob) => Observable<OrderEvent>
