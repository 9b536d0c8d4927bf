import { writeFileSync } from 'node:fs'
import { ConfigError } from '../domain/errors.ts'
import type { StrategyFigures } from './strategy-ledger.ts'

/** One leaderboard row: who the strategy is, and its figures. */
export interface LeaderboardRow extends StrategyFigures {
  readonly strategyId: string
  readonly strategy: string
  readonly params: Readonly<Record<string, number>>
  readonly symbol: string
}

/** Fields a leaderboard can be ranked by; lower is better for drawdown, higher for the rest. */
export const RANK_FIELDS = ['netPnl', 'returnPct', 'sharpe', 'sortino', 'profitFactor', 'winRate', 'maxDrawdownPct', 'roundTrips', 'entries', 'exposurePct', 'fees'] as const
export type RankField = (typeof RANK_FIELDS)[number]
const LOWER_IS_BETTER: ReadonlySet<RankField> = new Set(['maxDrawdownPct', 'fees'])

export function rankField(v: string, flag = '--rank-by'): RankField {
  if (!(RANK_FIELDS as readonly string[]).includes(v)) throw new ConfigError(flag, `expected one of ${RANK_FIELDS.join(', ')}, got '${v}'`)
  return v as RankField
}

/** Best first by `field` (missing figures last); ties keep the strategies' order. */
export function rank<T extends StrategyFigures>(rows: readonly T[], field: RankField): T[] {
  const sign = LOWER_IS_BETTER.has(field) ? 1 : -1
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r[field]
      const y = b.r[field]
      if (x === null || y === null) return x === y ? a.i - b.i : x === null ? 1 : -1
      return x === y ? a.i - b.i : sign * (x - y)
    })
    .map((x) => x.r)
}

const COLUMNS = [
  'rank',
  'strategyId',
  'strategy',
  'params',
  'symbol',
  'entries',
  'roundTrips',
  'winRate',
  'netPnl',
  'returnPct',
  'fees',
  'maxDrawdownPct',
  'sharpe',
  'sortino',
  'profitFactor',
  'exposurePct',
] as const

/** `fast=5;slow=50` back to `{ fast: 5, slow: 50 }` (non-numbers stay text). */
export function paramsOf(text: string): Record<string, number | string> {
  const out: Record<string, number | string> = {}
  for (const part of text.split(';')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const k = eq < 0 ? part : part.slice(0, eq)
    const v = eq < 0 ? '' : part.slice(eq + 1)
    out[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v
  }
  return out
}

/** Parameters as one CSV cell: fast=5;slow=50. */
export const paramsText = (p: Readonly<Record<string, number>>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(';')

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)))
  const s = String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** Writes ranked rows to `path`: `.csv` (one header line) or `.json` (an array of objects); anything else is refused. */
export function writeLeaderboard(path: string, rows: readonly (LeaderboardRow & { readonly window?: string })[]): void {
  if (path.endsWith('.json')) {
    writeFileSync(
      path,
      `${JSON.stringify(
        rows.map((r, i) => ({ rank: i + 1, ...r })),
        null,
        1,
      )}\n`,
    )
    return
  }
  if (!path.endsWith('.csv')) throw new ConfigError('--leaderboard', `expected a .json or .csv path, got '${path}'`)
  // Walk-forward rows name their window, and rank within it.
  const columns = rows.some((r) => r.window !== undefined) ? ['window', ...COLUMNS] : [...COLUMNS]
  const lines = [columns.join(',')]
  let n = 0
  rows.forEach((r, i) => {
    n = i > 0 && r.window === rows[i - 1]!.window ? n + 1 : 1
    const v: Record<string, unknown> = { rank: n, ...r, params: paramsText(r.params) }
    lines.push(columns.map((c) => cell(v[c])).join(','))
  })
  writeFileSync(path, `${lines.join('\n')}\n`)
}
