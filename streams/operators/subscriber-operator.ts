import { Observable, type OperatorFunction, type Subscriber } from 'rxjs'
import { LightSubscriber } from '../light-subscriber.ts'

/**
 * Builds an operator whose whole per-subscription state is one `Subscriber` subclass: no
 * OperatorSubscriber closures and no SafeSubscriber wrapper. A strategy pipeline is a handful of
 * operators and 100k distinct pipelines may be alive, so this is where their memory goes.
 * The subclass overrides `_next` (and `_complete`/`_error` when it must) and writes to `this.destination`.
 */
export const subscriberOperator =
  <T, R>(make: (destination: Subscriber<R>) => Subscriber<T>): OperatorFunction<T, R> =>
  (source) =>
    new Observable<R>((destination) => source.subscribe(make(destination)))

/**
 * A Subscriber that forwards to `destination` and typechecks it as a Subscriber of R. A throw in
 * `_next` becomes this pipeline's error, as RxJS's own OperatorSubscriber does it: it never unwinds
 * into whoever delivered the value (the router, and every other pipeline after this one).
 */
export abstract class Stage<T, R> extends LightSubscriber<T> {
  constructor(protected readonly out: Subscriber<R>) {
    super(out)
  }

  override next(value: T): void {
    try {
      super.next(value)
    } catch (err) {
      this.error(err)
    }
  }
}
