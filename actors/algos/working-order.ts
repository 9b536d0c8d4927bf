import type { Observable, Subscriber, Subscription } from 'rxjs'
import { onSubscribe } from '../../streams/on-subscribe.ts'
import type { Quote } from '../../src/domain/market.ts'
import type { Order, OrderEvent } from '../../src/domain/order.ts'
import { isFinal } from '../../src/domain/order.ts'
import { runOrder } from '../order-action.ts'
import type { AlgoContext, AlgoJob, AlgoName } from './algo.ts'
import { FillTally } from './fill-tally.ts'

export interface Pricing {
  readonly algo: AlgoName
  /** Our limit price for this book. */
  price(q: Quote): number
  /** Whether to replace an order resting at `current` given this book. */
  reprice(current: number, q: Quote): boolean
  /** Whether the book has moved so far against us that we stop working passively (then the fallback). */
  tooFar?(q: Quote): boolean
  /** Whether to stop resting and take the rest now, as a market order whatever the fallback (an algorithm's own decision). */
  take?(q: Quote, now: number): boolean
}

const EPS = 1e-9

/**
 * Works one order with limit orders, one live at a time: place at `price`, and when the book moves
 * (`reprice`) cancel it and — only once it is final — place the remainder at the new price. When
 * `maxWorkMs` passes or the book runs away (`tooFar`), the fallback sends the rest as a market order
 * or gives up; when the pricing decides to `take`, the rest goes at market. Every order passes the
 * risk gate. Completes when nothing is left to do.
 */
export function workOrder(ctx: AlgoContext, job: AlgoJob, pricing: Pricing): Observable<OrderEvent> {
  return onSubscribe(startWork, ctx, job, pricing)
}

const startWork = (out: Subscriber<OrderEvent>, ctx: AlgoContext, job: AlgoJob, pricing: Pricing) => new Work(ctx, job, pricing, out).start()

class Work {
  private remaining: number
  private live: Order | null = null
  private liveSub: Subscription | null = null
  private cancelling = false
  private fallingBack = false
  /** The rest goes at market whatever the fallback says. */
  private taking = false
  private done = false
  private quote: Quote
  private quoteSub: Subscription | null = null
  private timer: Subscription | null = null
  private amendments = -1
  private readonly tally: FillTally

  constructor(
    private readonly ctx: AlgoContext,
    private readonly job: AlgoJob,
    private readonly pricing: Pricing,
    private readonly out: Subscriber<OrderEvent>,
  ) {
    this.remaining = job.amount
    this.quote = job.arrival
    this.tally = new FillTally(ctx, job)
  }

  start(): () => void {
    // Work that would start once the engine is stopping (a latest intent let through as the lane
    // freed up) places nothing: shutdown has already cancelled what rests, and would not see it.
    if (this.ctx.stopping?.()) {
      this.finish()
      return () => this.stop()
    }
    this.quoteSub = this.ctx.quotes(this.job.market.symbol).subscribe((q) => this.onQuote(q))
    this.timer = this.ctx.scheduler.schedule(() => this.fallBack(), this.ctx.options.maxWorkMs)
    if (this.shouldTake(this.quote)) this.takeRest()
    else if (this.pricing.tooFar?.(this.quote)) this.fallBack()
    else this.place(this.pricing.price(this.quote))
    return () => this.stop()
  }

  private place(price: number): void {
    const order = this.job.newOrder('limit', this.remaining, price)
    this.amendments++
    this.send(order)
  }

  private send(order: Order): void {
    if (this.job.check(order) !== null) return this.finish()
    this.live = order
    this.cancelling = false
    this.liveSub = runOrder(this.ctx.exec, order).subscribe({
      next: (e) => this.onEvent(e),
      // The order's action failed (an unreadable venue report): so does this work, and its actor alone.
      error: (err) => this.fail(err),
      complete: () => this.onFinal(),
    })
  }

  private onEvent(e: OrderEvent): void {
    if (e.fill !== null) {
      this.remaining = Math.max(0, this.remaining - e.fill.amount)
      this.tally.addFill(e.fill)
    }
    this.live = isFinal(e.order.status) ? null : e.order
    this.out.next(e)
  }

  /** The live order is final: next step — done, the fallback, or the next price. */
  private onFinal(): void {
    this.live = null
    this.liveSub = null
    if (this.done) return
    if (this.remaining <= EPS * this.job.amount || this.ctx.stopping?.()) return this.finish()
    if (this.fallingBack) return this.marketRest()
    if (this.shouldTake(this.quote)) return this.takeRest()
    if (this.pricing.tooFar?.(this.quote)) return this.fallBack()
    this.place(this.pricing.price(this.quote))
  }

  private onQuote(q: Quote): void {
    this.quote = q
    if (this.done || this.cancelling || this.live === null || this.live.price === null) return
    if (this.shouldTake(q)) this.takeRest()
    else if (this.pricing.tooFar?.(q)) this.fallBack()
    else if (this.pricing.reprice(this.live.price, q)) this.cancelLive()
  }

  private shouldTake(q: Quote): boolean {
    return this.pricing.take?.(q, this.ctx.scheduler.now()) === true
  }

  /** The pricing decided to take: cancel what rests, then the rest at market. */
  private takeRest(): void {
    if (this.done || this.fallingBack) return
    this.taking = true
    this.fallBack()
  }

  private fallBack(): void {
    if (this.done || this.fallingBack) return
    this.fallingBack = true
    if (this.live !== null) this.cancelLive()
    else if (this.liveSub === null) this.marketRest()
  }

  private marketRest(): void {
    if ((this.ctx.options.fallback === 'cancel' && !this.taking) || this.remaining <= EPS * this.job.amount) return this.finish()
    this.fallingBack = true
    const order = this.job.newOrder('market', this.remaining, null)
    this.send(order)
  }

  /** Asks the venue to cancel the live order; its final state arrives through the order's own action. */
  private cancelLive(): void {
    const o = this.live
    if (o === null || this.cancelling) return
    this.cancelling = true
    const { exec } = this.ctx
    exec.orderUpdates.dispatch(o.id, { type: 'OrderCancelRequested', ts: this.ctx.scheduler.now() })
    exec.exchange.cancelOrder(o.id, o.symbol).subscribe({
      next: (r) => exec.orderUpdates.dispatch(o.id, r),
      // Already filled or gone: the venue's view of the order settles it.
      error: () =>
        exec.exchange.fetchOrder(o.id, o.symbol).subscribe({
          next: (r) => exec.orderUpdates.dispatch(o.id, r),
          error: () => {},
        }),
    })
  }

  private finish(): void {
    if (this.done) return
    this.done = true
    this.tally.report(this.pricing.algo, this.quote, Math.max(0, this.amendments))
    this.stop()
    this.out.complete()
  }

  private fail(err: unknown): void {
    if (this.done) return
    this.done = true
    this.liveSub = null
    this.stop()
    this.out.error(err)
  }

  private stop(): void {
    this.quoteSub?.unsubscribe()
    this.timer?.unsubscribe()
    this.liveSub?.unsubscribe()
  }
}
