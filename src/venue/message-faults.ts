import type { WebSocket } from 'ws'
import { prng } from '../util/random.ts'

export interface MessageFaultOptions {
  /** Share of pushed messages never sent. */
  readonly dropRate?: number
  /** Share sent twice. */
  readonly duplicateRate?: number
  /** Share held back by 0.5–1.5 × `delayMs`, so later messages overtake them. */
  readonly delayRate?: number
  readonly delayMs?: number
  /** Share of pushed messages that instead cut the connection (as a network fault: no close frame). */
  readonly disconnectRate?: number
  readonly seed?: number
}

/**
 * What a flaky network does to a venue's pushed messages, drawn from a seeded stream so a test run
 * can be repeated. Only pushes pass through here; answers to requests are never faulted, as a lost
 * answer looks to the client like any other cut connection.
 */
export class MessageFaults {
  readonly counts = { sent: 0, dropped: 0, duplicated: 0, delayed: 0, disconnects: 0 }
  private readonly rand: () => number
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly o: MessageFaultOptions = {}) {
    this.rand = prng((o.seed ?? 1) ^ 0xfa017)
  }

  get active(): boolean {
    const o = this.o
    return (o.dropRate ?? 0) + (o.duplicateRate ?? 0) + (o.delayRate ?? 0) + (o.disconnectRate ?? 0) > 0
  }

  send(socket: WebSocket, text: string): void {
    if (socket.readyState !== socket.OPEN) return
    const o = this.o
    if (!this.active) {
      this.counts.sent++
      socket.send(text)
      return
    }
    if (this.rand() < (o.disconnectRate ?? 0)) {
      this.counts.disconnects++
      socket.terminate()
      return
    }
    if (this.rand() < (o.dropRate ?? 0)) {
      this.counts.dropped++
      return
    }
    const copies = this.rand() < (o.duplicateRate ?? 0) ? 2 : 1
    if (copies === 2) this.counts.duplicated++
    if (this.rand() < (o.delayRate ?? 0)) {
      this.counts.delayed++
      const t = setTimeout(
        () => {
          this.timers.delete(t)
          for (let i = 0; i < copies; i++) this.sendNow(socket, text)
        },
        (o.delayMs ?? 200) * (0.5 + this.rand()),
      )
      this.timers.add(t)
      return
    }
    for (let i = 0; i < copies; i++) this.sendNow(socket, text)
  }

  private sendNow(socket: WebSocket, text: string): void {
    if (socket.readyState !== socket.OPEN) return
    this.counts.sent++
    socket.send(text)
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}
