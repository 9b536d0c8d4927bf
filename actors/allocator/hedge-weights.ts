/**
 * Hedge (exponentiated gradient) capital weights, pure. Weights are multiples of an equal share:
 * N strategies hold weights summing to N, so total capital never changes; each stays within
 * [floor, cap] (floor ≤ 1 ≤ cap).
 */

export interface HedgeOptions {
  /** Learning rate: an outcome of return r multiplies a weight by exp(eta × r). */
  readonly eta: number
  /** Least weight, as a multiple of the equal share (0 < floor ≤ 1). */
  readonly floor: number
  /** Greatest weight, as a multiple of the equal share (cap ≥ 1). */
  readonly cap: number
}

/** Returns beyond ±100 % of capital count as ±100 %: one wild outcome cannot zero or explode a weight. */
const clampReturn = (r: number): number => (r > 1 ? 1 : r < -1 ? -1 : Number.isFinite(r) ? r : 0)

/** One multiplicative update of a weight by an outcome's return on capital (before renormalising). */
export const hedgeUpdate = (weight: number, ret: number, eta: number): number => weight * Math.exp(eta * clampReturn(ret))

/** Σ clamp(c × w[i], floor, cap), and the sum of w over the weights not clamped (the slope in c). */
function scaled(w: Float64Array, c: number, floor: number, cap: number): { sum: number; slope: number } {
  let sum = 0
  let slope = 0
  for (let i = 0; i < w.length; i++) {
    const v = c * w[i]!
    if (v <= floor) sum += floor
    else if (v >= cap) sum += cap
    else {
      sum += v
      slope += w[i]!
    }
  }
  return { sum, slope }
}

/**
 * Renormalises `w` in place: w[i] ← clamp(c × w[i], floor, cap) with the one c that makes the
 * weights sum to their count. The sum is monotone and piecewise linear in c, so Newton steps inside
 * a shrinking bracket find c exactly in a few passes (bisection when a step leaves the bracket).
 * Order is kept: a larger weight before stays at least as large.
 */
export function renormalise(w: Float64Array, floor: number, cap: number): void {
  const n = w.length
  if (n === 0) return
  let total = 0
  for (let i = 0; i < n; i++) {
    const x = w[i]!
    w[i] = x > 0 && Number.isFinite(x) ? x : Number.MIN_VALUE
    total += w[i]!
  }
  let c = n / total
  let lo = 0
  let hi = Number.POSITIVE_INFINITY
  for (let iter = 0; iter < 200; iter++) {
    const { sum, slope } = scaled(w, c, floor, cap)
    const err = sum - n
    if (Math.abs(err) <= 1e-12 * n) break
    if (err < 0) lo = c
    else hi = c
    let next = slope > 0 ? c - err / slope : Number.NaN
    if (!(next > lo && next < hi)) next = Number.isFinite(hi) ? (lo + hi) / 2 : c * 2
    if (next === c) break
    c = next
  }
  for (let i = 0; i < n; i++) {
    const v = c * w[i]!
    w[i] = v <= floor ? floor : v >= cap ? cap : v
  }
}

/** Checks Hedge options; returns what is wrong, or null. */
export function hedgeProblem(o: HedgeOptions): string | null {
  if (!(o.eta > 0) || !Number.isFinite(o.eta)) return `eta must be a positive number, got ${o.eta}`
  if (!(o.floor > 0 && o.floor <= 1)) return `floor must be in (0, 1] (a multiple of the equal share), got ${o.floor}`
  if (!(o.cap >= 1) || !Number.isFinite(o.cap)) return `cap must be at least 1 (a multiple of the equal share), got ${o.cap}`
  return null
}
