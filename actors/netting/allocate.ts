/**
 * Splits `lots` whole lots over claimants in proportion to `weights` (each claimant's remaining
 * want, in lots): everyone gets the floor of their exact share, and the lots left over go one each
 * to the largest fractional remainders, ties to the lower `rank` (the actor index). Deterministic,
 * exact (the result sums to `lots`) and never above a claimant's weight when `lots` ≤ Σ weights.
 */
export function allocateLots(lots: number, weights: readonly number[], rank: readonly number[]): number[] {
  const n = weights.length
  const out = new Array<number>(n).fill(0)
  if (lots <= 0 || n === 0) return out
  let total = 0
  for (const w of weights) total += w
  if (total <= 0) return out
  if (lots >= total) return weights.slice()
  let given = 0
  const rest = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const exact = (lots * weights[i]!) / total
    // The exact share of a whole fraction can land a hair under it in floating point.
    const base = floorDust(exact)
    out[i] = base
    given += base
    rest[i] = exact - base
  }
  let left = lots - given
  if (left <= 0) return out
  const order = Array.from({ length: n }, (_, i) => i).filter((i) => out[i]! < weights[i]!)
  order.sort((a, b) => rest[b]! - rest[a]! || rank[a]! - rank[b]!)
  for (let k = 0; k < order.length && left > 0; k++, left--) out[order[k]!]!++
  return out
}

/**
 * floor(x), tolerating floating-point dust just under a whole number — relative to x's size: with
 * 1e-8 lots a 20,000-coin amount is 2e12 lots, where a division lands up to ~1e-4 lots short.
 */
const floorDust = (x: number): number => Math.floor(x + Math.max(1e-9, Math.abs(x) * 1e-14))

/** Whole lots in `amount` (tolerating floating-point dust just under a lot). */
export const lotsIn = (amount: number, lot: number): number => (lot > 0 ? floorDust(amount / lot) : amount)
