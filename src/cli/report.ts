import { existsSync } from 'node:fs'
import { candles, parseInterval } from '../report/candles.ts'
import { csv, table, type Cell } from '../report/format.ts'
import { executionCosts } from '../report/execution-costs.ts'
import { strategyReport } from '../report/strategy-report.ts'
import { ConfigError } from '../domain/errors.ts'
import { isPostgresUrl, openStore } from '../store/database.ts'
import { parseFlags, stringFlag } from './flags.ts'

export const REPORT_HELP = `shoal report — what the strategies did, from the store

  --db PATH|URL         SQLite file or postgres:// URL (default ./shoal.sqlite)
  --run ID              only this run (see the runs table)
  --strategy ID         only this strategy
  --executions          execution quality per algorithm instead: total cost (slippage vs the
                        arrival mid + fees, bps), slippage, fees, opportunity cost of what
                        was left unfilled, shortfall, fill rate, maker share, time to fill
  --by-symbol           with --executions: one row per algorithm and symbol
  --candles SYMBOL      OHLCV candles of SYMBOL from the fills instead
  --interval I          candle size: 30s, 1m, 15m, 4h, 1d (default 1m)
  --json | --csv        machine-readable output instead of a table
`

const FLAGS = {
  db: { type: 'string', default: './shoal.sqlite' },
  run: { type: 'string' },
  strategy: { type: 'string' },
  candles: { type: 'string' },
  executions: { type: 'boolean' },
  'by-symbol': { type: 'boolean' },
  interval: { type: 'string', default: '1m' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const EXEC_COLUMNS = [
  'algo',
  'symbol',
  'works',
  'fillRate',
  'makerShare',
  'costAvg',
  'costP50',
  'costP95',
  'slippageAvg',
  'feesAvg',
  'unfilledWorks',
  'opportunityAvg',
  'shortfallAvg',
  'timeToFillP50Ms',
] as const

const COLUMNS = ['strategyId', 'symbol', 'orders', 'fills', 'position', 'realizedPnl', 'fees', 'netPnl', 'winRate', 'roundTrips', 'exposure', 'volume'] as const

/** Runs `shoal report`; returns the text to print. */
export async function runReport(argv: string[]): Promise<string> {
  const { values: v, positionals } = parseFlags(argv, FLAGS)
  if (v.help) return REPORT_HELP
  if (positionals.length > 0) throw new ConfigError('report', `unexpected argument '${positionals[0]}'`)
  if (v.json && v.csv) throw new ConfigError('--json', 'choose one of --json and --csv')
  const spec = stringFlag(v.db, '--db')
  if (!isPostgresUrl(spec) && !existsSync(spec)) throw new ConfigError('--db', `no such database file: ${spec}`)
  const intervalMs = parseInterval(String(v.interval))
  const run = v.run === undefined ? undefined : stringFlag(v.run, '--run')
  if (v['by-symbol'] && !v.executions) throw new ConfigError('--by-symbol', 'only goes with --executions')
  if (v.executions && v.candles !== undefined) throw new ConfigError('--executions', 'choose one of --executions and --candles')
  const conn = await openStore(spec)
  try {
    if (v.executions) {
      const rows = await executionCosts(conn.db, { runId: run, bySymbol: v['by-symbol'] === true })
      if (v.json) return `${JSON.stringify(rows, null, 2)}\n`
      const cells: Cell[][] = rows.map((r) => EXEC_COLUMNS.map((k) => r[k] as Cell))
      if (v.csv) return csv(EXEC_COLUMNS, cells)
      return rows.length === 0
        ? 'no execution reports (runs with --execution market|limit|chase|adaptive|peg write them)\n'
        : `${table(EXEC_COLUMNS, cells)}\ncosts in bps, positive = paid: cost = slippage vs the arrival mid + fees\n`
    }
    if (v.candles !== undefined) {
      const symbol = stringFlag(v.candles, '--candles')
      const rows = await candles(conn.db, symbol, intervalMs, run)
      if (v.json) return `${JSON.stringify(rows, null, 2)}\n`
      const cols = ['ts', 'time', 'open', 'high', 'low', 'close', 'volume', 'trades']
      const cells: Cell[][] = rows.map((c) => [c.ts, new Date(c.ts).toISOString(), c.open, c.high, c.low, c.close, c.volume, c.trades])
      return v.csv ? csv(cols, cells) : table(cols, cells)
    }
    const rows = await strategyReport(conn.db, { runId: run, strategyId: v.strategy === undefined ? undefined : stringFlag(v.strategy, '--strategy') })
    if (v.json) return `${JSON.stringify(rows, null, 2)}\n`
    const cells: Cell[][] = rows.map((r) => COLUMNS.map((k) => r[k] as Cell))
    if (v.csv) return csv(COLUMNS, cells)
    const total = { realizedPnl: 0, fees: 0, fills: 0 }
    for (const r of rows) {
      total.realizedPnl += r.realizedPnl
      total.fees += r.fees
      total.fills += r.fills
    }
    return (
      table(COLUMNS, cells) +
      `\n${rows.length} strategies, ${total.fills} fills, realized PnL ${total.realizedPnl.toFixed(2)}, fees ${total.fees.toFixed(2)}, net ${(total.realizedPnl - total.fees).toFixed(2)}\n`
    )
  } finally {
    await conn.db.destroy()
  }
}
