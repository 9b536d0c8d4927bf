import { DEFAULT_ALLOCATOR, type AllocatorOptions } from '../engine/capital-allocator.ts'
import type { Logger } from 'pino'
import { HTTP_HELP, httpSpec, type HttpSpec } from './http-flags.ts'
import { ALGO_NAMES, DEFAULT_ALGO_OPTIONS, type AlgoName, type AlgoOptions } from '../../actors/algos/algo.ts'
import { DEFAULT_LIMITS, validateLimits, type RiskLimits } from '../../actors/risk/limits.ts'
import type { NettingOptions } from '../../actors/netting/netting-desk.ts'
import { expandGrid, type GridSpec, type StrategySpec } from '../../streams/strategies/grid.ts'
import { ConfigError } from '../domain/errors.ts'
import { getStrategy } from '../../streams/strategies/registry.ts'
import { loadStrategyModules } from '../config/strategy-modules.ts'
import type { EngineMode } from '../engine/engine.ts'
import { sizeForNotional } from '../engine/sizing.ts'
import type { Scenario } from '../exchange/sim/price-path.ts'
import type { Market } from '../domain/market.ts'
import { choiceFlag, intFlag, numFlag, parseFlags, stringFlag } from './flags.ts'
import { runSession, type SessionConfig } from './session.ts'
import { lateMsFor } from './open-exchange.ts'

export const DEMO_FLAGS = {
  strategies: { type: 'string', default: '10000' },
  symbols: { type: 'string', default: '20' },
  duration: { type: 'string', default: '30' },
  'signal-every': { type: 'string', default: '10' },
  'signal-rounds': { type: 'string' },
  http: { type: 'string' },
  'http-host': { type: 'string' },
  'stats-every': { type: 'string', default: '3' },
  latency: { type: 'string', default: '100' },
  mode: { type: 'string', default: 'lock' },
  db: { type: 'string', default: './shoal.sqlite' },
  seed: { type: 'string', default: '1' },
  summary: { type: 'string' },
  groups: { type: 'string', default: '100' },
  'chunk-size': { type: 'string', default: '250' },
  strategy: { type: 'string', default: 'followSignal' },
  module: { type: 'string' },
  workers: { type: 'string', default: '0' },
  'gc-when-quiet': { type: 'string', default: 'on' },
  allocator: { type: 'string', default: 'off' },
  'alloc-horizon': { type: 'string' },
  'alloc-eta': { type: 'string' },
  'alloc-floor': { type: 'string' },
  'alloc-cap': { type: 'string' },
  notional: { type: 'string', default: '100' },
  'reject-rate': { type: 'string', default: '0.01' },
  'max-queued': { type: 'string', default: '1000000' },
  'flush-timeout': { type: 'string', default: '30' },
  'stop-grace': { type: 'string', default: '60' },
  'positions-every': { type: 'string', default: '60' },
  capital: { type: 'string' },
  execution: { type: 'string', default: 'market' },
  'work-ms': { type: 'string', default: '10000' },
  'max-slippage-bps': { type: 'string', default: '25' },
  fallback: { type: 'string', default: 'market' },
  'peg-offset': { type: 'string', default: '0' },
  'peg-to': { type: 'string', default: 'best' },
  'inside-share': { type: 'string' },
  'cut-bps': { type: 'string' },
  'trend-horizon-ms': { type: 'string' },
  'trend-z': { type: 'string' },
  'vol-take': { type: 'string' },
  'imbalance-take': { type: 'string' },
  'follow-touch': { type: 'boolean' },
  netting: { type: 'boolean' },
  'net-window-ms': { type: 'string', default: '0' },
  'net-hold-ms': { type: 'string', default: '5000' },
  'internal-fee-rate': { type: 'string', default: '0' },
  'max-drawdown': { type: 'string', default: '0.05' },
  'breaker-window': { type: 'string', default: '3600' },
  'breaker-action': { type: 'string', default: 'reduce' },
  'breaker-cooldown': { type: 'string', default: '600' },
  'per-strategy-breaker': { type: 'boolean' },
  'vol-k': { type: 'string', default: '3' },
  'max-order-notional': { type: 'string' },
  'max-position': { type: 'string' },
  'max-symbol-position': { type: 'string' },
  'max-gross': { type: 'string' },
  'max-open-orders': { type: 'string' },
  'order-rate': { type: 'string' },
  'global-order-rate': { type: 'string' },
  'price-band-bps': { type: 'string' },
  'timeout-rate': { type: 'string', default: '0.002' },
  'late-rate': { type: 'string', default: '0' },
  'call-timeout': { type: 'string' },
  'tick-ms': { type: 'string', default: '250' },
  scenario: { type: 'string', default: 'calm' },
  help: { type: 'boolean', short: 'h' },
} as const

