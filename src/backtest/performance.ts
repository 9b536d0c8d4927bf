/** Risk-adjusted figures of an equity series, in pure functions (checked against hand computations). */

/** Returns between consecutive values: v[i] / v[i-1] − 1; once the equity is gone (≤ 0) a day loses all (−1) and later days nothing. */
export function returnsOf(values: readonly number[]): number[] {
  const out: number[] = []
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1]!
    out.push(prev <= 0 ? 0 : Math.max(-1, values[i]! / prev - 1))
  }
  return out
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** Annualised Sharpe ratio of daily returns: mean / sample standard deviation × √365 (crypto trades every day); null under two returns or with no variation. */
export function sharpe(daily: readonly number[]): number | null {
  if (daily.length < 2) return null
  const m = mean(daily)
  const sd = Math.sqrt(daily.reduce((a, r) => a + (r - m) ** 2, 0) / (daily.length - 1))
  return sd === 0 ? null : (m / sd) * Math.sqrt(365)
}

/** Annualised Sortino ratio: mean / downside deviation (root mean square of the negative returns, over all days) × √365; null without a losing day. */
export function sortino(daily: readonly number[]): number | null {
  if (daily.length < 2) return null
  const down = Math.sqrt(daily.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / daily.length)
  return down === 0 ? null : (mean(daily) / down) * Math.sqrt(365)
}

/** Largest fall from a running peak, in percent of that peak. */
export function maxDrawdownPct(equity: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY
  let worst = 0
  for (const e of equity) {
    if (e > peak) peak = e
    else if (peak > 0) worst = Math.max(worst, (peak - e) / peak)
  }
  return worst * 100
}

/** Gross profit of winning round trips over gross loss of losing ones; null without a losing trip. */
export const profitFactor = (grossWin: number, grossLoss: number): number | null => (grossLoss === 0 ? null : grossWin / grossLoss)
