import { EMPTY, type Observable, type SchedulerLike } from 'rxjs'
import type { Logger } from 'pino'
import { FinalExchangeError } from '../src/domain/errors.ts'
import type { Market, Quote, Side } from '../src/domain/market.ts'
import type { Order, OrderEvent, OrderType } from '../src/domain/order.ts'
import type { AlgoContext, AlgoJob, AlgoName } from './algos/algo.ts'
import { ALGOS } from './algos/algos.ts'
import { decide, increasesExposure, sizeAtPrice, type OrderCommand } from './decide.ts'
import { runOrder, type OrderActionContext } from './order-action.ts'
import type { OrderFactory } from './order-factory.ts'
import type { OrderGate } from './order-gate.ts'
import type { NettingDesk } from './netting/netting-desk.ts'
import type { StrategyActor } from './strategy-actor.ts'

export interface OrderPathOptions {
  readonly markets: ReadonlyMap<string, Market>
  /** Last trade price (or mid before the first trade) and top of book, by symbol. */
  readonly lastPrice: (symbol: string) => number | undefined
  readonly lastQuote: (symbol: string) => Quote | undefined
  readonly factory: OrderFactory
  readonly gate: OrderGate
  readonly exec: OrderActionContext
  /** Netting on: every market order becomes a child of this desk (which works the blocks with the algorithm). */
  readonly desk?: NettingDesk | null
  /** Work orders with an execution algorithm; null: one plain order per action. */
  readonly algo: { readonly name: AlgoName; readonly ctx: AlgoContext } | null
  /** The engine passes its DispatchClock: the time is held for the length of one input's dispatch. */
  readonly scheduler: SchedulerLike
  /** The store is behind: entries wait (counted, not recorded), exits still go. */
  readonly entriesHalted: () => boolean
  readonly onHaltedEntry: () => void
  /** An order handed to the venue (or the desk) for an input dispatched at `at` (engine clock): its reaction time ends now. */
  readonly onReaction: (at: number) => void
  /** A fault of this actor's own (a throw while deciding or building its action). */
  readonly onFault: (actor: StrategyActor, err: unknown) => void
  readonly log?: Logger
}

const isOrder = (x: Order | OrderCommand): x is Order => 'id' in x

/**
 * Where an actor's intent becomes an exchange action, in one place: decided (`decide`, pure), built
 * (`OrderFactory`), checked (`OrderGate`, for every order and every re-price), then sent
 * (`runOrder`, or the configured execution algorithm). `wanted` decides once and keeps the result
 * on the actor; `act` starts the action from it — the pair the actor's one-in-flight lane calls.
 */
export class OrderPath {
  readonly now: () => number

  constructor(private readonly o: OrderPathOptions) {
    this.now = () => o.scheduler.now()
  }

  /** Whether `actor`'s latest intent makes it act now. */
  wanted(actor: StrategyActor): boolean {
    const intent = actor.intent
    actor.next = null
    if (intent === null) return false
    const { o } = this
    const market = o.markets.get(intent.symbol)
    const price = o.lastPrice(intent.symbol)
    const byNotional = actor.notional > 0
    const size = byNotional ? sizeAtPrice(actor.notional * actor.scale, price, market?.lotSize ?? 0) : actor.size * actor.scale
    const cmd = decide(actor.state, size, intent, market, price, actor.heldWeight)
    if (cmd === null) return false
    if (byNotional && intent.kind === 'target') actor.heldWeight = intent.weight
    if (o.entriesHalted() && increasesExposure(actor.state, cmd)) {
      o.onHaltedEntry()
      return false
    }
    const desk = o.desk ?? null
    if (desk !== null && cmd.type === 'market') {
      // A child's order object is built by the desk after the blocks have gone; a refusal needs one now.
      const now = this.now()
      const why = o.gate.verdict(actor, cmd, true, now)
      if (why !== null) {
        o.gate.refused(o.factory.order(actor, actor.state.orderSeq + 1, intent.symbol, cmd.side, 'market', cmd.amount, null, market, now), why, now)
        return false
      }
      actor.next = cmd
      return true
    }
    // An algorithm sends each of its orders through the gate itself.
    if (o.algo !== null && market !== undefined && o.lastQuote(intent.symbol) !== undefined) {
      actor.next = cmd
      return true
    }
    const order = o.factory.order(actor, actor.state.orderSeq + 1, intent.symbol, cmd.side, cmd.type, cmd.amount, cmd.price, market, this.now())
    if (o.gate.check(actor, order, false, order.createdAt) !== null) return false
    actor.next = order
    return true
  }

  /** Starts the action `wanted` prepared. Never throws: a fault stops this actor only. */
  act(actor: StrategyActor): Observable<OrderEvent> {
    const next = actor.next
    actor.next = null
    try {
      if (next === null) return EMPTY
      const { o } = this
      const desk = o.desk ?? null
      if (isOrder(next)) {
        o.onReaction(actor.intentAt)
        return runOrder(o.exec, next)
      }
      if (desk !== null && next.type === 'market') {
        o.onReaction(actor.intentAt)
        return desk.child(actor, next)
      }
      const symbol = actor.intent!.symbol
      const job = this.job(actor, o.markets.get(symbol)!, o.lastQuote(symbol)!, next)
      o.onReaction(actor.intentAt)
      return ALGOS[o.algo!.name](o.algo!.ctx, job)
    } catch (err) {
      this.o.onFault(actor, err)
      return EMPTY
    }
  }

  /** Asks the venue to cancel every resting limit order of `actors`; the owning actions see the answers. */
  cancelResting(actors: readonly StrategyActor[], why: string): void {
    const { exchange, orderUpdates } = this.o.exec
    this.o.desk?.cancelResting(why)
    for (const a of actors) {
      const order = a.state.order
      if (order === null || order.type !== 'limit' || order.status === 'pending_cancel') continue
      exchange.cancelOrder(order.id, order.symbol).subscribe({
        next: (r) => orderUpdates.dispatch(order.id, r),
        // Already final at the venue (filled, or cancelled by its own algorithm): nothing to do.
        error: (err) => (err instanceof FinalExchangeError ? this.o.log?.debug({ orderId: order.id, why }, 'order already final') : this.o.log?.warn({ orderId: order.id, why, err }, 'cancel failed')),
      })
    }
  }

  /** One piece of work for an execution algorithm: orders made for `actor`, each through the gate. */
  private job(actor: StrategyActor, market: Market, arrival: Quote, cmd: OrderCommand): AlgoJob {
    return new ActorJob(this.o, this.now, actor, market, arrival, cmd.side, cmd.amount)
  }
}

/**
 * An actor's piece of work for an algorithm. A class, not an object literal with methods: a literal
 * made per order makes its methods per order too — tsx names each (a defineProperty apiece), and V8
 * drops their optimized code at each full collection once the orders are gone (see onSubscribe).
 */
class ActorJob implements AlgoJob {
  readonly strategyId: string
  constructor(
    private readonly o: OrderPathOptions,
    private readonly now: () => number,
    private readonly actor: StrategyActor,
    readonly market: Market,
    readonly arrival: Quote,
    readonly side: Side,
    readonly amount: number,
  ) {
    this.strategyId = actor.id
  }

  newOrder(type: OrderType, amount: number, price: number | null): Order {
    const { actor, market } = this
    return this.o.factory.order(actor, actor.state.orderSeq + 1, market.symbol, this.side, type, amount, price, market, this.now())
  }

  check(order: Order): string | null {
    return this.o.gate.check(this.actor, order)
  }
}
