import { copyOrder, type Order, type OrderStatus, type OrderUpdate, type OrderUpdateType } from './order.ts'

/** 'fill' resolves to partially_filled or filled by amount; 'restore' returns to new or partially_filled. */
type Target = OrderStatus | 'fill' | 'restore'

/**
 * The order state table: (status, update) → status. A pair that is not listed is an illegal
 * transition. A fill may arrive before the acknowledgement (venues send both at once), so
 * pending_new accepts fills; a fill racing a cancel request is still applied.
 */
const TABLE: Readonly<Record<OrderStatus, Partial<Record<OrderUpdateType, Target>>>> = {
  pending_new: {
    OrderAccepted: 'new',
    OrderFilled: 'fill',
    OrderCanceled: 'canceled',
    OrderRejected: 'rejected',
    OrderExpired: 'expired',
    OrderStatusUnknown: 'unknown',
  },
  // Whatever a later look-up finds settles it; it cannot go back to pending_new.
  unknown: {
    OrderAccepted: 'new',
    OrderFilled: 'fill',
    OrderCanceled: 'canceled',
    OrderRejected: 'rejected',
    OrderExpired: 'expired',
  },
  new: {
    OrderFilled: 'fill',
    OrderCancelRequested: 'pending_cancel',
    OrderCanceled: 'canceled',
    OrderExpired: 'expired',
  },
  partially_filled: {
    OrderFilled: 'fill',
    OrderCancelRequested: 'pending_cancel',
    OrderCanceled: 'canceled',
    OrderExpired: 'expired',
  },
  pending_cancel: {
    OrderFilled: 'fill',
    OrderCanceled: 'canceled',
    OrderCancelRejected: 'restore',
    OrderExpired: 'expired',
  },
  filled: {},
  canceled: {},
  rejected: {},
  denied: {},
  expired: {},
}

export type OrderTransition = { readonly ok: true; readonly order: Order } | { readonly ok: false; readonly order: Order; readonly reason: string }

/** Floating-point dust in an amount: 1e-9, or 1e-12 of it for large amounts (1e8 SHIB sums its fills up to ~1e-8 off). */
const dust = (amount: number): number => Math.max(1e-9, Math.abs(amount) * 1e-12)

const skip = (order: Order, reason: string): OrderTransition => ({ ok: false, order, reason })

/**
 * Applies one update to an order. Pure: returns a new order, or the same order with the reason the
 * update was skipped (illegal transition, duplicate trade id, overfill). Never throws.
 */
export function evolveOrder(order: Order, u: OrderUpdate): OrderTransition {
  const to = TABLE[order.status][u.type]
  if (to === undefined) return skip(order, `illegal transition ${order.status} + ${u.type}`)
  const n = copyOrder(order)
  switch (u.type) {
    case 'OrderAccepted':
      n.status = 'new'
      n.exchangeId = u.exchangeId
      return { ok: true, order: n }
    case 'OrderFilled': {
      const f = u.fill
      if (order.tradeIds.includes(f.tradeId)) return skip(order, `duplicate fill ${f.tradeId}`)
      if (!(f.amount > 0)) return skip(order, `fill ${f.tradeId} has amount ${f.amount}`)
      const filled = order.filled + f.amount
      const eps = dust(order.amount)
      if (filled > order.amount + eps) return skip(order, `overfill: ${filled} of ${order.amount}`)
      const done = filled >= order.amount - eps
      n.status = done ? 'filled' : order.status === 'pending_cancel' ? 'pending_cancel' : 'partially_filled'
      n.filled = done ? order.amount : filled
      n.avgPrice = ((order.avgPrice ?? 0) * order.filled + f.price * f.amount) / filled
      n.fee = order.fee + f.fee
      n.tradeIds = [...order.tradeIds, f.tradeId]
      if (done) n.closedAt = u.ts
      return { ok: true, order: n }
    }
    case 'OrderCancelRejected':
      n.status = order.filled > 0 ? 'partially_filled' : 'new'
      n.reason = u.reason
      return { ok: true, order: n }
    case 'OrderCancelRequested':
      n.status = 'pending_cancel'
      return { ok: true, order: n }
    case 'OrderStatusUnknown':
      n.status = 'unknown'
      n.reason = u.reason
      return { ok: true, order: n }
    case 'OrderCanceled':
    case 'OrderRejected':
    case 'OrderExpired':
      n.status = to as OrderStatus
      if ('reason' in u && u.reason !== undefined) n.reason = u.reason
      n.closedAt = u.ts
      return { ok: true, order: n }
  }
}

/** Whether `update` is a legal next step for an order in `status` (ignoring fill amounts). */
export const canApply = (status: OrderStatus, type: OrderUpdateType): boolean => TABLE[status][type] !== undefined
