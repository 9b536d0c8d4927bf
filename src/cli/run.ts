import { DEFAULT_NETTING } from '../../actors/netting/netting-desk.ts'
import { DEFAULT_ALGO_OPTIONS, type AlgoName } from '../../actors/algos/algo.ts'
import { HTTP_HELP, httpSpec } from './http-flags.ts'
import { DEFAULT_LIMITS, validateLimits } from '../../actors/risk/limits.ts'
import { expandGrid, type StrategySpec } from '../../streams/strategies/grid.ts'
import { loadConfig } from '../config/load-config.ts'
import type { ShoalConfig } from '../config/schema.ts'
import { ConfigError } from '../domain/errors.ts'
import { sizeForNotional } from '../engine/sizing.ts'
import type { AllocatorOptions } from '../engine/capital-allocator.ts'
import type { Market } from '../domain/market.ts'
import { lateMsFor, openExchange } from './open-exchange.ts'
import { numFlag, parseFlags, stringFlag } from './flags.ts'
import type { SessionConfig } from './session.ts'
import type { RiskLimits } from '../../actors/risk/limits.ts'

export const RUN_HELP = `shoal run — run the strategies of a config file until SIGINT/SIGTERM

  --config FILE     YAML or JSON (see examples/); every error names its path
  --dry-run         check the file, print the expanded strategy count, and exit
  --duration S      stop by itself after S seconds
  --summary PATH    write the run's summary as JSON to PATH
  --record DIR      also record the trades and top of book the run sees (files shoal backtest replays)
${HTTP_HELP}
`

