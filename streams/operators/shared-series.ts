import type { Reading, Series } from './reading.ts'

/**
 * Identical sub-computations, computed once. While an engine dispatches one market event to its
 * pipelines it names its stream (the "tape"); every `prices(symbol)` stage on that tape then emits
 * the same reading object, numbered in its series, and an indicator with the same label (sma(50),
 * ema(12)…) on that series is updated once per reading and read by every pipeline that uses it — a
 * grid of 2,000 SMA-cross combinations on one symbol updates its 90 distinct SMAs, not 4,000.
 * Outside an engine's dispatch (marble tests, hand-built pipes) nothing is shared.
 */
let tape: object | null = null
const seriesByTape = new WeakMap<object, Map<string, Series>>()

/** What an indicator needs to be shared: feed a number, get its value once warm (see indicator.ts). */
type NumericIndicator = { add(input: number): number | null }

/** Runs the synchronous dispatch of one market event under `owner`'s tape. */
export function onTape(owner: object, dispatch: () => void): void {
  const outer = tape
  tape = owner
  try {
    dispatch()
  } finally {
    tape = outer
  }
}

/** The tape being dispatched (null outside a dispatch): stages cache their series per tape. */
export const currentTape = (): object | null => tape

/** The series of `symbol` on the tape being dispatched, or null outside a dispatch. */
export function currentSeries(symbol: string): Series | null {
  if (tape === null) return null
  let bySymbol = seriesByTape.get(tape)
  if (bySymbol === undefined) seriesByTape.set(tape, (bySymbol = new Map()))
  let s = bySymbol.get(symbol)
  if (s === undefined) bySymbol.set(symbol, (s = { n: 0, lastEvent: null, lastReading: null, memo: new Map() }))
  return s
}

/** How a pipeline has read its series so far (see followsSeries). */
export interface SeriesFollower {
  /** Still reading the series as it is: every reading, the series' own objects. */
  shared: boolean
  /** The number of the last series reading it took (0: none yet). */
  n: number
}

/**
 * Whether `r` keeps `f` reading its series as it is — the condition for using anything computed once
 * for the series. Only the series' own reading object counts: an operator upstream that made a new
 * reading from it (`map((r) => ({ ...r, value: Math.log(r.value) }))` keeps series and number) is
 * another computation. And a pipeline whose readings skip one (an upstream filter) sees another
 * history. Either ends sharing for good; the pipeline keeps to its own from then on.
 */
export function followsSeries(f: SeriesFollower, r: Reading): boolean {
  if (!f.shared) return false
  const s = r.series
  if (s === undefined || r !== s.lastReading || (f.n !== 0 && r.n !== f.n + 1)) {
    f.shared = false
    return false
  }
  f.n = r.n!
  return true
}

/** The copy of one indicator computed once for a series: updated at most once per reading. */
export type SharedIndicator = Series['memo'] extends Map<string, infer M> ? M : never

/** Series `s`'s copy of indicator `label`, made at its first use. */
export function sharedIndicator(s: Series, label: string, create: () => NumericIndicator): SharedIndicator {
  let m = s.memo.get(label)
  if (m === undefined) s.memo.set(label, (m = { ind: create(), n: 0, value: null }))
  return m
}

/**
 * The value of the shared copy `m` after reading `r` of its series (fed `r` if it is the next one),
 * or undefined when `m` is out of step with `r` (it missed earlier readings: a late joiner's new label).
 */
export function sharedValue(m: SharedIndicator, r: Reading): number | null | undefined {
  if (m.n === r.n) return m.value
  if (m.n !== r.n! - 1) return undefined
  const v = m.ind.add(r.value)
  m.value = v === undefined ? null : v
  m.n = r.n!
  return m.value
}

/** Feeds a pipeline's own indicator copy. */
export function ownValue(ind: NumericIndicator, r: Reading): number | null {
  const v = ind.add(r.value)
  return v === undefined ? null : v
}

/** A pipeline's own copy of an indicator (made only once it needs one), and the shared copy it last used. */
export interface OwnIndicator extends SeriesFollower {
  ind: NumericIndicator | null
  series?: Series
  memo?: SharedIndicator
}

/**
 * A pipeline's own copy of an indicator, sharing when it can. The copy is made at the first reading
 * the pipeline cannot take from a shared one (it has seen nothing before that either): a grid's
 * pipelines that all share keep no indicator of their own — 2 SMAs per smaCross pipeline fewer, so
 * the stages one reading walks through sit closer together in memory.
 */
export const ownIndicator = (): OwnIndicator => ({ ind: null, shared: true, n: 0 })

/**
 * The value of indicator `label` after reading `r`: from the series' shared copy while the pipeline
 * follows the series (followsSeries) and the copy is in step (it has seen every earlier reading);
 * otherwise from `own`, the pipeline's private copy. A pipeline that stops following (an upstream
 * filter skipped a reading) keeps to its own copy, which warms up again on the readings it sees
 * (what came before is not replayed into it); one whose readings are made anew has its own from the first.
 */
export function indicatorValue(label: string, create: () => NumericIndicator, own: OwnIndicator, r: Reading): number | null {
  if (followsSeries(own, r)) {
    const s = r.series!
    // The series' copy, looked up once per series (the hot path is one comparison).
    if (own.series !== s) {
      own.series = s
      own.memo = sharedIndicator(s, label, create)
    }
    const v = sharedValue(own.memo!, r)
    if (v !== undefined) return v
    own.shared = false
  }
  if (own.ind === null) own.ind = create()
  return ownValue(own.ind, r)
}
