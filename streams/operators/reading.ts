/** A number at a time: a price, an indicator value, a z-score. */
export interface Reading {
  readonly value: number
  readonly ts: number
  /** Set on price readings of a shared market stream (see shared-series.ts): the series and this reading's place in it. */
  readonly series?: Series
  readonly n?: number
}

/** One symbol's prices on one engine's market stream, and the indicators computed on them once for every pipeline. */
export interface Series {
  n: number
  lastEvent: unknown
  lastReading: Reading | null
  readonly memo: Map<string, { readonly ind: { add(x: number): number | null }; n: number; value: number | null }>
}
