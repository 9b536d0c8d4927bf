import type { Logger } from 'pino'
import { ConfigError } from '../domain/errors.ts'
import type { Scenario } from '../exchange/sim/price-path.ts'
import { SimExchange } from '../exchange/sim/sim-exchange.ts'
import { BINANCE_LIMITS, type RateLimitOptions } from '../venue/binance-rate-limits.ts'
import { BinanceVenue } from '../venue/binance-venue.ts'
import { choiceFlag, intFlag, numFlag, parseFlags } from './flags.ts'
import { forcedExitCode, StopSignals } from './stop-signals.ts'

export const VENUE_HELP = `shoal exchange — the simulator as a standalone venue speaking Binance's spot REST API

  --port P          port on 127.0.0.1 (default 8900; 0 = any free port)
  --symbols N       simulated symbols (default 20)
  --latency MS      mean round trip inside the venue (default 20)
  --seed N          seed for prices and latency (default 1)
  --scenario NAME   calm | trend | crash | volatile (default calm)
  --reject-rate R, --timeout-rate R   injected faults on requests (default 0)
  --late-rate R     share of requests held on the way in for --late-ms (×0.5–1.5, default
                    12000): a client gives up, looks the order up, resubmits; the original
                    then races it (refused if older than the 10 s recvWindow) (default 0)
  --drop-rate R, --dup-rate R, --delay-rate R, --disconnect-rate R
                    faults on pushed websocket messages: lost, sent twice, held back
                    (0.5–1.5 × --delay-ms, default 200) so later ones overtake, or the
                    connection cut instead (default 0)
  --fault-market    apply those to market streams too (default: user data only)
  --limits on|off   Binance's rate limits (default on): request weight per minute and raw
                    requests per 5 minutes per client IP, orders per 10 s and per day per
                    account; over a limit 429 with -1003/-1015 and Retry-After, then 418 and a
                    ban for a client that keeps going. Each can be set:
  --weight-limit N (6000/min), --orders-10s N (100), --orders-day N (200000),
  --raw-limit N (61000/5 min), --ban-after N (50 refusals in a minute), --ban-ms MS (120000)

  Websockets on the same port: market streams at ws://127.0.0.1:P/ws (SUBSCRIBE), the
  WebSocket API (user data) at ws://127.0.0.1:P/ws-api/v3.

  The key pair comes from SHOAL_VENUE_API_KEY and SHOAL_VENUE_API_SECRET (never from flags).
  Point ccxt at it: for each key of exchange.urls.api, replace https://api.binance.com with
  http://127.0.0.1:P (see README).
`

