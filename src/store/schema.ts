import type { ALLOCATIONS, ALLOCATOR_WEIGHTS, BACKTEST_RESULTS, BLOCKS, CONTROLS, EXECUTIONS, FILLS, ORDER_EVENTS, ORDERS, POSITIONS, RowOf, RUNS } from './tables.ts'

/** Row types, derived from the table specs in tables.ts (times are epoch milliseconds). */
export type OrdersTable = RowOf<typeof ORDERS>
export type FillsTable = RowOf<typeof FILLS>
export type RunsTable = RowOf<typeof RUNS>
export type OrderEventsTable = RowOf<typeof ORDER_EVENTS>
export type PositionsTable = RowOf<typeof POSITIONS>
export type ExecutionsTable = RowOf<typeof EXECUTIONS>
export type BlocksTable = RowOf<typeof BLOCKS>
export type AllocationsTable = RowOf<typeof ALLOCATIONS>
export type BacktestResultsTable = RowOf<typeof BACKTEST_RESULTS>
export type ControlsTable = RowOf<typeof CONTROLS>
export type AllocatorWeightsTable = RowOf<typeof ALLOCATOR_WEIGHTS>

export interface Database {
  runs: RunsTable
  orders: OrdersTable
  order_events: OrderEventsTable
  fills: FillsTable
  positions: PositionsTable
  executions: ExecutionsTable
  blocks: BlocksTable
  allocations: AllocationsTable
  backtest_results: BacktestResultsTable
  controls: ControlsTable
  allocator_weights: AllocatorWeightsTable
}
