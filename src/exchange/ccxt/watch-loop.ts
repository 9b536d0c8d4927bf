/** What a watch loop tells about its connection. */
export interface WatchLoopEvents {
  /** The watch failed (connection cut, subscription refused, book out of sync); it is retried after `retryInMs`. */
  onDown?(err: unknown, retryInMs: number): void
  /** The first result after a failure: the stream is subscribed again. */
  onUp?(): void
}

export interface WatchLoopOptions extends WatchLoopEvents {
  readonly minBackoffMs?: number
  readonly maxBackoffMs?: number
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.())

/**
 * Calls one ccxt.pro `watch*` method again and again, handing each result on. ccxt drops a client
 * whose connection closed, so calling again after a failure reconnects and resubscribes (and, for an
 * order book, fetches a new snapshot): the loop only has to back off between tries (doubling from
 * `minBackoffMs` up to `maxBackoffMs`) and say when the stream went down and came back.
 */
export class WatchLoop<T> {
  state: 'starting' | 'up' | 'down' | 'stopped' = 'starting'
  failures = 0
  private stopped = false

  constructor(
    readonly name: string,
    private readonly call: () => Promise<T>,
    private readonly onResult: (r: T) => void,
    private readonly o: WatchLoopOptions = {},
  ) {}

  start(): this {
    void this.run()
    return this
  }

  stop(): void {
    this.stopped = true
    this.state = 'stopped'
  }

  private async run(): Promise<void> {
    const min = this.o.minBackoffMs ?? 100
    const max = this.o.maxBackoffMs ?? 5_000
    let backoff = min
    while (!this.stopped) {
      try {
        const r = await this.call()
        if (this.stopped) return
        const recovered = this.state === 'down'
        this.state = 'up'
        backoff = min
        if (recovered) this.o.onUp?.()
        this.onResult(r)
      } catch (err) {
        if (this.stopped) return
        this.state = 'down'
        this.failures++
        this.o.onDown?.(err, backoff)
        await sleep(backoff)
        backoff = Math.min(max, backoff * 2)
      }
    }
  }
}
