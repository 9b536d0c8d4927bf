import { from, Observable, type ObservableInput, type OperatorFunction, type Subscriber } from 'rxjs'
import { LightSubscriber } from './light-subscriber.ts'
import { subscribeInto } from './on-subscribe.ts'
import { reportUnhandled } from './report-unhandled.ts'

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
  /**
   * A key's action failed: its inner observable errored, or `project`/`wanted` threw for it. Only
   * that lane ends (the key is released, a value held for it is dropped); the output goes on.
   * Default: the error is rethrown on a fresh stack, as RxJS reports an unhandled error.
   */
  readonly onError?: (key: K, err: unknown) => void
  /**
   * Where a key's in-flight lane is kept. Default: a Map. A caller whose keys are its own objects can
   * keep it in a field of the key instead, which avoids a Map entry per action in flight.
   */
  readonly slots?: LaneSlots<K>
}

/** Storage for the lane of each busy key. */
export interface LaneSlots<K> {
  get(key: K): object | undefined
  set(key: K, lane: object | undefined): void
}

const mapSlots = <K>(): LaneSlots<K> => {
  const m = new Map<K, object>()
  return { get: (k) => m.get(k), set: (k, lane) => (lane === undefined ? m.delete(k) : m.set(k, lane)) }
}

/**
 * One key's action in flight. A Subscriber subclass, so subscribing it to the inner observable
 * allocates no wrapper or closures: 100k of these may be alive at once.
 */
class Lane<T, K, R> extends LightSubscriber<R> {
  latest: T | undefined = undefined
  hasLatest = false
  /** Intrusive list of live lanes, for teardown without a Set entry per lane. */
  prev: Lane<T, K, R> | null = null
  nextLane: Lane<T, K, R> | null = null

  constructor(
    readonly key: K,
    private readonly out: Subscriber<R>,
    private readonly onEnd: (lane: Lane<T, K, R>, err?: unknown) => void,
  ) {
    super()
  }

  protected override _next(value: R): void {
    this.out.next(value)
  }

  protected override _error(err: unknown): void {
    this.unsubscribe()
    this.onEnd(this, err ?? new Error('inner observable errored'))
  }

  protected override _complete(): void {
    this.unsubscribe()
    this.onEnd(this)
  }
}

/**
 * The operator's own subscriber to its source: a value goes straight to `arrive`, without the
 * wrapped observer a `subscribe({ next })` puts in between (one hop per acting strategy).
 */
class Arrivals<T> extends LightSubscriber<T> {
  constructor(
    private readonly arrive: (value: T) => void,
    private readonly fail: (err: unknown) => void,
    private readonly done: () => void,
  ) {
    super()
  }

  protected override _next(value: T): void {
    // As RxJS's own observer wrapper does: a throw here is reported, never thrown into the sender's loop.
    try {
      this.arrive(value)
    } catch (err) {
      reportUnhandled(err)
    }
  }

  protected override _error(err: unknown): void {
    this.unsubscribe()
    this.fail(err)
  }

  protected override _complete(): void {
    this.unsubscribe()
    this.done()
  }
}

/**
 * `exhaustMap` per key, with latest-wins: while a key's action is in flight, new values for that key
 * start nothing; when it ends, the latest of them is projected if it is still `wanted`. Nothing lost,
 * nothing doubled. Unlike `groupBy` + `exhaustMap`, an idle key costs nothing: state exists only
 * for keys with an action in flight.
 * @example intents$.pipe(exhaustLatestBy(execute, { key: (x) => x.actor, wanted: (x) => differs(x) }))
 */
export function exhaustLatestBy<T, K, R>(project: (value: T) => ObservableInput<R>, options: ExhaustLatestOptions<T, K>): OperatorFunction<T, R> {
  const { key: keyOf, wanted, onBusy } = options
  const onError = options.onError ?? ((_: K, err: unknown) => reportUnhandled(err))
  return (source) =>
    new Observable<R>((subscriber) => {
      const slots = options.slots ?? mapSlots<K>()
      let head: Lane<T, K, R> | null = null
      let active = 0
      let sourceDone = false

      const start = (key: K, value: T): void => {
        const lane = new Lane<T, K, R>(key, subscriber, end)
        slots.set(key, lane)
        lane.nextLane = head
        if (head !== null) head.prev = lane
        head = lane
        active++
        let inner: Observable<R>
        try {
          inner = from(project(value))
        } catch (err) {
          // The lane was registered first so that a synchronous end inside project finds it; undo it.
          return end(lane, err)
        }
        subscribeInto(inner, lane)
      }

      const isWanted = (key: K, value: T): boolean => {
        if (wanted === undefined) return true
        try {
          return wanted(value)
        } catch (err) {
          onError(key, err)
          return false
        }
      }

      const unlink = (lane: Lane<T, K, R>): void => {
        if (lane.prev !== null) lane.prev.nextLane = lane.nextLane
        else if (head === lane) head = lane.nextLane
        if (lane.nextLane !== null) lane.nextLane.prev = lane.prev
        lane.prev = lane.nextLane = null
        active--
      }

      const end = (lane: Lane<T, K, R>, err?: unknown): void => {
        const key = lane.key
        if (slots.get(key) === lane) slots.set(key, undefined)
        if (lane.prev !== null || lane.nextLane !== null || head === lane) unlink(lane)
        if (err !== undefined) {
          lane.latest = undefined
          lane.hasLatest = false
          onError(key, err)
        } else if (lane.hasLatest) {
          const next = lane.latest as T
          lane.latest = undefined
          lane.hasLatest = false
          if (isWanted(key, next)) return start(key, next)
        }
        if (sourceDone && active === 0) subscriber.complete()
      }

      const sub = source.subscribe(
        new Arrivals<T>(
          (value) => {
            const key = keyOf(value)
            const lane = slots.get(key) as Lane<T, K, R> | undefined
            if (lane !== undefined) {
              lane.latest = value
              lane.hasLatest = true
              onBusy?.(value)
            } else if (isWanted(key, value)) {
              start(key, value)
            }
          },
          (err) => subscriber.error(err),
          () => {
            sourceDone = true
            if (active === 0) subscriber.complete()
          },
        ),
      )

      return () => {
        sub.unsubscribe()
        for (let lane = head; lane !== null; lane = lane.nextLane) {
          slots.set(lane.key, undefined)
          lane.unsubscribe()
        }
        head = null
        active = 0
      }
    })
}
