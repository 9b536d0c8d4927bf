import { z } from 'zod'
import { ALGO_NAMES } from '../../actors/algos/algo.ts'
import { DATA_FORMATS, type DataFormat } from '../data/market-rows.ts'
import { FILL_MODELS, type FillModel } from '../exchange/replay/replay-fills.ts'

const positive = z.number().positive()
const count = z.number().int().positive()
const fraction = z.number().min(0).max(1)

/** One strategy grid: every combination of the listed parameter values × symbols. */
const strategyEntry = z
  .object({
    strategy: z.string().min(1),
    params: z.record(z.string(), z.union([z.number(), z.array(z.number()).min(1)])).optional(),
    /** 'all' = every symbol the exchange lists. */
    symbols: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
    /** Stop after this many; more than the grid repeats it. Default: the whole grid. */
    count: count.optional(),
    /** Position size per strategy, in quote currency. */
    notional: positive.default(100),
    /** start: the amount is fixed from the price at start; order: sized at each order's last price (a backtest always is). */
    sizing: z.enum(['start', 'order']).default('start'),
    /** Prefix of the strategy ids (default: the strategy name). */
    idPrefix: z.string().min(1).optional(),
    /** worker: compute in a worker thread (needs engine.workers); main: on the main thread. Default: worker for heavy strategies when there are workers. */
    thread: z.enum(['main', 'worker']).optional(),
  })
  .strict()

/**
 * `shoal run --config FILE`: the whole run in one file (YAML or JSON). Credentials never go here —
 * exchanges that need them read environment variables.
 */
