import { round } from './util.ts'

/** Two-sided 97.5 % quantiles of Student's t by degrees of freedom (1 … 30; beyond, the normal's). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045,
  2.042,
]

export const t975 = (df: number): number => (df < 1 ? Number.NaN : (T975[df - 1] ?? 1.96))

/** Mean with its 95 % t interval, [mean, low, high]. */
export function meanInterval(xs: readonly number[]): { mean: number; low: number; high: number } {
  const n = xs.length
  const mean = xs.reduce((a, b) => a + b, 0) / n
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0
  const half = n > 1 ? (t975(n - 1) * sd) / Math.sqrt(n) : 0
  return { mean: round(mean), low: round(mean - half), high: round(mean + half) }
}

/** Mean of the differences a[i] − b[i] (same seed) with its 95 % t interval. */
export const pairedInterval = (a: readonly number[], b: readonly number[]) => meanInterval(a.map((x, i) => x - b[i]!))
