import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs'

/** What the queue holds of an action: its current place, and how to run it. */
interface Queued {
  readonly seq: number
  execute(): void
}

interface Entry {
  readonly at: number
  readonly seq: number
  readonly action: Queued
}

/** One scheduled piece of work; rescheduling moves it (its earlier place in the queue goes stale). */
class ReplayAction<T> extends Subscription implements SchedulerAction<T> {
  /** The place it holds in the queue now (0: none). */
  seq = 0
  private state: T | undefined

  constructor(
    private readonly scheduler: ReplayScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super()
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    this.state = state
    this.seq = this.scheduler.enqueue(this, delay)
    return this
  }

  execute(): void {
    this.seq = 0
    this.work(this.state)
  }

  override unsubscribe(): void {
    this.seq = 0
    super.unsubscribe()
  }
}

/**
 * Virtual time for replays: what rxjs's VirtualTimeScheduler does, with a binary heap instead of a
 * sorted array (which it re-sorts on every schedule — thousands of answers queued at one bar's
 * time made each schedule O(n log n)). Work due at the same time runs in the order it was
 * scheduled; `advanceTo(t)` runs everything due by `t` and leaves the clock at `t`.
 */
export class ReplayScheduler implements SchedulerLike {
  private frame: number
  private heap: Entry[] = []
  private seq = 0

  constructor(start = 0) {
    this.frame = start
  }

  now(): number {
    return this.frame
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ReplayAction(this, work).schedule(state, delay)
  }

  /** @internal queues `action` at now + delay; returns its place. */
  enqueue(action: Queued, delay: number): number {
    const e: Entry = { at: this.frame + Math.max(0, delay), seq: ++this.seq, action }
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(e, h[p]!)) break
      h[i] = h[p]!
      i = p
    }
    h[i] = e
    return e.seq
  }

  /** Runs every piece of work due by `t`, in time order, then sets the clock to `t`. */
  advanceTo(t: number): void {
    const h = this.heap
    while (h.length > 0 && h[0]!.at <= t) {
      const e = this.pop()
      // A stale place: the action was rescheduled or cancelled since.
      if (e.action.seq !== e.seq) continue
      this.frame = e.at
      e.action.execute()
    }
    if (t > this.frame) this.frame = t
  }

  /** Work still queued (stale places included). */
  get queued(): number {
    return this.heap.length
  }

  private pop(): Entry {
    const h = this.heap
    const top = h[0]!
    const last = h.pop()!
    if (h.length > 0) {
      let i = 0
      const n = h.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && before(h[r]!, h[l]!) ? r : l
        if (!before(h[c]!, last)) break
        h[i] = h[c]!
        i = c
      }
      h[i] = last
    }
    return top
  }
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)
