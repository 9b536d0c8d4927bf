import type { LeaderboardRow, RankField } from '../backtest/leaderboard.ts'
import { ConfigError } from '../domain/errors.ts'

/** A strategy's equity at each day's close, and its drawdown from the running peak (%). */
export interface EquityCurve {
  readonly id: string
  readonly ts: readonly number[]
  readonly equity: readonly number[]
  readonly drawdownPct: readonly number[]
}

/** Two parameters of a grid against one figure: the mean over every strategy with those two values. */
export interface Heatmap {
  readonly x: string
  readonly y: string
  readonly metric: RankField
  readonly xs: readonly number[]
  readonly ys: readonly number[]
  /** cells[iy][ix]: the mean, or null where no strategy (or no figure) has that pair. */
  readonly cells: readonly (readonly (number | null)[])[]
}

/** What a backtest report shows: the leaderboard's head, the best strategies' curves, a parameter heatmap. */
export interface BacktestReport {
  readonly rankBy: RankField
  readonly strategies: number
  readonly top: readonly LeaderboardRow[]
  readonly curves: readonly EquityCurve[]
  readonly heatmap: Heatmap | null
  readonly figures: Readonly<Record<string, unknown>>
}

export interface ReportOptions {
  readonly rankBy: RankField
  /** Rows of the leaderboard kept (default 100). */
  readonly rows?: number
  /** Strategies whose equity and drawdown are drawn (default 10). */
  readonly curves?: number
  /** The heatmap's two parameters; default the two with the most distinct values. */
  readonly heat?: readonly [string, string]
  readonly metric?: RankField
  readonly figures?: Readonly<Record<string, unknown>>
}

/** Drawdown from the running peak, in %. */
export function drawdownsPct(equity: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY
  return equity.map((e) => {
    if (e > peak) peak = e
    return peak > 0 ? ((peak - e) / peak) * 100 : 0
  })
}

/** The two parameters with the most distinct values across `rows` (numeric, present in every row), or null. */
export function heatmapParams(rows: readonly LeaderboardRow[]): [string, string] | null {
  if (rows.length === 0) return null
  const names = Object.keys(rows[0]!.params).filter((k) => rows.every((r) => typeof r.params[k] === 'number'))
  const distinct = names.map((k) => [k, new Set(rows.map((r) => r.params[k])).size] as const).filter(([, n]) => n > 1)
  distinct.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return distinct.length < 2 ? null : [distinct[0]![0], distinct[1]![0]]
}

/** Mean of `metric` for every (x, y) pair of parameter values. */
export function heatmap(rows: readonly LeaderboardRow[], x: string, y: string, metric: RankField): Heatmap {
  const known = rows.length === 0 ? [] : Object.keys(rows[0]!.params)
  for (const p of [x, y]) if (!known.includes(p)) throw new ConfigError('--heatmap', `no parameter '${p}' in these strategies (they have ${known.join(', ') || 'none'})`)
  const xs = [...new Set(rows.map((r) => r.params[x]!))].sort((a, b) => a - b)
  const ys = [...new Set(rows.map((r) => r.params[y]!))].sort((a, b) => a - b)
  const ix = new Map(xs.map((v, i) => [v, i]))
  const iy = new Map(ys.map((v, i) => [v, i]))
  const sum = ys.map(() => xs.map(() => 0))
  const n = ys.map(() => xs.map(() => 0))
  for (const r of rows) {
    const v = r[metric]
    if (v === null || !Number.isFinite(v)) continue
    const a = iy.get(r.params[y]!)!
    const b = ix.get(r.params[x]!)!
    sum[a]![b]! += v
    n[a]![b]!++
  }
  return { x, y, metric, xs, ys, cells: sum.map((row, a) => row.map((v, b) => (n[a]![b]! === 0 ? null : v / n[a]![b]!))) }
}

/** Builds the report from the ranked leaderboard; `curveOf` gives a strategy's daily equity by id. */
export function backtestReport(ranked: readonly LeaderboardRow[], curveOf: (id: string) => { ts: number[]; equity: number[] } | null, o: ReportOptions): BacktestReport {
  const heat = o.heat ?? heatmapParams(ranked)
  const curves: EquityCurve[] = []
  for (const r of ranked.slice(0, o.curves ?? 10)) {
    const c = curveOf(r.strategyId)
    if (c !== null) curves.push({ id: r.strategyId, ts: c.ts, equity: c.equity, drawdownPct: drawdownsPct(c.equity) })
  }
  return {
    rankBy: o.rankBy,
    strategies: ranked.length,
    top: ranked.slice(0, o.rows ?? 100),
    curves,
    heatmap: heat === null ? null : heatmap(ranked, heat[0], heat[1], o.metric ?? o.rankBy),
    figures: o.figures ?? {},
  }
}
