import type { Logger } from 'pino'

export type StopSignal = 'SIGINT' | 'SIGTERM'

export interface StopSignalOptions {
  /** After this long into a graceful stop, another signal forces the exit. */
  readonly graceMs: number
  /**
   * Signals this close to the previous one are copies of the same request: a Ctrl-C reaches npm,
   * sh and node at once, and npm relays it again.
   */
  readonly burstMs?: number
  readonly log?: Logger
  /** The first signal: begin the graceful stop. */
  readonly onStop: (signal: StopSignal) => void
  /** A signal after the grace period, or the third distinct one: save what can be saved, then exit. */
  readonly onForce: (signal: StopSignal) => void
  readonly now?: () => number
  /** Where to listen (a test passes an EventEmitter). */
  readonly target?: Pick<NodeJS.Process, 'on' | 'off'>
}

/** Exit code of a forced stop: the shell's convention for death by that signal. */
export const forcedExitCode = (signal: StopSignal): number => (signal === 'SIGINT' ? 130 : 143)

/**
 * Turns SIGINT/SIGTERM, however many and from wherever, into one graceful stop. The listeners stay
 * installed for the whole stop: `process.once` would leave the second copy of a group signal to
 * Node's default handler, which kills the process in the middle of the flush.
 */
export class StopSignals {
  private first: number | null = null
  private last = -Infinity
  private presses = 0
  private readonly now: () => number
  private readonly target: Pick<NodeJS.Process, 'on' | 'off'>
  private readonly handler = (signal: StopSignal) => this.receive(signal)
  /** Signals received, copies included. */
  received = 0

  constructor(private readonly o: StopSignalOptions) {
    this.now = o.now ?? (() => performance.now())
    this.target = o.target ?? process
    this.target.on('SIGINT', this.handler)
    this.target.on('SIGTERM', this.handler)
  }

  get stopping(): boolean {
    return this.first !== null
  }

  receive(signal: StopSignal): void {
    const t = this.now()
    this.received++
    if (this.first === null) {
      this.first = this.last = t
      this.presses = 1
      this.o.onStop(signal)
      return
    }
    const copy = t - this.last < (this.o.burstMs ?? 1_000)
    this.last = t
    if (copy) {
      this.o.log?.debug({ signal }, 'stop already in progress: copy of the same signal ignored')
      return
    }
    this.presses++
    if (this.presses >= 3 || t - this.first >= this.o.graceMs) {
      this.o.log?.warn({ signal, presses: this.presses, sinceStopMs: Math.round(t - this.first) }, 'forced stop: saving unwritten events and exiting')
      this.o.onForce(signal)
      return
    }
    this.o.log?.warn({ signal, graceS: this.o.graceMs / 1000 }, 'stop in progress: signal ignored (a third one, or one after the grace period, forces the exit)')
  }

  dispose(): void {
    this.target.off('SIGINT', this.handler)
    this.target.off('SIGTERM', this.handler)
  }
}
