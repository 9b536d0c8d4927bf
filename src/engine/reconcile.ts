import { firstValueFrom } from 'rxjs'
import type { Logger } from 'pino'
import { FinalExchangeError } from '../domain/errors.ts'
import { copyOrder, isFinal, newOrder, type Order, type OrderEvent } from '../domain/order.ts'
import { evolveOrder } from '../domain/order-state.ts'
import type { ExchangeOrder, ExchangePort, ExchangeTrade } from '../exchange/port.ts'
import type { OrderStore } from '../store/order-store.ts'
import { updatesFrom } from '../../streams/track-order.ts'
import { OrderFactory } from '../../actors/order-factory.ts'
import type { StoredEvent } from '../domain/netting.ts'
import { reconcileBlock } from './reconcile-blocks.ts'

export interface ReconcileOptions {
  readonly port: ExchangePort
  readonly store: OrderStore
  readonly symbols: readonly string[]
  /** Look back this far (epoch ms) for orders and trades on the venue. */
  readonly since: number
  /** Which strategy (and actor) a client order id of ours belongs to; null for an order we cannot place. */
  readonly strategyOf: (clientOrderId: string) => { strategyId: string; actor: number } | null
  readonly now: () => number
  /** Lot size by symbol: netting blocks' missed fills are allocated in whole lots. */
  readonly lotOf?: (symbol: string) => number
  readonly log?: Logger
}

export interface ReconcileResult {
  /** Orders of ours the venue knows in the window. */
  readonly venueOrders: number
  /** On the venue, unknown to the store: written to the store and flagged. */
  readonly adopted: number
  /** Known to both, but the store was behind (missed fills or final states). */
  readonly updated: number
  readonly missedFills: number
  /** In the store as not final, never received by the venue: closed as rejected. */
  readonly neverReached: number
  /** Netting blocks found on the venue (each reconciled through its children), and those unknown to the store. */
  readonly blocks: number
  readonly adoptedBlocks: number
}

/**
 * Start-up (and reconnect) reconciliation: everything the venue knows of our orders since `since`
 * is matched to the store's orders of this run lineage by client order id, before any new order is sent. Fills missed while we
 * were away are applied; orders the venue has but the store does not (a crash between sending and
 * persisting) are adopted and flagged; orders the store left in flight that the venue never
 * received are closed as rejected — after looking each up by client order id, never by resending.
 * Corrections are written as ordinary order events, so the event log shows what reconciliation did.
 */
export async function reconcile(o: ReconcileOptions): Promise<ReconcileResult> {
  // Our orders are those of the run lineage being resumed (this run and the runs it carries on from).
  const lineage = await o.store.lineage()
  const rows = await o.store.ordersOf(lineage)
  const blockVenue = new Map<string, ExchangeOrder[]>()
  const stored = new Map(rows.map((r) => [r.id, r]))

  const events: StoredEvent[] = []
  const emit = (order: Order, type: OrderEvent['type'], ts: number, fill: OrderEvent['fill'], reason: string | null) => events.push({ type, ts, order, fill, reason })
  let adopted = 0
  let updated = 0
  let missedFills = 0
  let venueOrders = 0
  const seen = new Set<string>()

  const catchUp = (start: Order, report: ExchangeOrder): Order => {
    let order = start
    for (const u of updatesFrom(order, report, o.now())) {
      const t = evolveOrder(order, u)
      if (!t.ok) continue
      order = t.order
      if (u.type === 'OrderFilled') missedFills++
      emit(order, u.type, u.ts, u.type === 'OrderFilled' ? u.fill : null, 'reason' in u ? (u.reason ?? null) : null)
    }
    return order
  }

  for (const symbol of o.symbols) {
    const [orders, trades] = await Promise.all([firstValueFrom(o.port.fetchOrders(symbol, o.since)), firstValueFrom(o.port.fetchMyTrades(symbol, o.since))])
    const byOrder = new Map<string, ExchangeTrade[]>()
    for (const t of trades) (byOrder.get(t.orderId) ?? byOrder.set(t.orderId, []).get(t.orderId)!).push(t)
    for (const v of orders) {
      if (!v.clientOrderId) continue
      venueOrders++
      seen.add(v.clientOrderId)
      const report: ExchangeOrder = { ...v, trades: byOrder.get(v.id) ?? [] }
      // A netting block's venue order: reconciled with its block, through the block's children.
      const block = OrderFactory.blockOf(v.clientOrderId)
      if (block !== null) {
        ;(blockVenue.get(block) ?? blockVenue.set(block, []).get(block)!).push(report)
        continue
      }
      const known = stored.get(v.clientOrderId)
      if (known === undefined) {
        const owner = o.strategyOf(v.clientOrderId)
        const start = copyOrder(
          newOrder(
            { id: v.clientOrderId, strategyId: owner?.strategyId ?? 'unknown', actor: owner?.actor ?? -1, symbol: v.symbol, side: v.side, type: v.type, amount: v.amount, price: v.price },
            v.timestamp,
          ),
        )
        start.reason = 'adopted: on the venue, unknown to the store at start-up'
        emit(start, 'OrderSubmitted', v.timestamp, null, start.reason)
        catchUp(start, report)
        adopted++
        continue
      }
      const before = events.length
      if (!isFinal(known.status) || known.filled < v.filled - 1e-12) catchUp(known, report)
      if (events.length > before) updated++
    }
  }

  // Blocks: those on the venue, and those the store left open that the venue never received.
  const storedBlocks = new Map((await o.store.blocksOf(lineage)).map((b) => [b.state.id, b]))
  let blocks = 0
  let adoptedBlocks = 0
  for (const [id, b] of storedBlocks) if (!blockVenue.has(id) && b.state.status === 'open') blockVenue.set(id, [])
  for (const [id, venue] of blockVenue) {
    const block = storedBlocks.get(id)
    const symbol = block?.state.symbol ?? venue[0]!.symbol
    // The store's orders by client order id (`stored`) hold the block's children.
    const r = reconcileBlock(id, block, venue, stored, o.lotOf?.(symbol) ?? 1e-8, o.now())
    for (const [orderId] of block?.state.children ?? []) seen.add(orderId)
    events.push(...r.events)
    missedFills += r.missedFills
    if (venue.length > 0) blocks++
    if (r.adopted) adoptedBlocks++
    if (r.events.length > 0 && !r.adopted) updated++
  }

  // Left in flight by the last run and not among the venue's recent orders: ask by client order id.
  let neverReached = 0
  for (const order of rows) {
    if (isFinal(order.status) || seen.has(order.id)) continue
    try {
      const v = await firstValueFrom(o.port.fetchOrder(order.id, order.symbol))
      const trades = (await firstValueFrom(o.port.fetchMyTrades(order.symbol, order.createdAt))).filter((t) => t.orderId === v.id)
      if (catchUp(order, { ...v, trades }) !== order) updated++
    } catch (err) {
      if (!(err instanceof FinalExchangeError && err.code === 'not_found')) throw err
      const t = evolveOrder(order, { type: 'OrderRejected', ts: o.now(), reason: 'never reached the venue (found at reconciliation)' })
      if (t.ok) emit(t.order, 'OrderRejected', o.now(), null, t.order.reason)
      neverReached++
    }
  }

  if (events.length > 0) await o.store.write(events)
  const result = { venueOrders, adopted, updated, missedFills, neverReached, blocks, adoptedBlocks }
  o.log?.info(result, 'reconciled with the venue')
  return result
}
