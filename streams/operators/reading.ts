/** A number at a time: a price, an indicator value, a z-score. */
export interface Reading {
  readonly value: number
  readonly ts: number
}
