import { Observable } from 'rxjs'
import type { Quote } from '../../src/domain/market.ts'
import type { OrderEvent } from '../../src/domain/order.ts'
import { roundTo } from '../../src/util/numbers.ts'
import { runOrder } from '../order-action.ts'
import { midOf, touchOf, type AlgoContext, type AlgoJob, type AlgoName, type ExecutionAlgo } from './algo.ts'
import { workOrder } from './working-order.ts'
import { adaptiveChase } from './adaptive-chase.ts'

const mid = midOf
const touch = (job: AlgoJob, q: Quote) => touchOf(job.side, q)

/** A market order: takes liquidity at once. */
export const market: ExecutionAlgo = (ctx, job) =>
  new Observable<OrderEvent>((out) => {
    const started = ctx.scheduler.now()
    const order = job.newOrder('market', job.amount, null)
    if (job.check(order) !== null) return out.complete()
    let filled = 0
    let cost = 0
    let fees = 0
    let last: number | null = null
    // Methods, not arrow properties: no defineProperty per order under tsx (see order-path's job).
    return runOrder(ctx.exec, order).subscribe({
      next(e) {
        if (e.fill !== null) {
          filled += e.fill.amount
          cost += e.fill.amount * e.fill.price
          fees += e.fill.fee
          last = e.fill.ts
        }
        out.next(e)
      },
      complete() {
        ctx.onReport?.({
          algo: 'market',
          strategyId: job.strategyId,
          symbol: job.market.symbol,
          ts: ctx.scheduler.now(),
          side: job.side,
          requested: job.amount,
          filled,
          arrivalMid: mid(job.arrival),
          endMid: mid(ctx.book?.(job.market.symbol) ?? job.arrival),
          avgPrice: filled > 0 ? cost / filled : null,
          makerAmount: 0,
          takerAmount: filled,
          fees,
          timeToFillMs: last === null ? null : last - started,
          amendments: 0,
        })
        out.complete()
      },
    })
  })

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
