import { isDeskEvent, type DeskEvent, type StoredEvent } from '../domain/netting.ts'
import type { Fill, Order, OrderEvent } from '../domain/order.ts'

/**
 * Order events flattened into one array of primitives, STRIDE values each, so a batch crosses to
 * the writer thread as a single cheap structured clone instead of thousands of nested objects.
 * decodeEvents is its inverse (on the writer thread); both sit here so the slot order is written
 * in one file. What an event becomes in the tables is event-rows.ts's job, on either side.
 */
export const STRIDE = 29

export function encodeEvents(batch: readonly StoredEvent[]): unknown[] {
  const out: unknown[] = new Array(batch.length * STRIDE).fill(null)
  let i = 0
  for (const e of batch) {
    if (isDeskEvent(e)) {
      // Few (a block's updates, a house remainder): their payload travels as JSON in the reason slot.
      out[i] = e.type
      out[i + 1] = e.ts
      out[i + 2] = JSON.stringify(e.type === 'BlockUpdated' ? e.block : e.house)
      i += STRIDE
      continue
    }
    const o = e.order
    const f = e.fill
    out[i++] = e.type
    out[i++] = e.ts
    out[i++] = e.reason
    out[i++] = o.id
    out[i++] = o.exchangeId
    out[i++] = o.strategyId
    out[i++] = o.actor
    out[i++] = o.symbol
    out[i++] = o.side
    out[i++] = o.type
    out[i++] = o.amount
    out[i++] = o.price
    out[i++] = o.status
    out[i++] = o.filled
    out[i++] = o.avgPrice
    out[i++] = o.fee
    out[i++] = o.createdAt
    out[i++] = o.closedAt
    out[i++] = o.reason
    out[i++] = f === null ? null : f.tradeId
    out[i++] = f === null ? null : f.orderId
    out[i++] = f === null ? null : f.price
    out[i++] = f === null ? null : f.amount
    out[i++] = f === null ? null : f.fee
    out[i++] = f === null ? null : f.liquidity
    out[i++] = f === null ? null : f.ts
    const a = f?.alloc
    out[i++] = a === undefined ? null : a.kind
    out[i++] = a === undefined ? null : a.blockId
    out[i++] = a === undefined ? null : a.crossId
  }
  return out
}

const NO_TRADES: readonly string[] = []

/** The events encodeEvents flattened (an order's trade ids are not carried: no table stores them). */
export function decodeEvents(v: readonly unknown[]): StoredEvent[] {
  const n = v.length / STRIDE
  if (!Number.isInteger(n)) throw new Error(`encoded events: ${v.length} values is not a multiple of ${STRIDE}`)
  const out: StoredEvent[] = new Array(n)
  for (let e = 0, i = 0; e < n; e++) {
    const type = v[i++] as StoredEvent['type']
    const ts = v[i++] as number
    if (type === 'BlockUpdated' || type === 'HouseAllocated') {
      const payload = JSON.parse(v[i] as string)
      out[e] = (type === 'BlockUpdated' ? { type, ts, block: payload } : { type, ts, house: payload }) as DeskEvent
      i += STRIDE - 2
      continue
    }
    const reason = v[i++] as string | null
    const order: Order = {
      id: v[i++] as string,
      exchangeId: v[i++] as string | null,
      strategyId: v[i++] as string,
      actor: v[i++] as number,
      symbol: v[i++] as string,
      side: v[i++] as Order['side'],
      type: v[i++] as Order['type'],
      amount: v[i++] as number,
      price: v[i++] as number | null,
      status: v[i++] as Order['status'],
      filled: v[i++] as number,
      avgPrice: v[i++] as number | null,
      fee: v[i++] as number,
      tradeIds: NO_TRADES,
      createdAt: v[i++] as number,
      closedAt: v[i++] as number | null,
      reason: v[i++] as string | null,
    }
    const tradeId = v[i++] as string | null
    let fill: Fill | null = null
    if (tradeId === null) i += 9
    else {
      fill = { tradeId, orderId: v[i++] as string, price: v[i++] as number, amount: v[i++] as number, fee: v[i++] as number, liquidity: v[i++] as Fill['liquidity'], ts: v[i++] as number }
      const kind = v[i++] as NonNullable<Fill['alloc']>['kind'] | null
      const blockId = v[i++] as string | null
      const crossId = v[i++] as string | null
      if (kind !== null) fill = { ...fill, alloc: { kind, blockId, crossId } }
    }
    out[e] = { type: type as OrderEvent['type'], ts, order, fill, reason }
  }
  return out
}