export const DEMO_HELP = `shoal demo — seed 000's experiment: many strategies on scheduled signals against the simulated venue

  --strategies N      strategy actors (default 10000)
  --symbols N         simulated symbols (default 20)
  --duration S        run time in seconds (default 30)
  --signal-every S    seconds between signal rounds (default 10)
  --signal-rounds N   stop sending signals after N rounds (default: until the run ends)
  --stats-every S     seconds between stats lines (default 3)
  --latency MS        mean venue round trip in ms, log-normal jitter (default 100)
  --mode lock|await   lock: one in-flight action per strategy, nobody waits (default);
                      await: seed 000's baseline, each chunk waits for its exchange calls
  --chunk-size N      strategies per chunk in await mode (default 250)
  --groups N          signal groups (default 100)
  --strategy NAME     followSignal | smaCross | meanReversion | arForecast | mix (default
                      followSignal), or a strategy of --module FILE (its default parameters).
                      arForecast refits an autoregression on every trade: heavy, made for --workers
  --workers N         worker threads for heavy strategy pipelines (default 0: all on the
                      main thread); actors, risk, execution and the store stay on the main one
  --gc-when-quiet on|off  collect V8's young generation once a burst of orders has ended, so the
                      next round starts on an empty nursery (default on; needs node --expose-gc,
                      which npm run demo/shoal and bin/shoal pass)
  --allocator hedge|off  re-weight capital online (default off): each entry's outcome, taken
                      --alloc-horizon S later (default 300) or at its exit, updates the
                      strategy's weight by Hedge (--alloc-eta, default 10), kept within
                      --alloc-floor (0.1) and --alloc-cap (10) × an equal share, total unchanged;
                      a weight sizes new entries only
  --module FILE       load the strategies a TypeScript or JavaScript file exports
  --notional USDT     position size per strategy in quote currency (default 100)
  --reject-rate R     share of orders the venue rejects (default 0.01)
  --timeout-rate R    share of calls whose answer is lost (default 0.002)
  --late-rate R       share of calls that reach the venue only after the engine timed out and
                      looked the order up, racing its resubmission (default 0)
  --call-timeout MS   engine-side deadline on every venue call; past it the outcome is unknown
                      and the order is looked up, never sent twice (default 5000 or 5 × --latency)
  --tick-ms MS        market data period (default 250)
  --scenario NAME     calm | trend | crash | volatile (default calm)
  --db PATH|URL       SQLite file (default ./shoal.sqlite) or postgres://user:pass@host:port/db
  --max-queued N      unwritten events beyond which new entries are halted (default 1000000)
  --positions-every S store every strategy's position when it changed, every S seconds (default 60)

execution:
  --execution ALGO          market | limit | chase | adaptive | peg (default market)
  --work-ms MS              limit/chase/adaptive/peg: how long to work an order before the fallback (default 10000)
  --max-slippage-bps B      chase: stop chasing once the touch ran this far against us (default 25)
  --fallback F              market (send the rest at market) | cancel (give up) (default market)
  --peg-offset T, --peg-to best|mid   peg: ticks on the passive side of the reference (default 0, best)
  adaptive (rests, and takes when the book is leaving; defaults tuned on the execution-cost bench):
  --inside-share X          how far into the spread to rest, 0 = our touch … 1 = a tick short of the far one (default 0)
  --cut-bps B               take once our touch ran B bps against us since arrival (default 25)
  --trend-horizon-ms MS     take when the drift against us over MS exceeds what resting saves (default 3000; 0 = off)
  --trend-z Z               … and the drift is Z standard errors from zero (default 1)
  --vol-take K              take when a second's volatility is K × what resting saves (default 4; 0 = off)
  --imbalance-take X        take when the book leans X to our side, (ours − far) / both (default 0.6)
  --follow-touch            re-price to follow the touch when it moves away (default: wait for it to come back)
  --netting                 net the strategies' orders per symbol into block orders (crossing internally)
  --net-window-ms MS        children arriving within MS net together (default 0: the same sweep or tick)
  --net-hold-ms MS          a net below the venue minimum waits this long for more (default 5000)
  --internal-fee-rate R     fee rate of an internal cross, both sides (default 0)

risk (quote currency; a limit left out is off):
  --capital USDT            each strategy's sub-ledger (default 2 × --notional)
  --max-drawdown F          circuit breaker: drawdown from the peak within the window (default 0.05)
  --breaker-window S        rolling window of the breaker (default 3600)
  --breaker-action A        reduce (only exits) | halt (nothing) when it trips (default reduce)
  --breaker-cooldown S      how long a trip lasts unless reset (default 600)
  --per-strategy-breaker    also trip single strategies on their own drawdown
  --vol-k K                 pause entries on a symbol above K × its baseline volatility (default 3)
  --max-order-notional N, --max-position N (per strategy), --max-symbol-position N,
  --max-gross N, --max-open-orders N, --order-rate R (per strategy/s), --global-order-rate R,
  --price-band-bps B
  SIGUSR2                   kill switch: flatten everything, then halt

dashboard (page, JSON API, Prometheus /metrics, control):
${HTTP_HELP}
  --flush-timeout S   at stop, how long to keep retrying a failing store before saving the
                      unwritten events to a file and exiting 1 (default 30)
  --stop-grace S      SIGINT/SIGTERM stop gracefully however often they arrive; a signal
                      S seconds into the stop, or a third Ctrl-C, forces the exit (unwritten
                      events saved to shoal-unwritten-<run>.jsonl first; exit 130/143) (default 60)
  --seed N            seed for prices, latency and signals (default 1)
  --summary PATH      write the run's summary as JSON to PATH
`

