import { Subscriber } from 'rxjs'

/**
 * The one place shoal subclasses RxJS's `Subscriber`. Why: 100k actors each keep a pipeline stage,
 * an in-flight lane and a pending call alive, and a subclass that overrides `_next`/`_error`/
 * `_complete` is one object where `subscribe({ next, error })` costs a SafeSubscriber, a wrapped
 * observer and closures (8.3 KB → 2.6 KB per distinct pipeline when measured). Subclassing is
 * deprecated as public API in RxJS 7.8 and internal in 8: an upgrade changes this file, and the
 * subclasses (Stage, Lane, Placement, Deadline, InstanceSubscriber) keep their `_next`/`_error`/
 * `_complete` overrides.
 */
export abstract class LightSubscriber<T> extends Subscriber<T> {}
