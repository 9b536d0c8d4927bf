import type { Observable, Subscription } from 'rxjs'

/** Whoever follows one order: told about every venue report for it. */
export interface OrderFollower<T> {
  report(update: T): void
}

/**
 * Routes the venue's order updates to the one action following each client order id. A plain Map
 * to the follower object: no listener, array or closure per order, as 100k orders may be open.
 *
 * Actions follow an order only once the venue's answer shows it still open, so an update can
 * arrive first (a venue's websocket often beats its REST answer): unclaimed updates are kept, up to
 * `maxUnclaimed` orders (oldest dropped first), and replayed to whoever follows later.
 */
export class OrderUpdateHub<T> {
  private readonly followers = new Map<string, OrderFollower<T>>()
  private readonly unclaimed = new Map<string, T[]>()
  private sub: Subscription | null = null

  constructor(private readonly maxUnclaimed = 10_000) {}

  follow(clientOrderId: string, follower: OrderFollower<T>): void {
    this.followers.set(clientOrderId, follower)
    const early = this.unclaimed.get(clientOrderId)
    if (early !== undefined) {
      this.unclaimed.delete(clientOrderId)
      for (const u of early) {
        if (this.followers.get(clientOrderId) !== follower) break
        follower.report(u)
      }
    }
  }

  unfollow(clientOrderId: string, follower: OrderFollower<T>): void {
    if (this.followers.get(clientOrderId) === follower) this.followers.delete(clientOrderId)
  }

  /** Drops held updates of an order whose follower has finished with it. */
  forget(clientOrderId: string): void {
    if (this.unclaimed.size > 0) this.unclaimed.delete(clientOrderId)
  }

  /** Delivers one update; returns whether anyone followed that order. */
  dispatch(clientOrderId: string, update: T): boolean {
    const f = this.followers.get(clientOrderId)
    if (f === undefined) return false
    f.report(update)
    return true
  }

  get size(): number {
    return this.followers.size
  }

  /** Orders with updates nobody has claimed yet. */
  get unclaimedOrders(): number {
    return this.unclaimed.size
  }

  /** Keeps an update for an order nobody follows (yet). */
  hold(clientOrderId: string, update: T): void {
    let list = this.unclaimed.get(clientOrderId)
    if (list === undefined) {
      if (this.unclaimed.size >= this.maxUnclaimed) this.unclaimed.delete(this.unclaimed.keys().next().value as string)
      this.unclaimed.set(clientOrderId, (list = []))
    }
    list.push(update)
  }

  connect<S extends T>(source$: Observable<S>, idOf: (update: S) => string): this {
    this.sub ??= source$.subscribe((u) => {
      const id = idOf(u)
      if (!this.dispatch(id, u)) this.hold(id, u)
    })
    return this
  }

  dispose(): void {
    this.sub?.unsubscribe()
    this.followers.clear()
    this.unclaimed.clear()
  }
}