export interface DemoConfig {
  strategies: number
  symbols: number
  durationSec: number
  signalEverySec: number
  signalRounds: number | undefined
  http: HttpSpec | null
  statsEverySec: number
  latencyMs: number
  mode: EngineMode
  dbPath: string
  seed: number
  summaryPath: string | null
  groups: number
  chunkSize: number
  /** followSignal, smaCross, meanReversion, mix, or a strategy of `module`. */
  strategy: string
  /** A strategy module to load first (--module). */
  module: string | null
  /** Worker threads for heavy pipelines. */
  workers: number
  gcWhenQuiet: boolean
  allocator: AllocatorOptions | null
  notional: number
  rejectRate: number
  timeoutRate: number
  lateRate: number
  callTimeoutMs: number
  tickMs: number
  scenario: Scenario
  maxQueued: number
  flushTimeoutSec: number
  stopGraceSec: number
  positionsEverySec: number
  risk: RiskLimits
  execution: { algo: AlgoName; options: AlgoOptions }
  netting: NettingOptions | null
}

/** Validates the demo's flags; every error names its flag. */
export function demoConfig(argv: string[]): DemoConfig | 'help' {
  const { values: v, positionals } = parseFlags(argv, DEMO_FLAGS)
  if (v.help) return 'help'
  if (positionals.length > 0) throw new ConfigError('demo', `unexpected argument '${positionals[0]}'`)
  return {
    strategies: intFlag(v.strategies, '--strategies', 1, 2_000_000),
    symbols: intFlag(v.symbols, '--symbols', 1, 10_000),
    durationSec: numFlag(v.duration, '--duration', 0.1),
    signalEverySec: numFlag(v['signal-every'], '--signal-every', 0.01),
    signalRounds: v['signal-rounds'] === undefined ? undefined : intFlag(v['signal-rounds'], '--signal-rounds', 1, 1_000_000_000),
    http: httpSpec(v.http, v['http-host'], process.env),
    statsEverySec: numFlag(v['stats-every'], '--stats-every', 0.1),
    latencyMs: numFlag(v.latency, '--latency', 0, 600_000),
    mode: choiceFlag(v.mode, '--mode', ['lock', 'await'] as const),
    dbPath: stringFlag(v.db, '--db'),
    seed: intFlag(v.seed, '--seed', 0, 2 ** 32 - 1),
    summaryPath: v.summary === undefined ? null : stringFlag(v.summary, '--summary'),
    groups: intFlag(v.groups, '--groups', 1, 1_000_000),
    chunkSize: intFlag(v['chunk-size'], '--chunk-size', 1),
    strategy: v.module === undefined ? choiceFlag(v.strategy, '--strategy', ['followSignal', 'smaCross', 'meanReversion', 'arForecast', 'mix'] as const) : stringFlag(v.strategy, '--strategy'),
    module: v.module === undefined ? null : stringFlag(v.module, '--module'),
    workers: intFlag(v.workers, '--workers', 0, 64),
    gcWhenQuiet: choiceFlag(v['gc-when-quiet'], '--gc-when-quiet', ['on', 'off'] as const) === 'on',
    allocator: allocatorFlags(v),
    notional: numFlag(v.notional, '--notional', 0.000001),
    rejectRate: numFlag(v['reject-rate'], '--reject-rate', 0, 1),
    timeoutRate: numFlag(v['timeout-rate'], '--timeout-rate', 0, 1),
    lateRate: numFlag(v['late-rate'], '--late-rate', 0, 1),
    callTimeoutMs: v['call-timeout'] === undefined ? Math.max(5_000, 5 * numFlag(v.latency, '--latency', 0, 600_000)) : numFlag(v['call-timeout'], '--call-timeout', 1),
    tickMs: numFlag(v['tick-ms'], '--tick-ms', 1),
    scenario: choiceFlag(v.scenario, '--scenario', ['calm', 'trend', 'crash', 'volatile'] as const),
    maxQueued: intFlag(v['max-queued'], '--max-queued', 1),
    flushTimeoutSec: numFlag(v['flush-timeout'], '--flush-timeout', 0),
    stopGraceSec: numFlag(v['stop-grace'], '--stop-grace', 0),
    positionsEverySec: numFlag(v['positions-every'], '--positions-every', 0.1),
    risk: riskLimitsFrom(v),
    execution: {
      algo: choiceFlag(v.execution, '--execution', ALGO_NAMES),
      options: {
        ...DEFAULT_ALGO_OPTIONS,
        maxWorkMs: numFlag(v['work-ms'], '--work-ms', 1),
        maxSlippageBps: numFlag(v['max-slippage-bps'], '--max-slippage-bps', 0),
        fallback: choiceFlag(v.fallback, '--fallback', ['market', 'cancel'] as const),
        pegOffsetTicks: intFlag(v['peg-offset'], '--peg-offset', 0, 1_000_000),
        pegTo: choiceFlag(v['peg-to'], '--peg-to', ['best', 'mid'] as const),
        ...optional('insideShare', v['inside-share'], (x) => numFlag(x, '--inside-share', 0, 1)),
        ...optional('cutBps', v['cut-bps'], (x) => numFlag(x, '--cut-bps', 0)),
        ...optional('trendHorizonMs', v['trend-horizon-ms'], (x) => numFlag(x, '--trend-horizon-ms', 0)),
        ...optional('trendZ', v['trend-z'], (x) => numFlag(x, '--trend-z', 0)),
        ...optional('volTake', v['vol-take'], (x) => numFlag(x, '--vol-take', 0)),
        ...optional('imbalanceTake', v['imbalance-take'], (x) => numFlag(x, '--imbalance-take', 0, 1)),
        ...(v['follow-touch'] === true ? { followTouch: true } : {}),
      },
    },
    netting:
      v.netting === true
        ? {
            windowMs: numFlag(v['net-window-ms'], '--net-window-ms', 0, 3_600_000),
            holdMs: numFlag(v['net-hold-ms'], '--net-hold-ms', 0, 86_400_000),
            internalFeeRate: numFlag(v['internal-fee-rate'], '--internal-fee-rate', 0, 0.1),
          }
        : null,
  }
}

