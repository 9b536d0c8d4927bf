import type { MarketEvent, Side } from './market.ts'
import type { Signal } from './signal.ts'

/** What a strategy sees: market events for its symbol and the signals of its group. */
export type StrategyInput = MarketEvent | Signal

/**
 * "Hold `weight` × my size of `symbol`": 1 = full long, 0 = flat, -1 = full short.
 * Strategies decide direction; each actor scales by its own size, so identical strategies share one pipeline.
 */
export interface TargetIntent {
  readonly kind: 'target'
  readonly symbol: string
  readonly weight: number
  readonly ts: number
}

/** An explicit order. */
export interface OrderIntent {
  readonly kind: 'order'
  readonly symbol: string
  readonly side: Side
  readonly type: 'market' | 'limit'
  readonly amount: number
  readonly price?: number
  readonly ts: number
}

export type Intent = TargetIntent | OrderIntent

export const target = (symbol: string, weight: number, ts: number): TargetIntent => ({ kind: 'target', symbol, weight, ts })