const FLAGS = {
  config: { type: 'string' },
  'dry-run': { type: 'boolean' },
  duration: { type: 'string' },
  summary: { type: 'string' },
  record: { type: 'string' },
  http: { type: 'string' },
  'http-host': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export interface RunCommand {
  readonly help?: true
  readonly dryRun: boolean
  readonly file: string
  readonly config: ShoalConfig
  readonly session: SessionConfig
}

/** The config's strategies on the venue's symbols: grids in file order, ids unique across them. */
export function configStrategies(c: ShoalConfig, markets: readonly Market[], priceOf: (symbol: string) => number): StrategySpec[] {
  const all = markets.map((m) => m.symbol)
  const out: StrategySpec[] = []
  for (const [i, s] of c.strategies.entries()) {
    const symbols = s.symbols === 'all' ? all : s.symbols
    symbols.forEach((sym, j) => {
      if (!all.includes(sym)) throw new ConfigError(`strategies.${i}.symbols.${j}`, `the exchange does not list '${sym}'`)
    })
    const sizeOf = (sym: string) => sizeForNotional(markets.find((m) => m.symbol === sym)!, s.notional, priceOf(sym))
    const byOrder = s.sizing === 'order' ? { notional: s.notional } : {}
    out.push(
      ...expandGrid({
        strategy: s.strategy,
        params: s.params,
        symbols,
        count: s.count,
        groups: c.signals?.groups ?? 1,
        sizeOf,
        ...byOrder,
        idPrefix: s.idPrefix,
        offset: out.length,
        thread: s.thread,
      }),
    )
  }
  return out
}

type LiveExchange = Exclude<ShoalConfig['exchange'], { type: 'replay' }>
type RiskConfig = Exclude<ShoalConfig['risk'], 'off'>

const callTimeoutOf = (x: LiveExchange): number => x.callTimeoutMs ?? (x.type === 'sim' ? Math.max(5_000, 5 * x.latencyMs) : 10_000)

/** The simulator's options from the config: late calls arrive after the engine's timeout and look-up. */
function simOptions(x: Extract<ShoalConfig['exchange'], { type: 'sim' }>, callTimeoutMs: number) {
  const { type: _type, callTimeoutMs: _t, ...rest } = x
  return { ...rest, lateMs: lateMsFor(callTimeoutMs, x.latencyMs) }
}

/** The risk gate's limits a config file sets (defaults for what it leaves out). */
export function riskLimitsOf(c: ShoalConfig, r: RiskConfig, file: string): RiskLimits {
  const b = r.breaker
  const maxNotional = Math.max(...c.strategies.map((s) => s.notional))
  return validateLimits(
    {
      ...DEFAULT_LIMITS,
      capitalPerStrategy: r.capitalPerStrategy ?? maxNotional * 2,
      maxOrderNotional: r.maxOrderNotional ?? Infinity,
      maxStrategyPosition: r.maxStrategyPosition ?? Infinity,
      maxSymbolPosition: r.maxSymbolPosition ?? Infinity,
      maxGrossExposure: r.maxGrossExposure ?? Infinity,
      maxOpenOrders: r.maxOpenOrders ?? Infinity,
      strategyOrdersPerSec: r.strategyOrdersPerSec ?? Infinity,
      strategyOrderBurst: r.strategyOrdersPerSec === undefined ? Infinity : Math.max(1, r.strategyOrdersPerSec),
      globalOrdersPerSec: r.globalOrdersPerSec ?? Infinity,
      globalOrderBurst: r.globalOrdersPerSec === undefined ? Infinity : Math.max(1, r.globalOrdersPerSec),
      priceBandBps: r.priceBandBps ?? Infinity,
      breaker:
        b === undefined
          ? DEFAULT_LIMITS.breaker
          : { maxDrawdown: b.maxDrawdown, windowMs: b.windowS * 1000, action: b.action === 'halt' ? 'HALTED' : 'REDUCING', cooldownMs: b.cooldownS * 1000, perStrategy: b.perStrategy },
      volGate: { ...DEFAULT_LIMITS.volGate, ...r.volGate },
    },
    `${file}: risk`,
  )
}

/** The adaptive chase's knobs, named alike in config files and AlgoOptions. */
const ADAPTIVE_KEYS = ['insideShare', 'cutBps', 'trendHorizonMs', 'trendZ', 'volTake', 'imbalanceTake', 'followTouch'] as const

/** The execution algorithm and netting a config file sets. */
/** The config's allocator as engine options (none when absent). */
export const allocatorOf = (c: ShoalConfig): AllocatorOptions | null =>
  c.allocator === undefined ? null : { kind: 'hedge', horizonMs: c.allocator.horizonS * 1000, eta: c.allocator.eta, floor: c.allocator.floor, cap: c.allocator.cap }

export function executionOf(c: ShoalConfig): Pick<SessionConfig, 'execution' | 'netting'> {
  const e = c.execution
  return {
    execution: {
      algo: e.algo as AlgoName,
      options: {
        ...DEFAULT_ALGO_OPTIONS,
        ...(e.workMs !== undefined ? { maxWorkMs: e.workMs } : {}),
        ...(e.maxSlippageBps !== undefined ? { maxSlippageBps: e.maxSlippageBps } : {}),
        ...(e.fallback !== undefined ? { fallback: e.fallback } : {}),
        ...(e.pegOffsetTicks !== undefined ? { pegOffsetTicks: e.pegOffsetTicks } : {}),
        ...(e.pegTo !== undefined ? { pegTo: e.pegTo } : {}),
        ...Object.fromEntries(ADAPTIVE_KEYS.filter((k) => e[k] !== undefined).map((k) => [k, e[k]])),
      },
    },
    netting:
      e.netting === true
        ? { windowMs: e.netWindowMs ?? DEFAULT_NETTING.windowMs, holdMs: e.netHoldMs ?? DEFAULT_NETTING.holdMs, internalFeeRate: e.internalFeeRate ?? DEFAULT_NETTING.internalFeeRate }
        : null,
  }
}

export function sessionFromConfig(c: ShoalConfig, file: string, summaryPath: string | null, durationSec: number | null): SessionConfig {
  const r = c.risk
  if (c.exchange.type === 'replay') throw new ConfigError(`${file}: exchange.type`, 'replay data runs as a backtest: shoal backtest --config FILE')
  if (r === 'off') throw new ConfigError(`${file}: risk`, "'off' is for backtests; a live run always has its risk gate")
  const x: LiveExchange = c.exchange
  return {
    command: 'run',
    record: { configFile: file, ...c },
    exchange:
      x.type === 'sim'
        ? { kind: 'sim', options: simOptions(x, callTimeoutOf(x)) }
        : {
            kind: 'ccxt',
            id: x.id,
            baseUrl: x.baseUrl,
            symbols: x.symbols,
            pollMs: x.pollMs,
            streams: x.streams,
            auditMs: x.auditMs,
            rateLimitMs: x.rateLimitMs,
            options: x.options,
          },
    callTimeoutMs: callTimeoutOf(x),
    strategies: (markets, priceOf) => configStrategies(c, markets, priceOf),
    signals:
      c.signals === undefined ? null : { groups: c.signals.groups, everyMs: c.signals.everyS * 1000, seed: c.signals.seed, pEnter: c.signals.pEnter, pExit: c.signals.pExit, rounds: c.signals.rounds },
    mode: c.engine.mode,
    chunkSize: c.engine.chunkSize,
    dbPath: c.database,
    summaryPath,
    durationSec,
    statsEverySec: c.engine.statsEveryS,
    positionsEverySec: c.engine.positionsEveryS,
    maxQueued: c.engine.maxQueued,
    flushTimeoutSec: c.engine.flushTimeoutS,
    stopGraceSec: c.engine.stopGraceS,
    workers: c.engine.workers,
    gcWhenQuiet: c.engine.gcWhenQuiet,
    allocator: allocatorOf(c),
    risk: riskLimitsOf(c, r, file),
    orderRateFromVenue: r.orderRateFromVenue === true,
    ...executionOf(c),
  }
}

/** Parses `shoal run`'s flags and its config file. */
export async function runCommand(argv: string[]): Promise<RunCommand | 'help'> {
  const { values: v, positionals } = parseFlags(argv, FLAGS)
  if (v.help) return 'help'
  if (positionals.length > 0) throw new ConfigError('run', `unexpected argument '${positionals[0]}'`)
  if (v.config === undefined) throw new ConfigError('--config', 'required: the config file to run (see examples/)')
  const file = stringFlag(v.config, '--config')
  const config = await loadConfig(file)
  const durationSec = v.duration === undefined ? null : numFlag(v.duration, '--duration', 0.1)
  const summaryPath = v.summary === undefined ? null : stringFlag(v.summary, '--summary')
  const recordDir = v.record === undefined ? null : stringFlag(v.record, '--record')
  // Flags win over the file's `http:`.
  const http = v.http !== undefined ? httpSpec(v.http, v['http-host'], process.env) : httpSpec(config.http?.port, v['http-host'] ?? config.http?.host, process.env, 'http.port')
  return { dryRun: v['dry-run'] === true, file, config, session: { ...sessionFromConfig(config, file, summaryPath, durationSec), recordDir, http } }
}

/** What --dry-run prints: the expanded strategies by name, and where the run would go (the venue is opened to list its symbols). */
export async function dryRunReport(cmd: RunCommand): Promise<string> {
  const exchange = await openExchange(cmd.session.exchange)
  let specs: StrategySpec[]
  try {
    specs = cmd.session.strategies(exchange.markets, (s) => exchange.priceOf(s))
  } finally {
    await exchange.stop()
  }
  const byName = new Map<string, number>()
  for (const s of specs) byName.set(s.strategy, (byName.get(s.strategy) ?? 0) + 1)
  const parts = [...byName].map(([k, n]) => `${k} ${n}`).join(', ')
  const c = cmd.config
  return `${cmd.file}: OK\n  strategies: ${specs.length} (${parts})\n  exchange: ${c.exchange.type === 'sim' ? 'sim' : c.exchange.type === 'replay' ? 'replay' : `ccxt ${c.exchange.id}${c.exchange.baseUrl ? ` at ${c.exchange.baseUrl}` : ''}`}, ${exchange.markets.length} symbols\n  signals: ${c.signals ? `every ${c.signals.everyS} s to ${c.signals.groups} groups` : 'none'}\n  execution: ${c.execution.algo}${c.execution.netting === true ? ' (netting)' : ''}, mode: ${c.engine.mode}\n  database: ${c.database}\n`
}
