/**
 * One spec per table: its columns (name, SQL type, nullability) in the order every writer uses,
 * and what a key clash does. The row types in schema.ts, the kysely writer, the PostgreSQL unnest
 * writer and the SQLite writer thread are all derived from these, so adding a column is one edit
 * here (plus its migration and the value that fills it).
 */
export type ColumnType = 'text' | 'bigint' | 'float8' | 'integer'
export type Column = readonly [name: string, type: ColumnType, nullable?: 'null']

export interface TableSpec {
  readonly name: string
  readonly columns: readonly Column[]
  /** On a clash of `keys`: overwrite the `update` columns with the new row's, or keep the stored row ('nothing'). */
  readonly conflict: { readonly keys: readonly string[]; readonly update: readonly string[] | 'nothing' } | null
}

type ValueOf<T extends ColumnType> = T extends 'text' ? string : number
/** The row a spec describes: `['fee', 'float8']` → `fee: number`, `['price', 'float8', 'null']` → `price: number | null`. */
export type RowOf<S extends TableSpec> = {
  -readonly [C in S['columns'][number] as C[0]]: C[2] extends 'null' ? ValueOf<C[1]> | null : ValueOf<C[1]>
}

const spec = <const S extends TableSpec>(s: S): S => s

export const ORDERS = spec({
  name: 'orders',
  columns: [
    ['id', 'text'],
    ['run_id', 'text', 'null'],
    ['exchange_id', 'text', 'null'],
    ['strategy_id', 'text'],
    ['symbol', 'text'],
    ['side', 'text'],
    ['type', 'text'],
    ['amount', 'float8'],
    ['price', 'float8', 'null'],
    ['status', 'text'],
    ['filled', 'float8'],
    ['avg_price', 'float8', 'null'],
    ['fee', 'float8'],
    ['reason', 'text', 'null'],
    ['created_at', 'bigint'],
    // When the order reached a final state.
    ['closed_at', 'bigint', 'null'],
    ['updated_at', 'bigint'],
  ],
  // The latest state wins; who placed it and what was asked never change.
  conflict: { keys: ['id'], update: ['exchange_id', 'status', 'filled', 'avg_price', 'fee', 'reason', 'closed_at', 'updated_at'] },
})

export const FILLS = spec({
  name: 'fills',
  columns: [
    ['trade_id', 'text'],
    ['run_id', 'text', 'null'],
    ['order_id', 'text'],
    ['strategy_id', 'text'],
    ['symbol', 'text'],
    ['side', 'text'],
    ['price', 'float8'],
    ['amount', 'float8'],
    ['fee', 'float8'],
    ['liquidity', 'text'],
    ['ts', 'bigint'],
  ],
  // A fill is applied once: a replayed trade id is ignored.
  conflict: { keys: ['symbol', 'trade_id'], update: 'nothing' },
})

/** Append-only log of every order event, in the order the engine accepted them. */
export const ORDER_EVENTS = spec({
  name: 'order_events',
  columns: [
    ['run_id', 'text'],
    ['seq', 'bigint'],
    ['order_id', 'text'],
    ['strategy_id', 'text'],
    ['type', 'text'],
    ['ts', 'bigint'],
    // JSON: the order's state after the event, and the fill or reason it carried.
    ['data', 'text'],
  ],
  conflict: null,
})

/** The capital allocator's weights over time (issue 15): a strategy's row when its weight moved. */
export const ALLOCATOR_WEIGHTS = spec({
  name: 'allocator_weights',
  columns: [
    ['run_id', 'text'],
    ['strategy_id', 'text'],
    ['ts', 'bigint'],
    ['weight', 'float8'],
    ['updates', 'integer'],
  ],
  conflict: null,
})

/** Each strategy's position, at intervals and at stop, marked to a price (equity = capital + realized − fees + unrealized). */
export const POSITIONS = spec({
  name: 'positions',
  columns: [
    ['run_id', 'text'],
    ['strategy_id', 'text'],
    ['ts', 'bigint'],
    ['kind', 'text'],
    ['symbol', 'text'],
    ['position', 'float8'],
    ['avg_price', 'float8'],
    ['realized_pnl', 'float8'],
    ['fees', 'float8'],
    ['mark_price', 'float8', 'null'],
    ['unrealized_pnl', 'float8', 'null'],
    ['equity', 'float8', 'null'],
    ['drawdown', 'float8', 'null'],
  ],
  conflict: { keys: ['run_id', 'strategy_id', 'ts'], update: 'nothing' },
})

