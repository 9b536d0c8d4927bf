import type { Quote } from '../../src/domain/market.ts'
import type { Fill } from '../../src/domain/order.ts'
import { midOf, type AlgoContext, type AlgoJob, type AlgoName } from './algo.ts'

/**
 * What one piece of an algorithm's work has filled so far (across all its orders), and the execution
 * report it makes when the work ends. The market algorithm's per-order observer extends it (one
 * object per order); a worked limit order holds one.
 */
export class FillTally {
  filled = 0
  private cost = 0
  private maker = 0
  private taker = 0
  private fees = 0
  private lastFill: number | null = null
  private readonly started: number

  constructor(
    protected readonly ctx: AlgoContext,
    protected readonly job: AlgoJob,
  ) {
    this.started = ctx.scheduler.now()
  }

  addFill(f: Fill): void {
    this.filled += f.amount
    this.cost += f.amount * f.price
    this.fees += f.fee
    if (f.liquidity === 'maker') this.maker += f.amount
    else this.taker += f.amount
    this.lastFill = f.ts
  }

  /** Hands the work's execution report to the context (`endQuote`: the book when it ended). */
  report(algo: AlgoName, endQuote: Quote, amendments: number): void {
    const { ctx, job, filled } = this
    ctx.onReport?.({
      algo,
      strategyId: job.strategyId,
      symbol: job.market.symbol,
      ts: ctx.scheduler.now(),
      side: job.side,
      requested: job.amount,
      filled,
      arrivalMid: midOf(job.arrival),
      endMid: midOf(endQuote),
      avgPrice: filled > 0 ? this.cost / filled : null,
      makerAmount: this.maker,
      takerAmount: this.taker,
      fees: this.fees,
      timeToFillMs: this.lastFill === null ? null : this.lastFill - this.started,
      amendments,
    })
  }
}
