import { Observable, type Subscription } from 'rxjs'
import { reportUnhandled } from './report-unhandled.ts'

/**
 * Routes one hot source to many subscribers by key, so a subscriber pays only for its own key.
 * A shared Subject with a filter per subscriber costs every subscriber on every event; here an
 * event costs one Map lookup plus its own bucket. Teardown is in bulk (`dispose`): rxjs 7.8
 * removes Subject subscribers from an array one by one, quadratic at 100k.
 */
/** What a bucket holds: an rxjs Subscriber, or a bare callback from `listen`. */
interface Listener<T> {
  next(value: T): void
  complete?(): void
  error?(err: unknown): void
}

export class Router<K, T> {
  private readonly buckets = new Map<K, Listener<T>[]>()
  private subscription: Subscription | null = null
  private disposed = false

  /**
   * @param onListenerError where a throw of a bare `listen` callback goes (a Subscriber gets it as its
   *   own error). Default: rethrown on a fresh stack, as RxJS reports an unhandled error.
   */
  constructor(private readonly onListenerError: (err: unknown, key: K) => void = reportUnhandled) {}

  /** The hot stream of `key`'s values. */
  select(key: K): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.disposed) {
        subscriber.complete()
        return
      }
      let bucket = this.buckets.get(key)
      if (bucket === undefined) this.buckets.set(key, (bucket = []))
      bucket.push(subscriber)
      return () => this.remove(key, subscriber)
    })
  }

  /**
   * A bare callback for `key`'s values, cheaper than `select` for short-lived listeners (one order's
   * updates). Returns the function that removes it.
   */
  listen(key: K, next: (value: T) => void): () => void {
    if (this.disposed) return () => {}
    const listener: Listener<T> = { next }
    let bucket = this.buckets.get(key)
    if (bucket === undefined) this.buckets.set(key, (bucket = []))
    bucket.push(listener)
    return () => this.remove(key, listener)
  }

  /** Routes `source$` by `keyOf`; errors and completion reach every subscriber. */
  connect(source$: Observable<T>, keyOf: (value: T) => K): this {
    if (this.subscription === null && !this.disposed) {
      this.subscription = source$.subscribe({
        next: (value) => this.dispatch(keyOf(value), value),
        error: (err) => this.end((s) => s.error?.(err)),
        complete: () => this.end((s) => s.complete?.()),
      })
    }
    return this
  }

  /** Delivers `value` to `key`'s subscribers now, without going through the source. */
  dispatch(key: K, value: T): void {
    const bucket = this.buckets.get(key)
    if (bucket === undefined) return
    // Subscribers added during this dispatch wait for the next value; removal swaps in a new array.
    for (let i = 0, n = bucket.length; i < n; i++) {
      const s = bucket[i]!
      // One listener's throw is its own failure: the others on this key still get the value.
      try {
        s.next(value)
      } catch (err) {
        if (s.error !== undefined) s.error(err)
        else this.onListenerError(err, key)
      }
    }
  }

  /** Number of subscribers on `key`. */
  count(key: K): number {
    return this.buckets.get(key)?.length ?? 0
  }

  get keys(): number {
    return this.buckets.size
  }

  /** Completes every subscriber and stops routing, in one pass. */
  dispose(): void {
    this.end((s) => s.complete?.())
  }

  private end(notify: (s: Listener<T>) => void): void {
    if (this.disposed) return
    this.disposed = true
    this.subscription?.unsubscribe()
    const all = [...this.buckets.values()]
    this.buckets.clear()
    for (const bucket of all) for (const s of bucket) notify(s)
  }

  private remove(key: K, subscriber: Listener<T>): void {
    if (this.disposed) return
    const bucket = this.buckets.get(key)
    if (bucket === undefined) return
    const next = bucket.filter((s) => s !== subscriber)
    if (next.length === 0) this.buckets.delete(key)
    else this.buckets.set(key, next)
  }
}
