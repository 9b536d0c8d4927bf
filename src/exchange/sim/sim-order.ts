import type { VenueOrder } from '../venue-order.ts'

export { snapshot } from '../venue-order.ts'

/** The simulator's own record of an order it accepted (mutable: matching fills it, the account reserves for it). */
export interface SimOrder extends VenueOrder {
  /** Quote or base held by the account for a resting order. */
  reserved: number
  /** Size resting ahead of this order at its price (queue-position model): prints at the price eat it first. */
  queueAhead: number
}