function allocatorFlags(v: Record<string, string | boolean | undefined>): AllocatorOptions | null {
  const on = choiceFlag(v.allocator, '--allocator', ['hedge', 'off'] as const) === 'hedge'
  const knobs = ['alloc-horizon', 'alloc-eta', 'alloc-floor', 'alloc-cap'].filter((k) => v[k] !== undefined)
  if (!on) {
    if (knobs.length > 0) throw new ConfigError(`--${knobs[0]}`, 'needs --allocator hedge')
    return null
  }
  const d = DEFAULT_ALLOCATOR
  return {
    kind: 'hedge',
    horizonMs: v['alloc-horizon'] === undefined ? d.horizonMs : numFlag(v['alloc-horizon'], '--alloc-horizon', 0.001) * 1000,
    eta: v['alloc-eta'] === undefined ? d.eta : numFlag(v['alloc-eta'], '--alloc-eta', 0.000001),
    floor: v['alloc-floor'] === undefined ? d.floor : numFlag(v['alloc-floor'], '--alloc-floor', 0.000001, 1),
    cap: v['alloc-cap'] === undefined ? d.cap : numFlag(v['alloc-cap'], '--alloc-cap', 1),
  }
}

function riskLimitsFrom(v: Record<string, string | boolean | undefined>): RiskLimits {
  const opt = (k: string, min: number) => (v[k] === undefined ? Infinity : numFlag(v[k], `--${k}`, min))
  const notional = numFlag(v.notional, '--notional', 0.000001)
  const rate = opt('order-rate', 0.001)
  const globalRate = opt('global-order-rate', 0.001)
  return validateLimits(
    {
      capitalPerStrategy: v.capital === undefined ? notional * 2 : numFlag(v.capital, '--capital', 0.000001),
      maxOrderNotional: opt('max-order-notional', 0.000001),
      maxStrategyPosition: opt('max-position', 0.000001),
      maxSymbolPosition: opt('max-symbol-position', 0.000001),
      maxGrossExposure: opt('max-gross', 0.000001),
      maxOpenOrders: opt('max-open-orders', 1),
      strategyOrdersPerSec: rate,
      strategyOrderBurst: Number.isFinite(rate) ? Math.max(1, rate) : Infinity,
      globalOrdersPerSec: globalRate,
      globalOrderBurst: Number.isFinite(globalRate) ? Math.max(1, globalRate) : Infinity,
      priceBandBps: opt('price-band-bps', 0.000001),
      breaker: {
        maxDrawdown: numFlag(v['max-drawdown'], '--max-drawdown', 0.000001, 0.999999),
        windowMs: numFlag(v['breaker-window'], '--breaker-window', 0.001) * 1000,
        action: choiceFlag(v['breaker-action'], '--breaker-action', ['reduce', 'halt'] as const) === 'halt' ? 'HALTED' : 'REDUCING',
        cooldownMs: numFlag(v['breaker-cooldown'], '--breaker-cooldown', 0) * 1000,
        perStrategy: v['per-strategy-breaker'] === true,
      },
      volGate: { ...DEFAULT_LIMITS.volGate, k: numFlag(v['vol-k'], '--vol-k', 1.000001), resumeK: Math.min(DEFAULT_LIMITS.volGate.resumeK, numFlag(v['vol-k'], '--vol-k', 1.000001)) },
    },
    'risk',
  )
}

