import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import type { ActorState } from '../../actors/actor-state.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import type { OrderEvent } from '../domain/order.ts'
import type { EventPersistence } from './event-persistence.ts'
import type { Metrics } from './metrics.ts'
import type { SettledActors } from './settled-actors.ts'

/**
 * Every order event an action produces comes in here, once: it moves its actor (the pure reducer),
 * the risk manager's exposure, the counters, and goes to the store's sink. A reducer that throws
 * stops that actor only; the event is still counted and stored.
 */
export class OrderEventIntake {
  /** Order events accepted so far. */
  accepted = 0

  constructor(
    private readonly o: {
      readonly actors: readonly StrategyActor[]
      readonly metrics: Metrics
      readonly risk?: RiskManager
      readonly persistence: EventPersistence | null
      readonly onFault: (actor: StrategyActor, err: unknown) => void
      /** Every fill, with the actor's state before and after it (a backtest's ledger). */
      readonly onFill?: (actor: StrategyActor, before: ActorState, after: ActorState) => void
      /** The last order in flight ended (the quiet-time collector listens). */
      readonly onQuiet?: () => void
      /** Actors at target that an equal intent skips: any event of an actor clears its mark. */
      readonly settled?: SettledActors | null
    },
  ) {}

  accept(ev: OrderEvent): void {
    const { metrics } = this.o
    const actor = this.o.actors[ev.order.actor]!
    const m = metrics.w
    try {
      const before = actor.state
      this.o.settled?.clear(actor.index)
      const s = actor.apply(ev)
      if (ev.fill !== null) {
        this.o.risk?.onFill(ev.order.symbol, ev.order.side, ev.fill.amount, ev.fill.price, before.position)
        this.o.onFill?.(actor, before, s)
      }
      // Its order ended at its target: an equal intent need not ask it again.
      if (before.order !== null && s.order === null && actor.intent !== null) this.o.settled?.settle(actor, this.o.settled.lotOf(actor.intent.symbol), true)
      if ((before.position !== 0) !== (s.position !== 0)) metrics.positionsOpen += s.position !== 0 ? 1 : -1
      // In flight = from OrderSubmitted until the order leaves the actor's in-flight slot.
      if (before.order === null && s.order !== null) metrics.inFlight++
      else if (before.order !== null && s.order === null && --metrics.inFlight === 0) this.o.onQuiet?.()
      const wasUnknown = before.order?.status === 'unknown'
      if (wasUnknown !== (s.order?.status === 'unknown')) metrics.unknownOrders += wasUnknown ? -1 : 1
    } catch (err) {
      this.o.onFault(actor, err)
    }
    switch (ev.type) {
      case 'OrderSubmitted':
        m.submitted++
        break
      case 'OrderFilled':
        m.fills++
        if (ev.order.status === 'filled') m.filled++
        break
      case 'OrderRejected':
        m.rejected++
        break
      case 'OrderDenied':
        m.denied++
        break
      case 'OrderCanceled':
      case 'OrderExpired':
        m.canceled++
        break
      default:
    }
    this.accepted++
    this.o.persistence?.accept(ev)
  }
}
