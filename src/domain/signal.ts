/** +1 enter, -1 exit, 0 nothing to do (seed 000's three signal kinds). */
export type SignalValue = 1 | -1 | 0

/** One scheduled signal for one strategy group. */
export interface Signal {
  readonly kind: 'signal'
  readonly group: number
  readonly value: SignalValue
  readonly round: number
  readonly ts: number
}

/** Every group's signal for one scheduled round; `values[g]` is group g's signal. */
export interface SignalRound {
  readonly round: number
  readonly ts: number
  readonly values: Int8Array
}

export const signalName = (v: SignalValue): 'enter' | 'exit' | 'none' => (v === 1 ? 'enter' : v === -1 ? 'exit' : 'none')