/** The demo's strategies: seed 000's signal followers, indicator grids, or a mix of all three. */
export function demoStrategies(c: DemoConfig, markets: readonly Market[], priceOf: (symbol: string) => number): StrategySpec[] {
  const symbols = markets.map((m) => m.symbol)
  const sizeOf = (s: string) => sizeForNotional(markets.find((m) => m.symbol === s)!, c.notional, priceOf(s))
  const grids: Record<'followSignal' | 'smaCross' | 'meanReversion' | 'arForecast', Omit<GridSpec, 'count' | 'offset'>> = {
    followSignal: { strategy: 'followSignal', symbols, groups: c.groups, sizeOf },
    smaCross: { strategy: 'smaCross', params: { fast: [5, 10, 20], slow: [50, 100] }, symbols, groups: c.groups, sizeOf },
    meanReversion: { strategy: 'meanReversion', params: { window: [20, 50], z: [1.5, 2, 2.5] }, symbols, groups: c.groups, sizeOf },
    arForecast: { strategy: 'arForecast', params: { window: [200, 500], lags: [4, 8], thresholdBps: [0.5, 1, 2] }, symbols, groups: c.groups, sizeOf },
  }
  if (c.strategy !== 'mix') {
    const grid = grids[c.strategy as keyof typeof grids] ?? { strategy: c.strategy, symbols, groups: c.groups, sizeOf }
    return expandGrid({ ...grid, count: c.strategies })
  }
  const third = Math.floor(c.strategies / 3)
  return [
    ...expandGrid({ ...grids.followSignal, count: c.strategies - 2 * third }),
    ...expandGrid({ ...grids.smaCross, count: third, offset: c.strategies - 2 * third }),
    ...expandGrid({ ...grids.meanReversion, count: third, offset: c.strategies - third }),
  ]
}

