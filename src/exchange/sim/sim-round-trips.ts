import type { Observable, SchedulerLike, Subscriber } from 'rxjs'
import { DelayQueue } from '../../../streams/delay-queue.ts'
import { onSubscribe } from '../../../streams/on-subscribe.ts'
import { FinalExchangeError, RetryableExchangeError } from '../../domain/errors.ts'
import { gaussian } from '../../util/random.ts'

export interface RoundTripOptions {
  /** Mean round trip of every call, in ms. */
  readonly latencyMs: number
  /** Log-normal sigma of the round trip (0.25 → most calls within ±50 % of the mean). */
  readonly jitter?: number
  /** Share of new orders the venue rejects. */
  readonly rejectRate?: number
  /** Share of calls whose response is lost: the caller sees a timeout, the venue may have acted. */
  readonly timeoutRate?: number
  /** How long a caller waits for a lost response before it errors with a timeout. */
  readonly timeoutMs?: number
  /** Share of calls that reach the venue late (held `lateMs` × 0.5–1.5 on the way in). */
  readonly lateRate?: number
  /** Mean extra delay of a late call, ms (default 2 × timeoutMs). */
  readonly lateMs?: number
  /** An order request reaching the venue more than this after it was sent is refused (Binance's recvWindow; default 10 s). */
  readonly recvWindowMs?: number
}

/**
 * The simulator's wire: each request/response call takes a log-normal round trip, the venue acting
 * after half of it and the answer arriving after the other half, with faults injected by rate —
 * lost answers (a timeout; the venue may still have acted), late requests, orders refused outside
 * the recvWindow, and rejections. Everything runs on one delay queue on the given scheduler.
 */
export class SimRoundTrips {
  readonly timeoutMs: number
  private readonly jitter: number
  private readonly queue: DelayQueue
  private unacted = 0
  readonly counts = { calls: 0, timeouts: 0, late: 0, outsideRecvWindow: 0, rejects: 0 }

  constructor(
    private readonly o: RoundTripOptions,
    private readonly scheduler: SchedulerLike,
    /** The venue's draw stream, shared with its market data so a seed replays exactly. */
    private readonly rand: () => number,
  ) {
    this.queue = new DelayQueue(scheduler)
    this.jitter = o.jitter ?? 0.25
    this.timeoutMs = o.timeoutMs ?? Math.max(1000, 5 * o.latencyMs)
  }

  /**
   * One call: `atVenue(arg)` runs at the venue; its result (or throw) is the answer. `isOrder`: a new
   * order. Hot calls pass a function made once and their request as `arg` (see onSubscribe).
   */
  call<T, A = undefined>(atVenue: (arg: A) => T, isOrder = false, arg?: A): Observable<T> {
    return onSubscribe(startCall<T, A>, this, new CallSpec(atVenue, arg as A, isOrder))
  }

  /** @internal A subscribed call: on its way to the venue. */
  _send<T, A>(subscriber: Subscriber<T>, spec: CallSpec<T, A>): PendingCall<T, A> {
    this.counts.calls++
    this.unacted++
    const lost = (this.o.timeoutRate ?? 0) > 0 && this.rand() < this.o.timeoutRate!
    const late = (this.o.lateRate ?? 0) > 0 && this.rand() < this.o.lateRate!
    // One clock read per call (a 100k-strategy round sends ~40k): the send time is also when its way out starts.
    const now = this.scheduler.now()
    const c = new PendingCall(this, subscriber, spec, this.drawLatency(), lost, now)
    if (late) this.counts.late++
    this.queue.after(c.rtt / 2 + (late ? (this.o.lateMs ?? 2 * this.timeoutMs) * (0.5 + this.rand()) : 0), c, now)
    if (lost) {
      this.counts.timeouts++
      this.queue.after(this.timeoutMs, () => c.live && subscriber.error(new RetryableExchangeError(`no response within ${this.timeoutMs} ms`, 'timeout')), now)
    }
    return c
  }

  /** Runs `fn` after half a drawn round trip: a push from the venue on its way to us. */
  push(fn: () => void): void {
    this.queue.after(this.drawLatency() / 2, fn)
  }

  /** Requests sent that the venue has not acted on yet (on their way in). */
  get requestsInFlight(): number {
    return this.unacted
  }

  /** Calls and pushes still on their way. */
  get pending(): number {
    return this.queue.size
  }

  /** Drops everything on its way. */
  clear(): void {
    this.queue.clear()
    this.unacted = 0
  }

  /** @internal PendingCall's step at the venue. */
  _atVenue<T, A>(c: PendingCall<T, A>): void {
    this.unacted--
    try {
      const isOrder = c.spec.isOrder
      if (isOrder && this.scheduler.now() - c.sentAt > (this.o.recvWindowMs ?? 10_000)) {
        this.counts.outsideRecvWindow++
        throw new FinalExchangeError('Timestamp for this request is outside of the recvWindow.', 'rejected')
      }
      if (isOrder && (this.o.rejectRate ?? 0) > 0 && this.rand() < this.o.rejectRate!) {
        this.counts.rejects++
        throw new FinalExchangeError('order rejected by venue (simulated)', 'rejected')
      }
      c.result = c.spec.atVenue(c.spec.arg)
    } catch (err) {
      c.error = err
      c.failed = true
    }
    if (!c.lost) this.queue.after(c.rtt / 2, c)
  }

  private drawLatency(): number {
    const mean = this.o.latencyMs
    if (mean <= 0) return 0
    const s = this.jitter
    return mean * Math.exp(s * gaussian(this.rand) - (s * s) / 2)
  }
}

/** Long-lived, so its optimized code outlives each call (see onSubscribe). */
const startCall = <T, A>(subscriber: Subscriber<T>, wire: SimRoundTrips, spec: CallSpec<T, A>): PendingCall<T, A> => wire._send(subscriber, spec)

/** What a call asks of the venue (one object made by `call`, shared by every subscription). */
class CallSpec<T, A> {
  constructor(
    readonly atVenue: (arg: A) => T,
    readonly arg: A,
    readonly isOrder: boolean,
  ) {}
}

/** One call in flight: a single object per call (rather than a closure per step) keeps the GC light at 100k calls. */
class PendingCall<T, A> {
  atVenueDone = false
  live = true
  failed = false
  result: T | undefined = undefined
  error: unknown = undefined

  constructor(
    private readonly wire: SimRoundTrips,
    private readonly subscriber: Subscriber<T>,
    readonly spec: CallSpec<T, A>,
    readonly rtt: number,
    readonly lost: boolean,
    readonly sentAt: number,
  ) {}

  run(): void {
    if (!this.atVenueDone) {
      this.atVenueDone = true
      this.wire._atVenue(this)
      return
    }
    if (!this.live) return
    if (this.failed) this.subscriber.error(this.error)
    else {
      this.subscriber.next(this.result as T)
      this.subscriber.complete()
    }
  }

  /** Teardown: the caller stopped waiting; the venue still acts. */
  unsubscribe(): void {
    this.live = false
  }
}
