import type { ControlRecord, ControlRequest, ControlState } from './control.ts'
import type { StrategyRow, TableQuery } from './strategy-table.ts'

/** One second of the overview: the stats row's figures as they stand. */
export interface FeedPoint {
  readonly t: number
  readonly reactionP99Ms: number
  readonly sweepP99Ms: number
  readonly loopLagP99Ms: number
  readonly ordersPerSec: number
  readonly fillsPerSec: number
  readonly persistedPerSec: number
  readonly sinkQueue: number
  readonly sinkLagMs: number
  readonly heapMB: number
  readonly equity: number | null
  readonly drawdownPct: number | null
}

/** A strategy's page: parameters, figures, states, equity curve, latest orders and fills. */
export interface StrategyDetail {
  readonly id: string
  readonly strategy: string
  readonly params: Readonly<Record<string, unknown>>
  readonly symbol: string
  readonly figures: Readonly<Record<string, unknown>>
  readonly state: Readonly<Record<string, unknown>> | null
  readonly equity: readonly { ts: number; equity: number; drawdown: number | null }[]
  readonly orders: readonly Record<string, unknown>[]
  readonly fills: readonly Record<string, unknown>[]
}

/** What the dashboard server reads: a running engine (live) or a finished run in the store (stored, read-only). */
export interface DashboardSource {
  readonly kind: 'live' | 'stored'
  summary(): Promise<Record<string, unknown>>
  series(): readonly FeedPoint[]
  strategies(q: TableQuery): Promise<{ total: number; offset: number; rows: StrategyRow[] }>
  strategy(id: string): Promise<StrategyDetail | null>
  runs(): Promise<readonly unknown[]>
  controls(): Promise<readonly ControlRecord[]>
  /** A backtest's report (leaderboard head, best curves, heatmap), when the run is one. */
  report?(): Promise<unknown | null>
  /** Live only: one second's sample for the page. */
  sample?(now?: number): FeedPoint
  /** Live only: an operator's action. */
  control?(req: ControlRequest, who: string): Promise<ControlState>
}
