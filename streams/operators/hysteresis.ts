import { Observable, type OperatorFunction } from 'rxjs'
import type { Reading } from './reading'

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

/** Turns readings into a position weight (1, 0, −1) with separate entry and exit levels; emits on change only. */
export const hysteresis = (b: HysteresisBands): OperatorFunction<Reading, Reading> => (source) =>
  new Observable<Reading>((subscriber) => {
    let w = 0
    return source.subscribe({
      next: (r) => {
        const z = r.value
        let next = w
        if (w === 0) next = z <= b.longBelow ? 1 : b.shortAbove !== undefined && z >= b.shortAbove ? -1 : 0
        else if (w === 1 && z >= b.exitLongAbove) next = b.shortAbove !== undefined && z >= b.shortAbove ? -1 : 0
        else if (w === -1 && z <= (b.exitShortBelow ?? 0)) next = z <= b.longBelow ? 1 : 0
        if (next !== w) {
          w = next
          subscriber.next({ value: w, ts: r.ts })
        }
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    })
  })
