import type { Side } from './market.ts'
import type { OrderEvent } from './order.ts'

export type { Allocation, AllocationKind } from './order.ts'

/** A block order's state: the net of a window's children of one symbol, worked at the venue. */
export interface BlockState {
  readonly id: string
  readonly symbol: string
  readonly side: Side
  readonly amount: number
  readonly filled: number
  readonly avgPrice: number | null
  /** open, filled, canceled (ended short of its amount), rejected (the venue or the risk gate refused it). */
  readonly status: 'open' | 'filled' | 'canceled' | 'rejected'
  readonly reason: string | null
  readonly createdAt: number
  readonly closedAt: number | null
  /** The children it nets, as [order id, strategy id, actor index, amount]: what start-up reconciliation allocates missed fills to. */
  readonly children: readonly (readonly [string, string, number, number])[]
}

/** A lot remainder of a block's fills that no child could take whole: the house holds it. */
export interface HouseAllocation {
  readonly blockId: string
  readonly symbol: string
  readonly side: Side
  readonly amount: number
  readonly price: number
  readonly fee: number
  readonly ts: number
}

/** What the netting desk records besides its children's order events, through the same sink. */
export type DeskEvent = { readonly type: 'BlockUpdated'; readonly ts: number; readonly block: BlockState } | { readonly type: 'HouseAllocated'; readonly ts: number; readonly house: HouseAllocation }

/** Everything the order sink carries. */
export type StoredEvent = OrderEvent | DeskEvent

export const isDeskEvent = (e: StoredEvent): e is DeskEvent => e.type === 'BlockUpdated' || e.type === 'HouseAllocated'