/**
 * One piece of work of an execution algorithm: what was wanted, what it got, at what cost (bps,
 * positive = worse): slippage against the arrival mid, total cost = slippage + fees, the unfilled
 * remainder's opportunity cost against the mid at the end, and the whole shortfall.
 */
export const EXECUTIONS = spec({
  name: 'executions',
  columns: [
    ['run_id', 'text'],
    ['seq', 'bigint'],
    ['strategy_id', 'text'],
    ['symbol', 'text'],
    ['algo', 'text'],
    ['side', 'text'],
    ['requested', 'float8'],
    ['filled', 'float8'],
    ['arrival_mid', 'float8'],
    ['avg_price', 'float8', 'null'],
    ['slippage_bps', 'float8', 'null'],
    ['maker_amount', 'float8'],
    ['taker_amount', 'float8'],
    ['fees', 'float8'],
    ['time_to_fill_ms', 'float8', 'null'],
    ['amendments', 'integer'],
    ['ts', 'bigint'],
    ['end_mid', 'float8', 'null'],
    ['cost_bps', 'float8', 'null'],
    ['opportunity_bps', 'float8', 'null'],
    ['shortfall_bps', 'float8', 'null'],
  ],
  conflict: null,
})

/** One engine run: its configuration and, once it ended, its summary (both JSON); the account it traded on and the run it carried on from. */
export const RUNS = spec({
  name: 'runs',
  columns: [
    ['id', 'text'],
    ['started_at', 'bigint'],
    ['ended_at', 'bigint', 'null'],
    ['config', 'text'],
    ['summary', 'text', 'null'],
    // Which venue account the run traded on (a persistent exchange's identity, without secrets); null for a simulator.
    ['exchange', 'text', 'null'],
    // The earlier run on the same account whose orders and positions this run took over.
    ['resumes', 'text', 'null'],
    // live (demo, run) or backtest.
    ['kind', 'text'],
  ],
  conflict: { keys: ['id'], update: 'nothing' },
})

/** Netting: one row per block order (the net of a window's children of one symbol), its latest state. */
export const BLOCKS = spec({
  name: 'blocks',
  columns: [
    // The venue client order id of the block's (first) order.
    ['id', 'text'],
    ['run_id', 'text', 'null'],
    ['symbol', 'text'],
    ['side', 'text'],
    ['amount', 'float8'],
    ['filled', 'float8'],
    ['avg_price', 'float8', 'null'],
    ['status', 'text'],
    ['reason', 'text', 'null'],
    ['created_at', 'bigint'],
    ['closed_at', 'bigint', 'null'],
    // JSON [[order id, strategy id, actor, amount], …]: the children the block nets.
    ['children', 'text'],
  ],
  conflict: { keys: ['id'], update: ['filled', 'avg_price', 'status', 'reason', 'closed_at'] },
})

/** Netting: every amount a strategy (or the house) got from a block's venue fills or an internal cross. */
export const ALLOCATIONS = spec({
  name: 'allocations',
  columns: [
    // The fill's trade id in `fills` (the house's: '<block>:house').
    ['trade_id', 'text'],
    ['run_id', 'text', 'null'],
    // Null for an internal cross.
    ['block_id', 'text', 'null'],
    ['cross_id', 'text', 'null'],
    ['order_id', 'text', 'null'],
    ['strategy_id', 'text'],
    ['symbol', 'text'],
    ['side', 'text'],
    ['amount', 'float8'],
    ['price', 'float8'],
    ['fee', 'float8'],
    // venue | internal | house
    ['kind', 'text'],
    ['ts', 'bigint'],
  ],
  conflict: { keys: ['trade_id'], update: 'nothing' },
})

