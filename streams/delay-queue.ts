import type { SchedulerLike, Subscription } from 'rxjs'

/** A queued piece of work: a function, or an object with `run()` (no closure per item). */
export type Task = (() => void) | { run(): void }

/**
 * Runs callbacks at due times on one scheduler action, however many are pending: a binary heap
 * ordered by (due, insertion). rxjs's `timer` per call would cost an AsyncAction (and a Node
 * timer) each; the simulator keeps tens of thousands of calls in flight.
 */
export class DelayQueue {
  private due: number[] = []
  private seq: number[] = []
  private fns: Task[] = []
  private counter = 0
  private action: Subscription | null = null
  private scheduledFor = Infinity
  private running = false

  constructor(private readonly scheduler: SchedulerLike) {}

  get size(): number {
    return this.fns.length
  }

  /** Runs `fn` `delayMs` from now (scheduler time; `now`: the caller's reading of it, if it has one). */
  after(delayMs: number, fn: Task, now = this.scheduler.now()): void {
    this.push(now + Math.max(0, delayMs), fn)
  }

  push(at: number, fn: Task): void {
    let i = this.fns.length
    const s = this.counter++
    this.due.push(at)
    this.seq.push(s)
    this.fns.push(fn)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (this.before(p, at, s)) break
      this.move(p, i)
      i = p
    }
    this.due[i] = at
    this.seq[i] = s
    this.fns[i] = fn
    if (!this.running && at < this.scheduledFor) this.arm(at)
  }

  /** Drops everything pending. */
  clear(): void {
    this.due = []
    this.seq = []
    this.fns = []
    this.action?.unsubscribe()
    this.action = null
    this.scheduledFor = Infinity
  }

  private before(i: number, at: number, s: number): boolean {
    const d = this.due[i]!
    return d < at || (d === at && this.seq[i]! < s)
  }

  private move(from: number, to: number): void {
    this.due[to] = this.due[from]!
    this.seq[to] = this.seq[from]!
    this.fns[to] = this.fns[from]!
  }

  private pop(): Task {
    const top = this.fns[0]!
    const lastDue = this.due.pop()!
    const lastSeq = this.seq.pop()!
    const lastFn = this.fns.pop()!
    const n = this.fns.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && this.before(r, this.due[l]!, this.seq[l]!) ? r : l
        if (!this.before(c, lastDue, lastSeq)) break
        this.move(c, i)
        i = c
      }
      this.due[i] = lastDue
      this.seq[i] = lastSeq
      this.fns[i] = lastFn
    }
    return top
  }

  private arm(at: number): void {
    this.action?.unsubscribe()
    this.scheduledFor = at
    this.action = this.scheduler.schedule(() => this.run(), Math.max(0, at - this.scheduler.now()))
  }

  private run(): void {
    this.action = null
    this.scheduledFor = Infinity
    this.running = true
    try {
      const now = this.scheduler.now()
      while (this.fns.length > 0 && this.due[0]! <= now) {
        const t = this.pop()
        if (typeof t === 'function') t()
        else t.run()
      }
    } finally {
      this.running = false
      if (this.fns.length > 0) this.arm(this.due[0]!)
    }
  }
}
