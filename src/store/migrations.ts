import type { Kysely } from 'kysely'
import { Migrator, type Migration, type MigrationProvider } from 'kysely'

/** Schema history. Never edit a shipped migration; add the next one. */
const MIGRATIONS: Record<string, Migration> = {
  '001_orders_fills': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('exchange_id', 'text')
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('price', 'double precision')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('filled', 'double precision', (c) => c.notNull())
        .addColumn('avg_price', 'double precision')
        .addColumn('fee', 'double precision', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('orders_strategy').on('orders').columns(['strategy_id', 'created_at']).execute()
      await db.schema
        .createTable('fills')
        .addColumn('trade_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('fee', 'double precision', (c) => c.notNull())
        .addColumn('liquidity', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        // Venues number trades per symbol (Binance), so a trade id alone is not unique.
        .addPrimaryKeyConstraint('fills_pk', ['symbol', 'trade_id'])
        .execute()
      await db.schema.createIndex('fills_order').on('fills').column('order_id').execute()
      await db.schema.createIndex('fills_strategy').on('fills').columns(['strategy_id', 'ts']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('fills').execute()
      await db.schema.dropTable('orders').execute()
    },
  },
  '002_runs_events_positions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('summary', 'text')
        .execute()
      // seq is assigned by the writer, in acceptance order: one code path on both dialects.
      await db.schema
        .createTable('order_events')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_events_pk', ['run_id', 'seq'])
        .execute()
      await db.schema.createIndex('order_events_order').on('order_events').column('order_id').execute()
      await db.schema
        .createTable('positions')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('position', 'double precision', (c) => c.notNull())
        .addColumn('avg_price', 'double precision', (c) => c.notNull())
        .addColumn('realized_pnl', 'double precision', (c) => c.notNull())
        .addColumn('fees', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('positions_pk', ['run_id', 'strategy_id', 'ts'])
        .execute()
      await db.schema.alterTable('orders').addColumn('run_id', 'text').execute()
      await db.schema.alterTable('fills').addColumn('run_id', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('fills').dropColumn('run_id').execute()
      await db.schema.alterTable('orders').dropColumn('run_id').execute()
      await db.schema.dropTable('positions').execute()
      await db.schema.dropTable('order_events').execute()
      await db.schema.dropTable('runs').execute()
    },
  },
  '003_position_marks': {
    async up(db: Kysely<any>) {
      for (const col of ['mark_price', 'unrealized_pnl', 'equity', 'drawdown']) await db.schema.alterTable('positions').addColumn(col, 'double precision').execute()
    },
    async down(db: Kysely<any>) {
      for (const col of ['mark_price', 'unrealized_pnl', 'equity', 'drawdown']) await db.schema.alterTable('positions').dropColumn(col).execute()
    },
  },
  '004_executions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('executions')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('algo', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('requested', 'double precision', (c) => c.notNull())
        .addColumn('filled', 'double precision', (c) => c.notNull())
        .addColumn('arrival_mid', 'double precision', (c) => c.notNull())
        .addColumn('avg_price', 'double precision')
        .addColumn('slippage_bps', 'double precision')
        .addColumn('maker_amount', 'double precision', (c) => c.notNull())
        .addColumn('taker_amount', 'double precision', (c) => c.notNull())
        .addColumn('fees', 'double precision', (c) => c.notNull())
        .addColumn('time_to_fill_ms', 'double precision')
        .addColumn('amendments', 'integer', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('executions_pk', ['run_id', 'seq'])
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('executions').execute()
    },
  },
  '005_run_lineage': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('runs').addColumn('exchange', 'text').execute()
      await db.schema.alterTable('runs').addColumn('resumes', 'text').execute()
      await db.schema.createIndex('orders_run').on('orders').column('run_id').execute()
      await db.schema.createIndex('fills_run').on('fills').columns(['run_id', 'strategy_id']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('fills_run').execute()
      await db.schema.dropIndex('orders_run').execute()
      await db.schema.alterTable('runs').dropColumn('resumes').execute()
      await db.schema.alterTable('runs').dropColumn('exchange').execute()
    },
  },
  '006_netting': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('blocks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text')
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('filled', 'double precision', (c) => c.notNull())
        .addColumn('avg_price', 'double precision')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('children', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('blocks_run').on('blocks').columns(['run_id', 'symbol']).execute()
      await db.schema
        .createTable('allocations')
        .addColumn('trade_id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text')
        .addColumn('block_id', 'text')
        .addColumn('cross_id', 'text')
        .addColumn('order_id', 'text')
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('fee', 'double precision', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('allocations_block').on('allocations').column('block_id').execute()
      await db.schema.createIndex('allocations_strategy').on('allocations').columns(['strategy_id', 'ts']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('allocations').execute()
      await db.schema.dropTable('blocks').execute()
    },
  },
  '007_backtests': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('runs')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('live'))
        .execute()
      await db.schema
        .createTable('backtest_results')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('window', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('strategy', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('entries', 'integer', (c) => c.notNull())
        .addColumn('round_trips', 'integer', (c) => c.notNull())
        .addColumn('win_rate', 'double precision')
        .addColumn('net_pnl', 'double precision', (c) => c.notNull())
        .addColumn('return_pct', 'double precision', (c) => c.notNull())
        .addColumn('fees', 'double precision', (c) => c.notNull())
        .addColumn('max_drawdown_pct', 'double precision', (c) => c.notNull())
        .addColumn('sharpe', 'double precision')
        .addColumn('sortino', 'double precision')
        .addColumn('profit_factor', 'double precision')
        .addColumn('exposure_pct', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('backtest_results_pk', ['run_id', 'window', 'strategy_id'])
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('backtest_results').execute()
      await db.schema.alterTable('runs').dropColumn('kind').execute()
    },
  },
  '008_execution_cost': {
    // Total cost per piece of work (issue 16): the end-of-work mid values an unfilled remainder.
    async up(db: Kysely<any>) {
      for (const c of ['end_mid', 'cost_bps', 'opportunity_bps', 'shortfall_bps']) await db.schema.alterTable('executions').addColumn(c, 'double precision').execute()
    },
    async down(db: Kysely<any>) {
      for (const c of ['shortfall_bps', 'opportunity_bps', 'cost_bps', 'end_mid']) await db.schema.alterTable('executions').dropColumn(c).execute()
    },
  },
  '009_controls': {
    // Operator actions from the dashboard / control API (issue 14).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('controls')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('who', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('controls_run').on('controls').columns(['run_id', 'ts']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('controls').execute()
    },
  },
  '010_allocator_weights': {
    // Online capital re-weighting (issue 15): each strategy's weight when it moved.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('allocator_weights')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('weight', 'double precision', (c) => c.notNull())
        .addColumn('updates', 'integer', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('allocator_weights_run').on('allocator_weights').columns(['run_id', 'strategy_id', 'ts']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('allocator_weights').execute()
    },
  },
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

/** Brings the schema up to date (or to `target`); throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, target?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  const { error, results } = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target)
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return (results ?? []).map((r) => r.migrationName)
}
