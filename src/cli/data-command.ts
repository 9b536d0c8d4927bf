import { inspectData, inspectionText } from '../data/inspect-data.ts'
import { ConfigError } from '../domain/errors.ts'
import { parseFlags, stringFlag } from './flags.ts'

export const DATA_HELP = `shoal data inspect FILE [--format F] [--json]

  Reads a recorded data file (streaming; .gz too) and prints its format, symbol hint, rows, span,
  timeframe, gaps and zero-volume bars. Bad rows are errors naming the row and the problem.
  Formats (detected from content unless --format): ohlcv-json, binance-klines-csv, ohlcv-csv,
  trades-json, ccxt-trades-json, trades-csv.
`

/** `shoal data inspect FILE`: what the file holds, as text (or JSON with --json). */
export async function runDataCommand(argv: string[]): Promise<string> {
  const { values: v, positionals } = parseFlags(argv, { format: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (v.help || positionals.length === 0) return DATA_HELP
  const [verb, file, ...rest] = positionals
  if (verb !== 'inspect') throw new ConfigError('data', `unknown subcommand '${verb}' (known: inspect)`)
  if (file === undefined) throw new ConfigError('data inspect', 'expected a FILE')
  if (rest.length > 0) throw new ConfigError('data inspect', `unexpected argument '${rest[0]}'`)
  const r = await inspectData(file, v.format === undefined ? undefined : stringFlag(v.format, '--format'))
  return v.json ? `${JSON.stringify(r, null, 2)}\n` : inspectionText(r)
}
