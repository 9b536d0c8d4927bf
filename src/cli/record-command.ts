import { resolve } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError } from '../domain/errors.ts'
import { Recorder, type RecordSource } from '../record/recorder.ts'
import { pointCcxtAt, SPOT_ONLY_OPTIONS } from '../venue/ccxt-local.ts'
import { intFlag, numFlag, parseFlags, stringFlag } from './flags.ts'
import { forcedExitCode, StopSignals } from './stop-signals.ts'

export const RECORD_HELP = `shoal record — record an exchange's public streams into files the backtest replays

  --exchange ID      a ccxt exchange with websocket streams (default binance)
  --base-url URL     another host for it (the local venue: http://127.0.0.1:8900)
  --symbols A,B      symbols to record, comma-separated (required)
  --out DIR          where the files go (default ./recordings)
  --rotate-min N     start new files every N minutes (default 60)
  --duration S       stop by itself after S seconds (default: on SIGINT/SIGTERM)

  Writes per symbol <BASE>_<QUOTE>-trades-<UTC>.csv (trades-csv), <BASE>_<QUOTE>-1m-<UTC>.csv
  (1-minute bars built from the trades, ohlcv-csv) and <BASE>_<QUOTE>-quotes-<UTC>.csv (top of book).
  Streams reconnect by themselves; every outage and every hole in trade ids goes to gaps.jsonl.
  Public data only: no key is needed.
`

const FLAGS = {
  exchange: { type: 'string', default: 'binance' },
  'base-url': { type: 'string' },
  symbols: { type: 'string' },
  out: { type: 'string', default: './recordings' },
  'rotate-min': { type: 'string', default: '60' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Records until SIGINT/SIGTERM (or --duration); returns a summary. */
export async function runRecord(argv: string[], log: Logger): Promise<Record<string, unknown> | 'help'> {
  const { values: v, positionals } = parseFlags(argv, FLAGS)
  if (v.help) return 'help'
  if (positionals.length > 0) throw new ConfigError('record', `unexpected argument '${positionals[0]}'`)
  if (v.symbols === undefined) throw new ConfigError('--symbols', 'required: the symbols to record, e.g. BTC/USDT,ETH/USDT')
  const symbols = stringFlag(v.symbols, '--symbols')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const s of symbols) if (!/^[^/\s]+\/[^/\s]+$/.test(s)) throw new ConfigError('--symbols', `expected BASE/QUOTE symbols, got '${s}'`)
  const id = stringFlag(v.exchange, '--exchange')
  const baseUrl = v['base-url'] === undefined ? undefined : stringFlag(v['base-url'], '--base-url')
  if (baseUrl !== undefined && !/^https?:\/\/[^/]+/.test(baseUrl)) throw new ConfigError('--base-url', `expected http(s)://host:port, got '${baseUrl}'`)
  const rotateMs = intFlag(v['rotate-min'], '--rotate-min', 1, 7 * 24 * 60) * 60_000
  const durationSec = v.duration === undefined ? null : numFlag(v.duration, '--duration', 0.1)
  const dir = resolve(stringFlag(v.out, '--out'))

  let stop: (why: string) => void = () => {}
  const stopped = new Promise<string>((done) => (stop = done))
  new StopSignals({ graceMs: 10_000, log, onStop: (sig) => stop(sig), onForce: (sig) => process.exit(forcedExitCode(sig)) })

  const ccxt = (await import('ccxt')).default as unknown as { pro: Record<string, unknown> }
  const Ctor = ccxt.pro[id] as
    | (new (
        o: Record<string, unknown>,
      ) => RecordSource & { urls: { api: unknown }; loadMarkets(): Promise<Record<string, unknown>>; loadHttpProxyAgent?(): Promise<unknown>; close?(): Promise<void> })
    | undefined
  if (typeof Ctor !== 'function') throw new ConfigError('--exchange', `ccxt has no websocket (pro) class for '${id}'`)
  const ex = new Ctor({ enableRateLimit: true, options: id === 'binance' ? SPOT_ONLY_OPTIONS : {} })
  if (baseUrl !== undefined) {
    pointCcxtAt(ex, baseUrl)
    if (baseUrl.startsWith('http://')) await ex.loadHttpProxyAgent?.()
  }
  const markets = await ex.loadMarkets()
  for (const s of symbols) if (!(s in markets)) throw new ConfigError('--symbols', `${id} does not list '${s}'`)
  const recorder = new Recorder({ symbols, dir, rotateMs, log }).start(ex)
  log.info({ exchange: id, baseUrl, symbols, dir }, 'recording')
  const timer = durationSec === null ? undefined : setTimeout(() => stop('duration'), durationSec * 1000)
  const reason = await stopped
  clearTimeout(timer)
  const { files } = await recorder.stop()
  await ex.close?.().catch(() => {})
  const summary = { stoppedBy: reason, dir, symbols, ...recorder.counts, files }
  log.info(summary, 'recording stopped')
  return summary
}
