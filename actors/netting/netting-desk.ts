import { Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs'
import { onSubscribe } from '../../streams/on-subscribe.ts'
import type { Logger } from 'pino'
import type { Market, Quote, Side } from '../../src/domain/market.ts'
import type { BlockState, DeskEvent } from '../../src/domain/netting.ts'
import type { Order, OrderEvent } from '../../src/domain/order.ts'
import type { AlgoContext, AlgoJob, AlgoName } from '../algos/algo.ts'
import { ALGOS } from '../algos/algos.ts'
import { runOrder, type OrderActionContext } from '../order-action.ts'
import type { OrderFactory } from '../order-factory.ts'
import type { StrategyActor } from '../strategy-actor.ts'
import { allocateLots, lotsIn } from './allocate.ts'
import { ChildOrder, type ChildOrderMaker, type ChildRequest } from './child-order.ts'

/** The strategy id of the desk's own (block) orders and of the house ledger. */
export const HOUSE = '_house'

export interface NettingOptions {
  /** Children of one symbol arriving within this window net together; 0 = those of the same sweep or tick. */
  readonly windowMs: number
  /** A net below the venue's minimum notional waits for more children up to this long; then its children end unfilled. */
  readonly holdMs: number
  /** Fee rate both sides of an internal cross pay (default 0). */
  readonly internalFeeRate: number
}

export const DEFAULT_NETTING: NettingOptions = { windowMs: 0, holdMs: 5_000, internalFeeRate: 0 }

export interface DeskContext {
  readonly markets: ReadonlyMap<string, Market>
  readonly lastPrice: (symbol: string) => number | undefined
  readonly lastQuote: (symbol: string) => Quote | undefined
  readonly factory: OrderFactory
  readonly scheduler: SchedulerLike
  readonly exec: OrderActionContext
  /** Work blocks with this algorithm; null: one market order per block. */
  readonly algo: { readonly name: AlgoName; readonly ctx: AlgoContext } | null
  /** The account-level risk gate for a block's venue order: null passes, otherwise why not. */
  readonly checkBlock: (order: Order) => string | null
  /** Block states and house remainders, to the store (through the engine's sink). */
  readonly record: (e: DeskEvent) => void
  readonly onSkip?: (order: Order, reason: string) => void
  /** A block's first venue order went out; `intentAt` is when its earliest child's input was dispatched (engine clock). */
  readonly onBlockSent?: (intentAt: number) => void
  /** A flush took `ms` on `clock` (nets, blocks sent, the children's records, crosses: the bookkeeping after a sweep). */
  readonly onFlushed?: (ms: number) => void
  readonly clock?: () => number
  readonly log?: Logger
}

/** Counters for the summary. */
export interface NettingCounts {
  blocks: number
  venueOrders: number
  childOrders: number
  allocations: number
  crosses: number
  readonly crossedAmount: Record<string, number>
  readonly house: Record<string, number>
  /** Venue orders sent per flush that had children (the last 1,000 flushes). */
  readonly venueOrdersPerFlush: number[]
}

interface SymbolBook extends ChildOrderMaker {
  readonly market: Market
  readonly index: number
  pool: ChildOrder[]
  /** Since when the pool's net has been below the venue minimum. */
  heldSince: number | null
  blockSeq: number
  crossSeq: number
}

const EPS = 1e-9

/** One symbol's window once its block went out: what `finish` still does with it. */
interface Netted {
  readonly book: SymbolBook
  readonly pool: ChildOrder[]
  readonly buys: ChildOrder[]
  readonly buyCrossed: number[]
  readonly sells: ChildOrder[]
  readonly sellCrossed: number[]
  /** Lots crossed internally (each side gets this many in all). */
  readonly crossed: number
  readonly price: number
  readonly now: number
  /** The children the block nets (or that wait, when `hold` is set). */
  readonly rest: ChildOrder[]
  /** Why the net waits (below the venue minimum), or null. */
  readonly hold: string | null
  /** The block sent for the net, if one was. */
  readonly block: Block | null
}

/**
 * The netting desk: children of many strategies, per symbol, over a window — crossed against each
 * other at the mid (last trade without a book), the net sent as one block order worked by the
 * configured algorithm, and the block's venue fills allocated back to its children pro rata in
 * whole lots (largest remainder, ties by actor index) as they arrive. What no child can take whole
 * goes to the house ledger when the block ends. Every child stays its actor's one in-flight action.
 */
export class NettingDesk {
  private readonly books = new Map<string, SymbolBook>()
  private readonly dirty = new Set<SymbolBook>()
  private flushing: Subscription | null = null
  /** Children not yet recorded as submitted: a sweep's children are recorded after its blocks have gone. */
  private unsubmitted: ChildOrder[] = []
  private submitting: Subscription | null = null
  private readonly blocks = new Set<Block>()
  private venueOrdersThisFlush = 0
  private stopping = false
  /**
   * While a flush is between sending its blocks and handing out its windows' crosses: blocks that
   * end meanwhile (refused at once by the account's risk check, or a venue that answers in the same
   * call) wait here, so that no child is ended before it has its share of the cross.
   */
  private endsAfterFlush: [Block, string | null][] | null = null
  readonly counts: NettingCounts = { blocks: 0, venueOrders: 0, childOrders: 0, allocations: 0, crosses: 0, crossedAmount: {}, house: {}, venueOrdersPerFlush: [] }

  constructor(
    readonly ctx: DeskContext,
    readonly options: NettingOptions = DEFAULT_NETTING,
  ) {
    let i = 0
    for (const m of ctx.markets.values()) this.books.set(m.symbol, { market: m, factory: ctx.factory, index: i++, pool: [], heldSince: null, blockSeq: 0, crossSeq: 0 })
  }

  /**
   * `actor`'s market order as a child: the action that ends when the child is final. Given its side
   * and amount, the order is built (next client order id, now) once the blocks of its window are out,
   * for the symbol of the actor's intent.
   */
  child(actor: StrategyActor, request: ChildRequest): Observable<OrderEvent> {
    return onSubscribe(startChild, this, actor, request)
  }

  /** @internal A subscribed child joins its symbol's pool for the next flush. */
  _pool(out: Subscriber<OrderEvent>, actor: StrategyActor, request: ChildRequest): ChildOrder {
    const symbol = 'id' in request ? request.symbol : (actor.intent?.symbol ?? actor.symbol)
    const book = this.books.get(symbol)
    const now = this.ctx.scheduler.now()
    const c = new ChildOrder(actor, request, symbol, now, book ?? null, out, this.ctx.onSkip)
    this.counts.childOrders++
    if (book === undefined) {
      c.end(`netting: unknown symbol ${symbol}`, now)
      return c
    }
    book.pool.push(c)
    this.unsubmitted.push(c)
    this.dirty.add(book)
    this.flushing ??= this.ctx.scheduler.schedule(this.flushNow, this.options.windowMs)
    // A window that outlasts the sweep: its children are recorded right after the sweep, not at its end.
    if (this.options.windowMs > 0) this.submitting ??= this.ctx.scheduler.schedule(this.submitNow, 0)
    return c
  }

  private readonly flushNow = (): void => this.flush()
  private readonly submitNow = (): void => this.submitAll()

  /** Children handed over but not yet recorded as submitted (they count as orders in flight). */
  get awaitingSubmission(): number {
    return this.unsubmitted.length
  }

  /** Records every child handed over since the last time as submitted. */
  private submitAll(): void {
    this.submitting?.unsubscribe()
    this.submitting = null
    const children = this.unsubmitted
    if (children.length === 0) return
    this.unsubmitted = []
    for (const c of children) c.submit()
  }

  /** Blocks being worked now. */
  get activeBlocks(): number {
    return this.blocks.size
  }

  /** Nets every symbol with children waiting. */
  flush(): void {
    const t0 = this.ctx.clock?.() ?? 0
    this.flushing = null
    this.venueOrdersThisFlush = 0
    const books = [...this.dirty]
    this.dirty.clear()
    // Every symbol's block goes out before the children are recorded as submitted and before any
    // window's cross is handed out (tens of thousands of events at 100k strategies).
    const netted: Netted[] = []
    const ends: [Block, string | null][] = (this.endsAfterFlush = [])
    try {
      for (const book of books) {
        const n = this.net(book)
        if (n !== null) netted.push(n)
      }
      this.submitAll()
      // A block's row after its children's: whatever part of the store's queue a crash keeps, a
      // stored block's children are stored too (reconciliation allocates to them).
      for (const n of netted) n.block?.recordOpen()
      for (const n of netted) this.finish(n)
    } finally {
      this.endsAfterFlush = null
    }
    for (const [block, failure] of ends) block.close(failure)
    if (this.ctx.onFlushed !== undefined && this.ctx.clock !== undefined) this.ctx.onFlushed(this.ctx.clock() - t0)
    const per = this.counts.venueOrdersPerFlush
    per.push(this.venueOrdersThisFlush)
    if (per.length > 1_000) per.splice(0, per.length - 1_000)
    // Held children come back for another look (more may arrive; the hold bound runs out).
    if (this.stopping) return
    for (const book of books) if (book.pool.length > 0) this.dirty.add(book)
    if (this.dirty.size > 0) this.flushing = this.ctx.scheduler.schedule(() => this.flush(), Math.max(this.options.windowMs, 250))
  }

  /**
   * Shutdown: children handed over are actions in flight, so they are netted now and their blocks
   * sent, as a strategy's own order already sent would complete; only a net still below the venue
   * minimum ends at once instead of being held. Then blocks' resting venue orders are cancelled
   * (their answers end the blocks).
   */
  shutdown(why: string): void {
    this.flushing?.unsubscribe()
    this.flushing = null
    this.stopping = true
    this.flush()
    this.cancelResting(why)
  }

  /** Asks the venue to cancel every block's resting order (a risk trip, the kill switch, shutdown). */
  cancelResting(why: string): void {
    for (const b of this.blocks) b.cancelResting(why)
  }

  /** Plans `book`'s cross and sends its net as a block; what is left to do once every block is out comes back. */
  private net(book: SymbolBook): Netted | null {
    const now = this.ctx.scheduler.now()
    const pool = book.pool.filter((c) => !c.dead && !c.final)
    book.pool = []
    if (pool.length === 0) return null
    const m = book.market
    const q = this.ctx.lastQuote(m.symbol)
    const price = q !== undefined ? (q.bid + q.ask) / 2 : this.ctx.lastPrice(m.symbol)
    if (price === undefined || !(price > 0)) {
      this.hold(book, pool, now, 'no price to net at')
      return null
    }
    const lot = m.lotSize
    const buys = pool.filter((c) => c.side === 'buy')
    const sells = pool.filter((c) => c.side === 'sell')
    const buyLots = buys.map((c) => c.remainingLots(lot))
    const sellLots = sells.map((c) => c.remainingLots(lot))
    const b = sum(buyLots)
    const s = sum(sellLots)
    const crossed = Math.min(b, s)
    // The cross is decided here and applied in `finish`, after the blocks have gone.
    const buyCrossed = allocateLots(
      crossed,
      buyLots,
      buys.map((c) => c.actor.index),
    )
    const sellCrossed = allocateLots(
      crossed,
      sellLots,
      sells.map((c) => c.actor.index),
    )
    const netSide: Side = b > s ? 'buy' : 'sell'
    const netLots = Math.abs(b - s)
    const [side, lots, got] = netSide === 'buy' ? [buys, buyLots, buyCrossed] : [sells, sellLots, sellCrossed]
    // What each child of the net side still wants once the cross is applied: its share of the block.
    const rest: ChildOrder[] = []
    for (let i = 0; i < side.length; i++) {
      const left = lots[i]! - got[i]!
      if (left > 0) {
        side[i]!.wantLots = left
        rest.push(side[i]!)
      }
    }
    let hold: string | null = null
    let block: Block | null = null
    if (netLots === 0 || rest.length === 0) book.heldSince = null
    else if (netLots * lot * price < m.minNotional) hold = `net ${+(netLots * lot).toFixed(12)} ${m.base} below the venue minimum notional ${m.minNotional}`
    else {
      book.heldSince = null
      block = this.sendBlock(book, netSide, rest, netLots, q, price, now)
    }
    return { book, pool, buys, buyCrossed, sells, sellCrossed, crossed, price, now, rest, hold, block }
  }

  /** The rest of a window after the blocks went: its cross handed out, leftovers ended, a net under the minimum held. */
  private finish(n: Netted): void {
    if (n.crossed > 0) this.cross(n.book, n.buys, n.buyCrossed, n.sells, n.sellCrossed, n.crossed, n.price, n.now)
    const netted = new Set(n.rest)
    for (const c of n.pool) {
      // The other side was crossed whole; dust under a lot (never the case for lot-grid children) cannot go anywhere: it ends.
      if (!c.final && !netted.has(c)) c.end('netting: less than one lot left', n.now)
    }
    if (n.hold !== null) this.hold(n.book, n.rest, n.now, n.hold)
  }

  private hold(book: SymbolBook, children: ChildOrder[], now: number, why: string): void {
    book.heldSince ??= now
    if (this.stopping || now - book.heldSince >= this.options.holdMs) {
      for (const c of children) c.end(this.stopping ? `netting: ${why} at shutdown` : `netting: ${why} for ${this.options.holdMs} ms`, now)
      book.heldSince = null
      return
    }
    // Children may have arrived meanwhile (an actor whose child just ended acts again at once).
    book.pool = book.pool.length === 0 ? children : book.pool.concat(children)
  }

  /** Crosses `crossed` lots internally at `price`: each child gets the lots planned for it (the smaller side whole, the larger side pro rata). */
  private cross(book: SymbolBook, buys: ChildOrder[], buyGot: number[], sells: ChildOrder[], sellGot: number[], crossed: number, price: number, now: number): void {
    const m = book.market
    const crossId = this.ctx.factory.crossId(book.index, ++book.crossSeq)
    const fee = this.options.internalFeeRate
    const give = (children: ChildOrder[], got: number[]) => {
      for (let i = 0; i < children.length; i++) {
        const n = got[i]!
        if (n === 0) continue
        const c = children[i]!
        const amount = n * m.lotSize
        c.fill(`${crossId}/${c.actor.index.toString(36)}`, amount, price, amount * price * fee, now, 'internal', null, crossId)
        this.counts.allocations++
      }
    }
    give(buys, buyGot)
    give(sells, sellGot)
    this.counts.crosses++
    this.counts.crossedAmount[m.symbol] = (this.counts.crossedAmount[m.symbol] ?? 0) + crossed * m.lotSize
  }

  /** Sends the net as a block of `children` (each with its `wantLots` set). */
  private sendBlock(book: SymbolBook, side: Side, children: ChildOrder[], netLots: number, quote: Quote | undefined, price: number, now: number): Block {
    const id = this.ctx.factory.blockId(book.index, ++book.blockSeq)
    const block = new Block(this, id, book.market, side, netLots, children, now)
    this.blocks.add(block)
    this.counts.blocks++
    block.start(quote ?? { kind: 'quote', symbol: book.market.symbol, bid: price, ask: price, bidSize: 0, askSize: 0, ts: now })
    return block
  }

  /** @internal a block's venue order went out (`first`: the block's first) */
  _venueOrder(b: Block, first: boolean): void {
    this.counts.venueOrders++
    this.venueOrdersThisFlush++
    if (first && this.ctx.onBlockSent !== undefined) this.ctx.onBlockSent(b.intentAt)
  }

  /** @internal A block's work ended: it closes now, or once the flush under way has handed out its crosses. */
  _blockEnded(b: Block, failure: string | null): void {
    if (this.endsAfterFlush !== null) this.endsAfterFlush.push([b, failure])
    else b.close(failure)
  }

  /** @internal */
  _ended(b: Block): void {
    this.blocks.delete(b)
  }
}

/** One block: the net of a window's children of one symbol, its venue work and the allocation of its fills. */
class Block {
  private filled = 0
  private cost = 0
  private fees = 0
  private allocatedLots = 0
  private allocatedFees = 0
  private orders = 0
  private current: Order | null = null
  private denial: string | null = null
  private status: BlockState['status'] = 'open'
  private closedAt: number | null = null
  private reason: string | null = null
  private accepted = false
  private settling = false
  private ended = false
  /** Venue fills not yet allocated. */
  private readonly burst = { amount: 0, cost: 0, fee: 0, tradeId: '', ts: 0 }

  constructor(
    private readonly desk: NettingDesk,
    readonly id: string,
    private readonly market: Market,
    private readonly side: Side,
    private readonly lots: number,
    private readonly children: ChildOrder[],
    private readonly createdAt: number,
  ) {
    // What the block nets, fixed at its start (its children's orders are built after it is sent).
    this.wants = children.map((c) => c.wantLots)
    let at = Number.POSITIVE_INFINITY
    for (const c of children) if (c.intentAt < at) at = c.intentAt
    this.intentAt = at
  }

  /** When the earliest input behind the block's children was dispatched (engine clock). */
  readonly intentAt: number

  private readonly wants: number[]
  /** What the block nets, recorded with every state of the block: made at its first record. */
  private netted: BlockState['children'] | null = null

  private get amount(): number {
    return this.lots * this.market.lotSize
  }

  /** Starts the block's venue work. Its first row is written by `recordOpen`, once its children have been recorded. */
  start(arrival: Quote): void {
    const { ctx } = this.desk
    const job: AlgoJob = {
      strategyId: HOUSE,
      side: this.side,
      amount: this.amount,
      market: this.market,
      arrival,
      newOrder: (type, amount, price) => this.newOrder(type, amount, price),
      check: (order) => {
        const why = ctx.checkBlock(order)
        if (why !== null) this.denial = `risk: ${why}`
        return why
      },
    }
    const work: Observable<OrderEvent> =
      ctx.algo === null
        ? new Observable<OrderEvent>((out) => {
            const order = job.newOrder('market', job.amount, null)
            if (job.check(order) !== null) return out.complete()
            return runOrder(ctx.exec, order).subscribe(out)
          })
        : ALGOS[ctx.algo.name](ctx.algo.ctx, job)
    work.subscribe({
      next: (e) => this.onVenueEvent(e),
      error: (err) => this.desk._blockEnded(this, `block failed: ${err instanceof Error ? err.message : String(err)}`),
      complete: () => this.desk._blockEnded(this, null),
    })
  }

  private newOrder(type: Order['type'], amount: number, price: number | null): Order {
    const { ctx } = this.desk
    const k = this.orders++
    const o = ctx.factory.order({ index: -1, id: HOUSE }, 0, this.market.symbol, this.side, type, amount, price, this.market, ctx.scheduler.now())
    // Deterministic per block: its first order carries the block's id, an algorithm's later ones `.<k>`.
    return { ...o, id: k === 0 ? this.id : `${this.id}.${k}` }
  }

  private onVenueEvent(e: OrderEvent): void {
    if (e.type === 'OrderSubmitted') {
      this.desk._venueOrder(this, this.current === null)
      this.current = e.order
      return
    }
    this.current = e.order
    if (e.type === 'OrderRejected') this.reason = e.reason
    if (e.type === 'OrderAccepted') this.accepted = true
    if (e.fill === null) return
    // One venue answer carries every trade it made: they are allocated together, once the answer is
    // through (a burst of trades becomes one fill per child, not one per trade).
    const f = e.fill
    this.filled += f.amount
    this.cost += f.amount * f.price
    this.fees += f.fee
    this.burst.amount += f.amount
    this.burst.cost += f.amount * f.price
    this.burst.fee += f.fee
    this.burst.tradeId = f.tradeId
    this.burst.ts = f.ts
    if (!this.settling) {
      this.settling = true
      this.desk.ctx.scheduler.schedule(() => this.settle(), 0)
    }
  }

  /** Allocates what the venue filled since the last time, in whole lots; accepts the children of a block the venue took. */
  private settle(): void {
    if (!this.settling && this.burst.amount === 0) return
    this.settling = false
    const now = this.desk.ctx.scheduler.now()
    const b = this.burst
    const lot = this.market.lotSize
    const wholeLots = Math.min(this.lots, lotsIn(this.filled, lot))
    const increment = wholeLots - this.allocatedLots
    if (increment > 0 && b.amount > 0) {
      const live = this.children.filter((c) => !c.final && c.wantLots > 0)
      const got = allocateLots(
        increment,
        live.map((c) => c.wantLots),
        live.map((c) => c.actor.index),
      )
      const price = b.cost / b.amount
      const feePerUnit = b.fee / b.amount
      for (let i = 0; i < live.length; i++) {
        const n = got[i]!
        if (n === 0) continue
        const c = live[i]!
        const amount = n * lot
        const fee = feePerUnit * amount
        c.wantLots -= n
        c.fill(`${b.tradeId}/${c.actor.index.toString(36)}`, amount, price, fee, b.ts, 'venue', this.id, null)
        this.allocatedFees += fee
        this.desk.counts.allocations++
      }
      this.allocatedLots = wholeLots
    }
    // The venue has the block: children still without a fill are accepted as part of it.
    if (this.accepted || this.filled > 0) for (const c of this.children) c.accept(this.id, now)
    b.amount = b.cost = b.fee = 0
    if (!this.ended) this.record()
  }

  cancelResting(why: string): void {
    const o = this.current
    if (o === null || o.type !== 'limit' || o.status === 'pending_cancel' || o.status === 'filled' || o.status === 'canceled') return
    const { exec } = this.desk.ctx
    exec.exchange.cancelOrder(o.id, o.symbol).subscribe({
      next: (r) => exec.orderUpdates.dispatch(o.id, r),
      error: () => this.desk.ctx.log?.debug({ blockId: this.id, why }, 'block order already final'),
    })
  }

  /** Allocates what is left, gives the house the lot remainder, records the block's end and ends its children. */
  close(failure: string | null): void {
    this.ended = true
    this.settle()
    const { ctx } = this.desk
    const now = ctx.scheduler.now()
    const lot = this.market.lotSize
    const done = this.allocatedLots >= this.lots
    this.status = done ? 'filled' : this.filled > EPS ? 'canceled' : 'rejected'
    this.reason = failure ?? this.denial ?? this.reason ?? (done ? null : 'block ended short')
    this.closedAt = now
    // What the venue filled beyond the whole lots given to children: the house's.
    const rest = this.filled - this.allocatedLots * lot
    if (rest > EPS) {
      const avg = this.cost / this.filled
      ctx.record({
        type: 'HouseAllocated',
        ts: now,
        house: { blockId: this.id, symbol: this.market.symbol, side: this.side, amount: rest, price: avg, fee: Math.max(0, this.fees - this.allocatedFees), ts: now },
      })
      const h = this.desk.counts.house
      h[this.market.symbol] = (h[this.market.symbol] ?? 0) + (this.side === 'buy' ? rest : -rest)
    }
    this.record()
    for (const c of this.children) c.end(`block ${this.id} ${this.status}${this.reason ? `: ${this.reason}` : ''}`, now)
    this.desk._ended(this)
  }

  /** The block's first row (open, its children and wants). */
  recordOpen(): void {
    if (!this.ended) this.record()
  }

  private record(): void {
    const ts = this.desk.ctx.scheduler.now()
    this.desk.ctx.record({
      type: 'BlockUpdated',
      ts,
      block: {
        id: this.id,
        symbol: this.market.symbol,
        side: this.side,
        amount: this.amount,
        filled: this.filled,
        avgPrice: this.filled > 0 ? this.cost / this.filled : null,
        status: this.status,
        reason: this.reason,
        createdAt: this.createdAt,
        closedAt: this.closedAt,
        children: (this.netted ??= this.children.map((c, i) => [c.order.id, c.actor.id, c.actor.index, this.wants[i]! * this.market.lotSize] as const)),
      },
    })
  }
}

const sum = (xs: readonly number[]): number => {
  let s = 0
  for (const x of xs) s += x
  return s
}

/** Long-lived, so its optimized code outlives each child (see onSubscribe). */
const startChild = (out: Subscriber<OrderEvent>, desk: NettingDesk, actor: StrategyActor, request: ChildRequest): void => {
  // No teardown: a child reads whether its lane still listens (`dead`).
  desk._pool(out, actor, request)
}
