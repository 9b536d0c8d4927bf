import { ConfigError } from '../../src/domain/errors.ts'
import type { TradingState } from './trading-state.ts'

/** Risk limits. Notionals are in quote currency. Infinity switches a limit off. */
export interface RiskLimits {
  /** Capital each strategy's sub-ledger holds; an entry may not use more than is left of it. */
  readonly capitalPerStrategy: number
  readonly maxOrderNotional: number
  /** |position| × price per strategy. */
  readonly maxStrategyPosition: number
  /** |net position of all strategies| × price, per symbol. */
  readonly maxSymbolPosition: number
  /** Σ |position| × price over every strategy. */
  readonly maxGrossExposure: number
  /** Orders in flight at once, across all strategies. */
  readonly maxOpenOrders: number
  readonly strategyOrdersPerSec: number
  readonly strategyOrderBurst: number
  readonly globalOrdersPerSec: number
  readonly globalOrderBurst: number
  /** A limit price may be at most this far from the last trade, in basis points. */
  readonly priceBandBps: number
  readonly breaker: {
    /** Drawdown from the peak within the window that trips it, as a fraction (0.05 = 5 %). */
    readonly maxDrawdown: number
    readonly windowMs: number
    /** What a trip does: REDUCING (only exits) or HALTED (nothing but cancels). */
    readonly action: Exclude<TradingState, 'ACTIVE'>
    /** How long a trip lasts before trading resumes on its own (an operator can reset sooner). */
    readonly cooldownMs: number
    /** Per-strategy breaker on each strategy's own equity (drawdown from its peak), same threshold. */
    readonly perStrategy: boolean
  }
  readonly volGate: {
    /** Returns in the short realized-volatility window. */
    readonly window: number
    /** Returns in the baseline window (much longer). */
    readonly baselineWindow: number
    /** Pause entries on a symbol when its volatility exceeds k × baseline... */
    readonly k: number
    /** ...and resume once it is back under resumeK × baseline. */
    readonly resumeK: number
  }
}

export const DEFAULT_LIMITS: RiskLimits = {
  capitalPerStrategy: Infinity,
  maxOrderNotional: Infinity,
  maxStrategyPosition: Infinity,
  maxSymbolPosition: Infinity,
  maxGrossExposure: Infinity,
  maxOpenOrders: Infinity,
  strategyOrdersPerSec: Infinity,
  strategyOrderBurst: Infinity,
  globalOrdersPerSec: Infinity,
  globalOrderBurst: Infinity,
  priceBandBps: Infinity,
  // Seed 002: halt if drawdown exceeds 5 % in 1 hour.
  breaker: { maxDrawdown: 0.05, windowMs: 3_600_000, action: 'REDUCING', cooldownMs: 600_000, perStrategy: false },
  volGate: { window: 20, baselineWindow: 400, k: 3, resumeK: 2 },
}

/** Checks limits; every error names the limit. */
export function validateLimits(l: RiskLimits, path = 'risk'): RiskLimits {
  const positive = (v: number, k: string) => {
    if (!(v > 0)) throw new ConfigError(`${path}.${k}`, `expected a positive number, got ${v}`)
  }
  for (const k of [
    'capitalPerStrategy',
    'maxOrderNotional',
    'maxStrategyPosition',
    'maxSymbolPosition',
    'maxGrossExposure',
    'maxOpenOrders',
    'strategyOrdersPerSec',
    'strategyOrderBurst',
    'globalOrdersPerSec',
    'globalOrderBurst',
    'priceBandBps',
  ] as const)
    positive(l[k], k)
  const b = l.breaker
  if (!(b.maxDrawdown > 0 && b.maxDrawdown < 1)) throw new ConfigError(`${path}.breaker.maxDrawdown`, `expected a fraction between 0 and 1, got ${b.maxDrawdown}`)
  positive(b.windowMs, 'breaker.windowMs')
  if (!(b.cooldownMs >= 0)) throw new ConfigError(`${path}.breaker.cooldownMs`, `expected 0 or more, got ${b.cooldownMs}`)
  const v = l.volGate
  if (!(Number.isInteger(v.window) && v.window >= 2)) throw new ConfigError(`${path}.volGate.window`, `expected a whole number of at least 2, got ${v.window}`)
  if (!(Number.isInteger(v.baselineWindow) && v.baselineWindow > v.window))
    throw new ConfigError(`${path}.volGate.baselineWindow`, `expected a whole number above window (${v.window}), got ${v.baselineWindow}`)
  if (!(v.k > 1 && v.resumeK > 0 && v.resumeK <= v.k)) throw new ConfigError(`${path}.volGate`, `expected k > 1 and 0 < resumeK <= k, got k=${v.k}, resumeK=${v.resumeK}`)
  return l
}
