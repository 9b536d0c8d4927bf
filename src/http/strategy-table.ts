import { ConfigError } from '../domain/errors.ts'

/** One strategy's row on the leaderboard (quote currency; percentages of its capital). */
export interface StrategyRow {
  readonly id: string
  readonly strategy: string
  readonly symbol: string
  readonly netPnl: number
  readonly returnPct: number | null
  readonly drawdownPct: number | null
  readonly trades: number
  readonly position: number
  readonly state: string
  /** Capital weight from the allocator (multiple of an equal share); null without one. */
  readonly weight: number | null
}

export const SORT_FIELDS = ['id', 'strategy', 'symbol', 'netPnl', 'returnPct', 'drawdownPct', 'trades', 'position', 'state', 'weight'] as const
export type SortField = (typeof SORT_FIELDS)[number]

export interface TableQuery {
  readonly sort: SortField
  readonly dir: 'asc' | 'desc'
  readonly limit: number
  readonly offset: number
  /** Case-insensitive substring of id, strategy, symbol or state. */
  readonly q: string
}

export const MAX_LIMIT = 1_000

/** Reads `sort, dir, limit, offset, q` from a query string; a bad one is a ConfigError naming the parameter (an HTTP 400). */
export function parseTableQuery(params: URLSearchParams): TableQuery {
  const known = new Set(['sort', 'dir', 'limit', 'offset', 'q'])
  for (const k of params.keys()) if (!known.has(k)) throw new ConfigError(k, `unknown parameter (expected ${[...known].join(', ')})`)
  const sort = params.get('sort') ?? 'netPnl'
  if (!(SORT_FIELDS as readonly string[]).includes(sort)) throw new ConfigError('sort', `expected one of ${SORT_FIELDS.join(', ')}, got '${sort}'`)
  const dir = params.get('dir') ?? 'desc'
  if (dir !== 'asc' && dir !== 'desc') throw new ConfigError('dir', `expected asc or desc, got '${dir}'`)
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = params.get(name)
    if (raw === null) return fallback
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(name, `expected an integer from ${min} to ${max}, got '${raw}'`)
    return n
  }
  const q = params.get('q') ?? ''
  if (q.length > 200) throw new ConfigError('q', 'longer than 200 characters')
  return { sort: sort as SortField, dir, limit: int('limit', 50, 1, MAX_LIMIT), offset: int('offset', 0, 0, Number.MAX_SAFE_INTEGER), q }
}

const collator = new Intl.Collator('en', { numeric: true })

/**
 * One page of `rows` sorted, filtered and paged on the server, with the filtered total. Ties keep
 * the rows' own order (strategy order), so pages are stable; nulls sort last in both directions.
 * Sorting 100,000 rows takes tens of milliseconds: keys are compared as numbers or by one collator.
 */
export function pageOf(rows: readonly StrategyRow[], q: TableQuery): { total: number; offset: number; rows: StrategyRow[] } {
  const needle = q.q.toLowerCase()
  const kept: number[] = []
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (needle === '' || r.id.toLowerCase().includes(needle) || r.strategy.toLowerCase().includes(needle) || r.symbol.toLowerCase().includes(needle) || r.state.toLowerCase().includes(needle))
      kept.push(i)
  }
  const sign = q.dir === 'asc' ? 1 : -1
  const key = q.sort
  const numeric = rows.length > 0 && (typeof rows[0]![key] === 'number' || rows[0]![key] === null)
  kept.sort((i, j) => {
    const x = rows[i]![key]
    const y = rows[j]![key]
    if (x === y) return i - j
    if (x === null) return 1
    if (y === null) return -1
    const c = numeric ? (x as number) - (y as number) : collator.compare(String(x), String(y))
    return c === 0 ? i - j : sign * c
  })
  return { total: kept.length, offset: q.offset, rows: kept.slice(q.offset, q.offset + q.limit).map((i) => rows[i]!) }
}
