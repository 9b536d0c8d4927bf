import type { Market } from '../src/domain/market.ts'
import { newOrder, type Order, type OrderType } from '../src/domain/order.ts'
import type { Side } from '../src/domain/market.ts'
import { roundTo } from '../src/util/numbers.ts'

/** Who an order is for: the actor's index (the id's middle part) and its strategy id. */
export interface OrderOwner {
  readonly index: number
  readonly id: string
}

/** The parts of a client order id. */
export interface ClientOrderIdParts {
  readonly runTag: string
  readonly actor: number
  readonly seq: number
}

const PART = /^[0-9a-z]+$/

/**
 * Makes every order shoal sends, and owns its client order id: `<runTag>-<actor base36>-<seq base36>` (the tag may hold '-'; the last two parts never do),
 * deterministic (a retry reuses it, so the venue refuses a second order for one intent) and
 * parseable back to its actor after a crash. Amounts go on the lot grid, prices on the tick grid.
 */
export class OrderFactory {
  constructor(readonly runTag: string) {
    if (runTag === '') throw new Error('an OrderFactory needs a non-empty run tag')
  }

  /** The id of `actor`'s order number `seq` (1-based: its order sequence after this order). */
  clientOrderId(actor: number, seq: number): string {
    return `${this.runTag}-${actor.toString(36)}-${seq.toString(36)}`
  }

  /**
   * The netting desk's ids, per symbol (by its index): a block's venue order `<runTag>-N<symbol>-<seq>`
   * (an algorithm's later orders for the same block add `.<k>`), an internal cross `<runTag>-X<symbol>-<seq>`.
   * The upper-case letter keeps them apart from any strategy's order id.
   */
  blockId(symbol: number, seq: number): string {
    return `${this.runTag}-N${symbol.toString(36)}-${seq.toString(36)}`
  }

  crossId(symbol: number, seq: number): string {
    return `${this.runTag}-X${symbol.toString(36)}-${seq.toString(36)}`
  }

  /** The block a venue client order id belongs to (its own id, or the id before `.<k>`); null if it is not a block's. */
  static blockOf(clientOrderId: string): string | null {
    const base = clientOrderId.replace(/\.[0-9]+$/, '')
    return /-N[0-9a-z]+-[0-9a-z]+$/.test(base) ? base : null
  }

  /** Reads an id made by any OrderFactory (any run); null for ids shoal did not make. */
  static parse(id: string): ClientOrderIdParts | null {
    const parts = id.split('-')
    if (parts.length < 3) return null
    const seq = parts.pop()!
    const actor = parts.pop()!
    const runTag = parts.join('-')
    if (runTag === '' || !PART.test(actor) || !PART.test(seq)) return null
    return { runTag, actor: parseInt(actor, 36), seq: parseInt(seq, 36) }
  }

  /**
   * `owner`'s next order (its `seq`-th), rounded to `market`'s grid when known. Positional on purpose:
   * it runs for every order of every actor, and an options object per call is garbage on the hot path.
   */
  order(owner: OrderOwner, seq: number, symbol: string, side: Side, type: OrderType, amount: number, price: number | null, market: Market | undefined, ts: number): Order {
    return newOrder(
      {
        id: this.clientOrderId(owner.index, seq),
        strategyId: owner.id,
        actor: owner.index,
        symbol,
        side,
        type,
        amount: market !== undefined ? roundTo(amount, market.lotSize) : amount,
        price: price === null ? null : market !== undefined ? roundTo(price, market.tickSize) : price,
      },
      ts,
    )
  }
}
