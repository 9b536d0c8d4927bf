import type { Side } from './market.ts'

export type AlgoName = 'market' | 'limit' | 'chase' | 'adaptive' | 'peg'

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
  /** Mid price when the work ended (values an unfilled remainder); null when no book was known. */
  readonly endMid?: number | null
  readonly avgPrice: number | null
  readonly makerAmount: number
  readonly takerAmount: number
  /** In the quote currency. */
  readonly fees: number
  /** From the start of the work to its last fill (null without fills). */
  readonly timeToFillMs: number | null
  /** Replacement orders after the first. */
  readonly amendments: number
}

/** Signed move from the arrival mid to `price` for this side, bps: positive = worse (paid up to buy, sold lower). */
const against = (r: ExecutionReport, price: number): number => ((r.side === 'buy' ? price - r.arrivalMid : r.arrivalMid - price) / r.arrivalMid) * 1e4

/** Slippage of a report's average fill against the arrival mid, in bps; positive = worse than the mid. */
export function slippageBps(r: ExecutionReport): number | null {
  return r.avgPrice === null || r.arrivalMid <= 0 ? null : against(r, r.avgPrice)
}

/** Fees in bps of the filled notional. */
export function feesBps(r: ExecutionReport): number | null {
  return r.avgPrice === null || r.filled <= 0 ? null : (r.fees / (r.avgPrice * r.filled)) * 1e4
}

/**
 * Total cost of what was filled, bps of filled notional: slippage against the arrival mid plus fees
 * (Perold's implementation shortfall on the executed part). Null without fills.
 */
export function costBps(r: ExecutionReport): number | null {
  return costsOf(r).cost
}

/** The share of the request left unfilled (0 … 1). */
export const unfilledShare = (r: ExecutionReport): number => (r.requested > 0 ? Math.max(0, r.requested - r.filled) / r.requested : 0)

/**
 * Opportunity cost of the unfilled remainder: how far the mid moved against us from arrival to the
 * end of the work, bps per unit left undone. Null when everything filled or no end mid is known.
 */
export function opportunityBps(r: ExecutionReport): number | null {
  if (unfilledShare(r) <= 1e-9 || r.endMid === undefined || r.endMid === null || r.arrivalMid <= 0) return null
  return against(r, r.endMid)
}

/**
 * Perold's whole implementation shortfall in bps of the paper notional (requested × arrival mid):
 * the executed part's slippage and fees plus the unfilled part's opportunity cost.
 */
export function shortfallBps(r: ExecutionReport): number | null {
  return costsOf(r).shortfall
}

/** Every cost figure of a report at once (metrics and the store each need all of them). */
export function costsOf(r: ExecutionReport): { slippage: number | null; fees: number | null; cost: number | null; opportunity: number | null; shortfall: number | null } {
  const slippage = slippageBps(r)
  const fees = feesBps(r)
  const cost = slippage === null || fees === null ? null : slippage + fees
  const opportunity = opportunityBps(r)
  const share = unfilledShare(r)
  const shortfall = r.requested <= 0 || r.arrivalMid <= 0 || (cost === null && opportunity === null) ? null : (cost ?? 0) * (1 - share) + (opportunity ?? 0) * share
  return { slippage, fees, cost, opportunity, shortfall }
}
