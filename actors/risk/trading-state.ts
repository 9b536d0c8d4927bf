/** ACTIVE: anything passes. REDUCING: only orders that lower exposure. HALTED: only cancels. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED'

/** What an order does to exposure: opens or grows it, lowers it, or cancels an order. */
export type OrderKind = 'entry' | 'reduce' | 'cancel'

const RANK: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 }

/** The more restrictive of two states (strategy, symbol and global states combine this way). */
export const strictest = (a: TradingState, b: TradingState): TradingState => (RANK[a] >= RANK[b] ? a : b)

/** Whether an order of `kind` may pass in `state`. Cancels always pass. */
export const allows = (state: TradingState, kind: OrderKind): boolean => kind === 'cancel' || state === 'ACTIVE' || (state === 'REDUCING' && kind === 'reduce')
