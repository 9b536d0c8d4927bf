import { Observable } from 'rxjs'

/**
 * At most `limit` new-order requests handed to ccxt at once; the rest wait here, in order. ccxt
 * queues requests in its own throttle where nothing can call them back, so without this gate a
 * burst of thousands of orders is already on its way when the venue's first 429 returns, and the
 * IP earns a ban. Here each waiting request asks `refusal()` just before it goes: while the venue's
 * Retry-After runs, it fails at once instead of being sent. A request whose caller stopped waiting
 * is dropped before it is sent.
 */
export class SendGate {
  private sending = 0
  private waiting: (() => void)[] = []
  private head = 0
  private draining = false

  constructor(
    private readonly limit: number,
    private readonly refusal: () => Error | null,
  ) {}

  /** Requests waiting for their turn. */
  get queued(): number {
    return this.waiting.length - this.head
  }

  run<T>(send: () => Promise<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      let dropped = false
      const go = () => {
        if (dropped) return this.done()
        const refused = this.refusal()
        if (refused !== null) {
          subscriber.error(refused)
          this.done()
          return
        }
        let p: Promise<T>
        try {
          p = send()
        } catch (err) {
          subscriber.error(err)
          this.done()
          return
        }
        p.then(
          (v) => {
            subscriber.next(v)
            subscriber.complete()
            this.done()
          },
          (err: unknown) => {
            subscriber.error(err)
            this.done()
          },
        )
      }
      this.waiting.push(go)
      this.drain()
      return () => {
        dropped = true
      }
    })
  }

  private done(): void {
    this.sending--
    this.drain()
  }

  /** Starts waiting requests while there is room — in a loop, not by recursion: thousands may be refused in a row. */
  private drain(): void {
    if (this.draining) return
    this.draining = true
    while (this.sending < this.limit && this.head < this.waiting.length) {
      const next = this.waiting[this.head]!
      this.waiting[this.head++] = undefined as never
      this.sending++
      next()
    }
    if (this.head > 1_024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head)
      this.head = 0
    }
    this.draining = false
  }
}
