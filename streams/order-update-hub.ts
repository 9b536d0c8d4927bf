import type { Observable, Subscription } from 'rxjs'

/** Whoever follows one order: told about every venue report for it. */
export interface OrderFollower<T> {
  report(update: T): void
}

/**
 * Routes the venue's order updates to the one action following each client order id. A plain Map
 * to the follower object: no listener, array or closure per order, as 100k orders may be open.
 */
export class OrderUpdateHub<T> {
  private readonly followers = new Map<string, OrderFollower<T>>()
  private sub: Subscription | null = null

  follow(clientOrderId: string, follower: OrderFollower<T>): void {
    this.followers.set(clientOrderId, follower)
  }

  unfollow(clientOrderId: string, follower: OrderFollower<T>): void {
    if (this.followers.get(clientOrderId) === follower) this.followers.delete(clientOrderId)
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

  connect(source$: Observable<T>, idOf: (update: T) => string, onOrphan?: (update: T) => void): this {
    this.sub ??= source$.subscribe((u) => {
      if (!this.dispatch(idOf(u), u)) onOrphan?.(u)
    })
    return this
  }

  dispose(): void {
    this.sub?.unsubscribe()
    this.followers.clear()
  }
}
