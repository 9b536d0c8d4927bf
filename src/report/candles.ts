import { sql, type Kysely } from 'kysely'
import { ConfigError } from '../domain/errors.ts'
import type { Database } from '../store/schema.ts'

export interface Candle {
  /** Bucket start, epoch ms. */
  ts: number
  open: number
  high: number
  low: number
  close: number
  volume: number
  trades: number
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** '1m', '15m', '4h', '1d', '30s' → milliseconds. */
export function parseInterval(s: string, path = '--interval'): number {
  const m = /^(\d+)([smhd])$/.exec(s.trim())
  if (m === null || Number(m[1]) <= 0) throw new ConfigError(path, `expected a duration like 30s, 1m, 15m, 4h or 1d, got '${s}'`)
  return Number(m[1]) * UNITS[m[2]!]!
}

/**
 * OHLCV candles of `symbol` from our fills, bucketed by `intervalMs` (seed 001's SAMPLE BY, in SQL
 * that runs on SQLite and PostgreSQL alike: integer bucket arithmetic and window functions).
 */
export async function candles(db: Kysely<Database>, symbol: string, intervalMs: number, runId?: string): Promise<Candle[]> {
  const ms = sql.lit(Math.trunc(intervalMs))
  const run = runId === undefined ? sql`` : sql`and run_id = ${runId}`
  const rows = await sql<{ bucket: number | string; open: number; high: number; low: number; close: number; volume: number; trades: number | string }>`
    select bucket,
           max(case when first_rank = 1 then price end) as open,
           max(price) as high,
           min(price) as low,
           max(case when last_rank = 1 then price end) as close,
           sum(amount) as volume,
           count(*) as trades
      from (select ts - (ts % ${ms}) as bucket, price, amount,
                   row_number() over (partition by ts - (ts % ${ms}) order by ts, trade_id) as first_rank,
                   row_number() over (partition by ts - (ts % ${ms}) order by ts desc, trade_id desc) as last_rank
              from fills
             where symbol = ${symbol} ${run}) as t
     group by bucket
     order by bucket`.execute(db)
  return rows.rows.map((r) => ({ ts: Number(r.bucket), open: Number(r.open), high: Number(r.high), low: Number(r.low), close: Number(r.close), volume: Number(r.volume), trades: Number(r.trades) }))
}
