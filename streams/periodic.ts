import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs'

/**
 * Like `interval(periodMs, scheduler)`: 0, 1, 2, … every `periodMs`. Each tick is scheduled as a new
 * top-level action rather than by rescheduling the last one: rxjs's VirtualTimeScheduler nests every
 * rescheduled action inside the previous one, and hours of simulated ticks then overflow the stack
 * when torn down. Same emissions, flat teardown.
 */
export const periodic = (periodMs: number, scheduler: SchedulerLike = asyncScheduler, firstDelayMs = periodMs): Observable<number> =>
  new Observable<number>((subscriber) => {
    let n = 0
    let current: Subscription | null = null
    const next = (delay: number) => {
      current = scheduler.schedule(() => {
        if (subscriber.closed) return
        subscriber.next(n++)
        if (!subscriber.closed) next(periodMs)
      }, delay)
    }
    next(firstDelayMs)
    return () => current?.unsubscribe()
  })