const FLAGS = {
  port: { type: 'string', default: '8900' },
  symbols: { type: 'string', default: '20' },
  latency: { type: 'string', default: '20' },
  seed: { type: 'string', default: '1' },
  scenario: { type: 'string', default: 'calm' },
  'reject-rate': { type: 'string', default: '0' },
  'timeout-rate': { type: 'string', default: '0' },
  'late-rate': { type: 'string', default: '0' },
  'late-ms': { type: 'string', default: '12000' },
  'drop-rate': { type: 'string', default: '0' },
  'dup-rate': { type: 'string', default: '0' },
  'delay-rate': { type: 'string', default: '0' },
  'delay-ms': { type: 'string', default: '200' },
  'disconnect-rate': { type: 'string', default: '0' },
  'fault-market': { type: 'boolean', default: false },
  limits: { type: 'string', default: 'on' },
  'weight-limit': { type: 'string' },
  'orders-10s': { type: 'string' },
  'orders-day': { type: 'string' },
  'raw-limit': { type: 'string' },
  'ban-after': { type: 'string' },
  'ban-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Runs the venue until SIGINT/SIGTERM. */
export async function runVenue(argv: string[], log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<'help' | undefined> {
  const { values: v, positionals } = parseFlags(argv, FLAGS)
  if (v.help) return 'help'
  if (positionals.length > 0) throw new ConfigError('exchange', `unexpected argument '${positionals[0]}'`)
  const apiKey = env.SHOAL_VENUE_API_KEY
  const secret = env.SHOAL_VENUE_API_SECRET
  if (!apiKey) throw new ConfigError('SHOAL_VENUE_API_KEY', 'required: the API key clients must send (environment variable)')
  if (!secret) throw new ConfigError('SHOAL_VENUE_API_SECRET', 'required: the secret requests are signed with (environment variable)')
  // Listening for stop signals before anything starts: a signal with no listener yet would kill the
  // process outright (Node's default), even one that arrives just after 'venue listening' is logged.
  // Nothing to save here, so a forced stop just exits; repeated signals never cut the close short otherwise.
  let stop: () => void = () => {}
  const stopped = new Promise<void>((done) => (stop = done))
  new StopSignals({ graceMs: 10_000, log, onStop: () => stop(), onForce: (sig) => process.exit(forcedExitCode(sig)) })
  const sim = new SimExchange({
    symbols: intFlag(v.symbols, '--symbols', 1, 10_000),
    seed: intFlag(v.seed, '--seed', 0, 2 ** 32 - 1),
    latencyMs: numFlag(v.latency, '--latency', 0, 600_000),
    scenario: choiceFlag(v.scenario, '--scenario', ['calm', 'trend', 'crash', 'volatile'] as const) as Scenario,
    rejectRate: numFlag(v['reject-rate'], '--reject-rate', 0, 1),
    timeoutRate: numFlag(v['timeout-rate'], '--timeout-rate', 0, 1),
    lateRate: numFlag(v['late-rate'], '--late-rate', 0, 1),
    lateMs: numFlag(v['late-ms'], '--late-ms', 0, 600_000),
  }).start()
  const seed = intFlag(v.seed, '--seed', 0, 2 ** 32 - 1)
  const venue = new BinanceVenue({
    sim,
    credentials: { apiKey, secret },
    faults: {
      dropRate: numFlag(v['drop-rate'], '--drop-rate', 0, 1),
      duplicateRate: numFlag(v['dup-rate'], '--dup-rate', 0, 1),
      delayRate: numFlag(v['delay-rate'], '--delay-rate', 0, 1),
      delayMs: numFlag(v['delay-ms'], '--delay-ms', 0, 600_000),
      disconnectRate: numFlag(v['disconnect-rate'], '--disconnect-rate', 0, 1),
      seed,
    },
    faultMarketData: v['fault-market'] === true,
    limits: limitsFrom(v),
  })
  const port = await venue.listen(intFlag(v.port, '--port', 0, 65_535))
  // The secret is never logged; pino's redaction covers it should it ever be passed in.
  log.info({ limits: venue.limits?.advertised() ?? 'off' }, 'venue rate limits')
  log.info({ url: `http://127.0.0.1:${port}/api/v3`, streams: `ws://127.0.0.1:${port}/ws`, wsApi: `ws://127.0.0.1:${port}/ws-api/v3`, symbols: sim.markets.length }, 'venue listening')
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`)
  await stopped
  log.info({ faults: venue.faults.counts, rateLimited: venue.limits?.counts ?? null }, 'venue stopping')
  await venue.close()
  sim.stop()
}

/** `--limits on|off` and the per-limit overrides; every error names its flag. */
function limitsFrom(v: Record<string, string | boolean | undefined>): RateLimitOptions | null {
  if (choiceFlag(v.limits, '--limits', ['on', 'off'] as const) === 'off') return null
  const n = (flag: string, fallback: number) => (v[flag] === undefined ? fallback : intFlag(v[flag], `--${flag}`, 0, 1_000_000_000))
  const b = BINANCE_LIMITS
  return {
    weightPerMinute: n('weight-limit', b.weightPerMinute),
    ordersPer10s: n('orders-10s', b.ordersPer10s),
    ordersPerDay: n('orders-day', b.ordersPerDay),
    rawPer5m: n('raw-limit', b.rawPer5m),
    banAfter: n('ban-after', b.banAfter),
    banMs: n('ban-ms', b.banMs),
  }
}
