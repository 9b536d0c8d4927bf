import { from, Observable, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs'

export interface ExhaustLatestOptions<T, K> {
  /** Which lane a value belongs to (the strategy actor). One action in flight per key. */
  readonly key: (value: T) => K
  /**
   * Whether a value should start an action: checked on arrival at an idle key and, for the latest
   * value that arrived while the key was busy, again when the action ends.
   */
  readonly wanted?: (value: T) => boolean
  /** Called for every value that arrives while its key is busy (it starts nothing). */
  readonly onBusy?: (value: T) => void
}

interface Lane<T> {
  latest: T | undefined
  hasLatest: boolean
  inner: Subscription | null
  done: boolean
}

/**
 * `exhaustMap` per key, with latest-wins: while a key's action is in flight, new values for that key
 * start nothing; when it ends, the latest of them is projected if it is still `wanted`. Nothing lost,
 * nothing doubled. Unlike `groupBy` + `exhaustMap`, an idle key costs nothing: state exists only
 * for keys with an action in flight.
 * @example intents$.pipe(exhaustLatestBy(execute, { key: (x) => x.actor, wanted: (x) => differs(x) }))
 */
export function exhaustLatestBy<T, K, R>(
  project: (value: T) => ObservableInput<R>,
  options: ExhaustLatestOptions<T, K>,
): OperatorFunction<T, R> {
  const { key: keyOf, wanted, onBusy } = options
  return (source) =>
    new Observable<R>((subscriber) => {
      const lanes = new Map<K, Lane<T>>()
      let sourceDone = false

      const start = (key: K, value: T): void => {
        const lane: Lane<T> = { latest: undefined, hasLatest: false, inner: null, done: false }
        lanes.set(key, lane)
        const inner = from(project(value)).subscribe({
          next: (r) => subscriber.next(r),
          error: (err) => subscriber.error(err),
          complete: () => end(key, lane),
        })
        if (lane.done) inner.unsubscribe()
        else lane.inner = inner
      }

      const end = (key: K, lane: Lane<T>): void => {
        lane.done = true
        lane.inner = null
        lanes.delete(key)
        if (lane.hasLatest) {
          const next = lane.latest as T
          lane.latest = undefined
          if (wanted === undefined || wanted(next)) return start(key, next)
        }
        if (sourceDone && lanes.size === 0) subscriber.complete()
      }

      const sub = source.subscribe({
        next: (value) => {
          const key = keyOf(value)
          const lane = lanes.get(key)
          if (lane !== undefined) {
            lane.latest = value
            lane.hasLatest = true
            onBusy?.(value)
          } else if (wanted === undefined || wanted(value)) {
            start(key, value)
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true
          if (lanes.size === 0) subscriber.complete()
        },
      })

      return () => {
        sub.unsubscribe()
        for (const lane of lanes.values()) lane.inner?.unsubscribe()
        lanes.clear()
      }
    })
}

