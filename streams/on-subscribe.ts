import { Observable, type Subscriber, type TeardownLogic } from 'rxjs'

/**
 * `new Observable((subscriber) => start(subscriber, a, b, c))` without the closure: `start` is one
 * long-lived function and the arguments ride on the Observable.
 *
 * Why it matters: V8 holds a function's optimized code only weakly from its feedback, strongly from
 * the live closures that run it. A closure made per order (one per call, action or child) dies with
 * its order, so every full collection threw away the optimized code of the order path's subscribe
 * functions; the next signal round ran them unoptimized while TurboFan compiled them again on the
 * other core — at 10k strategies that round took 25–50 ms instead of ~15 (`--trace-opt`: the same
 * six functions re-optimized after each mark-compact). A long-lived `start` keeps its code.
 *
 * It overrides `_subscribe`, RxJS's hook for the subscribe function (internal in its typings, stable
 * in 7.x); `Inlet` is the other Observable subclass, and `LightSubscriber` the Subscriber one.
 */
class Started<T, A, B, C> extends Observable<T> {
  constructor(
    private readonly start: (subscriber: Subscriber<T>, a: A, b: B, c: C) => TeardownLogic,
    private readonly a: A,
    private readonly b: B,
    private readonly c: C,
  ) {
    super()
  }

  /** @internal RxJS calls this with the subscriber on each subscribe. */
  _subscribe(subscriber: Subscriber<T>): TeardownLogic {
    return this.start(subscriber, this.a, this.b, this.c)
  }
}

/** An Observable that runs `start(subscriber, a, b, c)` on each subscribe. Pass a module-level function (or a bound method made once), never an arrow made per call. */
export function onSubscribe<T, A, B = undefined, C = undefined>(start: (subscriber: Subscriber<T>, a: A, b: B, c: C) => TeardownLogic, a: A, b?: B, c?: C): Observable<T> {
  return new Started<T, A, B, C>(start, a, b as B, c as C)
}

/**
 * `observable.subscribe(subscriber)` for a Subscriber, the same teardown and error rule, without
 * RxJS's per-call closure and checks when `observable` is an `onSubscribe` one — each strategy's
 * action is, and a 100k-strategy round starts ~40k of them.
 */
export function subscribeInto<T>(observable: Observable<T>, subscriber: Subscriber<T>): void {
  if (!(observable instanceof Started)) {
    observable.subscribe(subscriber)
    return
  }
  let teardown: TeardownLogic
  try {
    teardown = observable._subscribe(subscriber)
  } catch (err) {
    subscriber.error(err)
    return
  }
  subscriber.add(teardown)
}
