import type { OrderEvent } from '../domain/order.ts'

/**
 * Order events flattened into one array of primitives, STRIDE values each, so a batch crosses to
 * the writer thread as a single cheap structured clone instead of thousands of nested objects.
 */
export const STRIDE = 24

export function encodeEvents(batch: readonly OrderEvent[]): unknown[] {
  const out: unknown[] = new Array(batch.length * STRIDE)
  let i = 0
  for (const e of batch) {
    const o = e.order
    const f = e.fill
    out[i++] = e.type
    out[i++] = e.ts
    out[i++] = o.id
    out[i++] = o.strategyId
    out[i++] = o.symbol
    out[i++] = o.side
    out[i++] = o.type
    out[i++] = o.amount
    out[i++] = o.price
    out[i++] = o.status
    out[i++] = o.filled
    out[i++] = o.avgPrice
    out[i++] = o.fee
    out[i++] = o.reason
    out[i++] = o.createdAt
    out[i++] = o.closedAt
    out[i++] = o.exchangeId
    out[i++] = f === null ? null : f.tradeId
    out[i++] = f === null ? null : f.price
    out[i++] = f === null ? null : f.amount
    out[i++] = f === null ? null : f.fee
    out[i++] = f === null ? null : f.liquidity
    out[i++] = f === null ? null : f.ts
    out[i++] = e.reason
  }
  return out
}