export const configSchema = z
  .object({
    exchange: z.discriminatedUnion('type', [
      z
        .object({
          type: z.literal('sim'),
          symbols: count.default(20),
          seed: z.number().int().min(0).default(1),
          latencyMs: z.number().min(0).default(100),
          jitter: z.number().min(0).optional(),
          tickMs: positive.default(250),
          rejectRate: fraction.default(0),
          timeoutRate: fraction.default(0),
          /** Share of calls that reach the simulated venue only after the engine timed out and looked them up. */
          lateRate: fraction.default(0),
          scenario: z.enum(['calm', 'trend', 'crash', 'volatile']).default('calm'),
          /** Engine-side deadline on every venue call (default: 5 s or 5 × latencyMs, whichever is larger). */
          callTimeoutMs: positive.optional(),
        })
        .strict(),
      z
        .object({
          type: z.literal('ccxt'),
          /** A ccxt exchange id: binance, kraken, … Its key pair: SHOAL_<ID>_API_KEY / SHOAL_<ID>_SECRET. */
          id: z.string().min(1),
          /** Replaces the host of every API url (a local venue: http://127.0.0.1:8900). */
          baseUrl: z.url().optional(),
          symbols: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
          /** ws: ccxt.pro's watch* streams (reconnecting, audited); poll: REST only. */
          streams: z.enum(['ws', 'poll']).default('ws'),
          /** REST period: the poll, or the audit while a stream is down. */
          pollMs: positive.default(1_000),
          /** With streams up, how often open orders are audited against the venue. */
          auditMs: positive.default(10_000),
          /** ccxt's request spacing per weight unit (its rateLimit; binance: 50 ms). A local venue can take far more. */
          rateLimitMs: positive.optional(),
          options: z.record(z.string(), z.unknown()).optional(),
          /** Engine-side deadline on every venue call (default 10 s, ccxt's own request timeout). */
          callTimeoutMs: positive.optional(),
        })
        .strict(),
      z
        .object({
          type: z.literal('replay'),
          /** Recorded data, one file per symbol (paths relative to the config file). */
          data: z
            .array(
              z
                .object({
                  symbol: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected BASE/QUOTE, e.g. ETH/BTC'),
                  file: z.string().min(1),
                  format: z.enum(DATA_FORMATS as [DataFormat, ...DataFormat[]]).optional(),
                  timeframe: z
                    .string()
                    .regex(/^\d+[smhdw]$/, 'expected a period such as 1m, 5m, 1h, 1d')
                    .optional(),
                  /** This symbol's lot, tick and minimum notional (over the replay's defaults). */
                  lotSize: positive.optional(),
                  tickSize: positive.optional(),
                  minNotional: z.number().min(0).optional(),
                })
                .strict(),
            )
            .min(1),
          /** next-open (default for candles), close, trades or book (trade data only). */
          fill: z.enum(FILL_MODELS as [FillModel, ...FillModel[]]).optional(),
          feeRate: z.number().min(0).max(0.1).default(0.001),
          /** Makers' fee rate when it differs from feeRate (the takers'). */
          makerFeeRate: z.number().min(0).max(0.1).optional(),
          slippageBps: z.number().min(0).max(1_000).default(0),
          lotSize: positive.optional(),
          tickSize: positive.optional(),
          minNotional: z.number().min(0).optional(),
        })
        .strict(),
    ]),
    /** User strategy modules (TypeScript or JavaScript), relative to the config file; their exported strategies are named like built-in ones. */
    modules: z.array(z.string().min(1)).optional(),
    database: z.string().min(1).default('./shoal.sqlite'),
    /** The dashboard, JSON API and /metrics (control needs SHOAL_HTTP_TOKEN in the environment). */
    http: z
      .object({ port: z.number().int().min(0).max(65_535), host: z.string().min(1).optional() })
      .strict()
      .optional(),
    signals: z
      .object({
        everyS: positive,
        groups: count.default(100),
        seed: z.number().int().min(0).default(1),
        pEnter: fraction.optional(),
        pExit: fraction.optional(),
        /** Stop after this many rounds (default: until the run ends). */
        rounds: count.optional(),
      })
      .strict()
      .optional(),
    strategies: z.array(strategyEntry).min(1),
    engine: z
      .object({
        mode: z.enum(['lock', 'await']).default('lock'),
        chunkSize: count.default(250),
        statsEveryS: positive.default(3),
        positionsEveryS: positive.default(60),
        maxQueued: count.default(1_000_000),
        flushTimeoutS: z.number().min(0).default(30),
        stopGraceS: z.number().min(0).default(60),
        /** Worker threads for heavy strategy pipelines (0: every pipeline on the main thread). */
        workers: z.number().int().min(0).max(64).default(0),
        /** Collect V8's young generation once a burst of orders has ended (needs node --expose-gc). */
        gcWhenQuiet: z.boolean().default(true),
      })
      .strict()
      .default({ mode: 'lock', chunkSize: 250, statsEveryS: 3, positionsEveryS: 60, maxQueued: 1_000_000, flushTimeoutS: 30, stopGraceS: 60, workers: 0, gcWhenQuiet: true }),
    /**
     * Online capital re-weighting: each entry's outcome (return on its notional, marked to market) is
     * taken horizonS later or at the exit, and updates the strategy's weight by Hedge; weights are
     * multiples of an equal share within [floor, cap] summing to the number of strategies.
     */
    allocator: z
      .object({
        kind: z.literal('hedge'),
        horizonS: positive.default(300),
        eta: positive.default(10),
        floor: z.number().gt(0).max(1).default(0.1),
        cap: z.number().min(1).default(10),
      })
      .strict()
      .optional(),
    /** 'off': no risk gate (pure strategy research in a backtest). */
    risk: z
      .union([
        z.literal('off'),
        z
          .object({
            capitalPerStrategy: positive.optional(),
            maxOrderNotional: positive.optional(),
            maxStrategyPosition: positive.optional(),
            maxSymbolPosition: positive.optional(),
            maxGrossExposure: positive.optional(),
            maxOpenOrders: count.optional(),
            strategyOrdersPerSec: positive.optional(),
            globalOrdersPerSec: positive.optional(),
            /** Take the account's order rate from the venue's advertised ORDERS limits (ccxt venues that publish them). */
            orderRateFromVenue: z.boolean().optional(),
            priceBandBps: positive.optional(),
            breaker: z
              .object({
                maxDrawdown: z.number().gt(0).lt(1).default(0.05),
                windowS: positive.default(3600),
                action: z.enum(['reduce', 'halt']).default('reduce'),
                cooldownS: z.number().min(0).default(600),
                perStrategy: z.boolean().default(false),
              })
              .strict()
              .optional(),
            volGate: z
              .object({ window: count.optional(), baselineWindow: count.optional(), k: z.number().gt(1).optional(), resumeK: positive.optional() })
              .strict()
              .optional(),
          })
          .strict(),
      ])
      .default({}),
    execution: z
      .object({
        algo: z.enum(ALGO_NAMES as [string, ...string[]]).default('market'),
        workMs: positive.optional(),
        maxSlippageBps: z.number().min(0).optional(),
        fallback: z.enum(['market', 'cancel']).optional(),
        pegOffsetTicks: z.number().int().min(0).optional(),
        pegTo: z.enum(['best', 'mid']).optional(),
        insideShare: z.number().min(0).max(1).optional(),
        cutBps: z.number().min(0).optional(),
        trendHorizonMs: z.number().min(0).optional(),
        trendZ: z.number().min(0).optional(),
        volTake: z.number().min(0).optional(),
        imbalanceTake: z.number().min(0).max(1).optional(),
        followTouch: z.boolean().optional(),
        netting: z.boolean().optional(),
        netWindowMs: z.number().min(0).max(3_600_000).optional(),
        netHoldMs: z.number().min(0).max(86_400_000).optional(),
        internalFeeRate: z.number().min(0).max(0.1).optional(),
      })
      .strict()
      .default({ algo: 'market' }),
  })
  .strict()

export type ShoalConfig = z.infer<typeof configSchema>
