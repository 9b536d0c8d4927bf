import type { Side } from './market.ts'

export type AlgoName = 'market' | 'limit' | 'chase' | 'peg'

/** How one piece of work went, for execution metrics. */
export interface ExecutionReport {
  readonly algo: AlgoName
  /** Set by the engine: whose work it was. */
  readonly strategyId?: string
  readonly symbol?: string
  readonly ts?: number
  readonly side: Side
  readonly requested: number
  readonly filled: number
  /** Mid price when the intent arrived. */
  readonly arrivalMid: number
  readonly avgPrice: number | null
  readonly makerAmount: number
  readonly takerAmount: number
  readonly fees: number
  /** From the start of the work to its last fill (null without fills). */
  readonly timeToFillMs: number | null
  /** Replacement orders after the first. */
  readonly amendments: number
}

/** Slippage of a report's average fill against the arrival mid, in bps; positive = worse than the mid. */
export function slippageBps(r: ExecutionReport): number | null {
  return r.avgPrice === null || r.arrivalMid <= 0 ? null : ((r.side === 'buy' ? r.avgPrice - r.arrivalMid : r.arrivalMid - r.avgPrice) / r.arrivalMid) * 1e4
}
