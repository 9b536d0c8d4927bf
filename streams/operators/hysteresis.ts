import type { OperatorFunction, Subscriber } from 'rxjs'
import { Stage, subscriberOperator } from './subscriber-operator.ts'
import type { Reading } from './reading.ts'

export interface HysteresisBands {
  /** Go long (1) when the reading falls to or below this. */
  readonly longBelow: number
  /** Go flat (0) from long when the reading rises to or above this. */
  readonly exitLongAbove: number
  /** Go short (−1) when the reading rises to or above this (omit for long-only). */
  readonly shortAbove?: number
  /** Go flat from short when the reading falls to or below this. */
  readonly exitShortBelow?: number
}

class Hysteresis extends Stage<Reading, Reading> {
  private w = 0

  constructor(
    out: Subscriber<Reading>,
    private readonly b: HysteresisBands,
  ) {
    super(out)
  }

  protected override _next(r: Reading): void {
    const { b, w } = this
    const z = r.value
    let next = w
    if (w === 0) next = z <= b.longBelow ? 1 : b.shortAbove !== undefined && z >= b.shortAbove ? -1 : 0
    else if (w === 1 && z >= b.exitLongAbove) next = b.shortAbove !== undefined && z >= b.shortAbove ? -1 : 0
    else if (w === -1 && z <= (b.exitShortBelow ?? 0)) next = z <= b.longBelow ? 1 : 0
    if (next !== w) {
      this.w = next
      this.out.next({ value: next, ts: r.ts })
    }
  }
}

/** Turns readings into a position weight (1, 0, −1) with separate entry and exit levels; emits on change only. */
export const hysteresis = (b: HysteresisBands): OperatorFunction<Reading, Reading> => subscriberOperator((out) => new Hysteresis(out, b))