/** The demo's flags as a session: the simulator, its strategies, seed 000's signal schedule. */
export function demoSession(c: DemoConfig): SessionConfig {
  return {
    command: 'demo',
    record: { ...c },
    exchange: {
      kind: 'sim',
      options: {
        symbols: c.symbols,
        seed: c.seed,
        latencyMs: c.latencyMs,
        rejectRate: c.rejectRate,
        timeoutRate: c.timeoutRate,
        lateRate: c.lateRate,
        lateMs: lateMsFor(c.callTimeoutMs, c.latencyMs),
        tickMs: c.tickMs,
        scenario: c.scenario,
      },
    },
    callTimeoutMs: c.callTimeoutMs,
    strategies: (markets, priceOf) => demoStrategies(c, markets, priceOf),
    signals: { groups: c.groups, everyMs: c.signalEverySec * 1000, seed: c.seed, rounds: c.signalRounds },
    mode: c.mode,
    chunkSize: c.chunkSize,
    dbPath: c.dbPath,
    summaryPath: c.summaryPath,
    durationSec: c.durationSec,
    statsEverySec: c.statsEverySec,
    positionsEverySec: c.positionsEverySec,
    maxQueued: c.maxQueued,
    flushTimeoutSec: c.flushTimeoutSec,
    stopGraceSec: c.stopGraceSec,
    workers: c.workers,
    gcWhenQuiet: c.gcWhenQuiet,
    allocator: c.allocator,
    risk: c.risk,
    execution: c.execution,
    netting: c.netting,
    http: c.http,
  }
}

/** Runs the demo until its duration ends or SIGINT/SIGTERM; returns the summary. */
/** Runs the demo; a --module is loaded first, and --strategy must then name a strategy it or shoal defines. */
export async function runDemo(c: DemoConfig, log: Logger, out: NodeJS.WriteStream = process.stdout): Promise<Record<string, unknown>> {
  if (c.module !== null) {
    await loadStrategyModules([c.module], process.cwd(), '--module')
    if (c.strategy !== 'mix') getStrategy(c.strategy, '--strategy')
  }
  return runSession(demoSession(c), log, out)
}

export { StoreDownError } from './session.ts'

/** `{ [key]: parse(raw) }` when the flag was given, else nothing (the algorithm's default applies). */
function optional<K extends string>(key: K, raw: string | boolean | undefined, parse: (x: string) => number): { [P in K]?: number } {
  return raw === undefined ? {} : ({ [key]: parse(String(raw)) } as { [P in K]?: number })
}
