import type { Subscriber, TeardownLogic } from 'rxjs'
import { onSubscribe } from '../../streams/on-subscribe.ts'
import type { Quote } from '../../src/domain/market.ts'
import type { OrderEvent } from '../../src/domain/order.ts'
import { roundTo } from '../../src/util/numbers.ts'
import { startOrder, type OrderEventObserver } from '../order-action.ts'
import { midOf, touchOf, type AlgoContext, type AlgoJob, type AlgoName, type ExecutionAlgo } from './algo.ts'
import { workOrder } from './working-order.ts'
import { adaptiveChase } from './adaptive-chase.ts'
import { FillTally } from './fill-tally.ts'

const mid = midOf
const touch = (job: AlgoJob, q: Quote) => touchOf(job.side, q)

/** A market order: takes liquidity at once. */
export const market: ExecutionAlgo = (ctx, job) => onSubscribe(startMarket, ctx, job)

function startMarket(out: Subscriber<OrderEvent>, ctx: AlgoContext, job: AlgoJob): TeardownLogic {
  const order = job.newOrder('market', job.amount, null)
  if (job.check(order) !== null) return out.complete()
  return startOrder(ctx.exec, order, new MarketFills(ctx, job, out))
}

/**
 * In front of a market order's subscriber: tallies its fills for the execution report made when it
 * ends. One object per order, written to by the order action directly (no inner subscription).
 */
class MarketFills extends FillTally implements OrderEventObserver {
  constructor(
    ctx: AlgoContext,
    job: AlgoJob,
    private readonly out: Subscriber<OrderEvent>,
  ) {
    super(ctx, job)
  }

  next(e: OrderEvent): void {
    if (e.fill !== null) this.addFill(e.fill)
    this.out.next(e)
  }

  error(err: unknown): void {
    this.out.error(err)
  }

  complete(): void {
    this.report('market', this.ctx.book?.(this.job.market.symbol) ?? this.job.arrival, 0)
    this.out.complete()
  }
}

/** One limit order at the touch (best bid to buy, best ask to sell), never re-priced; the fallback after maxWorkMs. */
export const limit: ExecutionAlgo = (ctx, job) => workOrder(ctx, job, { algo: 'limit', price: () => touch(job, job.arrival), reprice: () => false })

/**
 * Chase-limit (seed 002): a limit order at the touch, re-priced whenever the touch moves
 * `repriceTicks` away from it, until filled — or until `maxWorkMs` passes or the touch has run more
 * than `maxSlippageBps` against us since arrival (measured on our own side, so the spread does not
 * count), when the fallback takes over.
 */
export const chaseLimit: ExecutionAlgo = (ctx, job) => {
  const tick = job.market.tickSize
  const o = ctx.options
  const arrivalTouch = touch(job, job.arrival)
  const arrivalMid = mid(job.arrival)
  return workOrder(ctx, job, {
    algo: 'chase',
    price: (q) => touch(job, q),
    reprice: (current, q) => Math.abs(touch(job, q) - current) >= o.repriceTicks * tick - 1e-12,
    tooFar: (q) => ((job.side === 'buy' ? touch(job, q) - arrivalTouch : arrivalTouch - touch(job, q)) / arrivalMid) * 1e4 > o.maxSlippageBps,
  })
}

/** Pegged: hold `pegOffsetTicks` on the passive side of the best (or the mid), re-pegging as it moves, until filled or maxWorkMs. */
export const pegged: ExecutionAlgo = (ctx, job) => {
  const tick = job.market.tickSize
  const o = ctx.options
  const target = (q: Quote) => {
    const ref = o.pegTo === 'mid' ? mid(q) : touch(job, q)
    const p = job.side === 'buy' ? ref - o.pegOffsetTicks * tick : ref + o.pegOffsetTicks * tick
    // On the tick grid, rounded to the passive side.
    return roundTo(job.side === 'buy' ? Math.floor(p / tick + 1e-9) * tick : Math.ceil(p / tick - 1e-9) * tick, tick)
  }
  return workOrder(ctx, job, { algo: 'peg', price: target, reprice: (current, q) => Math.abs(target(q) - current) >= tick - 1e-12 })
}

export const ALGOS: Record<AlgoName, ExecutionAlgo> = { market, limit, chase: chaseLimit, adaptive: adaptiveChase, peg: pegged }

export type { AlgoContext }