/** Every table the bulk writers know, by name. */
/** A backtest's leaderboard: one row per strategy, its figures over the replayed data (window: 'all', or a walk-forward window). */
export const BACKTEST_RESULTS = spec({
  name: 'backtest_results',
  columns: [
    ['run_id', 'text'],
    ['window', 'text'],
    ['strategy_id', 'text'],
    ['strategy', 'text'],
    ['params', 'text'],
    ['symbol', 'text'],
    ['entries', 'integer'],
    ['round_trips', 'integer'],
    ['win_rate', 'float8', 'null'],
    ['net_pnl', 'float8'],
    ['return_pct', 'float8'],
    ['fees', 'float8'],
    ['max_drawdown_pct', 'float8'],
    ['sharpe', 'float8', 'null'],
    ['sortino', 'float8', 'null'],
    ['profit_factor', 'float8', 'null'],
    ['exposure_pct', 'float8'],
  ],
  conflict: { keys: ['run_id', 'window', 'strategy_id'], update: 'nothing' },
})

/** One operator control action (dashboard / control API): who, when, what, and the state it left. */
export const CONTROLS = spec({
  name: 'controls',
  columns: [
    ['run_id', 'text'],
    ['ts', 'bigint'],
    ['who', 'text'],
    ['action', 'text'],
    ['scope', 'text'],
    ['target', 'text', 'null'],
    ['state', 'text'],
  ],
  conflict: null,
})

export const TABLES = {
  orders: ORDERS,
  fills: FILLS,
  order_events: ORDER_EVENTS,
  positions: POSITIONS,
  executions: EXECUTIONS,
  runs: RUNS,
  blocks: BLOCKS,
  allocations: ALLOCATIONS,
  backtest_results: BACKTEST_RESULTS,
  controls: CONTROLS,
  allocator_weights: ALLOCATOR_WEIGHTS,
} as const

/** The spec's conflict clause as SQL (the same text on SQLite and PostgreSQL); '' when it has none. */
export function conflictSql(s: TableSpec): string {
  const c = s.conflict
  if (c === null) return ''
  const keys = c.keys.join(', ')
  if (c.update === 'nothing') return ` on conflict (${keys}) do nothing`
  return ` on conflict (${keys}) do update set ${c.update.map((u) => `${u} = excluded.${u}`).join(', ')}`
}

/** A row's values in the spec's column order. */
export function valuesOf(s: TableSpec, row: Record<string, unknown>, out: unknown[]): void {
  for (const [name] of s.columns) out.push(row[name] ?? null)
}

/** Rows split for another thread: numeric columns in a Float64Array (null as NaN), text columns in an array. */
export interface SplitRows {
  readonly nums: Float64Array<ArrayBuffer>
  readonly strs: (string | null)[]
}

/**
 * `rows` split by column type, so that their numbers cross to the writer thread as one
 * transferred buffer: as JSON text, formatting doubles cost ~3x the rest of the work.
 */
export function splitRows(s: TableSpec, rows: readonly object[]): SplitRows {
  const numeric = s.columns.filter(([, t]) => t !== 'text').map(([n]) => n)
  const text = s.columns.filter(([, t]) => t === 'text').map(([n]) => n)
  const nums = new Float64Array(rows.length * numeric.length)
  const strs: (string | null)[] = new Array(rows.length * text.length)
  let i = 0
  let j = 0
  for (const r of rows) {
    const row = r as Record<string, unknown>
    for (const name of numeric) {
      const v = row[name]
      nums[i++] = v === null || v === undefined ? Number.NaN : (v as number)
    }
    for (const name of text) strs[j++] = (row[name] as string | null | undefined) ?? null
  }
  return { nums, strs }
}

/** splitRows' rows back as positional values in the spec's column order (NaN back to null). */
export function joinRows(s: TableSpec, { nums, strs }: SplitRows): unknown[] {
  const numeric = s.columns.filter(([, t]) => t !== 'text').length
  const text = s.columns.length - numeric
  const n = numeric > 0 ? nums.length / numeric : strs.length / text
  if (!Number.isInteger(n) || nums.length !== n * numeric || strs.length !== n * text) throw new Error(`${s.name}: ${nums.length} numbers and ${strs.length} strings are not whole rows`)
  const out: unknown[] = new Array(n * s.columns.length)
  let i = 0
  let j = 0
  let k = 0
  for (let r = 0; r < n; r++)
    for (const [, type] of s.columns) {
      if (type === 'text') out[k++] = strs[j++]
      else {
        const v = nums[i++]!
        out[k++] = Number.isNaN(v) ? null : v
      }
    }
  return out
}
