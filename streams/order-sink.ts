import { asyncScheduler, bufferTime, concat, concatMap, filter, from, ignoreElements, of, type ObservableInput, type OperatorFunction, type SchedulerLike } from 'rxjs'

export interface OrderSinkOptions<T> {
  /** Longest an event waits in memory before its batch is written. */
  readonly windowMs: number
  /** A batch is written as soon as it holds this many events. */
  readonly maxBatch: number
  /** Writes one batch (one transaction). Batches are written one at a time, in order. */
  readonly write: (batch: T[]) => ObservableInput<unknown>
  readonly scheduler?: SchedulerLike
}

/**
 * Persists events in batches without stalling their producers: `bufferTime` collects, empty windows
 * write nothing, `concatMap` writes one batch at a time. On completion the last partial batch is
 * written before the sink completes. Emits the size of every batch once it is written.
 * @example events$.pipe(orderSink({ windowMs: 250, maxBatch: 5000, write: (b) => store.write(b) }))
 */
export const orderSink =
  <T>(o: OrderSinkOptions<T>): OperatorFunction<T, number> =>
  (events$) =>
    events$.pipe(
      bufferTime(o.windowMs, null, o.maxBatch, o.scheduler ?? asyncScheduler),
      filter((batch) => batch.length > 0),
      concatMap((batch) => concat(from(o.write(batch)).pipe(ignoreElements()), of(batch.length))),
    )
