import { allocateLots, lotsIn } from '../../actors/netting/allocate.ts'
import type { BlockState, StoredEvent } from '../domain/netting.ts'
import type { Order, OrderUpdate } from '../domain/order.ts'
import { isFinal } from '../domain/order.ts'
import { evolveOrder } from '../domain/order-state.ts'
import type { ExchangeOrder } from '../exchange/port.ts'
import type { StoredBlock } from '../store/order-store.ts'

export interface BlockReconciliation {
  readonly events: StoredEvent[]
  /** Whole-lot allocations made for venue fills the store had missed. */
  readonly missedFills: number
  /** On the venue, unknown to the store (its fills went to the house). */
  readonly adopted: boolean
}

const EPS = 1e-9

/**
 * One netting block after a crash: the venue's orders for it (its id, and `.<k>` for an algorithm's
 * later ones) against what the store had. Venue fills the store never allocated are allocated now,
 * by the same whole-lot largest-remainder rule as live — computed from the allocated total, so
 * running it again allocates nothing twice; once the venue has closed every order of the block,
 * the lot remainder goes to the house and the children end. A block the store never knew (the
 * crash came before its row was written) has no children to give to: all it filled is the house's.
 */
export function reconcileBlock(id: string, stored: StoredBlock | undefined, venue: readonly ExchangeOrder[], children: ReadonlyMap<string, Order>, lot: number, now: number): BlockReconciliation {
  const events: StoredEvent[] = []
  let filled = 0
  let cost = 0
  let fees = 0
  for (const v of venue) {
    filled += v.filled
    cost += v.filled * (v.average ?? 0)
    for (const t of v.trades) fees += t.fee
  }
  const done = venue.every((v) => v.status !== 'open')
  const avg = filled > 0 ? cost / filled : null
  const first = venue[0]
  if (stored === undefined) {
    if (first === undefined) return { events, missedFills: 0, adopted: false }
    const amount = first.amount
    events.push({
      type: 'BlockUpdated',
      ts: now,
      block: {
        id,
        symbol: first.symbol,
        side: first.side,
        amount,
        filled,
        avgPrice: avg,
        status: !done ? 'open' : filled >= amount - EPS ? 'filled' : filled > EPS ? 'canceled' : 'rejected',
        reason: 'adopted at reconciliation: on the venue, unknown to the store',
        createdAt: first.timestamp,
        closedAt: done ? now : null,
        children: [],
      },
    })
    if (filled > EPS) events.push({ type: 'HouseAllocated', ts: now, house: { blockId: id, symbol: first.symbol, side: first.side, amount: filled, price: avg!, fee: fees, ts: now } })
    return { events, missedFills: 0, adopted: true }
  }

  const b = stored.state
  const wants = b.children.map(([orderId, , actor, amount]) => ({ orderId, actor, lots: lotsIn(amount, lot), got: lotsIn(stored.allocated.get(orderId)?.amount ?? 0, lot) }))
  const total = wants.reduce((s, w) => s + w.lots, 0)
  const before = wants.reduce((s, w) => s + w.got, 0)
  const whole = Math.min(total, lotsIn(filled, lot))
  const current = new Map<string, Order>()
  for (const w of wants) {
    const c = children.get(w.orderId)
    if (c !== undefined) current.set(w.orderId, c)
  }
  const apply = (orderId: string, u: OrderUpdate) => {
    const c = current.get(orderId)
    if (c === undefined || isFinal(c.status)) return
    const t = evolveOrder(c, u)
    if (!t.ok) return
    current.set(orderId, t.order)
    events.push({ type: u.type, ts: u.ts, order: t.order, fill: u.type === 'OrderFilled' ? u.fill : null, reason: 'reason' in u ? (u.reason ?? null) : null })
  }
  let missedFills = 0
  let allocatedFees = 0
  for (const [, a] of stored.allocated) allocatedFees += a.fee
  if (whole > before && avg !== null) {
    const open = wants.filter((w) => w.lots > w.got)
    const got = allocateLots(
      whole - before,
      open.map((w) => w.lots - w.got),
      open.map((w) => w.actor),
    )
    const feePerUnit = filled > 0 ? fees / filled : 0
    for (let i = 0; i < open.length; i++) {
      const n = got[i]!
      if (n === 0) continue
      const w = open[i]!
      const amount = n * lot
      const c = current.get(w.orderId)
      if (c?.status === 'pending_new') apply(w.orderId, { type: 'OrderAccepted', ts: now, exchangeId: id })
      apply(w.orderId, {
        type: 'OrderFilled',
        ts: now,
        fill: {
          tradeId: `${id}/r${before}-${whole}/${w.actor.toString(36)}`,
          orderId: w.orderId,
          price: avg,
          amount,
          fee: feePerUnit * amount,
          liquidity: 'taker',
          ts: now,
          alloc: { kind: 'venue', blockId: id, crossId: null },
        },
      })
      allocatedFees += feePerUnit * amount
      missedFills++
    }
  }
  let status: BlockState['status'] = b.status
  if (done) {
    status = whole >= total ? 'filled' : filled > EPS ? 'canceled' : 'rejected'
    const rest = filled - whole * lot - stored.house
    if (rest > EPS && avg !== null)
      events.push({ type: 'HouseAllocated', ts: now, house: { blockId: id, symbol: b.symbol, side: b.side, amount: rest, price: avg, fee: Math.max(0, fees - allocatedFees), ts: now } })
    const why = `block ${id} ${status} (found at reconciliation)`
    for (const w of wants) {
      const c = current.get(w.orderId)
      if (c === undefined || isFinal(c.status)) continue
      apply(w.orderId, c.status === 'pending_new' && c.filled === 0 ? { type: 'OrderRejected', ts: now, reason: why } : { type: 'OrderCanceled', ts: now, reason: why })
    }
  }
  if (done || filled !== b.filled)
    events.push({
      type: 'BlockUpdated',
      ts: now,
      block: { ...b, filled, avgPrice: avg, status, reason: done && venue.length === 0 ? 'never reached the venue (found at reconciliation)' : b.reason, closedAt: done ? (b.closedAt ?? now) : null },
    })
  return { events, missedFills, adopted: false }
}
